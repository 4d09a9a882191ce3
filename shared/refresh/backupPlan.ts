// How a refresh backs its source up to URL: how many stripes, named how, with which options. A
// block blob holds at most 50,000 blocks, and SQL Server writes one block per MAXTRANSFERSIZE, so a
// stripe holds at most 50,000 x 4 MiB (about 195 GiB) with MAXTRANSFERSIZE = 4194304, the largest
// allowed. The stripe count comes from the database's allocated size (compression only helps), with
// a margin, and never passes what the instance allows (SQL Server 64 URLs, a managed instance 32).
import { AppError } from '../errors';

export const MAX_TRANSFER_SIZE = 4 * 1024 * 1024;
export const BLOCK_SIZE = 65_536;
export const MAX_BLOCKS_PER_BLOB = 50_000;
/** what one stripe may hold: the block-blob limit at MAXTRANSFERSIZE */
export const STRIPE_LIMIT_BYTES = MAX_BLOCKS_PER_BLOB * MAX_TRANSFER_SIZE;
/** fill each stripe to at most this share of the limit: allocated size is an estimate of what is written */
const FILL = 0.8;
export const MAX_STRIPES = { sqlServer: 64, managedInstance: 32 } as const;

export interface BackupPlan {
  stripes: number;
  /** blob paths in the container, `<prefix>/<db>_<stamp>_<i>of<n>.bak` */
  paths: string[];
  options: string;
}

/**
 * The stripes for a database of `allocatedBytes` on an instance of `kind`, under `prefix` (the
 * refresh's own folder, which no restore rule watches).
 */
export function planBackup(kind: 'sqlServer' | 'managedInstance', database: string, allocatedBytes: number, prefix: string, stamp: string): BackupPlan {
  if (!Number.isFinite(allocatedBytes) || allocatedBytes < 0) throw new AppError('BAD_REQUEST', `the allocated size of ${database} (${allocatedBytes}) is not a number of bytes`);
  const stripes = Math.max(1, Math.ceil(allocatedBytes / (STRIPE_LIMIT_BYTES * FILL)));
  const max = MAX_STRIPES[kind];
  if (stripes > max) {
    const gib = (allocatedBytes / 1024 ** 3).toFixed(0);
    throw new AppError('BACKUP_TOO_LARGE', `${database} has ${gib} GiB allocated: backing it up to URL needs ${stripes} stripes of at most ${Math.round((STRIPE_LIMIT_BYTES * FILL) / 1024 ** 3)} GiB, more than the ${max} ${kind === 'sqlServer' ? 'SQL Server' : 'a managed instance'} allows`);
  }
  const safe = database.replace(/[^A-Za-z0-9_.-]/g, '_');
  const folder = prefix.replace(/\/+$/, '');
  const paths = Array.from({ length: stripes }, (_, i) => `${folder}/${safe}_${stamp}_${i + 1}of${stripes}.bak`);
  return { stripes, paths, options: `COPY_ONLY, COMPRESSION, CHECKSUM, FORMAT, MAXTRANSFERSIZE = ${MAX_TRANSFER_SIZE}, BLOCKSIZE = ${BLOCK_SIZE}, STATS = 5` };
}
