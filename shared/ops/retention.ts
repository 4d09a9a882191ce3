// Retention: finished operations older than the configured days are deleted with everything kept
// for them (audit rows, unsent events, duplicate counts, index entries, and what each feature
// keeps), in bounded batches so one run never takes long. Open operations are never deleted.
import type { OpsContext } from './context';
import { isTerminal, OperationRecord } from './types';

export interface RetentionOptions {
  /** operations created before this go */
  before: Date;
  /** at most this many operations per run */
  batch: number;
  /** what each feature keeps for an operation */
  forget: Array<(op: OperationRecord) => Promise<void>>;
}

export interface RetentionReport {
  deleted: number;
  /** old but still open: kept */
  keptOpen: number;
  /** a feature could not forget it: kept for the next run */
  failed: number;
}

export async function purgeOperations(ctx: OpsContext, options: RetentionOptions): Promise<RetentionReport> {
  const report: RetentionReport = { deleted: 0, keptOpen: 0, failed: 0 };
  // old open operations (rare: a deadline ends them) are stepped over, not counted against the batch,
  // but a run looks at no more than a few batches' worth of entries
  let continuation: string | undefined;
  for (let looked = 0; report.deleted < options.batch && looked < options.batch * 5; ) {
    const entries = await ctx.store.listCreatedBefore(options.before, options.batch, continuation);
    if (entries.length === 0) break;
    for (const entry of entries) {
      looked++;
      continuation = entry.key;
      if (report.deleted >= options.batch) break;
      const op = await ctx.store.get(entry.id);
      if (op && !isTerminal(op.state)) {
        report.keptOpen++;
        continue;
      }
      try {
        if (op) for (const forget of options.forget) await forget(op);
        await ctx.store.remove(entry);
        report.deleted++;
      } catch (err) {
        report.failed++;
        ctx.log.warn(`retention: operation ${entry.id} kept for the next run: ${(err as Error).message}`);
      }
    }
  }
  return report;
}
