// What the worker, the sweeper and the API share: storage, clock, settings, playbooks, events.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { EventPublisher } from '../events/outgoing';
import { AppError } from '../errors';
import type { LockStore } from './locks';
import type { Playbook } from './playbook';
import type { OpsSettings } from './settings';
import { AuditNote, ConcurrencyConflict, EventsOf, OperationChanges, OperationStore } from './store';
import type { OperationRecord } from './types';
import type { WorkQueue } from './workQueue';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface OpsContext {
  store: OperationStore;
  locks: LockStore;
  queue: WorkQueue;
  events: EventPublisher;
  clock: Clock;
  settings: OpsSettings;
  playbooks: ReadonlyMap<string, Playbook>;
  log: Logger;
}

export const newToken = (): string => randomUUID();

export const ms = (iso: string | undefined): number => (iso ? new Date(iso).getTime() : 0);

export function playbookFor(ctx: OpsContext, kind: string): Playbook {
  const playbook = ctx.playbooks.get(kind);
  if (!playbook) {
    throw new AppError('PLAYBOOK_NOT_FOUND', `no playbook is registered for operations of kind '${kind}' (is this app version older than the operation?)`);
  }
  return playbook;
}

/**
 * Whether ending this operation first needs its playbook's cleanup step: only when the playbook
 * has one, the operation has run (so it may have left work behind), and no cleanup began yet.
 */
export function needsCleanup(playbook: Playbook | undefined, op: OperationRecord): boolean {
  return Boolean(playbook?.cleanupStep && !op.cleanup && op.startedAt);
}

export interface Decision {
  changes: OperationChanges;
  audit?: AuditNote;
  events?: EventsOf;
}

/**
 * Applies a change computed from the freshest record, retrying on conflicts: `decide` sees the
 * current record and returns the change (or undefined when nothing is to be done any more).
 */
export async function updateWithRetry(ctx: OpsContext, id: string, decide: (op: OperationRecord) => Decision | undefined): Promise<OperationRecord | undefined> {
  for (let tries = 0; tries < 10; tries++) {
    const op = await ctx.store.get(id);
    if (!op) return undefined;
    const decision = decide(op);
    if (!decision) return op;
    try {
      return await ctx.store.save(op, decision.changes, ctx.clock.now().toISOString(), decision.audit, decision.events);
    } catch (err) {
      if (!(err instanceof ConcurrencyConflict)) throw err;
    }
  }
  throw new ConcurrencyConflict(id);
}
