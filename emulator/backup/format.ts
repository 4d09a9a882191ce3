// The emulated backup file: a real, self-describing blob. Layout:
//   "MIAEBAK1" | u32 metadata length | 32-byte SHA-256 of the metadata | metadata (UTF-8 JSON)
//   | padding | "MIAEEND1"
// The metadata carries everything RESTORE HEADERONLY / FILELISTONLY / LABELONLY report and what a
// restore needs to rebuild the database. The padding makes a blob's size grow with the simulated
// backup size, capped so tests stay small; the nominal size lives in the metadata.
import { createHash } from 'node:crypto';
import type { DatabaseUser, InstanceKind, RecoveryModel, TableInfo, TdeKind, UpdatePolicy } from '../engine/model';

const HEADER_MAGIC = Buffer.from('MIAEBAK1', 'ascii');
const TRAILER_MAGIC = Buffer.from('MIAEEND1', 'ascii');
const PREFIX_BYTES = HEADER_MAGIC.length + 4 + 32;
/** the padding stands for the backup's pages: any other byte there is damage */
const PADDING_BYTE = 0x5a;
/** real bytes of padding at most, whatever the nominal size */
export const MAX_PADDING_BYTES = 64 * 1024;

/** HEADERONLY BackupType: 1 database, 2 transaction log, 5 differential database */
export type BackupType = 1 | 2 | 5;

export interface BackupFileEntry {
  fileId: number;
  logicalName: string;
  physicalName: string;
  /** FILELISTONLY Type: D data, L log, S FILESTREAM / In-Memory OLTP container */
  type: 'D' | 'L' | 'S';
  fileGroupName: string | null;
  sizeBytes: number;
  /** pages this backup holds of the file (4035 "Processed N pages" on backup and restore) */
  backupPages: number;
  /** FILELISTONLY UniqueID */
  uniqueId: string;
}

/** One backup set on one media family (stripe): everything in the blob's metadata. */
export interface BackupHeader {
  // media (LABELONLY)
  mediaSetId: string;
  mediaFamilyId: string;
  familyCount: number;
  familySequenceNumber: number;
  mediaName: string | null;
  // backup set (HEADERONLY)
  backupSetGuid: string;
  backupType: BackupType;
  position: 1;
  backupName: string | null;
  backupDescription: string | null;
  databaseName: string;
  serverName: string;
  machineName: string;
  userName: string;
  databaseVersion: number;
  softwareVersionMajor: number;
  softwareVersionMinor: number;
  softwareVersionBuild: number;
  firstLsn: bigint;
  lastLsn: bigint;
  checkpointLsn: bigint;
  databaseBackupLsn: bigint;
  differentialBaseLsn: bigint | null;
  differentialBaseGuid: string | null;
  backupStartDate: Date;
  backupFinishDate: Date;
  databaseCreationDate: Date;
  compressed: boolean;
  hasBackupChecksums: boolean;
  isCopyOnly: boolean;
  recoveryModel: RecoveryModel;
  collation: string;
  compatibilityLevel: number;
  /** the database's family GUID (sys.database_recovery_status.family_guid) */
  familyGuid: string;
  tde: TdeKind;
  /** '0x...' (upper-case hex) when the database is TDE-encrypted */
  tdeThumbprint: string | null;
  /** where the backup was taken: a managed-instance backup carries MI paths and its update policy */
  sourceKind: InstanceKind;
  sourceUpdatePolicy: UpdatePolicy | null;
  /** nominal bytes of the whole backup set (all families) */
  backupSizeBytes: number;
  compressedBackupSizeBytes: number;
  files: BackupFileEntry[];
  /** the tables and row counts as of LastLSN */
  tables: TableInfo[];
  /** the database's users with their SIDs as of LastLSN (absent in blobs written before users were modelled) */
  users?: DatabaseUser[];
}

