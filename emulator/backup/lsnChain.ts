// Log sequence numbers of backups and the restore sequence rules (full -> differential -> logs).
// Pure: works on the Database record and backup headers, returns what to change or the error.
import type { Database } from '../engine/model';
import type { SqlMessage } from '../tds/types';
import type { BackupHeader, BackupType } from './format';
import { m } from './messages';

/** One log block: what a backup's own log records advance the end of the log by. */
export const LSN_STEP = 100000n;

export interface BackupLsns {
  firstLsn: bigint;
  lastLsn: bigint;
  checkpointLsn: bigint;
  databaseBackupLsn: bigint;
  differentialBaseLsn: bigint | null;
  differentialBaseGuid: string | null;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: SqlMessage };

/**
 * The LSN range of a new backup of `db` (which is not changed). A full backup covers the log from
 * its checkpoint to the end of the log it writes; a log backup continues where the last one ended.
 */
export function planBackupLsns(db: Database, type: BackupType, statement: string): Result<BackupLsns> {
  const end = db.lastLsn + LSN_STEP;
  const base = db.differentialBaseLsn ?? null;
  const baseGuid = db.differentialBaseGuid ?? null;
  if (type === 1) {
    return {
      ok: true,
      value: { firstLsn: db.lastLsn, lastLsn: end, checkpointLsn: db.lastLsn, databaseBackupLsn: base ?? 0n, differentialBaseLsn: null, differentialBaseGuid: null },
    };
  }
  if (type === 5) {
    if (base === null || baseGuid === null) return { ok: false, error: m.noDifferentialBase(db.name) };
    return {
      ok: true,
      value: { firstLsn: db.lastLsn, lastLsn: end, checkpointLsn: db.lastLsn, databaseBackupLsn: base, differentialBaseLsn: base, differentialBaseGuid: baseGuid },
    };
  }
  if (db.recoveryModel === 'SIMPLE') return { ok: false, error: m.logOnSimple(statement) };
  const chainStart = db.lastLogBackupLsn ?? base;
  if (chainStart === null || chainStart === undefined) return { ok: false, error: m.noLogBase() };
  return {
    ok: true,
    value: { firstLsn: chainStart, lastLsn: end, checkpointLsn: db.lastLsn, databaseBackupLsn: base ?? 0n, differentialBaseLsn: null, differentialBaseGuid: null },
  };
}

/** What a finished backup changes on the source database (whose log may have grown meanwhile). */
export function afterBackup(header: BackupHeader, currentLastLsn: bigint): Partial<Database> {
  const change: Partial<Database> = { lastLsn: currentLastLsn > header.lastLsn ? currentLastLsn : header.lastLsn };
  if (header.isCopyOnly) return change;
  if (header.backupType === 1) {
    change.differentialBaseLsn = header.firstLsn;
    change.differentialBaseGuid = header.backupSetGuid;
  }
  if (header.backupType === 2) change.lastLogBackupLsn = header.lastLsn;
  return change;
}

export type RestoreChain = NonNullable<Database['restoreChain']>;

/**
 * Whether a differential or log backup continues the restore sequence of `target`, and the chain
 * after it. Full backups start a new chain and are not checked here.
 */
export function continueChain(target: Database | undefined, header: BackupHeader): Result<RestoreChain> {
  if (!target) return { ok: false, error: m.databaseMissingForRestore(header.databaseName) };
  const chain = target.restoreChain;
  if (target.state !== 'RESTORING' || !chain) return { ok: false, error: m.noFilesToRollForward() };
  if (header.backupType === 5) {
    if (header.differentialBaseGuid !== chain.backupSetGuids[0] || header.differentialBaseLsn !== chain.fullBackupFirstLsn) {
      return { ok: false, error: m.differentialBaseMismatch() };
    }
  } else {
    if (header.firstLsn > chain.lastRestoredLsn) return { ok: false, error: m.logTooRecent(header.firstLsn, chain.lastRestoredLsn) };
    if (header.lastLsn <= chain.lastRestoredLsn) return { ok: false, error: m.logTooEarly(header.lastLsn, chain.lastRestoredLsn) };
  }
  return {
    ok: true,
    value: {
      lastRestoredLsn: header.lastLsn,
      fullBackupFirstLsn: chain.fullBackupFirstLsn,
      backupSetGuids: [...chain.backupSetGuids, header.backupSetGuid],
    },
  };
}

/** The chain a full backup starts. */
export function startChain(header: BackupHeader): RestoreChain {
  return { lastRestoredLsn: header.lastLsn, fullBackupFirstLsn: header.firstLsn, backupSetGuids: [header.backupSetGuid] };
}
