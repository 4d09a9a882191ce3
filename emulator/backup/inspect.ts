// RESTORE HEADERONLY / FILELISTONLY / LABELONLY / VERIFYONLY: SQL Server's result sets (column
// names and order as documented) read from the blobs' metadata. The wire protocol has no
// smallint/tinyint/numeric here: they travel as int and decimal(p,0) with the same values.
import type { ColumnSpec, RequestOutput, ResultSet, SqlValue } from '../tds/types';
import { SqlError } from '../sqlError';
import type { BackupHeader } from './format';
import type { BackupHost, StatementContext } from './host';
import { checkMediaSet, damageFound, deviceNames, readFamilies, refuseNonUrl, type MediaFamily } from './media';
import { failWith, m } from './messages';
import { OptionError, readRestoreOptions } from './options';
import { FaultReached, runProgress } from './progress';
import { bytesForPages, durationMs } from './sizing';
import type { RestoreStatement } from './restore';

const nv = (name: string, length = 128, nullable = true): ColumnSpec => ({ name, type: 'nvarchar', length, nullable });
const int = (name: string, nullable = true): ColumnSpec => ({ name, type: 'int', nullable });
const big = (name: string, nullable = true): ColumnSpec => ({ name, type: 'bigint', nullable });
const bit = (name: string, nullable = true): ColumnSpec => ({ name, type: 'bit', nullable });
const dt = (name: string): ColumnSpec => ({ name, type: 'datetime', nullable: true });
const guid = (name: string): ColumnSpec => ({ name, type: 'uniqueidentifier', nullable: true });
const num = (name: string, precision = 25): ColumnSpec => ({ name, type: 'decimal', precision, scale: 0, nullable: true });
const bin = (name: string, length: number): ColumnSpec => ({ name, type: 'varbinary', length, nullable: true });

export const HEADERONLY_COLUMNS: ColumnSpec[] = [
  nv('BackupName'), nv('BackupDescription', 255), int('BackupType'), dt('ExpirationDate'), int('Compressed'), int('Position'),
  int('DeviceType'), nv('UserName'), nv('ServerName'), nv('DatabaseName'), int('DatabaseVersion'), dt('DatabaseCreationDate'),
  num('BackupSize', 20), num('FirstLSN'), num('LastLSN'), num('CheckpointLSN'), num('DatabaseBackupLSN'), dt('BackupStartDate'),
  dt('BackupFinishDate'), int('SortOrder'), int('CodePage'), int('UnicodeLocaleId'), int('UnicodeComparisonStyle'),
  int('CompatibilityLevel'), int('SoftwareVendorId'), int('SoftwareVersionMajor'), int('SoftwareVersionMinor'),
  int('SoftwareVersionBuild'), nv('MachineName'), int('Flags'), guid('BindingID'), guid('RecoveryForkID'), nv('Collation'),
  guid('FamilyGUID'), bit('HasBulkLoggedData'), bit('IsSnapshot'), bit('IsReadOnly'), bit('IsSingleUser'),
  bit('HasBackupChecksums'), bit('IsDamaged'), bit('BeginsLogChain'), bit('HasIncompleteMetaData'), bit('IsForceOffline'),
  bit('IsCopyOnly'), guid('FirstRecoveryForkID'), num('ForkPointLSN'), nv('RecoveryModel', 60), num('DifferentialBaseLSN'),
  guid('DifferentialBaseGUID'), nv('BackupTypeDescription', 60), guid('BackupSetGUID'), big('CompressedBackupSize'),
  int('Containment'), nv('KeyAlgorithm', 32), bin('EncryptorThumbprint', 20), nv('EncryptorType', 32),
  dt('LastValidRestoreTime'), nv('TimeZone', 32), nv('CompressionAlgorithm', 32),
];

export const FILELISTONLY_COLUMNS: ColumnSpec[] = [
  nv('LogicalName'), nv('PhysicalName', 260), { name: 'Type', type: 'varchar', length: 1, nullable: true }, nv('FileGroupName'),
  num('Size', 20), num('MaxSize', 20), big('FileID'), num('CreateLSN'), num('DropLSN'), guid('UniqueID'), num('ReadOnlyLSN'),
  num('ReadWriteLSN'), big('BackupSizeInBytes'), int('SourceBlockSize'), int('FileGroupID'), guid('LogGroupGUID'),
  num('DifferentialBaseLSN'), guid('DifferentialBaseGUID'), bit('IsReadOnly'), bit('IsPresent'), bin('TDEThumbprint', 32),
  nv('SnapshotURL', 360),
];

export const LABELONLY_COLUMNS: ColumnSpec[] = [
  nv('MediaName'), guid('MediaSetId'), int('FamilyCount'), int('FamilySequenceNumber'), guid('MediaFamilyId'),
  int('MediaSequenceNumber'), int('MediaLabelPresent'), nv('MediaDescription', 255), nv('SoftwareName'), int('SoftwareVendorId'),
  dt('MediaDate'), int('MirrorCount'), bit('IsCompressed'),
];

const BACKUP_TYPE_DESCRIPTION: Record<number, string> = { 1: 'Database', 2: 'Transaction Log', 5: 'Database Differential' };
/** Microsoft's vendor id in backup media */
const MICROSOFT_VENDOR_ID = 4608;

function thumbprintBytes(thumbprint: string | null): Buffer | null {
  return thumbprint ? Buffer.from(thumbprint.replace(/^0x/i, ''), 'hex') : null;
}

