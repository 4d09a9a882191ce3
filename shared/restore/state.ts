// The restore playbook's state between steps, kept on the operation as JSON (so LSNs are strings).
import { z } from 'zod';
import { isPollerState, type PollerState } from '../arm/poller';
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
  backupStartDate?: string;
  backupFinishDate: string;
  databaseVersion: number;
  softwareVersionMajor: number;
  hasBackupChecksums?: boolean;
  backupSetCount: number;
  lsnApproximate?: boolean;
}

/** One backup set of the plan, with what identifies it (checked again after the restore). */
export interface PlannedStep {
  kind: BackupKind;
  urls: string[];
  recovery: boolean;
  softwareVersionMajor: number;
  /** the backup has checksums: RESTORE verifies them WITH CHECKSUM */
  checksums?: boolean;
  backupSetGuid?: string;
  firstLsn?: string;
  lastLsn?: string;
  backupStartDate?: string;
  backupFinishDate?: string;
}

/** What a DBA is told was restored: one backup set, named by its GUID, LSN range, dates and files. */
export interface RestoredBackup {
  kind: BackupKind;
  backupSetGuid?: string;
  firstLsn?: string;
  lastLsn?: string;
  backupStartDate?: string;
  backupFinishDate?: string;
  files: string[];
}

export function restoredBackup(step: PlannedStep, pathOf: (url: string) => string): RestoredBackup {
  return {
    kind: step.kind,
    backupSetGuid: step.backupSetGuid,
    firstLsn: step.firstLsn,
    lastLsn: step.lastLsn,
    backupStartDate: step.backupStartDate,
    backupFinishDate: step.backupFinishDate,
    files: step.urls.map(pathOf),
  };
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

const pollerState = z.custom<PollerState>(isPollerState, { message: 'not a saved ARM operation' });

const logReplayProgress = z.object({
  /** the staged folder in the container's logReplayContainer */
  folder: z.string(),
  /** the service was asked to start (a re-run finds it through restoreDetails) */
  started: z.boolean().optional(),
  startPoller: pollerState.optional(),
  stopPoller: pollerState.optional(),
  /** the restoring database is gone (stopped) and the staged files removed */
  tidied: z.boolean().optional(),
});

export type LogReplayProgress = z.infer<typeof logReplayProgress>;

/**
 * Kept on the operation record, so it stays small: the backup's files, their headers, the plan and
 * the per-table validation live in the JSON store (RestoreData), whatever their number.
 */
export const restoreStateSchema = z.object({
  /** when the first look found stripes missing (for the stripe timeout) */
  waitingSince: z.string().optional(),
  /** how many files the plan restores */
  planLength: z.number().int().optional(),
  sourceDatabase: z.string().optional(),
  sourceServer: z.string().optional(),
  /** the source is a managed instance of the estate: what ARM said of it */
  sourceMi: z.object({ name: z.string(), facts: z.object({ databaseFormat: z.string().optional(), serverKeyType: z.string() }) }).optional(),
  targetKind: z.enum(['sqlServer', 'managedInstance']).optional(),
  /** what the target says of itself (SERVERPROPERTY) */
  targetFacts: z.object({ major: z.number(), edition: z.number(), dataPath: z.string().nullable(), logPath: z.string().nullable() }).optional(),
  targetExisted: z.boolean().optional(),
  /** the name restored into: the target itself, or a staging name for swap */
  restoreAs: z.string().optional(),
  replace: z.boolean().optional(),
  chainIndex: z.number().int().optional(),
  /** RESTORE VERIFYONLY: how many files of the plan are verified */
  verifiedFiles: z.number().int().optional(),
  reportedPercent: z.number().optional(),
  oldCopy: z.string().optional(),
  droppedCopies: z.array(z.string()).optional(),
  scriptsDone: z.number().int().optional(),
  /** the row-count comparison's summary; the per-table counts are in the JSON store */
  validation: z.object({ tables: z.number().int(), differences: z.number().int(), comparedWith: z.string().optional() }).optional(),
  /** a chain onto a managed instance, through the Log Replay Service */
  logReplay: logReplayProgress.optional(),
  startedRestoreAt: z.string().optional(),
  finishedRestoreAt: z.string().optional(),
  /** a newer backup in the container (its path) whose own restore includes this one's */
  supersededBy: z.string().optional(),
  /** the target could not be reached since then (waited for, up to a window) */
  unreachableSince: z.string().optional(),
});

export type RestoreState = z.infer<typeof restoreStateSchema>;

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
    backupStartDate: h.backupStartDate?.toISOString(),
    backupFinishDate: h.backupFinishDate.toISOString(),
    databaseVersion: h.databaseVersion,
    softwareVersionMajor: h.softwareVersionMajor,
    hasBackupChecksums: h.hasBackupChecksums,
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
      backupStartDate: s.backupStartDate === undefined ? undefined : new Date(s.backupStartDate),
      backupFinishDate: new Date(s.backupFinishDate),
      databaseVersion: s.databaseVersion,
      softwareVersionMajor: s.softwareVersionMajor,
      hasBackupChecksums: s.hasBackupChecksums,
      backupSetCount: s.backupSetCount,
      lsnApproximate: s.lsnApproximate,
    },
  };
}