/** Why a blob could not be decoded: 3241 (not a well-formed media family) or 3266 (bad end). */
export class BackupFormatError extends Error {
  constructor(readonly kind: 'malformed' | 'truncated', message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const LSN_FIELDS = ['firstLsn', 'lastLsn', 'checkpointLsn', 'databaseBackupLsn', 'differentialBaseLsn'] as const;
const DATE_FIELDS = ['backupStartDate', 'backupFinishDate', 'databaseCreationDate'] as const;

function toJson(header: BackupHeader): Json {
  const out: Record<string, Json> = JSON.parse(JSON.stringify(header, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return out;
}

function fromJson(value: unknown): BackupHeader {
  if (typeof value !== 'object' || value === null) throw new BackupFormatError('malformed', 'metadata is not an object');
  const raw = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...raw };
  for (const f of LSN_FIELDS) {
    const v = raw[f];
    if (v === null && f === 'differentialBaseLsn') continue;
    if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new BackupFormatError('malformed', `bad ${f}`);
    out[f] = BigInt(v);
  }
  for (const f of DATE_FIELDS) {
    const v = raw[f];
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new BackupFormatError('malformed', `bad ${f}`);
    out[f] = new Date(v);
  }
  for (const f of ['databaseName', 'mediaSetId', 'backupSetGuid'] as const) {
    if (typeof raw[f] !== 'string') throw new BackupFormatError('malformed', `bad ${f}`);
  }
  if (!Array.isArray(raw.files) || !Array.isArray(raw.tables)) throw new BackupFormatError('malformed', 'bad file list');
  if (raw.users !== undefined) {
    if (!Array.isArray(raw.users)) throw new BackupFormatError('malformed', 'bad user list');
    out.users = raw.users.map((u: unknown) => {
      const user = u as Record<string, unknown>;
      if (typeof user !== 'object' || user === null || typeof user.name !== 'string' || typeof user.sid !== 'string') throw new BackupFormatError('malformed', 'bad user');
      return { ...user, createDate: new Date(String(user.createDate)), modifyDate: new Date(String(user.modifyDate)) };
    });
  }
  if (![1, 2, 5].includes(raw.backupType as number)) throw new BackupFormatError('malformed', 'bad backup type');
  return out as unknown as BackupHeader;
}

/** Real padding bytes for a family whose nominal share of the backup is `nominalBytes`. */
export function paddingFor(nominalBytes: number): number {
  return Math.max(0, Math.min(MAX_PADDING_BYTES, Math.floor(nominalBytes / 1024)));
}

export function encodeBackup(header: BackupHeader): Buffer {
  const meta = Buffer.from(JSON.stringify(toJson(header)), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(meta.length);
  const digest = createHash('sha256').update(meta).digest();
  const padding = Buffer.alloc(paddingFor(header.backupSizeBytes / Math.max(1, header.familyCount)), PADDING_BYTE);
  return Buffer.concat([HEADER_MAGIC, length, digest, meta, padding, TRAILER_MAGIC]);
}

/**
 * Where a backup file's "pages" are damaged (bit rot in storage, a bad copy): the first byte of
 * the padding that is not what was written, as a percent of the way through the file; undefined
 * when it is intact. The metadata has its own checksum, so HEADERONLY and friends still read a
 * file whose pages are damaged, as SQL Server reads the header of a damaged backup.
 */
export function damagedAtPercent(blob: Buffer): number | undefined {
  const length = blob.readUInt32BE(HEADER_MAGIC.length);
  const start = PREFIX_BYTES + length;
  const end = blob.length - TRAILER_MAGIC.length;
  for (let i = start; i < end; i++) {
    if (blob[i] !== PADDING_BYTE) return Math.min(99, Math.floor(((i - start) / Math.max(1, end - start)) * 100));
  }
  return undefined;
}

/**
 * Failure injection: a copy of a backup file with one "page" damaged `atPercent` of the way
 * through. Upload it in place of the original and a restore that verifies checksums fails there.
 */
export function damageBackup(blob: Buffer, atPercent = 50): Buffer {
  const length = blob.readUInt32BE(HEADER_MAGIC.length);
  const start = PREFIX_BYTES + length;
  const end = blob.length - TRAILER_MAGIC.length;
  if (end <= start) throw new Error('this backup file is too small to damage (its nominal size is under 1 KB per stripe)');
  const copy = Buffer.from(blob);
  const at = start + Math.min(end - start - 1, Math.floor(((end - start) * Math.max(0, Math.min(99, atPercent))) / 100));
  copy[at] = copy[at] ^ 0xff;
  return copy;
}

export function decodeBackup(blob: Buffer): BackupHeader {
  if (blob.length < PREFIX_BYTES || !blob.subarray(0, HEADER_MAGIC.length).equals(HEADER_MAGIC)) {
    throw new BackupFormatError('malformed', 'not an emulated backup file');
  }
  const length = blob.readUInt32BE(HEADER_MAGIC.length);
  const digest = blob.subarray(HEADER_MAGIC.length + 4, PREFIX_BYTES);
  if (PREFIX_BYTES + length > blob.length) throw new BackupFormatError('truncated', 'metadata runs past the end of the blob');
  const meta = blob.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
  if (!createHash('sha256').update(meta).digest().equals(digest)) throw new BackupFormatError('malformed', 'metadata checksum mismatch');
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.toString('utf8'));
  } catch {
    throw new BackupFormatError('malformed', 'metadata is not JSON');
  }
  const header = fromJson(parsed);
  if (blob.length < PREFIX_BYTES + length + TRAILER_MAGIC.length || !blob.subarray(blob.length - TRAILER_MAGIC.length).equals(TRAILER_MAGIC)) {
    throw new BackupFormatError('truncated', 'the end-of-media mark is missing');
  }
  return header;
}
