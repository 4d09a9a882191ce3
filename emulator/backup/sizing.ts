// How big a simulated backup is and how long it takes: pages per file, nominal bytes, duration at
// the instance's throughput, and the MB/sec SQL Server reports in 3014. DBCC CHECKDB reads the
// same data pages at the same throughput.
import type { DatabaseFile } from '../engine/model';
import type { BackupType } from './format';
import { LSN_STEP } from './lsnChain';

export const PAGE_BYTES = 8192;
const MB = 1024 * 1024;
/** how much smaller COMPRESSION makes a backup (a typical ratio for OLTP data) */
export const COMPRESSION_RATIO = 0.4;

/** Pages of `file` a backup of `type` covering [firstLsn, lastLsn) holds. */
export function pagesInBackup(file: DatabaseFile, type: BackupType, firstLsn: bigint, lastLsn: bigint): number {
  const filePages = Math.max(1, Math.ceil(file.sizeBytes / PAGE_BYTES));
  if (file.type === 'LOG') {
    // a log backup holds the log it covers (8 pages per log block); a full or differential only the active tail
    if (type !== 2) return 2;
    const blocks = Number((lastLsn - firstLsn) / LSN_STEP);
    return Math.max(1, Math.min(filePages, blocks * 8));
  }
  if (type === 2) return 0;
  // a differential holds the extents changed since the full: a tenth, for the simulation
  return type === 5 ? Math.max(1, Math.ceil(filePages / 10)) : filePages;
}

export function bytesForPages(pages: number): number {
  return pages * PAGE_BYTES;
}

/** Bytes of the data (ROWS) files as a full backup reads them; DBCC CHECKDB reads the same pages. */
export function dataFileBytes(files: DatabaseFile[]): number {
  const pages = files.filter((f) => f.type === 'ROWS').reduce((sum, f) => sum + pagesInBackup(f, 1, 0n, 0n), 0);
  return bytesForPages(pages);
}

/** Simulated milliseconds to move `bytes` at `throughputMBps`. */
export function durationMs(bytes: number, throughputMBps: number): number {
  if (throughputMBps <= 0) return 0;
  return (bytes / MB / throughputMBps) * 1000;
}

/** The rate 3014 prints, in MB/sec. */
export function mbPerSecond(bytes: number, ms: number): number {
  return ms <= 0 ? bytes / MB / 0.001 : bytes / MB / (ms / 1000);
}

/** "The maximum number of blocks in a block blob" (Azure Storage scalability targets) */
export const MAX_BLOCKS_PER_BLOB = 50_000;
/**
 * What BACKUP TO URL writes per block without MAXTRANSFERSIZE: 1 MB. The SQLCAT article "Backing up
 * a VLDB to Azure Blob Storage" found the stripe that hit the block limit "slightly over 48 GB":
 * 50,000 blocks of 1 MB; MAXTRANSFERSIZE = 4194304 makes the limit about 195 GB.
 */
export const DEFAULT_URL_MAX_TRANSFER_SIZE = 1024 * 1024;

/** How one stripe of a backup to URL fills its block blob. */
export interface StripeFill {
  /** bytes written to each blob (the backup, compressed when asked, spread over the stripes) */
  bytesPerStripe: number;
  /** what one blob can hold: 50,000 blocks of MAXTRANSFERSIZE */
  limitBytes: number;
  /** the percent of the backup at which a stripe runs out of blocks; undefined when it fits */
  failsAtPercent?: number;
}

export function stripeFill(backupBytes: number, stripes: number, maxTransferSize: number | undefined): StripeFill {
  const bytesPerStripe = Math.ceil(backupBytes / Math.max(1, stripes));
  const limitBytes = MAX_BLOCKS_PER_BLOB * (maxTransferSize ?? DEFAULT_URL_MAX_TRANSFER_SIZE);
  if (bytesPerStripe <= limitBytes) return { bytesPerStripe, limitBytes };
  // the stripes fill at the same pace: the first to reach its 50,000th block ends the backup
  return { bytesPerStripe, limitBytes, failsAtPercent: Math.min(100, Math.max(1, Math.ceil((100 * limitBytes) / bytesPerStripe))) };
}
