// BACKUP DATABASE | LOG ... TO URL = ... [, URL = ...]: one blob per URL (a media family of one media
// set), written when the simulated time has passed, as SQL Server commits block blobs at the end.
import { createHash, randomUUID } from 'node:crypto';
import type { ActiveRequest, Database } from '../engine/model';
import type { Statement } from '../sql/ast';
import type { RequestOutput } from '../tds/types';
import { SqlError } from '../sqlError';
import { deviceAuth, DeviceError, openForWrite, writeDevice } from './blobDevice';
import { encodeBackup, type BackupFileEntry, type BackupHeader, type BackupType } from './format';
import type { BackupHost, StatementContext } from './host';
import { afterBackup, planBackupLsns, type BackupLsns } from './lsnChain';
import { truncateAfterLogBackup } from '../engine/logSpace';
import { deviceNames } from './media';
import { failWith, m, osErrors } from './messages';
import { OptionError, readBackupOptions, type BackupSettings } from './options';
import { FaultReached, runProgress } from './progress';
import { bytesForPages, COMPRESSION_RATIO, durationMs, mbPerSecond, pagesInBackup, stripeFill } from './sizing';
import { softwareVersion } from './versions';
import { copyUsers } from '../engine/principals';

export type BackupStatement = Extract<Statement, { kind: 'backup' }>;

/** SQL Server takes up to 64 URLs per backup, a managed instance 32. */
const MAX_STRIPES = { sqlServer: 64, managedInstance: 32 } as const;

const newGuid = (): string => randomUUID().toUpperCase();

