// RESTORE DATABASE | LOG ... FROM URL on SQL Server and on a managed instance, and RESTORE DATABASE x
// WITH RECOVERY. Everything is checked before simulated time starts to pass, in SQL Server's order;
// then the restore runs at the instance's throughput with progress in sys.dm_exec_requests.
//
// Interrupted restores (session closed, KILL, injected fault) on SQL Server leave the database in
// RESTORING state without a usable restore chain, as SQL Server does; RESTORE ... WITH RECOVERY on
// it then fails with 4333, and a new full restore (same database, or WITH REPLACE) starts over.
// A managed instance keeps restoring after the client goes away; a failed managed-instance restore
// removes its GUID-named database and records the failure in sys.dm_operation_status.
import { randomUUID } from 'node:crypto';
import type { ActiveRequest, Database, DatabaseFile } from '../engine/model';
import type { Statement } from '../sql/ast';
import type { RequestOutput, SqlMessage } from '../tds/types';
import { SqlError } from '../sqlError';
import type { BackupHeader } from './format';
import type { BackupHost, RestoreHistoryRow, StatementContext } from './host';
import { runInspect } from './inspect';
import { continueChain, startChain, type RestoreChain } from './lsnChain';
import { checkMediaSet, damageFound, deviceNames, readFamilies, refuseNonUrl } from './media';
import { failWith, m, osErrors } from './messages';
import { OptionError, readRestoreOptions, type RestoreSettings } from './options';
import { FaultReached, runProgress } from './progress';
import { checkSpace, managedInstanceFiles, sqlServerFiles } from './relocation';
import { bytesForPages, durationMs, mbPerSecond } from './sizing';
import { formatVersion, softwareVersion, supportedDatabaseVersion } from './versions';
import { copyUsers } from '../engine/principals';

export type RestoreStatement = Extract<Statement, { kind: 'restore' }>;

/** Everything a restore needs once the checks passed. */
interface RestoreJob {
  statement: string;
  targetName: string;
  header: BackupHeader;
  urls: string[];
  settings: RestoreSettings;
  /** full: the files where the database goes; diff/log: the chain after this backup */
  files?: DatabaseFile[];
  chain: RestoreChain;
  /** the database a full restore overwrites, or the RESTORING database a diff/log continues */
  existing?: Database;
  /** a damaged page this far through the backup, found because its checksums are verified */
  damagedAtPercent?: number;
}

const newGuid = (): string => randomUUID().toUpperCase();
const minDefined = (...xs: Array<number | undefined>): number | undefined => {
  const defined = xs.filter((x): x is number => x !== undefined);
  return defined.length ? Math.min(...defined) : undefined;
};

/** RESTORE DATABASE / LOG: yields progress and completion messages; throws SqlError (3013 last) on failure. */
export async function* runRestore(host: BackupHost, ctx: StatementContext, stmt: RestoreStatement): AsyncGenerator<RequestOutput, void> {
  if (stmt.action !== 'DATABASE' && stmt.action !== 'LOG') {
    yield* runInspect(host, ctx, stmt);
    return;
  }
  const statement = `RESTORE ${stmt.action}`;
  const mi = host.config.kind === 'managedInstance';
  if (mi) refuseOnManagedInstance(stmt, statement);

  let settings: RestoreSettings;
  try {
    settings = readRestoreOptions(stmt.options, ctx.evaluate);
  } catch (error) {
    if (error instanceof OptionError) {
      if (error.sqlMessage.number === 155) throw new SqlError(155, 1, 15, error.sqlMessage.message);
      throw failWith(statement, error.sqlMessage);
    }
    throw error;
  }
  const targetName = String(ctx.evaluate(stmt.database ?? { kind: 'literal', value: '' }) ?? '');
  if (stmt.devices.length === 0) {
    yield* recoverOnly(host, targetName, settings, statement);
    return;
  }
  const job = await prepare(host, ctx, stmt, statement, targetName, settings);
  if (mi) yield* detachOnClose(ctx.abortSignal, execute(host, ctx, job, undefined));
  else yield* execute(host, ctx, job, ctx.abortSignal);
}

/** A managed instance takes RESTORE DATABASE ... FROM URL and nothing else. */
function refuseOnManagedInstance(stmt: RestoreStatement, statement: string): void {
  if (stmt.action === 'LOG') throw failWith(statement, m.miStatementNotSupported('RESTORE LOG'));
  if (stmt.options.length > 0) {
    const names = [...new Set(stmt.options.map((o) => o.name.toUpperCase()))];
    throw failWith(statement, m.miOptionsNotSupported(names.join(', ')));
  }
  if (stmt.devices.length === 0) throw failWith(statement, m.miStatementNotSupported('RESTORE DATABASE WITH RECOVERY'));
}

