// Point-in-time restore of a managed database into a managed instance of the estate (the same one or
// another), as ARM runs it: PUT …/managedInstances/{target}/databases/{db} with createMode
// PointInTimeRestore, sourceDatabaseId and restorePointInTime.
//
// - Checked at request time, with the codes and texts of the ManagedDatabases_CreateOrUpdate error
//   list in the REST spec (Microsoft.Sql stable/2025-01-01 ManagedDatabases.json): 400
//   MissingSourceDatabaseId, MissingRestorePointInTime, InvalidSourceDatabaseId, SourceServerNotFound,
//   SourceDatabaseNotFound, ManagedDatabaseNameInUse, PitrPointInTimeInvalid (before the earliest
//   restore point or in the future), NoMoreSpaceInManagedInstance, ManagedInstanceStoppingOrStopped and
//   ManagedInstanceRestoreToInstanceWithOlderVersionEdition (an Always-up-to-date source into a SQL
//   Server 2022 format instance; listed in the same spec, INFERRED to apply to a point-in-time restore).
// - The earliest restore point is the end of the database's first full backup on its instance
//   (engine/automatedBackups.ts), and never more than the retention (7 days by default) back: a
//   point-in-time restore needs a full backup taken before the point. The latest is now (the spec's
//   text: "from {1} days early to now").
// - The database appears on the target at once, RESTORING (ARM status Restoring; INFERRED: how the
//   service shows it while it restores), with the source's files, tables (row counts, Always Encrypted
//   columns), TDE, collation and compatibility level. User tables change in the emulator only when a
//   database is restored, which makes a new database: what the source holds now is what it held at any
//   point since it came to exist. Its log starts at the source's end of log at acceptance (not the
//   point's LSN: not emulated).
// - It takes the source's data files at the target instance's throughput (simulated time), then the
//   database is ONLINE in FULL recovery and MULTI_USER, and the instance schedules its automated
//   backups as for any new database.
import type { EmulatedInstance } from '../engine/instance';
import type { Database } from '../engine/model';
import { dataFileBytes, durationMs } from '../backup/sizing';
import type { PointInTimeRestoreStart, PointInTimeRestoreState } from './backend';
import { ArmHttpError } from './errors';
import { copyUsers } from '../engine/principals';

/** a managed instance's default short-term backup retention ("7 days by default") */
export const DEFAULT_RETENTION_DAYS = 7;
const DAY_MS = 24 * 3_600_000;
const MB = 1024 * 1024;
/** simulated ms between two looks of a running restore at the clock */
const WAKE_STEP_MS = 1000;

const ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Sql\/managedInstances\/([^/]+)\/databases\/([^/]+)\/?$/i;

/** the parts of a managed database's ARM id, or undefined when it is not one */
export function parseManagedDatabaseId(id: string): PointInTimeRestoreStart['source'] | undefined {
  const m = ID.exec(id.trim());
  if (!m) return undefined;
  const [subscriptionId, resourceGroup, instance, database] = m.slice(1).map((p) => decodeURIComponent(p));
  return { subscriptionId, resourceGroup, instance, database };
}

/** The request's properties for a point-in-time restore, checked (400s) and typed. */
export function pointInTimeRestoreStart(p: Record<string, unknown>): PointInTimeRestoreStart {
  const id = p.sourceDatabaseId;
  if (id === undefined || id === null || id === '') throw new ArmHttpError(400, 'MissingSourceDatabaseId', 'Missing source database identifier.');
  const at = p.restorePointInTime;
  if (at === undefined || at === null || at === '') throw new ArmHttpError(400, 'MissingRestorePointInTime', 'Missing restore point in time');
  const source = typeof id === 'string' ? parseManagedDatabaseId(id) : undefined;
  if (!source) throw new ArmHttpError(400, 'InvalidSourceDatabaseId', 'Invalid source database identifier.');
  const when = typeof at === 'string' ? new Date(at) : new Date(Number.NaN);
  if (Number.isNaN(when.getTime())) throw pointInvalid(String(at), DEFAULT_RETENTION_DAYS);
  return { sourceDatabaseId: String(id), source, restorePointInTime: when };
}

export function pointInvalid(point: string, retentionDays: number): ArmHttpError {
  return new ArmHttpError(
    400,
    'PitrPointInTimeInvalid',
    `The point in time ${point} is not valid. Valid point in time range from ${retentionDays} days early to now and not before source server creation time.`,
  );
}

/** the earliest point a point-in-time restore of `db` can go back to, or undefined before its first full backup */
export function earliestRestorePoint(db: Database, now: Date, retentionDays = DEFAULT_RETENTION_DAYS): Date | undefined {
  if (db.state !== 'ONLINE') return undefined;
  const first = db.automatedBackup?.firstFullAt;
  if (!first) return undefined;
  const window = now.getTime() - retentionDays * DAY_MS;
  return new Date(Math.max(first.getTime(), window));
}

export interface RestoreCheck {
  target: EmulatedInstance;
  database: string;
  /** undefined: the id's subscription, resource group or instance is not served here */
  sourceInstance: EmulatedInstance | undefined;
  start: PointInTimeRestoreStart;
  now: Date;
  retentionDays: number;
}

