// How a started operation ends without succeeding — a step's failure, a poison message, a cancel,
// the deadline, an expired or rejected approval: every way goes through here, so the playbook's
// cleanup step runs first, once, and the outcome says what it did.
import type { ErrorInfo } from '../errors';
import { Decision, ms, needsCleanup, newToken, OpsContext, updateWithRetry } from './context';
import { finished, outcomeEvents } from './outbox';
import type { OperationChanges } from './store';
import { isTerminal, OperationRecord } from './types';

export interface Ending {
  ending: 'cancelled' | 'failed';
  error: ErrorInfo;
  actor: string;
  /** the audit row's text */
  reason: string;
  /** recorded with the change (the cancel request, the approval decision) */
  changes?: OperationChanges;
  /** when the operation is already in its cleanup: what this ending says of it ("did not finish in time") */
  duringCleanup?: string;
}

export type EndingOutcome = 'ended' | 'cleanup' | 'unchanged';

const CLEARED: OperationChanges = { leaseOwner: undefined, leaseUntil: undefined, nextRunAt: undefined, waitReason: undefined, lockUntil: undefined };

export function deadlineError(op: OperationRecord): ErrorInfo {
  return {
    code: 'DEADLINE_EXCEEDED',
    message: `operation ${op.id} (${op.kind} on ${op.targetKey}) did not finish by its deadline ${op.deadline}; it stopped at step '${op.cleanup?.fromStep ?? op.step}'`,
  };
}

export function poisonError(info: ErrorInfo, deliveries: number): ErrorInfo {
  return { code: 'POISON_MESSAGE', message: `the worker failed ${deliveries} times on this operation; last error (${info.code}): ${info.message}` };
}

export const cancelError = (by: string, reason: string): ErrorInfo => ({ code: 'CANCELLED', message: `cancelled by ${by}: ${reason}` });

/** The final error after a cleanup: the ending's, then what the cleanup reported. */
export function afterCleanupError(op: OperationRecord, report: string): ErrorInfo {
  const error = op.cleanup?.error ?? { code: 'UNEXPECTED_ERROR', message: 'the operation ended' };
  return report ? { code: error.code, message: `${error.message}; ${report}` } : { code: error.code, message: error.message };
}

/**
 * The change that begins an ending: into the cleanup step when there is work to undo, otherwise
 * straight to the terminal state (with its outcome event). Undefined when nothing is to be done.
 */
export function endingDecision(ctx: OpsContext, current: OperationRecord, ending: Ending): { decision: Decision; outcome: Exclude<EndingOutcome, 'unchanged'> } | undefined {
  if (isTerminal(current.state)) return undefined;
  const playbook = ctx.playbooks.get(current.kind);
  const now = ctx.clock.now();
  if (current.cleanup) {
    if (ending.duringCleanup === undefined) return undefined; // already ending; the cleanup finishes it
    const error = afterCleanupError(current, ending.duringCleanup);
    return {
      outcome: 'ended',
      decision: { changes: { ...ending.changes, ...CLEARED, state: current.cleanup.ending, error }, audit: { actor: ending.actor, reason: error.message, error }, events: outcomeEvents },
    };
  }
  if (playbook?.cleanupStep && needsCleanup(playbook, current)) {
    return {
      outcome: 'cleanup',
      decision: {
        changes: {
          ...ending.changes,
          ...CLEARED,
          state: 'pending',
          step: playbook.cleanupStep,
          attempt: 0,
          lockUntil: current.lockUntil,
          cleanup: { ending: ending.ending, error: ending.error, fromStep: current.step, until: new Date(now.getTime() + ctx.settings.cleanupGraceMs).toISOString() },
          waitReason: `undoing unfinished work: ${ending.error.message}`,
          messageToken: newToken(),
        },
        audit: { actor: ending.actor, reason: `${ending.reason} at step ${current.step}: running ${playbook.cleanupStep} to undo unfinished work` },
      },
    };
  }
  const error = ending.error;
  return {
    outcome: 'ended',
    decision: { changes: { ...ending.changes, ...CLEARED, state: ending.ending, error }, audit: { actor: ending.actor, reason: ending.reason, error: ending.ending === 'failed' ? error : undefined }, events: outcomeEvents },
  };
}

/**
 * Ends an operation that no worker is running at this moment (the API, the sweeper, the poison
 * queue). `stillApplies` re-checks the reason on the freshest record.
 */
export async function endOperation(
  ctx: OpsContext,
  id: string,
  ending: Ending,
  stillApplies: (op: OperationRecord) => boolean = () => true,
): Promise<{ op?: OperationRecord; outcome: EndingOutcome }> {
  let outcome = 'unchanged' as EndingOutcome;
  const op = await updateWithRetry(ctx, id, (current) => {
    outcome = 'unchanged';
    if (!stillApplies(current)) return undefined;
    const decided = endingDecision(ctx, current, ending);
    if (!decided) return undefined;
    outcome = decided.outcome;
    return decided.decision;
  });
  if (op && outcome === 'cleanup') await ctx.queue.enqueue({ operationId: op.id, token: op.messageToken }, 0);
  if (op && outcome === 'ended') await finished(ctx, op);
  return { op, outcome };
}

/** The ending of an approval nobody gave or refused in time. */
export function approvalExpired(op: OperationRecord, actor: string): Ending {
  const requested = op.approval?.requestedAt ?? op.updatedAt;
  const minutes = Math.max(1, Math.round((ms(op.approval?.expiresAt) - ms(requested)) / 60_000));
  const error: ErrorInfo = {
    code: 'APPROVAL_EXPIRED',
    message: `nobody approved or rejected within ${minutes} minute${minutes === 1 ? '' : 's'} (asked at ${requested}: ${op.approval?.prompt ?? 'approval'}); nothing was done past that point`,
  };
  return { ending: 'failed', error, actor, reason: error.message };
}