/** RESTORE DATABASE x WITH RECOVERY: brings a RESTORING database online. */
async function* recoverOnly(host: BackupHost, name: string, settings: RestoreSettings, statement: string): AsyncGenerator<RequestOutput, void> {
  const db = host.findDatabase(name);
  if (!db) throw failWith(statement, m.databaseMissingForRestore(name));
  if (!settings.recovery) return;
  if (db.state !== 'RESTORING') throw failWith(statement, m.alreadyRecovered());
  if (!db.restoreChain) throw failWith(statement, m.logNotRestored());
  recover(db, db.restoreChain);
  yield { type: 'message', message: m.successfullyProcessed(statement, 0, 0, 0) };
}

/** WITH RECOVERY: the database comes online and keeps the chain's bases for later backups. */
export function recover(db: Database, chain: RestoreChain): void {
  db.state = 'ONLINE';
  db.restoreChain = undefined;
  db.differentialBaseLsn = chain.fullBackupFirstLsn;
  db.differentialBaseGuid = chain.backupSetGuids[0];
  db.lastLogBackupLsn = chain.lastRestoredLsn;
}

/** All checks, in SQL Server's order, before any time passes. */
async function prepare(
  host: BackupHost,
  ctx: StatementContext,
  stmt: RestoreStatement,
  statement: string,
  targetName: string,
  settings: RestoreSettings,
): Promise<RestoreJob> {
  const mi = host.config.kind === 'managedInstance';
  const names = deviceNames(stmt.devices, ctx);
  const refused = refuseNonUrl(host, stmt.devices, names);
  if (refused) throw failWith(statement, refused);

  const existing = host.findDatabase(targetName);
  if (existing && mi) throw failWith(statement, m.databaseExists(targetName));
  if (existing && stmt.action === 'DATABASE' && host.sessionsUsing(existing.name, ctx.spid).length > 0) {
    throw failWith(statement, m.exclusiveAccess());
  }

  const media = await readFamilies(host, names, ctx.abortSignal);
  if (!media.ok) throw failWith(statement, ...media.errors);
  const incomplete = checkMediaSet(media.families);
  if (incomplete) throw failWith(statement, incomplete);
  const header = media.families[0].header;
  const urls = [...media.families].sort((a, b) => a.header.familySequenceNumber - b.header.familySequenceNumber).map((f) => f.url);
  if (settings.file !== 1) throw failWith(statement, m.fileIdNotFound(settings.file, names[0]));

  const problem = checkBackupFitsServer(host, header);
  if (problem) throw failWith(statement, problem);
  if (settings.checksum && !header.hasBackupChecksums) {
    throw failWith(statement, m.noChecksums());
  }

  const kindError = checkBackupKind(stmt.action === 'LOG' ? 'LOG' : 'DATABASE', header, names[0]);
  if (kindError) throw failWith(statement, kindError);
  // RESTORE verifies a backup's checksums whenever it has them, unless told NO_CHECKSUM
  const damage = damageFound(media.families, header.hasBackupChecksums && !settings.noChecksum);

  if (header.backupType !== 1) {
    const next = continueChain(existing, header);
    if (!next.ok) throw failWith(statement, next.error);
    return { statement, targetName, header, urls, settings, chain: next.value, existing, damagedAtPercent: damage };
  }

  if (existing && !settings.replace) {
    const sameDatabase = existing.name.toLowerCase() === header.databaseName.toLowerCase() && existing.familyGuid === header.familyGuid;
    if (!sameDatabase) throw failWith(statement, m.otherDatabase(existing.name));
    if (existing.state === 'ONLINE' && existing.recoveryModel !== 'SIMPLE' && tailNotBackedUp(existing)) {
      throw failWith(statement, m.tailNotBackedUp(existing.name));
    }
  }
  if (mi && header.files.filter((f) => f.type === 'L').length > 1) throw failWith(statement, m.miMultipleLogFiles());

  let files: DatabaseFile[];
  if (mi) {
    files = managedInstanceFiles(host.config, header, newGuid);
  } else {
    const planned = sqlServerFiles(host, header, settings.moves, targetName, existing);
    if (!planned.ok) throw failWith(statement, ...planned.errors);
    files = planned.files;
  }
  const space = checkSpace(host, files, existing);
  if (space.length > 0) throw failWith(statement, ...space);
  return { statement, targetName, header, urls, settings, files, chain: startChain(header), existing, damagedAtPercent: damage };
}


