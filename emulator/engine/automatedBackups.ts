// A managed instance's automated backups, as Azure documents them ("Automated backups in Azure SQL
// Managed Instance", "Backup transparency"): the first full backup of a user database is scheduled
// once the database exists on the instance (created, restored, seeded by a link, or there when the
// estate starts), then one every week; the service's backups are in msdb.dbo.backupset as type D,
// is_copy_only 0, with the fields that concern the user, the path and the machine not populated.
// While a link exists the managed instance backs its databases up whether it is primary or not
// (REFERENCE 3.8). SQL Server instances take none.
//
// Not emulated: the differential (12-24 h) and log (5-10 min) backups, the request the service runs
// (no row in sys.dm_exec_requests), long-term retention.
import { randomUUID } from 'node:crypto';
import type { BackupHistoryRow } from '../backup/host';
import { LSN_STEP } from '../backup/lsnChain';
import { COMPRESSION_RATIO, dataFileBytes, durationMs } from '../backup/sizing';
import { FIRST_USER_DATABASE_ID } from './databases';
import type { AutomatedBackupSchedule, Database, InstanceConfig } from './model';

/** the estate file's default: the first full backup starts five minutes after the database exists */
export const DEFAULT_FIRST_FULL_AFTER_SECONDS = 300;
/** "Azure SQL Managed Instance creates full backups every week" */
export const DEFAULT_FULL_INTERVAL_HOURS = 168;

export function defaultSchedule(): AutomatedBackupSchedule {
  return { firstFullAfterSeconds: DEFAULT_FIRST_FULL_AFTER_SECONDS, fullIntervalHours: DEFAULT_FULL_INTERVAL_HOURS };
}

/** What the schedule needs from the instance (EmulatedInstance provides it). */
export interface AutomatedBackupHost {
  readonly config: InstanceConfig;
  readonly serverName: string;
  databases(): Database[];
  recordBackupHistory(row: BackupHistoryRow): void;
  /** a link secondary still being seeded does not exist yet as far as the service is concerned */
  isBeingSeeded(db: Database): boolean;
  /** a link secondary's log is the primary's: backing it up writes no log of its own */
  isLinkSecondary(db: Database): boolean;
}

const at = (base: Date, ms: number): Date => new Date(base.getTime() + ms);

/**
 * Moves the automated backups of every user database to `now`: notes databases that came to exist,
 * starts the full backups that are due and records the ones that finished. Several steps can happen
 * in one call (a clock that jumped): each at the simulated time it was due.
 */
export function tickAutomatedBackups(host: AutomatedBackupHost, now: Date): void {
  const schedule = host.config.automatedBackups;
  if (host.config.kind !== 'managedInstance' || !schedule) return;
  for (const db of host.databases()) {
    if (db.databaseId < FIRST_USER_DATABASE_ID) continue;
    // a database being restored does not exist yet; one taken offline is not backed up meanwhile
    if (db.state !== 'ONLINE') {
      if (db.automatedBackup?.running) db.automatedBackup.running = undefined;
      continue;
    }
    // nor does a link secondary being seeded (looked at until the database exists for the service)
    if (!db.automatedBackup && host.isBeingSeeded(db)) continue;
    const s = (db.automatedBackup ??= { existsSince: now, nextFullAt: at(now, schedule.firstFullAfterSeconds * 1000) });
    if (s.declaredFullAt) {
      const declared = s.declaredFullAt;
      recordDeclared(host, db, declared);
      s.declaredFullAt = undefined;
      s.firstFullAt ??= declared;
      s.lastFullAt = declared;
    }
    if (!s.running && now.getTime() >= s.nextFullAt.getTime()) {
      // when it was due (a clock that jumped); one missed by more than an interval (a backup the
      // estate file dates long ago, a state file restored much later) is taken now, once: the
      // service does not make up the backups it did not take
      const overdueMs = now.getTime() - s.nextFullAt.getTime();
      const startedAt = overdueMs > schedule.fullIntervalHours * 3_600_000 ? now : s.nextFullAt;
      s.running = { startedAt, firstLsn: db.lastLsn, finishAt: at(startedAt, durationMs(dataFileBytes(db.files), host.config.throughputMBps)) };
    }
    if (s.running && now.getTime() >= s.running.finishAt.getTime()) {
      const { startedAt, firstLsn, finishAt } = s.running;
      s.running = undefined;
      record(host, db, startedAt, finishAt, firstLsn);
      s.firstFullAt ??= finishAt;
      s.lastFullAt = finishAt;
      s.nextFullAt = at(finishAt, schedule.fullIntervalHours * 3_600_000);
    }
  }
}

function record(host: AutomatedBackupHost, db: Database, startedAt: Date, finishedAt: Date, firstLsn: bigint): void {
  // on a primary or a database of its own the backup writes its own log records (as BACKUP does);
  // a link secondary's backup covers the log it has
  const secondary = host.isLinkSecondary(db);
  const lastLsn = secondary ? (db.lastLsn > firstLsn ? db.lastLsn : firstLsn) : db.lastLsn + LSN_STEP;
  if (!secondary) db.lastLsn = lastLsn;
  const guid = randomUUID().toUpperCase();
  const bytes = dataFileBytes(db.files);
  host.recordBackupHistory({
    backupSetGuid: guid,
    mediaSetGuid: randomUUID().toUpperCase(),
    databaseName: db.name,
    type: 'D',
    isCopyOnly: false,
    firstLsn,
    lastLsn,
    checkpointLsn: firstLsn,
    databaseBackupLsn: db.differentialBaseLsn ?? 0n,
    backupStartDate: startedAt,
    backupFinishDate: finishedAt,
    backupSize: bytes,
    // "backups are compressed"
    compressedBackupSize: Math.round(bytes * COMPRESSION_RATIO),
    serverName: host.serverName,
    // not populated: "Fields that aren't relevant to the cloud ... the machine name, the physical drive"
    machineName: null,
    recoveryModel: db.recoveryModel,
    deviceUrls: [],
    // UNCONFIRMED: the backup set's name as the service writes it; the docs say only that the user's
    // fields are not populated
    name: null,
    description: null,
    userName: null,
    // "All database backups are taken with the CHECKSUM option"
    hasChecksums: true,
    automated: true,
  });
  // the base of differentials from now on
  db.differentialBaseLsn = firstLsn;
  db.differentialBaseGuid = guid;
}

/** the backup the estate file says the database already has (databases[].automatedFullBackupAt) */
function recordDeclared(host: AutomatedBackupHost, db: Database, finishedAt: Date): void {
  const ms = durationMs(dataFileBytes(db.files), host.config.throughputMBps);
  const firstLsn = db.lastLsn;
  const guid = randomUUID().toUpperCase();
  const bytes = dataFileBytes(db.files);
  host.recordBackupHistory({
    backupSetGuid: guid,
    mediaSetGuid: randomUUID().toUpperCase(),
    databaseName: db.name,
    type: 'D',
    isCopyOnly: false,
    firstLsn,
    lastLsn: firstLsn,
    checkpointLsn: firstLsn,
    databaseBackupLsn: 0n,
    backupStartDate: at(finishedAt, -ms),
    backupFinishDate: finishedAt,
    backupSize: bytes,
    compressedBackupSize: Math.round(bytes * COMPRESSION_RATIO),
    serverName: host.serverName,
    machineName: null,
    recoveryModel: db.recoveryModel,
    deviceUrls: [],
    name: null,
    description: null,
    userName: null,
    hasChecksums: true,
    automated: true,
  });
  db.differentialBaseLsn ??= firstLsn;
  db.differentialBaseGuid ??= guid;
}
