// The outcome of an operation reaches the world through an outbox: the event is written in the
// same transaction as the terminal change (so it exists exactly when the outcome does), then the
// worker that made the change, or the sweeper after a crash, publishes it and marks it sent. Its id
// is the operation's id and the version of that change, so a second publication is the same event.
import { AppEvent, AppEventType, operationEvent } from '../events/outgoing';
import type { OpsContext } from './context';
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
}
