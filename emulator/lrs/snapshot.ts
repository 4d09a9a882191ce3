// The restoreDetails view of an LRS: file counts, backup sets and progress computed from the
// catalog at the moment of asking.
import { backupTypeOf, type BackupSetEntry, type CatalogFile, type LrsCatalog } from './catalog';
import type { LrsBackupSetInfo, LrsBackupType, LrsStart, LrsState, LrsStatus } from './types';

const MB = 1024 * 1024;

export interface ReplayFacts {
  database: string;
  start: LrsStart;
  status: LrsStatus;
  blockReason?: string;
  startedAt: Date;
  completedAt?: Date;
  current?: BackupSetEntry;
  lastRestored?: { name: string; time: Date; type: LrsBackupType };
}

type FileStatus = 'queued' | 'restoring' | 'restored' | 'skipped' | 'unrestorable';

function fileStatus(file: CatalogFile, catalog: LrsCatalog): FileStatus {
  if (file.excluded === 'unrestorable') return 'unrestorable';
  if (file.excluded === 'duplicate') return 'skipped';
  const set = catalog.setOf(file.name);
  switch (set?.status) {
    case 'Restoring':
      return 'restoring';
    case 'Restored':
      return 'restored';
    case 'Skipped':
      return 'skipped';
    case 'Failed':
      return 'unrestorable';
    default:
      return 'queued';
  }
}

const megabytes = (bytes: number): number => Math.round((bytes / MB) * 100) / 100;

function firstStripeName(set: BackupSetEntry, catalog: LrsCatalog): string {
  return catalog.stripeFiles(set)[0]?.name ?? '';
}

function setInfo(set: BackupSetEntry, catalog: LrsCatalog): LrsBackupSetInfo {
  return {
    type: backupTypeOf(set.header),
    status: set.status,
    firstStripeName: firstStripeName(set, catalog),
    numberOfStripes: set.header.familyCount,
    backupSizeMB: megabytes(set.header.backupSizeBytes),
    restoreStartedTimestampUtc: set.startedAt,
    restoreFinishedTimestampUtc: set.finishedAt,
  };
}

export function snapshot(facts: ReplayFacts, catalog: LrsCatalog): LrsState {
  const files = catalog.files();
  const count = (s: FileStatus): number => files.filter((f) => fileStatus(f, catalog) === s).length;
  const sets = catalog.sets();
  const planned = sets.filter((s) => s.status === 'Queued' || s.status === 'Restoring' || s.status === 'Restored');
  const planBytes = planned.reduce((sum, s) => sum + s.header.backupSizeBytes, 0);
  const restoredBytes = planned.filter((s) => s.status === 'Restored').reduce((sum, s) => sum + s.header.backupSizeBytes, 0);
  const completed = facts.status === 'Completed';
  const percent = completed ? 100 : planBytes === 0 ? 0 : Math.min(99, Math.floor((restoredBytes / planBytes) * 100));
  const newest = catalog.newest();
  const infos = sets.map((s) => setInfo(s, catalog));
  const { storageContainerSasToken: _secret, ...start } = facts.start;
  return {
    database: facts.database,
    start,
    status: facts.status,
    blockReason: facts.blockReason,
    startedAt: facts.startedAt,
    completedAt: facts.completedAt,
    currentRestoringFileName: facts.current ? firstStripeName(facts.current, catalog) : undefined,
    lastRestoredFileName: facts.lastRestored?.name,
    lastRestoredFileTime: facts.lastRestored?.time,
    lastUploadedFileName: newest?.name,
    lastUploadedFileTime: newest?.uploadedAt,
    percentCompleted: percent,
    currentRestoredSizeMB: megabytes(restoredBytes),
    currentRestorePlanSizeMB: megabytes(planBytes),
    currentBackupType: facts.current ? backupTypeOf(facts.current.header) : facts.lastRestored?.type,
    numberOfFilesDetected: files.length,
    numberOfFilesQueued: count('queued'),
    numberOfFilesRestored: count('restored'),
    numberOfFilesRestoring: count('restoring'),
    numberOfFilesSkipped: count('skipped'),
    numberOfFilesUnrestorable: count('unrestorable'),
    fullBackupSets: infos.filter((i) => i.type === 'Full'),
    diffBackupSets: infos.filter((i) => i.type === 'Differential'),
    logBackupSets: infos.filter((i) => i.type === 'Log'),
    unrestorableFiles: files.filter((f) => fileStatus(f, catalog) === 'unrestorable').map((f) => f.name),
  };
}
