// Log volume between two LSNs. The layout mirrors emulator/engine/lsn.ts (slots per block, blocks
// per VLF), so the link can turn "the primary's end of log moved" into records, bytes and
// transactions without the engine telling it how much work was done.
import { lsnParts, RECORDS_PER_TRANSACTION } from '../engine/lsn';

const SLOTS_PER_BLOCK = 40n;
const BLOCKS_PER_VLF = 20_000n;

function recordIndex(lsn: bigint): bigint {
  const p = lsnParts(lsn);
  return (p.vlf * BLOCKS_PER_VLF + p.block) * SLOTS_PER_BLOCK + (p.slot - 1n);
}

/** log records written after `from` up to and including `to` (0 when `to` is not after `from`) */
export function recordsBetween(from: bigint, to: bigint): number {
  if (to <= from) return 0;
  return Number(recordIndex(to) - recordIndex(from));
}

export function transactionsFor(records: number): number {
  return Math.round(records / RECORDS_PER_TRANSACTION);
}
