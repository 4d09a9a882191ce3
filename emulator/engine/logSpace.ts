// The transaction log's fill: what DBCC SQLPERF(LOGSPACE), sys.databases.log_reuse_wait and the
// SQLServer:Databases counters show. The active log runs from the truncation point to the end of
// the log. In SIMPLE recovery (and FULL before its first full backup, which behaves as SIMPLE)
// checkpoints truncate it; otherwise only a log backup does. An availability group holds the log
// its secondary has not hardened yet (logTruncationHoldLsn, set by the link): neither a checkpoint
// nor a log backup truncates past it, so the log fills while a link is cut off and empties only
// once the secondary caught up and a log backup ran. A managed instance backs its log up by
// itself every few minutes: there the log behaves as if truncated continuously (INFERRED).
import { LOG_BYTES_PER_RECORD, recordsBetween } from './lsn';
import type { Database, InstanceKind } from './model';

const MB = 1024 * 1024;
/** SQL Server's default log autogrowth since 2016 */
export const LOG_GROWTH_BYTES = 64 * MB;
/** a log is never empty: the active virtual log file (INFERRED size) */
const MIN_USED_BYTES = Math.round(0.5 * MB);

export type LogReuseWait = 'NOTHING' | 'LOG_BACKUP' | 'AVAILABILITY_REPLICA';
/** sys.databases.log_reuse_wait codes */
export const LOG_REUSE_WAIT_CODES: Record<LogReuseWait, number> = { NOTHING: 0, LOG_BACKUP: 2, AVAILABILITY_REPLICA: 9 };

export interface LogSpace {
  sizeBytes: number;
  usedBytes: number;
  usedPercent: number;
  reuseWait: LogReuseWait;
}

const minLsn = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** checkpoints truncate the log by themselves: SIMPLE, FULL without a backup chain yet, a managed instance */
function truncatesByItself(db: Database, kind: InstanceKind): boolean {
  if (kind === 'managedInstance' || db.recoveryModel === 'SIMPLE') return true;
  // an availability database always has a backup chain (the link requires a full backup first)
  return db.logTruncationHoldLsn === undefined && db.differentialBaseLsn === undefined && db.lastLogBackupLsn === undefined && db.logTruncationLsn === undefined;
}

/** the oldest LSN the log still keeps, and what keeps it */
export function logTruncation(db: Database, kind: InstanceKind): { lsn: bigint; reuseWait: LogReuseWait } {
  const hold = db.logTruncationHoldLsn;
  const held = hold !== undefined && hold < db.lastLsn;
  if (truncatesByItself(db, kind)) return held ? { lsn: hold, reuseWait: 'AVAILABILITY_REPLICA' } : { lsn: db.lastLsn, reuseWait: 'NOTHING' };
  // a log backup records where it truncated (never past the hold); a restore leaves the log
  // backed up to where its chain ended
  const backedUp = [db.differentialBaseLsn, db.lastLogBackupLsn].filter((x): x is bigint => x !== undefined);
  const point = db.logTruncationLsn ?? (backedUp.length > 0 ? backedUp.reduce((a, b) => (a > b ? a : b)) : (hold ?? db.lastLsn));
  if (point >= db.lastLsn) return { lsn: db.lastLsn, reuseWait: 'NOTHING' };
  // a log backup went as far as it could: what still waits is the replica
  if (held && db.logTruncationLsn !== undefined && db.logTruncationLsn >= hold) return { lsn: point, reuseWait: 'AVAILABILITY_REPLICA' };
  return { lsn: point, reuseWait: 'LOG_BACKUP' };
}

/** a log backup (not copy-only) truncates up to its end, but never past what the replica holds */
export function truncateAfterLogBackup(db: Database, backupLastLsn: bigint): void {
  const end = minLsn(backupLastLsn, db.lastLsn);
  db.logTruncationLsn = db.logTruncationHoldLsn === undefined ? end : minLsn(end, db.logTruncationHoldLsn);
}

function logFileBytes(db: Database): number {
  return db.files.filter((f) => f.type === 'LOG').reduce((sum, f) => sum + f.sizeBytes, 0);
}

/** the log file grows (autogrowth) when the active log outgrows it, as SQL Server's does */
export function growLogIfNeeded(db: Database, usedBytes: number): void {
  const log = db.files.find((f) => f.type === 'LOG');
  if (!log) return;
  while (usedBytes > logFileBytes(db)) log.sizeBytes += LOG_GROWTH_BYTES;
}

export function logSpace(db: Database, kind: InstanceKind): LogSpace {
  const { lsn, reuseWait } = logTruncation(db, kind);
  const usedBytes = MIN_USED_BYTES + recordsBetween(lsn, db.lastLsn) * LOG_BYTES_PER_RECORD;
  growLogIfNeeded(db, usedBytes);
  const sizeBytes = logFileBytes(db);
  return { sizeBytes, usedBytes, usedPercent: sizeBytes > 0 ? (100 * usedBytes) / sizeBytes : 0, reuseWait };
}

/** counts log written by the workload or received from a primary (the cumulative counters) */
export function recordLogWrite(db: Database, bytes: number, transactions: number): void {
  if (bytes <= 0) return;
  db.logBytesFlushed = (db.logBytesFlushed ?? 0) + bytes;
  db.logFlushes = (db.logFlushes ?? 0) + 1;
  db.transactionCount = (db.transactionCount ?? 0) + transactions;
}
