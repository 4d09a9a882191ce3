// The sweeper: a timer's safety net. It reads only the open index (its cost grows with open work,
// never with history) and, for each operation there: publishes the outcome a crashed worker left in
// the outbox, ends what is past its deadline or its approval's expiry (through the cleanup), and
// re-queues what should have run and did not (a worker died between saving and queueing).
import { ms, newToken, OpsContext, updateWithRetry } from './context';
import { approvalExpired, deadlineError, endOperation } from './ending';
import { finished } from './outbox';
import { isTerminal, OperationRecord } from './types';

export interface SweepReport {
  examined: number;
  revived: string[];
  expired: string[];
  /** finished operations whose outcome event was still unpublished (a worker died after saving) */
  published: string[];
}

/** When the operation should have been picked up by a worker, if it is overdue at all. */
function dueAt(ctx: OpsContext, op: OperationRecord): number | undefined {
  switch (op.state) {
    case 'pending':
      return ms(op.updatedAt);
    case 'waiting':
      return ms(op.nextRunAt ?? op.updatedAt);
    case 'running':
      return ms(op.leaseUntil ?? op.updatedAt) + ctx.settings.leaseGraceMs;
    default:
      return undefined; // awaiting approval waits for a person (or its expiry); terminal states are done
  }
}

export async function sweep(ctx: OpsContext): Promise<SweepReport> {
  const report: SweepReport = { examined: 0, revived: [], expired: [], published: [] };
  for (const entry of await ctx.store.listOpen()) {
    report.examined++;
    const now = ctx.clock.now().getTime();
    const op = await ctx.store.get(entry.id);
    if (!op) {
      // indexed by a create that never happened (a crash in between): drop the entry
      if (ms(entry.createdAt) + ctx.settings.sweepGraceMs < now) await ctx.store.remove(entry);
      continue;
    }
    if (isTerminal(op.state)) {
      await finished(ctx, op);
      report.published.push(op.id);
      continue;
    }
    const same = (c: OperationRecord): boolean => c.version === op.version;
    if (op.state === 'awaiting-approval' && op.approval?.expiresAt && ms(op.approval.expiresAt) + ctx.settings.sweepGraceMs < now) {
      const { outcome } = await endOperation(ctx, op.id, approvalExpired(op, 'sweeper'), same);
      if (outcome !== 'unchanged') report.expired.push(op.id);
      continue;
    }
    if (!op.cleanup && now > ms(op.deadline)) {
      // a running worker (or one just handed the operation) sees the deadline itself
      const busy = op.state === 'running' ? ms(op.leaseUntil) + ctx.settings.leaseGraceMs > now : op.state === 'pending' && ms(op.updatedAt) + ctx.settings.sweepGraceMs > now;
      if (busy) continue;
      const error = deadlineError(op);
      const { outcome } = await endOperation(ctx, op.id, { ending: 'failed', error, actor: 'sweeper', reason: error.message }, same);
      if (outcome === 'ended') report.expired.push(op.id);
      if (outcome === 'cleanup') report.revived.push(op.id);
      continue;
    }
    if (op.cleanup && now > ms(op.cleanup.until) + ctx.settings.sweepGraceMs) {
      const minutes = Math.round(ctx.settings.cleanupGraceMs / 60_000);
      const { outcome } = await endOperation(
        ctx,
        op.id,
        { ending: op.cleanup.ending, error: op.cleanup.error, actor: 'sweeper', reason: op.cleanup.error.message, duringCleanup: `the cleanup did not finish within ${minutes} minutes; look at the target by hand` },
        same,
      );
      if (outcome !== 'unchanged') report.expired.push(op.id);
      continue;
    }
    const due = dueAt(ctx, op);
    if (due === undefined || due + ctx.settings.sweepGraceMs > now) continue;
    // A fresh token makes any surviving old message stale, so reviving never doubles the work.
    const revived = await updateWithRetry(ctx, op.id, (current) => {
      if (!same(current)) return undefined;
      return {
        changes: { messageToken: newToken() },
        audit: { actor: 'sweeper', reason: `revived: no worker had picked it up ${Math.round((now - due) / 1000)} s after it was due` },
      };
    });
    if (revived && revived.version !== op.version) {
      await ctx.queue.enqueue({ operationId: revived.id, token: revived.messageToken }, 0);
      report.revived.push(revived.id);
    }
  }
  return report;
}
