// What the restore planner knows about each backup blob: its media family (RESTORE LABELONLY)
// and its backup set (RESTORE HEADERONLY). Column names follow SQL Server's.
import type { Lsn } from './lsn';

export type BackupKind = 'full' | 'differential' | 'log';

/** HEADERONLY BackupType -> kind (1 database, 5 differential database, 2 log). */
export function backupKindOf(backupType: number): BackupKind | undefined {
  return backupType === 1 ? 'full' : backupType === 5 ? 'differential' : backupType === 2 ? 'log' : undefined;
}

export interface MediaLabel {
  mediaSetId: string;
  familyCount: number;
  familySequenceNumber: number;
}

export interface BackupHeader {
  backupType: number;
  databaseName: string;
  serverName: string;
  firstLsn: Lsn;
  lastLsn: Lsn;
  checkpointLsn: Lsn;
  databaseBackupLsn: Lsn;
  differentialBaseLsn?: Lsn;
  backupSetGuid: string;
  isCopyOnly: boolean;
  backupStartDate?: Date;
  backupFinishDate: Date;
  databaseVersion: number;
  softwareVersionMajor: number;
  /** HEADERONLY HasBackupChecksums: RESTORE can verify the pages (WITH CHECKSUM) */
  hasBackupChecksums?: boolean;
  /** how many backup sets the file holds (HEADERONLY rows): more than one is refused */
  backupSetCount: number;
  /** the LSNs were read as rounded numbers (targets before SQL Server 2022): no chains */
  lsnApproximate?: boolean;
}

/** One blob of a backup, with what its label and header say. */
export interface BackupBlob {
  url: string;
  name: string;
  label: MediaLabel;
  header: BackupHeader;
}

/** A whole backup set: every stripe of one media set. */
export interface BackupSet {
  kind: BackupKind;
  mediaSetId: string;
  /** stripe URLs in family order */
  urls: string[];
  header: BackupHeader;
}