/** A log that was never backed up since the last backup of a database whose chain has started. */
function tailNotBackedUp(db: Database): boolean {
  if (db.differentialBaseLsn === undefined && db.lastLogBackupLsn === undefined) return false;
  return db.lastLsn > (db.lastLogBackupLsn ?? 0n);
}

/** 3169 for a newer database version or an Always-up-to-date backup on SQL Server; 33111 for a missing TDE certificate. */
export function checkBackupFitsServer(host: BackupHost, header: BackupHeader): SqlMessage | undefined {
  const fromAlwaysUpToDate = header.sourceKind === 'managedInstance' && header.sourceUpdatePolicy === 'Always-up-to-date';
  const tooNew = header.databaseVersion > supportedDatabaseVersion(host.config);
  if (tooNew || (fromAlwaysUpToDate && host.config.kind === 'sqlServer')) {
    const backupVersion = formatVersion({ major: header.softwareVersionMajor, minor: header.softwareVersionMinor, build: header.softwareVersionBuild });
    return m.versionIncompatible(backupVersion, formatVersion(softwareVersion(host.config)));
  }
  if (header.tdeThumbprint && !host.hasCertificate(header.tdeThumbprint)) {
    return host.config.kind === 'managedInstance' ? m.miCertificateMissing(header.tdeThumbprint) : m.certificateMissing(header.tdeThumbprint);
  }
  return undefined;
}

/** RESTORE DATABASE takes full and differential backups, RESTORE LOG only log backups (3135). */
function checkBackupKind(action: 'DATABASE' | 'LOG', header: BackupHeader, device: string): SqlMessage | undefined {
  const createdBy = header.backupType === 2 ? 'BACKUP LOG' : header.backupType === 5 ? 'BACKUP DATABASE WITH DIFFERENTIAL' : 'BACKUP DATABASE';
  if (action === 'DATABASE' && header.backupType === 2) return m.wrongBackupKind(device, createdBy);
  if (action === 'LOG' && header.backupType !== 2) return m.wrongBackupKind(device, createdBy);
  return undefined;
}

function restoredDatabase(host: BackupHost, job: RestoreJob, databaseId: number, name: string): Database {
  const h = job.header;
  return {
    databaseId,
    name,
    state: 'RESTORING',
    // a managed instance always runs its databases in FULL recovery
    recoveryModel: host.config.kind === 'managedInstance' ? 'FULL' : h.recoveryModel,
    userAccess: 'MULTI_USER',
    compatibilityLevel: h.compatibilityLevel,
    collation: h.collation,
    createDate: host.now(),
    tde: h.tde,
    files: job.files ?? [],
    tables: [],
    lastLsn: h.lastLsn,
    databaseVersion: supportedDatabaseVersion(host.config),
    workloadTps: 0,
    familyGuid: h.familyGuid,
  };
}

