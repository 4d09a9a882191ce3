// The restore playbook's state between steps, kept on the operation as JSON (so LSNs are strings).
import type { PollerState } from '../arm/poller';
import type { BackupBlob, BackupKind } from './backupSet';

export interface StoredBlob {
  url: string;
  name: string;
  mediaSetId: string;
  familyCount: number;
  familySequenceNumber: number;
  backupType: number;
  databaseName: string;
  serverName: string;
  firstLsn: string;
  lastLsn: string;
  checkpointLsn: string;
  databaseBackupLsn: string;
  differentialBaseLsn?: string;
  backupSetGuid: string;
  isCopyOnly: boolean;
  backupFinishDate: string;
  databaseVersion: number;
  softwareVersionMajor: number;
  backupSetCount: number;
  lsnApproximate?: boolean;
}

export interface PlannedStep {
  kind: BackupKind;
  urls: string[];
  recovery: boolean;
  softwareVersionMajor: number;
}

export interface RestoreFile {
  logicalName: string;
  physicalName: string;
  type: 'D' | 'L' | 'S' | 'F';
  fileId: number;
  sizeBytes: number;
  /** '0x…' when the file is protected by TDE */
  tdeThumbprint?: string;
}

export interface LogReplayProgress {
  /** the staged folder in the container's logReplayContainer */
  folder: string;
  /** the service was asked to start (a re-run finds it through restoreDetails) */
  started?: boolean;
  startPoller?: PollerState;
  stopPoller?: PollerState;
  /** the restoring database is gone (stopped) and the staged files removed */
  tidied?: boolean;
}

/**
 * Kept on the operation record, so it stays small: the backup's files, their headers and the
 * plan live in the JSON store (RestoreData), whatever their number.
 */
export interface RestoreState {
  /** when the first look found stripes missing (for the stripe timeout) */
  waitingSince?: string;
  /** how many files the plan restores */
  planLength?: number;
  sourceDatabase?: string;
  sourceServer?: string;
  /** the source is a managed instance of the estate: what ARM said of it */
  sourceMi?: { name: string; facts: { databaseFormat?: string; serverKeyType: string } };
  targetKind?: 'sqlServer' | 'managedInstance';
  /** what the target says of itself (SERVERPROPERTY) */
  targetFacts?: { major: number; edition: number; dataPath: string | null; logPath: string | null };
  targetExisted?: boolean;
  /** the name restored into: the target itself, or a staging name for swap */
  restoreAs?: string;
  replace?: boolean;
  chainIndex?: number;
  reportedPercent?: number;
  oldCopy?: string;
  droppedCopies?: string[];
  scriptsDone?: number;
  validation?: { tables: { table: string; rows: number; sourceRows?: number }[]; differences: string[]; comparedWith?: string };
  /** a chain onto a managed instance, through the Log Replay Service */
  logReplay?: LogReplayProgress;
  failure?: { code: string; message: string };
  startedRestoreAt?: string;
  finishedRestoreAt?: string;
}

export function storeBlob(b: BackupBlob): StoredBlob {
  const h = b.header;
  return {
    url: b.url,
    name: b.name,
    mediaSetId: b.label.mediaSetId,
    familyCount: b.label.familyCount,
    familySequenceNumber: b.label.familySequenceNumber,
    backupType: h.backupType,
    databaseName: h.databaseName,
    serverName: h.serverName,
    firstLsn: h.firstLsn.toString(),
    lastLsn: h.lastLsn.toString(),
    checkpointLsn: h.checkpointLsn.toString(),
    databaseBackupLsn: h.databaseBackupLsn.toString(),
    differentialBaseLsn: h.differentialBaseLsn?.toString(),
    backupSetGuid: h.backupSetGuid,
    isCopyOnly: h.isCopyOnly,
    backupFinishDate: h.backupFinishDate.toISOString(),
    databaseVersion: h.databaseVersion,
    softwareVersionMajor: h.softwareVersionMajor,
    backupSetCount: h.backupSetCount,
    lsnApproximate: h.lsnApproximate,
  };
}

export function loadBlob(s: StoredBlob): BackupBlob {
  return {
    url: s.url,
    name: s.name,
    label: { mediaSetId: s.mediaSetId, familyCount: s.familyCount, familySequenceNumber: s.familySequenceNumber },
    header: {
      backupType: s.backupType,
      databaseName: s.databaseName,
      serverName: s.serverName,
      firstLsn: BigInt(s.firstLsn),
      lastLsn: BigInt(s.lastLsn),
      checkpointLsn: BigInt(s.checkpointLsn),
      databaseBackupLsn: BigInt(s.databaseBackupLsn),
      differentialBaseLsn: s.differentialBaseLsn === undefined ? undefined : BigInt(s.differentialBaseLsn),
      backupSetGuid: s.backupSetGuid,
      isCopyOnly: s.isCopyOnly,
      backupFinishDate: new Date(s.backupFinishDate),
      databaseVersion: s.databaseVersion,
      softwareVersionMajor: s.softwareVersionMajor,
      backupSetCount: s.backupSetCount,
      lsnApproximate: s.lsnApproximate,
    },
  };
}
