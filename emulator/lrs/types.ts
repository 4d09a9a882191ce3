// What the Log Replay Service is asked to do and what it reports: the ARM start request, the state
// restoreDetails shows (REFERENCE 8.2 names), and the emulator's knobs. No SAS token ever leaves
// LrsStart: the state carries the folder URL and the identity kind only.

export interface LrsStart {
  storageContainerUri: string;
  storageContainerIdentity: 'SharedAccessSignature' | 'ManagedIdentity';
  /** never echoed back */
  storageContainerSasToken?: string;
  autoCompleteRestore: boolean;
  lastBackupName?: string;
  collation?: string;
}

/** The three words the app matches on. */
export type LrsStatus = 'Restoring' | 'Completed' | 'Failed';

/** UNCONFIRMED: the spec types a backup set's status as a plain string. */
export type LrsSetStatus = 'Queued' | 'Restoring' | 'Restored' | 'Skipped' | 'Failed';

/** UNCONFIRMED: the spec types currentBackupType as a plain string. */
export type LrsBackupType = 'Full' | 'Differential' | 'Log';

export interface LrsBackupSetInfo {
  type: LrsBackupType;
  status: LrsSetStatus;
  firstStripeName: string;
  /** the stripes (media families) the set was written to */
  numberOfStripes: number;
  backupSizeMB: number;
  restoreStartedTimestampUtc?: Date;
  restoreFinishedTimestampUtc?: Date;
}

export interface LrsState {
  database: string;
  start: Omit<LrsStart, 'storageContainerSasToken'>;
  status: LrsStatus;
  /** why the restore stopped or cannot go on, in SQL Server's words */
  blockReason?: string;
  startedAt: Date;
  completedAt?: Date;
  currentRestoringFileName?: string;
  lastRestoredFileName?: string;
  lastRestoredFileTime?: Date;
  lastUploadedFileName?: string;
  lastUploadedFileTime?: Date;
  /** restored bytes of the sets known, 0..100; 100 only once Completed */
  percentCompleted: number;
  currentRestoredSizeMB: number;
  currentRestorePlanSizeMB: number;
  currentBackupType?: LrsBackupType;
  numberOfFilesDetected: number;
  numberOfFilesQueued: number;
  numberOfFilesRestored: number;
  numberOfFilesRestoring: number;
  numberOfFilesSkipped: number;
  numberOfFilesUnrestorable: number;
  fullBackupSets: LrsBackupSetInfo[];
  diffBackupSets: LrsBackupSetInfo[];
  logBackupSets: LrsBackupSetInfo[];
  unrestorableFiles: string[];
}

export interface LrsOptions {
  /** simulated milliseconds between two scans of the folder (default 1000) */
  scanIntervalMs?: number;
}

export const DEFAULT_SCAN_INTERVAL_MS = 1000;
