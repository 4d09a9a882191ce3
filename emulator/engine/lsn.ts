// Log sequence numbers as SQL Server prints them in decimal(25,0): VLF sequence number * 10^15 +
// log block offset * 10^5 + slot. Arithmetic is bigint; the three parts roll over like the real log
// (slots fill a block, blocks fill a virtual log file).

const VLF_FACTOR = 1_000_000_000_000_000n;
const BLOCK_FACTOR = 100_000n;
/** log records per block and blocks per VLF: plausible sizes, not SQL Server constants */
const SLOTS_PER_BLOCK = 40n;
const BLOCKS_PER_VLF = 20_000n;
/** log records a typical small OLTP transaction writes (begin, a few changes, commit) */
export const RECORDS_PER_TRANSACTION = 4;
/** bytes of log per record: the workload's log volume (the link ships it, the log file holds it) */
export const LOG_BYTES_PER_RECORD = 256;

export interface LsnParts {
  vlf: bigint;
  block: bigint;
  slot: bigint;
}

export function lsnParts(lsn: bigint): LsnParts {
  return { vlf: lsn / VLF_FACTOR, block: (lsn % VLF_FACTOR) / BLOCK_FACTOR, slot: lsn % BLOCK_FACTOR };
}

export function makeLsn(parts: LsnParts): bigint {
  return parts.vlf * VLF_FACTOR + parts.block * BLOCK_FACTOR + parts.slot;
}

/** the LSN after `records` more log records */
export function advanceLsn(lsn: bigint, records: number): bigint {
  if (records <= 0) return lsn;
  const p = lsnParts(lsn);
  let slot = p.slot + BigInt(Math.floor(records));
  let block = p.block + (slot - 1n) / SLOTS_PER_BLOCK;
  slot = ((slot - 1n) % SLOTS_PER_BLOCK) + 1n;
  let vlf = p.vlf + block / BLOCKS_PER_VLF;
  block = block % BLOCKS_PER_VLF;
  if (block === 0n) block = 1n;
  if (vlf < 1n) vlf = 1n;
  return makeLsn({ vlf, block, slot });
}

/** the first LSN of a new database's log: VLF 37 is where a fresh SQL Server 2022 database starts */
export function initialLsn(): bigint {
  return makeLsn({ vlf: 37n, block: 136n, slot: 1n });
}

/** the "00000025:00000088:0001" form DBCC and fn_dblog use */
export function lsnHex(lsn: bigint): string {
  const p = lsnParts(lsn);
  const hex = (v: bigint, width: number): string => v.toString(16).toUpperCase().padStart(width, '0');
  return `${hex(p.vlf, 8)}:${hex(p.block, 8)}:${hex(p.slot, 4)}`;
}

function recordIndex(lsn: bigint): bigint {
  const p = lsnParts(lsn);
  return (p.vlf * BLOCKS_PER_VLF + p.block) * SLOTS_PER_BLOCK + (p.slot - 1n);
}

/** log records written after `from` up to and including `to` (0 when `to` is not after `from`) */
export function recordsBetween(from: bigint, to: bigint): number {
  if (to <= from) return 0;
  return Number(recordIndex(to) - recordIndex(from));
}