export function headerOnlyRow(h: BackupHeader): SqlValue[] {
  const beginsLogChain = h.backupType === 2 && h.firstLsn === h.databaseBackupLsn;
  return [
    h.backupName, h.backupDescription, h.backupType, null, h.compressed ? 1 : 0, h.position,
    // DeviceType 9 = URL
    9, h.userName, h.serverName, h.databaseName, h.databaseVersion, h.databaseCreationDate,
    String(h.backupSizeBytes), h.firstLsn.toString(), h.lastLsn.toString(), h.checkpointLsn.toString(), h.databaseBackupLsn.toString(),
    h.backupStartDate, h.backupFinishDate, 52, 0, 1033, 196609,
    h.compatibilityLevel, MICROSOFT_VENDOR_ID, h.softwareVersionMajor, h.softwareVersionMinor,
    h.softwareVersionBuild, h.machineName, 512, h.familyGuid, h.familyGuid, h.collation,
    h.familyGuid, false, false, false, false,
    h.hasBackupChecksums, false, beginsLogChain, false, false,
    h.isCopyOnly, h.familyGuid, null, h.recoveryModel, h.differentialBaseLsn?.toString() ?? null,
    h.differentialBaseGuid, BACKUP_TYPE_DESCRIPTION[h.backupType], h.backupSetGuid, h.compressedBackupSizeBytes,
    0, null, null, null,
    null, null, h.compressed ? 'MS_XPRESS' : null,
  ];
}

export function fileListRows(h: BackupHeader): SqlValue[][] {
  return h.files.map((f) => [
    f.logicalName, f.physicalName, f.type, f.fileGroupName,
    String(f.sizeBytes), '35184372080640', f.fileId, '0', '0', f.uniqueId, '0',
    '0', f.backupPages * 8192, 4096, f.type === 'L' ? 0 : 1, null,
    h.differentialBaseLsn?.toString() ?? '0', h.differentialBaseGuid, false, true, thumbprintBytes(h.tdeThumbprint),
    null,
  ]);
}

export function labelOnlyRow(h: BackupHeader): SqlValue[] {
  return [
    h.mediaName, h.mediaSetId, h.familyCount, h.familySequenceNumber, h.mediaFamilyId,
    1, 0, null, 'Microsoft SQL Server', MICROSOFT_VENDOR_ID,
    h.backupStartDate, 1, h.compressed,
  ];
}

function resultSet(columns: ColumnSpec[], rows: SqlValue[][]): RequestOutput {
  const rs: ResultSet = { columns, rows };
  return { type: 'resultSet', resultSet: rs };
}

/** RESTORE HEADERONLY | FILELISTONLY | LABELONLY | VERIFYONLY FROM URL = ... */
export async function* runInspect(host: BackupHost, ctx: StatementContext, stmt: RestoreStatement): AsyncGenerator<RequestOutput, void> {
  const statement = `RESTORE ${stmt.action}`;
  let checksum = false;
  let noChecksum = false;
  try {
    ({ checksum, noChecksum } = readRestoreOptions(stmt.options, ctx.evaluate));
  } catch (error) {
    if (error instanceof OptionError) throw new SqlError(error.sqlMessage.number, 1, error.sqlMessage.class, error.sqlMessage.message);
    throw error;
  }
  const names = deviceNames(stmt.devices, ctx);
  const refused = refuseNonUrl(host, stmt.devices, names);
  if (refused) throw failWith(statement, refused);
  const media = await readFamilies(host, names, ctx.abortSignal);
  if (!media.ok) throw failWith(statement, ...media.errors);
  const families: MediaFamily[] = media.families;
  const h = families[0].header;
  switch (stmt.action) {
    case 'HEADERONLY':
      yield resultSet(HEADERONLY_COLUMNS, [headerOnlyRow(h)]);
      return;
    case 'FILELISTONLY':
      yield resultSet(FILELISTONLY_COLUMNS, fileListRows(h));
      return;
    case 'LABELONLY':
      yield resultSet(LABELONLY_COLUMNS, [labelOnlyRow(h)]);
      return;
    case 'VERIFYONLY': {
      // a failed verification ends as SQL Server words it: "VERIFY DATABASE is terminating abnormally."
      const verify = 'VERIFY DATABASE';
      const incomplete = checkMediaSet(families);
      if (incomplete) throw failWith(verify, incomplete);
      if (checksum && !h.hasBackupChecksums) throw failWith(verify, m.noChecksums());
      // it reads the whole backup, as long as a restore reads it, checking the checksums it has
      const damagedAt = damageFound(families, h.hasBackupChecksums && !noChecksum);
      const bytes = bytesForPages(h.files.reduce((sum, f) => sum + f.backupPages, 0));
      const totalMs = durationMs(bytes, host.config.throughputMBps);
      const request = {
        sessionId: ctx.spid,
        requestId: 0,
        // UNCONFIRMED: the command text sys.dm_exec_requests shows for VERIFYONLY
        command: 'RESTORE VERIFYONLY',
        databaseName: 'master',
        startTime: host.now(),
        status: 'running' as const,
        percentComplete: 0,
        estimatedCompletionTime: Math.round(totalMs),
      };
      try {
        yield* runProgress(host, request, { totalMs, failAtPercent: damagedAt }, ctx.abortSignal);
      } catch (error) {
        if (error instanceof FaultReached) throw failWith(verify, m.damagedBackupSet());
        throw failWith(verify, m.aborted());
      }
      yield { type: 'message', message: m.backupSetValid() };
      return;
    }
    default:
      throw new SqlError(3013, 1, 16, `${statement} is not an inspection statement.`);
  }
}
