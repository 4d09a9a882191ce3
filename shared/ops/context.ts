// What the worker, the sweeper and the API share: storage, clock, settings, playbooks, events.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { EventPublisher } from '../events/outgoing';
import { operationEvent } from '../events/outgoing';
import { AppError, ErrorInfo } from '../errors';
import type { TableClient } from '@azure/data-tables';
import type { TargetLocks } from './locks';
import type { OpsSettings } from './settings';
import { AuditNote, ConcurrencyConflict, OperationChanges, OperationStore } from './store';
import type { OperationRecord, Playbook } from './types';
import type { WorkQueue } from './workQueue';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface OpsContext {
  store: OperationStore;
  locks: TargetLocks;
  queue: WorkQueue;
  events: EventPublisher;
  clock: Clock;
  settings: OpsSettings;
  playbooks: ReadonlyMap<string, Playbook>;
  /** duplicate-event counts per operation */
  duplicates: TableClient;
  log: Logger;
}

export const newToken = (): string => randomUUID();

export function playbookFor(ctx: OpsContext, kind: string): Playbook {
  const playbook = ctx.playbooks.get(kind);
  if (!playbook) {
    throw new AppError('PLAYBOOK_NOT_FOUND', `no playbook is registered for operations of kind '${kind}' (is this app version older than the operation?)`);
  }
  return playbook;
}

/**
 * Whether ending this operation early (cancel, deadline) first needs its playbook's cleanup step:
 * only when the playbook has one, the operation has run, and the cleanup has not begun.
 */
export function needsCleanup(playbook: Playbook | undefined, op: OperationRecord): boolean {
  return Boolean(playbook?.cleanupStep && !op.cleanup && op.startedAt);
}

/**
 * Applies a change computed from the freshest record, retrying on conflicts: `decide` sees the
 * current record and returns the change (or undefined when nothing is to be done any more).
 */
export async function updateWithRetry(
  ctx: OpsContext,
  id: string,
  decide: (op: OperationRecord) => { changes: OperationChanges; audit?: AuditNote } | undefined,
): Promise<OperationRecord | undefined> {
  for (let tries = 0; tries < 10; tries++) {
    const op = await ctx.store.get(id);
    if (!op) return undefined;
    const decision = decide(op);
    if (!decision) return op;
    try {
      return await ctx.store.save(op, decision.changes, ctx.clock.now().toISOString(), decision.audit);
    } catch (err) {
      if (!(err instanceof ConcurrencyConflict)) throw err;
    }
  }
  throw new ConcurrencyConflict(id);
}

/** After a terminal transition: free the target and tell the world. */
export async function afterFinish(ctx: OpsContext, op: OperationRecord): Promise<void> {
  // Always ask: a worker may have taken the lock and died before recording it.
  await ctx.locks.release(op.targetKey, op.id);
  const type =
    op.state === 'succeeded' ? 'MiAutopilot.Operation.Succeeded' : op.state === 'failed' ? 'MiAutopilot.Operation.Failed' : 'MiAutopilot.Operation.Cancelled';
  try {
    await ctx.events.publish(
      operationEvent(type, { operationId: op.id, kind: op.kind, targetKey: op.targetKey, state: op.state, output: op.output, error: op.error }, ctx.clock.now()),
    );
  } catch (err) {
    // The outcome is already durable on the operation; a lost event must not undo it.
    ctx.log.warn(`operation ${op.id}: outcome event not published: ${(err as Error).message}`);
  }
}

/** Fails an operation (unless it already ended) with a code and a plain message. */
export async function failOperation(ctx: OpsContext, id: string, error: ErrorInfo, actor: string): Promise<OperationRecord | undefined> {
  let changed = false;
  const op = await updateWithRetry(ctx, id, (current) => {
    if (current.state === 'succeeded' || current.state === 'failed' || current.state === 'cancelled') return undefined;
    changed = true;
    return {
      changes: { state: 'failed', error, leaseOwner: undefined, leaseUntil: undefined, nextRunAt: undefined, waitReason: undefined },
      audit: { actor, reason: error.message, error },
    };
  });
  if (op && changed) await afterFinish(ctx, op);
  return op;
}
