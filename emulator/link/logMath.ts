// Log volume between two LSNs (engine/lsn.ts owns the layout), so the link can turn "the primary's
// end of log moved" into records, bytes and transactions without the engine telling it how much
// work was done.
import { RECORDS_PER_TRANSACTION, recordsBetween } from '../engine/lsn';

export { recordsBetween };

export function transactionsFor(records: number): number {
  return Math.round(records / RECORDS_PER_TRANSACTION);
}
