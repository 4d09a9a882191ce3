// Reads what a backup blob is through the target instance: RESTORE LABELONLY, HEADERONLY and
// FILELISTONLY (REFERENCE.md 5.3). The instance reads the blob with the container credential.
import { AppError } from '../errors';
import type { SqlClient } from '../sql/pools';
import type { BackupFile } from '../sql/relocation';
import { restoreInspect } from '../sql/restoreStatements';
import type { BackupBlob, BackupHeader, MediaLabel } from './backupSet';
import { Lsn } from './lsn';
import { headerOnlyExact } from './headerQuery';

type Row = Record<string, unknown>;

/**
 * LSNs are decimal(25,0). Read as text (the exact path) they are exact; a driver number is exact
 * only up to 2^53. Beyond that the value is kept, rounded, and the header is marked approximate:
 * good enough to pick the newest full backup, never to chain differentials and logs.
 */
export function lsnFrom(value: unknown, column: string, approximate: { is: boolean }): Lsn {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    if (!Number.isSafeInteger(value)) approximate.is = true;
    return BigInt(Math.round(value));
  }
  throw new AppError('BACKUP_UNREADABLE', `${column} ${String(value)} is not a log sequence number`);
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const bool = (v: unknown): boolean => v === true || v === 1;

export function labelFrom(row: Row): MediaLabel {
  return { mediaSetId: text(row.MediaSetId).toLowerCase(), familyCount: Number(row.FamilyCount), familySequenceNumber: Number(row.FamilySequenceNumber) };
}

export function headerFrom(rows: Row[]): BackupHeader {
  const row = rows[0];
  if (!row) throw new AppError('BACKUP_UNREADABLE', 'RESTORE HEADERONLY returned no backup set');
  const approximate = { is: false };
  const lsn = (column: string): Lsn => lsnFrom(row[column], column, approximate);
  const header: BackupHeader = {
    backupType: Number(row.BackupType),
    databaseName: text(row.DatabaseName),
    serverName: text(row.ServerName),
    firstLsn: lsn('FirstLSN'),
    lastLsn: lsn('LastLSN'),
    checkpointLsn: lsn('CheckpointLSN'),
    databaseBackupLsn: lsn('DatabaseBackupLSN'),
    differentialBaseLsn: row.DifferentialBaseLSN === null || row.DifferentialBaseLSN === undefined ? undefined : lsn('DifferentialBaseLSN'),
    backupSetGuid: text(row.BackupSetGUID).toLowerCase(),
    isCopyOnly: bool(row.IsCopyOnly),
    backupStartDate: row.BackupStartDate instanceof Date ? row.BackupStartDate : row.BackupStartDate ? new Date(text(row.BackupStartDate)) : undefined,
    backupFinishDate: row.BackupFinishDate instanceof Date ? row.BackupFinishDate : new Date(text(row.BackupFinishDate)),
    databaseVersion: Number(row.DatabaseVersion),
    softwareVersionMajor: Number(row.SoftwareVersionMajor),
    hasBackupChecksums: bool(row.HasBackupChecksums),
    backupSetCount: rows.length,
  };
  return approximate.is ? { ...header, lsnApproximate: true } : header;
}

export function filesFrom(rows: Row[]): (BackupFile & { sizeBytes: number; tdeThumbprint?: string })[] {
  return rows.map((r) => ({
    logicalName: text(r.LogicalName),
    physicalName: text(r.PhysicalName),
    type: (text(r.Type).toUpperCase() || 'D') as BackupFile['type'],
    fileId: Number(r.FileID),
    sizeBytes: Number(r.Size ?? 0),
    tdeThumbprint: Buffer.isBuffer(r.TDEThumbprint) ? `0x${r.TDEThumbprint.toString('hex').toUpperCase()}` : undefined,
  }));
}

/**
 * LABELONLY + HEADERONLY of one blob. `exact` reads the LSNs as text (SQL Server 2022+ and
 * managed instances); otherwise they come as numbers and only small ones are accepted.
 */
export async function inspectBlob(client: SqlClient, url: string, name: string, exact: boolean): Promise<BackupBlob> {
  const label = await client.query<Row>(restoreInspect('LABELONLY', [url]), { timeoutMs: 120_000 });
  const header = await client.query<Row>(exact ? headerOnlyExact(url) : restoreInspect('HEADERONLY', [url]), { timeoutMs: 120_000 });
  const labelRow = label.recordsets[0]?.[0];
  if (!labelRow) throw new AppError('BACKUP_UNREADABLE', `RESTORE LABELONLY returned nothing for ${name}`);
  return { url, name, label: labelFrom(labelRow), header: headerFrom(header.recordsets[0] ?? []) };
}

/** FILELISTONLY of a whole backup set (all its stripes). */
export async function backupFiles(client: SqlClient, urls: readonly string[]): Promise<ReturnType<typeof filesFrom>> {
  const result = await client.query<Row>(restoreInspect('FILELISTONLY', urls), { timeoutMs: 120_000 });
  return filesFrom(result.recordsets[0] ?? []);
}