/** The checks ARM makes before it accepts the restore; returns the source database. */
export function checkPointInTimeRestore(c: RestoreCheck): Database {
  const { target, start } = c;
  if (target.isDown()) throw new ArmHttpError(400, 'ManagedInstanceStoppingOrStopped', 'Conflicting operation submitted while instance is in stopping/stopped state');
  if (!c.sourceInstance) {
    throw new ArmHttpError(400, 'SourceServerNotFound', `The server part of the source database id '${start.sourceDatabaseId}' doesn't map to an existing server.`);
  }
  const source = c.sourceInstance.findDatabase(start.source.database);
  if (!source || source.databaseId < 5) throw new ArmHttpError(400, 'SourceDatabaseNotFound', 'The source database does not exist.');
  if (target.findDatabase(c.database)) throw new ArmHttpError(400, 'ManagedDatabaseNameInUse', `Database '${c.database}' already exists. Choose a different database name.`);
  const point = start.restorePointInTime;
  const earliest = earliestRestorePoint(source, c.now, c.retentionDays);
  if (!earliest || point.getTime() < earliest.getTime() || point.getTime() > c.now.getTime()) {
    throw pointInvalid(point.toISOString(), c.retentionDays);
  }
  if (c.sourceInstance.config.updatePolicy === 'Always-up-to-date' && target.config.updatePolicy !== 'Always-up-to-date') {
    throw new ArmHttpError(
      400,
      'ManagedInstanceRestoreToInstanceWithOlderVersionEdition',
      'Restore operation cannot be performed because database format of the source instance is not compatible with the database format of the destination instance. See https://go.microsoft.com/fwlink/?linkid=2251601 for more details.',
    );
  }
  const needed = source.files.reduce((sum, f) => sum + f.sizeBytes, 0);
  if (target.config.freeSpaceBytes < needed) {
    const used = target.databases().reduce((sum, d) => sum + d.files.reduce((s, f) => s + f.sizeBytes, 0), 0);
    throw new ArmHttpError(
      400,
      'NoMoreSpaceInManagedInstance',
      `The managed instance has reached its storage limit. The storage usage for the managed instance cannot exceed (${Math.round((used + target.config.freeSpaceBytes) / MB)}) MBs.`,
    );
  }
  return source;
}

/** Creates the target database RESTORING with the source's contents; returns how long the data takes. */
export function createRestoringCopy(target: EmulatedInstance, database: string, source: Database, sourceKind: 'managedInstance' | 'sqlServer'): { db: Database; ms: number } {
  const data = source.files.filter((f) => f.type === 'ROWS').reduce((sum, f) => sum + f.sizeBytes, 0);
  const log = source.files.filter((f) => f.type === 'LOG').reduce((sum, f) => sum + f.sizeBytes, 0);
  const db = target.createDatabase(database, {
    recoveryModel: 'FULL',
    tde: source.tde,
    tables: source.tables.map((t) => ({ ...t, encryptedColumns: t.encryptedColumns ? [...t.encryptedColumns] : undefined })),
    dataSizeBytes: data,
    logSizeBytes: log,
    compatibilityLevel: source.compatibilityLevel,
    collation: source.collation,
  });
  db.state = 'RESTORING';
  db.users = copyUsers(source.users);
  db.lastLsn = source.lastLsn;
  db.familyGuid = source.familyGuid;
  db.restoredFromKind = sourceKind;
  return { db, ms: durationMs(dataFileBytes(source.files), target.config.throughputMBps) };
}

/**
 * One restore in flight: finishes by itself once its time has passed on the target's clock (and
 * whenever it is looked at after that, as a clock moved forward by a test does not wake a timer).
 */
export class PointInTimeRestoreJob {
  private readonly stopController = new AbortController();

  constructor(
    private readonly target: EmulatedInstance,
    private readonly database: string,
    readonly state: PointInTimeRestoreState,
  ) {}

  start(): void {
    void this.wait();
  }

  private async wait(): Promise<void> {
    while (this.state.status === 'Restoring' && !this.stopController.signal.aborted) {
      const left = this.state.finishAt.getTime() - this.target.now().getTime();
      if (left <= 0) break;
      try {
        // in steps, so a clock moved forward (a test, a restart's catch-up) is noticed within one
        await this.target.sleep(Math.min(left, WAKE_STEP_MS), this.stopController.signal);
      } catch {
        return;
      }
    }
    if (!this.stopController.signal.aborted) this.settle();
  }

  /** brings the restore up to now: finishes it when its time has come; returns its state */
  settle(): PointInTimeRestoreState {
    if (this.state.status !== 'Restoring') return this.state;
    const db = this.target.findDatabase(this.database);
    if (!db || db.state !== 'RESTORING') {
      // the database was deleted (ARM DELETE, DROP DATABASE) while it was being restored
      this.state.status = 'Failed';
      this.state.error = { status: 409, code: 'OperationCancelled', message: 'The operation has been cancelled by user.' };
      this.stop();
      return this.state;
    }
    if (this.target.now().getTime() < this.state.finishAt.getTime()) return this.state;
    db.state = 'ONLINE';
    db.userAccess = 'MULTI_USER';
    this.state.status = 'Succeeded';
    this.stop();
    return this.state;
  }

  stop(): void {
    this.stopController.abort();
  }
}
