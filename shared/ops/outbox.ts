// The outcome of an operation reaches the world through an outbox: the event is written in the
// same transaction as the terminal change (so it exists exactly when the outcome does), then the
// worker that made the change, or the sweeper after a crash, publishes it and marks it sent. Its id
// is the operation's id and the version of that change, so a second publication is the same event.
import { notifyCondition, operationEnded } from './conditions';
import { AppEvent, AppEventType, operationEvent } from '../events/outgoing';
import { ms, newToken, updateWithRetry, type OpsContext } from './context';
import type { OperationRecord } from './types';

const OUTCOME_TYPE: Record<string, AppEventType> = {
  succeeded: 'MiAutopilot.Operation.Succeeded',
  failed: 'MiAutopilot.Operation.Failed',
  cancelled: 'MiAutopilot.Operation.Cancelled',
};

/** The events a terminal change writes: the outcome, identified by operation id and version. */
export function outcomeEvents(op: OperationRecord): AppEvent[] {
  const type = OUTCOME_TYPE[op.state];
  if (!type) return [];
  return [
    operationEvent(
      type,
      { operationId: op.id, kind: op.kind, targetKey: op.targetKey, state: op.state, output: op.output, error: op.error },
      new Date(op.updatedAt),
      `${op.id}.v${op.version}`,
    ),
  ];
}

/** Publishes the operation's unsent events; true when none is left. A failure waits for the sweeper. */
export async function publishPending(ctx: OpsContext, operationId: string): Promise<boolean> {
  for (const event of await ctx.store.pendingEvents(operationId)) {
    try {
      await ctx.events.publish(event);
    } catch (err) {
      ctx.log.warn(`operation ${operationId}: event ${event.type} (${event.id}) not published yet, the sweeper will try again: ${(err as Error).message}`);
      return false;
    }
    await ctx.store.markPublished(operationId, event.id);
  }
  return true;
}

/**
 * After a terminal change: free the operation's locks, send its outcome, and take it out of the
 * open index once nothing is left to send. Safe to run again (the sweeper does after a crash).
 */
export async function finished(ctx: OpsContext, op: OperationRecord): Promise<void> {
  // always ask: a worker may have taken the locks and died before recording it
  await ctx.locks.releaseAll(op.lockKeys, op.id);
  if (await publishPending(ctx, op.id)) await ctx.store.closeIndex(op);
  await wakeWaiters(ctx, op).catch((err: Error) => ctx.log.warn(`operation ${op.id}: operations waiting for its locks not woken (they look again on their own): ${err.message}`));
  await notifyCondition(ctx, operationEnded(op.id)).catch((err: Error) => ctx.log.warn(`operation ${op.id}: operations waiting for it to end not woken (they look again on their own): ${err.message}`));
}

/**
 * Operations of the same target waiting for the locks this one held run now instead of at their
 * next lock retry (best effort: they retry on their own anyway). The open index is small.
 */
async function wakeWaiters(ctx: OpsContext, op: OperationRecord): Promise<void> {
  const now = ctx.clock.now();
  for (const entry of await ctx.store.listOpen()) {
    if (entry.id === op.id || entry.targetKey.toLowerCase() !== op.targetKey.toLowerCase()) continue;
    const woken = await updateWithRetry(ctx, entry.id, (c) =>
      c.state === 'waiting' && c.nextRunAt && ms(c.nextRunAt) > now.getTime() + 1000 && c.waitReason?.includes(`operation ${op.id} holds it`)
        ? { changes: { nextRunAt: now.toISOString(), messageToken: newToken() } }
        : undefined,
    );
    if (woken?.state === 'waiting' && woken.nextRunAt === now.toISOString()) await ctx.queue.enqueue({ operationId: woken.id, token: woken.messageToken }, 0);
  }
}