/** A GUID derived from text, so a database file keeps its UniqueID across backups. */
function stableGuid(text: string): string {
  const h = createHash('sha1').update(text).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The TDE certificate thumbprint of an encrypted database ('0x' + 40 hex digits). */
export function tdeThumbprintOf(db: Pick<Database, 'tde' | 'familyGuid'>): string | null {
  if (db.tde === 'none') return null;
  return `0x${createHash('sha1').update(`${db.tde}:${db.familyGuid}`).digest('hex').toUpperCase()}`;
}

function statementText(type: BackupType): string {
  return type === 2 ? 'BACKUP LOG' : type === 5 ? 'BACKUP DATABASE WITH DIFFERENTIAL' : 'BACKUP DATABASE';
}

function fileEntries(db: Database, type: BackupType, lsns: BackupLsns): BackupFileEntry[] {
  return db.files.map((f) => {
    const xtp = f.type === 'ROWS' && f.logicalName.toUpperCase() === 'XTP';
    return {
      fileId: f.fileId,
      logicalName: f.logicalName,
      physicalName: f.physicalName,
      type: f.type === 'LOG' ? 'L' : xtp ? 'S' : 'D',
      fileGroupName: f.type === 'LOG' ? null : xtp ? 'XTP' : 'PRIMARY',
      sizeBytes: f.sizeBytes,
      backupPages: pagesInBackup(f, type, lsns.firstLsn, lsns.lastLsn),
      uniqueId: stableGuid(`${db.familyGuid}:${f.fileId}`),
    };
  });
}

function checkDatabase(host: BackupHost, db: Database | undefined, name: string, type: BackupType, settings: BackupSettings, statement: string): Database {
  if (!db) throw failWith(statement, m.databaseNotFound(name));
  if (db.state === 'RESTORING') throw failWith(statement, m.databaseRestoring(db.name));
  if (db.state === 'OFFLINE') throw failWith(statement, m.databaseOffline(db.name));
  if (host.config.kind === 'managedInstance') {
    if (type !== 1 || !settings.copyOnly) throw failWith(statement, m.miCopyOnlyRequired());
    if (db.tde === 'serviceManaged') throw failWith(statement, m.miServiceManagedTde());
  }
  return db;
}

/** BACKUP DATABASE / LOG: yields STATS and completion messages; throws SqlError (3013 last) on failure. */
export async function* runBackup(host: BackupHost, ctx: StatementContext, stmt: BackupStatement): AsyncGenerator<RequestOutput, void> {
  const statement = `BACKUP ${stmt.target}`;
  let settings: BackupSettings;
  try {
    settings = readBackupOptions(stmt.options, ctx.evaluate);
  } catch (error) {
    if (error instanceof OptionError) {
      if (error.sqlMessage.number === 155) throw new SqlError(155, 1, 15, error.sqlMessage.message);
      throw failWith(statement, error.sqlMessage);
    }
    throw error;
  }
  const type: BackupType = stmt.target === 'LOG' ? 2 : settings.differential ? 5 : 1;
  // BACKUP LOG ... WITH NO_TRUNCATE is COPY_ONLY plus CONTINUE_AFTER_ERROR (the BACKUP reference):
  // it leaves the log and the log chain as they were
  if (type === 2 && settings.noTruncate) settings = { ...settings, copyOnly: true };
  const urls = deviceNames(stmt.devices, ctx);
  const maxStripes = MAX_STRIPES[host.config.kind];
  if (urls.length > maxStripes) throw failWith(statement, m.tooManyDevices(maxStripes));
  // TO DISK = 'NUL' on SQL Server: the backup runs and is recorded, its bytes go nowhere (the DBA's
  // way to truncate a log whose backups are not needed)
  const toNul = host.config.kind === 'sqlServer' && stmt.devices.length > 0 && stmt.devices.every((d, i) => d.kind === 'DISK' && urls[i].toUpperCase() === 'NUL');
  const nonUrl = toNul ? -1 : stmt.devices.findIndex((d) => d.kind !== 'URL');
  if (nonUrl >= 0) {
    // the emulator has no local disks; a managed instance only backs up to URL
    if (host.config.kind === 'managedInstance') throw failWith(statement, m.miBackupStorageType());
    throw failWith(statement, m.cannotOpenDevice(urls[nonUrl], osErrors.pathNotFound));
  }

  const name = String(ctx.evaluate(stmt.database) ?? '');
  const db = checkDatabase(host, host.findDatabase(name), name, type, settings, statement);
  const planned = planBackupLsns(db, type, statement);
  if (!planned.ok) throw failWith(statement, planned.error);
  const lsns = planned.value;

  try {
    if (!toNul) await Promise.all(urls.map((url) => openForWrite(url, deviceAuth(host, url), settings.format, ctx.abortSignal)));
  } catch (error) {
    if (error instanceof DeviceError) throw failWith(statement, error.sqlMessage);
    throw error;
  }

  const files = fileEntries(db, type, lsns);
  const pages = files.reduce((sum, f) => sum + f.backupPages, 0);
  const bytes = bytesForPages(pages);
  const totalMs = durationMs(bytes, host.config.throughputMBps);
  // each URL is a block blob of at most 50,000 blocks of MAXTRANSFERSIZE: a stripe that needs more
  // fails when it gets there, not at the start (SQL Server writes the blocks as the backup goes)
  const fill = toNul ? undefined : stripeFill(settings.compression ? Math.round(bytes * COMPRESSION_RATIO) : bytes, urls.length, settings.maxTransferSize);
  const startDate = host.now();
  const request: ActiveRequest = {
    sessionId: ctx.spid,
    requestId: 0,
    command: statement,
    databaseName: db.name,
    startTime: startDate,
    status: 'running',
    percentComplete: 0,
    estimatedCompletionTime: Math.round(totalMs),
  };
  try {
    yield* runProgress(host, request, { totalMs, stats: settings.stats, failAtPercent: fill?.failsAtPercent }, ctx.abortSignal);
  } catch (error) {
    if (error instanceof FaultReached) throw failWith(statement, m.writeFailed(urls[0], osErrors.ioDevice));
    throw failWith(statement, m.aborted());
  }

  const header = buildHeader(host, ctx, db, type, settings, lsns, files, bytes, startDate, urls.length);
  try {
    const writes = toNul
      ? []
      : urls.map((url, i) => {
          const family: BackupHeader = { ...header, familySequenceNumber: i + 1, mediaFamilyId: newGuid() };
          return writeDevice(url, deviceAuth(host, url), encodeBackup(family), ctx.abortSignal);
        });
    await Promise.all(writes);
  } catch (error) {
    if (error instanceof DeviceError) throw failWith(statement, error.sqlMessage);
    throw error;
  }

  Object.assign(db, afterBackup(header, db.lastLsn));
  // a log backup truncates the log, never past what an availability replica still needs
  if (type === 2 && !settings.copyOnly) truncateAfterLogBackup(db, header.lastLsn);
  host.recordBackupHistory({
    backupSetGuid: header.backupSetGuid,
    mediaSetGuid: header.mediaSetId,
    databaseName: db.name,
    type: type === 1 ? 'D' : type === 5 ? 'I' : 'L',
    isCopyOnly: settings.copyOnly,
    firstLsn: header.firstLsn,
    lastLsn: header.lastLsn,
    checkpointLsn: header.checkpointLsn,
    databaseBackupLsn: header.databaseBackupLsn,
    backupStartDate: header.backupStartDate,
    backupFinishDate: header.backupFinishDate,
    backupSize: header.backupSizeBytes,
    compressedBackupSize: header.compressedBackupSizeBytes,
    serverName: header.serverName,
    machineName: header.machineName,
    recoveryModel: header.recoveryModel,
    deviceUrls: urls,
    name: settings.name,
    description: settings.description,
    userName: header.userName,
    hasChecksums: settings.checksum,
  });
  for (const f of files) {
    if (f.backupPages > 0) yield { type: 'message', message: m.pagesProcessed(f.backupPages, db.name, f.logicalName) };
  }
  yield { type: 'message', message: m.successfullyProcessed(statementText(type), pages, totalMs / 1000, mbPerSecond(bytes, totalMs)) };
}

function buildHeader(
  host: BackupHost,
  ctx: StatementContext,
  db: Database,
  type: BackupType,
  settings: BackupSettings,
  lsns: BackupLsns,
  files: BackupFileEntry[],
  bytes: number,
  startDate: Date,
  familyCount: number,
): BackupHeader {
  const version = softwareVersion(host.config);
  return {
    mediaSetId: newGuid(),
    mediaFamilyId: newGuid(),
    familyCount,
    familySequenceNumber: 1,
    mediaName: settings.mediaName,
    backupSetGuid: newGuid(),
    backupType: type,
    position: 1,
    backupName: settings.name,
    backupDescription: settings.description,
    databaseName: db.name,
    serverName: host.serverName,
    machineName: host.serverName.split('\\')[0],
    userName: ctx.loginName ?? 'sa',
    databaseVersion: db.databaseVersion,
    softwareVersionMajor: version.major,
    softwareVersionMinor: version.minor,
    softwareVersionBuild: version.build,
    ...lsns,
    backupStartDate: startDate,
    backupFinishDate: host.now(),
    databaseCreationDate: db.createDate,
    compressed: settings.compression,
    hasBackupChecksums: settings.checksum,
    isCopyOnly: settings.copyOnly,
    recoveryModel: db.recoveryModel,
    collation: db.collation,
    compatibilityLevel: db.compatibilityLevel,
    familyGuid: db.familyGuid,
    tde: db.tde,
    tdeThumbprint: tdeThumbprintOf(db),
    sourceKind: host.config.kind,
    sourceUpdatePolicy: host.config.kind === 'managedInstance' ? (host.config.updatePolicy ?? 'SQL Server 2022') : null,
    backupSizeBytes: bytes,
    compressedBackupSizeBytes: settings.compression ? Math.round(bytes * COMPRESSION_RATIO) : bytes,
    files,
    tables: db.tables.map((t) => ({ ...t })),
    users: copyUsers(db.users) ?? [],
  };
}
