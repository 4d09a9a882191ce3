// The sweeper: a timer's safety net. It fails operations past their deadline and re-queues those
// whose message was lost (a worker died between saving and queueing, or a queue was cleared).
import { afterFinish, needsCleanup, newToken, OpsContext, updateWithRetry } from './context';
import { deadlineError } from './worker';
import type { OperationRecord } from './types';

export interface SweepReport {
  examined: number;
  revived: string[];
  expired: string[];
}

const ms = (iso: string | undefined): number => (iso ? new Date(iso).getTime() : 0);

/** When the operation should have been picked up by a worker, if it is overdue at all. */
function dueAt(op: OperationRecord): number | undefined {
  switch (op.state) {
    case 'pending':
      return ms(op.updatedAt);
    case 'waiting':
      return ms(op.nextRunAt ?? op.updatedAt);
    case 'running':
      return ms(op.leaseUntil ?? op.updatedAt);
    default:
      return undefined; // awaiting approval waits for a person; terminal states are done
  }
}

export async function sweep(ctx: OpsContext): Promise<SweepReport> {
  const report: SweepReport = { examined: 0, revived: [], expired: [] };
  const open = await ctx.store.list({ states: ['pending', 'running', 'waiting', 'awaiting-approval'] });
  for (const candidate of open) {
    report.examined++;
    const now = ctx.clock.now().getTime();
    const playbook = ctx.playbooks.get(candidate.kind);
    if (now > ms(candidate.deadline) && needsCleanup(playbook, candidate)) {
      // unfinished work to undo: a worker runs the playbook's cleanup step, then ends the operation
      const handed = await updateWithRetry(ctx, candidate.id, (current) => {
        if (current.version !== candidate.version || !needsCleanup(playbook, current)) return undefined;
        const busy = current.state === 'running' ? ms(current.leaseUntil) > now : current.state === 'pending' && ms(current.updatedAt) + ctx.settings.sweepGraceMs > now;
        if (busy) return undefined; // its worker sees the deadline itself
        return {
          changes: { state: 'pending', nextRunAt: undefined, waitReason: 'deadline passed: undoing unfinished work', messageToken: newToken(), leaseOwner: undefined, leaseUntil: undefined },
          audit: { actor: 'sweeper', reason: `deadline ${current.deadline} passed at step ${current.step}: handed to a worker to undo unfinished work` },
        };
      });
      if (handed && handed.version !== candidate.version) {
        await ctx.queue.enqueue({ operationId: handed.id, token: handed.messageToken }, 0);
        report.revived.push(handed.id);
      }
      continue;
    }
    if (now > ms(candidate.cleanup?.until ?? candidate.deadline)) {
      let expired = false;
      const op = await updateWithRetry(ctx, candidate.id, (current) => {
        if (!['pending', 'running', 'waiting', 'awaiting-approval'].includes(current.state) || now <= ms(current.cleanup?.until ?? current.deadline)) return undefined;
        expired = true;
        const error = deadlineError(current);
        return {
          changes: { state: 'failed', error, leaseOwner: undefined, leaseUntil: undefined, nextRunAt: undefined, waitReason: undefined },
          audit: { actor: 'sweeper', reason: error.message, error },
        };
      });
      if (op && expired) {
        await afterFinish(ctx, op);
        report.expired.push(op.id);
      }
      continue;
    }
    const due = dueAt(candidate);
    if (due === undefined || due + ctx.settings.sweepGraceMs > now) continue;
    // A fresh token makes any surviving old message stale, so reviving never doubles the work.
    const revived = await updateWithRetry(ctx, candidate.id, (current) => {
      const currentDue = dueAt(current);
      if (currentDue === undefined || currentDue + ctx.settings.sweepGraceMs > now || current.version !== candidate.version) return undefined;
      return {
        changes: { messageToken: newToken() },
        audit: { actor: 'sweeper', reason: `revived: no worker had picked it up ${Math.round((now - currentDue) / 1000)} s after it was due` },
      };
    });
    if (revived && revived.version !== candidate.version) {
      await ctx.queue.enqueue({ operationId: revived.id, token: revived.messageToken }, 0);
      report.revived.push(revived.id);
    }
  }
  return report;
}
