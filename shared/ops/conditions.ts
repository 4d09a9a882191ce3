// Named conditions operations wait on (a step's waitOn) and their signal: every operation waiting
// on the condition looks now instead of at its next poll. The engine's notify, and the engine
// itself when an operation ends (`operation-ended:<id>`, what another operation waiting for it
// waits on), go through here.
import { newToken, updateWithRetry, type OpsContext } from './context';
import { normalizeCondition } from './store';
import { isTerminal } from './types';

/** The condition an operation waiting for another one to end waits on. */
export const operationEnded = (operationId: string): string => `operation-ended:${operationId}`;

/**
 * A waiting operation looks now instead of at its next poll; one that is not waiting is left as it
 * is (an extra look is harmless: the lease and compare-and-swap). True when it was woken.
 */
export async function wakeOperation(ctx: OpsContext, id: string): Promise<boolean> {
  const now = ctx.clock.now();
  const woken = await updateWithRetry(ctx, id, (c) =>
    c.state === 'waiting' && c.nextRunAt && new Date(c.nextRunAt).getTime() > now.getTime() + 1000 ? { changes: { nextRunAt: now.toISOString(), messageToken: newToken() } } : undefined,
  );
  if (woken && woken.state === 'waiting' && woken.nextRunAt === now.toISOString()) {
    await ctx.queue.enqueue({ operationId: id, token: woken.messageToken }, 0);
    return true;
  }
  return false;
}

/** Wakes every operation waiting on the condition; the index is a hint, the record decides. */
export async function notifyCondition(ctx: OpsContext, condition: string): Promise<string[]> {
  const c = normalizeCondition(condition);
  const woken: string[] = [];
  for (const id of await ctx.store.watchers(c)) {
    const op = await ctx.store.get(id);
    if (op && op.state === 'waiting' && op.waitingOn?.includes(c)) {
      await wakeOperation(ctx, id);
      woken.push(id);
    } else if (!op || isTerminal(op.state) || (op.state === 'waiting' && !op.waitingOn?.includes(c))) {
      // running or pending ones may wait on it again: they index themselves each time they do
      await ctx.store.unwatch(c, id).catch(() => undefined);
    }
  }
  return woken;
}