/** Runs a checked restore: simulated time, progress, then the database's new state. */
async function* execute(host: BackupHost, ctx: StatementContext, job: RestoreJob, signal: AbortSignal | undefined): AsyncGenerator<RequestOutput, void> {
  const mi = host.config.kind === 'managedInstance';
  const h = job.header;
  const full = h.backupType === 1;
  const workingName = mi ? newGuid().toLowerCase() : job.targetName;
  const operationId = newGuid();
  const startTime = host.now();
  const pages = h.files.reduce((sum, f) => sum + f.backupPages, 0);
  const bytes = bytesForPages(pages);
  const totalMs = durationMs(bytes, host.config.throughputMBps);

  const request: ActiveRequest = {
    sessionId: ctx.spid,
    requestId: 0,
    command: job.statement,
    databaseName: workingName,
    startTime,
    status: mi ? 'background' : 'running',
    percentComplete: 0,
    estimatedCompletionTime: Math.round(totalMs),
  };
  const operation = (state: 0 | 1 | 2 | 3 | 4, percent: number, error?: SqlMessage): void => {
    if (!mi) return;
    host.upsertOperationStatus({
      operationId,
      operation: 'RESTORE DATABASE',
      majorResourceId: job.targetName,
      state,
      percentComplete: percent,
      errorCode: error?.number ?? 0,
      errorDesc: error?.message ?? '',
      startTime,
      lastModifyTime: host.now(),
    });
  };

  if (full) {
    const id = job.existing ? job.existing.databaseId : host.nextDatabaseId();
    if (job.existing) host.removeDatabase(job.existing.name);
    host.addDatabase(restoredDatabase(host, job, id, workingName));
  }
  operation(1, 0);
  let reportedHalf = false;
  try {
    yield* runProgress(
      host,
      request,
      {
        totalMs,
        stats: job.settings.stats,
        failAtPercent: minDefined(host.faults().restoreFailAtPercent, job.damagedAtPercent),
        onPercent: (p) => {
          // a managed instance reports restore progress coarsely: 0, 50, 100
          if (p >= 50 && !reportedHalf) {
            reportedHalf = true;
            operation(1, 50);
          }
        },
      },
      // undefined on a managed instance: its restore carries on without the client
      signal,
    );
  } catch (error) {
    // the damage is reached before (or with) an injected read failure: the checksum error it is
    const damaged = error instanceof FaultReached && job.damagedAtPercent !== undefined && (host.faults().restoreFailAtPercent ?? 101) >= job.damagedAtPercent;
    const inner = damaged
      ? m.damagedPage(Math.max(1, Math.floor((pages * (job.damagedAtPercent ?? 0)) / 100)), job.targetName)
      : error instanceof FaultReached
        ? m.readFailed(job.urls[0], osErrors.endOfFile)
        : m.aborted();
    if (full) interrupted(host, workingName, mi);
    operation(3, request.percentComplete, inner);
    throw failWith(job.statement, inner);
  }

  const db = host.findDatabase(workingName);
  if (!db) throw failWith(job.statement, m.databaseMissingForRestore(workingName));
  for (const f of h.files) {
    if (f.backupPages > 0) yield { type: 'message', message: m.pagesProcessed(f.backupPages, job.targetName, f.logicalName) };
  }
  db.tables = h.tables.map((t) => ({ ...t }));
  if (h.users) db.users = copyUsers(h.users);
  db.lastLsn = h.lastLsn;
  if (job.settings.recovery) recover(db, job.chain);
  else db.restoreChain = job.chain;
  if (mi) host.renameDatabase(workingName, job.targetName);
  operation(2, 100);
  host.recordRestoreHistory({
    restoreDate: host.now(),
    destinationDatabaseName: job.targetName,
    sourceDatabaseName: h.databaseName,
    backupSetGuid: h.backupSetGuid,
    restoreType: h.backupType === 1 ? 'D' : h.backupType === 5 ? 'I' : 'L',
    replace: job.settings.replace,
    recovery: job.settings.recovery,
    deviceUrls: job.urls,
    backupSet: restoredSet(h),
  });
  yield { type: 'message', message: m.successfullyProcessed(job.statement, pages, totalMs / 1000, mbPerSecond(bytes, totalMs)) };
}

/** What an interrupted full restore leaves behind (see the file comment). */
function interrupted(host: BackupHost, workingName: string, mi: boolean): void {
  if (mi) {
    host.removeDatabase(workingName);
    return;
  }
  const db = host.findDatabase(workingName);
  if (db) {
    db.state = 'RESTORING';
    db.restoreChain = undefined;
  }
}

/**
 * A managed instance restore runs on its own: the statement's output follows it while the client
 * is there; when the session goes away the output simply ends and the restore carries on.
 */
async function* detachOnClose(signal: AbortSignal, work: AsyncGenerator<RequestOutput, void>): AsyncGenerator<RequestOutput, void> {
  const queue: RequestOutput[] = [];
  let finished = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const pump = async (): Promise<void> => {
    try {
      for await (const out of work) {
        queue.push(out);
        wake?.();
      }
    } catch (error) {
      failure = error;
    } finally {
      finished = true;
      wake?.();
    }
  };
  void pump();
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (finished) {
        if (failure !== undefined) throw failure;
        return;
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** the restored set's msdb.dbo.backupset fields, from its header (SQL Server writes them as it restores) */
export function restoredSet(h: BackupHeader): NonNullable<RestoreHistoryRow['backupSet']> {
  return {
    mediaSetGuid: h.mediaSetId,
    isCopyOnly: h.isCopyOnly,
    firstLsn: h.firstLsn,
    lastLsn: h.lastLsn,
    checkpointLsn: h.checkpointLsn,
    databaseBackupLsn: h.databaseBackupLsn,
    backupStartDate: h.backupStartDate,
    backupFinishDate: h.backupFinishDate,
    backupSize: h.backupSizeBytes,
    compressedBackupSize: h.compressedBackupSizeBytes,
    serverName: h.serverName,
    machineName: h.machineName,
    recoveryModel: h.recoveryModel,
    name: h.backupName,
    description: h.backupDescription,
    userName: h.userName,
    hasChecksums: h.hasBackupChecksums,
  };
}
