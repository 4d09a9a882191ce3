// The operation engine's front door: start, look at, cancel, approve and retry operations. The
// worker and the sweeper do the rest.
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { OpsContext, playbookFor, updateWithRetry, newToken } from './context';
import { notifyCondition, wakeOperation } from './conditions';
import { cancelError, endOperation } from './ending';
import { lockSet } from './locks';
import { newestFirstKey, RecordTooLarge, type IndexEntry, type Signals } from './store';
import { sweep, SweepReport } from './sweeper';
import { AuditEntry, Decider, describeDecider, isTerminal, OPEN_STATES, OperationRecord, OperationState, WorkMessage } from './types';
import { Delivery, OperationWorker, WorkOutcome } from './worker';
import type { Logger } from './context';

export interface StartRequest {
  kind: string;
  targetKey: string;
  input: unknown;
  /** an event's identity (blob URL + ETag + sequencer, alert id + condition): at most one operation per key */
  idempotencyKey?: string;
  /** overrides the playbook's default deadline */
  deadline?: Date;
  createdBy: string;
  /** the operation this one retries */
  retryOf?: string;
  /** what a repeated request (same idempotency key) is recorded as on the existing operation */
  duplicateNote?: string;
}

export interface StartResult {
  operation: OperationRecord;
  /** true when the idempotency key had already started this operation */
  duplicate: boolean;
}

export interface ListFilter {
  states?: OperationState[];
  kind?: string;
  targetKey?: string;
  limit?: number;
  continuation?: string;
}

export interface OperationPage {
  operations: OperationRecord[];
  /** pass back for the next page; absent on the last one */
  continuation?: string;
}

/** Operation ids: time-ordered for ad-hoc operations, derived from the key for keyed ones. */
export function operationIdFor(kind: string, idempotencyKey: string | undefined, now: Date): string {
  if (idempotencyKey === undefined) return `op-${now.getTime().toString(36)}-${randomUUID().slice(0, 8)}`;
  return `op-k-${createHash('sha256').update(`${kind}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

export { describeDecider } from './types';

export class OperationEngine {
  constructor(readonly ctx: OpsContext) {}

  async start(request: StartRequest): Promise<StartResult> {
    const { ctx } = this;
    const playbook = playbookFor(ctx, request.kind);
    if (!request.targetKey.trim()) throw new AppError('BAD_REQUEST', 'an operation needs a target (targetKey is empty)');
    const input = playbook.parseInput(request.input);
    const now = ctx.clock.now();
    const id = operationIdFor(request.kind, request.idempotencyKey, now);
    const deadline = request.deadline ?? new Date(now.getTime() + playbook.defaultDeadlineMs);
    if (deadline.getTime() <= now.getTime()) throw new AppError('BAD_REQUEST', `the deadline ${deadline.toISOString()} has already passed`);
    let created: OperationRecord | undefined;
    try {
      created = await ctx.store.create(
        {
          id,
          kind: request.kind,
          targetKey: request.targetKey,
          lockKeys: lockSet(request.targetKey, playbook.extraLocks(input)),
          state: 'pending',
          step: playbook.firstStep,
          stepState: undefined,
          input,
          attempt: 0,
          version: 1,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          deadline: deadline.toISOString(),
          messageToken: newToken(),
          idempotencyKey: request.idempotencyKey,
          retryOf: request.retryOf,
          createdBy: request.createdBy,
        },
        { actor: request.createdBy, reason: request.retryOf ? `created to retry operation ${request.retryOf}` : 'created' },
      );
    } catch (err) {
      if (err instanceof RecordTooLarge) throw new AppError('BAD_REQUEST', `the request is too large to keep: ${err.message}`);
      throw err;
    }
    if (!created) {
      const existing = await ctx.store.get(id);
      if (!existing) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} exists and then did not; try again`, { isTransient: true });
      await this.signal(existing.id, request.duplicateNote ?? `asked again by ${request.createdBy}`);
      return { operation: existing, duplicate: true };
    }
    // If this enqueue is lost (crash), the sweeper finds the pending operation and queues it.
    await ctx.queue.enqueue({ operationId: created.id, token: created.messageToken }, 0);
    return { operation: created, duplicate: false };
  }

  get(id: string): Promise<OperationRecord | undefined> {
    return this.ctx.store.get(id);
  }

  /**
   * Newest first. Open states are read from the open index (small); anything else pages through
   * the recent index. One more match than asked for tells whether another page exists.
   */
  async list(filter: ListFilter = {}): Promise<OperationPage> {
    const limit = filter.limit ?? 100;
    const states = filter.states && filter.states.length > 0 ? new Set(filter.states) : undefined;
    const fits = (e: IndexEntry): boolean => (!filter.kind || e.kind === filter.kind) && (!filter.targetKey || e.targetKey === filter.targetKey);
    const found: Array<{ op: OperationRecord; key: string }> = [];
    const collect = async (entries: IndexEntry[]): Promise<boolean> => {
      for (let i = 0; i < entries.length; i += 50) {
        const chunk = entries.slice(i, i + 50);
        const ops = await Promise.all(chunk.map((e) => this.ctx.store.get(e.id)));
        for (const op of ops) {
          if (op && (!states || states.has(op.state))) found.push({ op, key: newestFirstKey(op.createdAt, op.id) });
          if (found.length > limit) return true;
        }
      }
      return false;
    };
    const page = (): OperationPage => ({
      operations: found.slice(0, limit).map((f) => f.op),
      continuation: found.length > limit ? found[limit - 1].key : undefined,
    });
    if (states && [...states].every((s) => OPEN_STATES.includes(s))) {
      const entries = (await this.ctx.store.listOpen())
        .filter((e) => fits(e) && (!filter.continuation || newestFirstKey(e.createdAt, e.id) > filter.continuation))
        .sort((a, b) => (newestFirstKey(a.createdAt, a.id) < newestFirstKey(b.createdAt, b.id) ? -1 : 1));
      await collect(entries);
      return page();
    }
    let continuation = filter.continuation;
    for (;;) {
      const recent = await this.ctx.store.listRecent({ kind: filter.kind, targetKey: filter.targetKey, limit: Math.min(200, limit + 1), continuation });
      if ((await collect(recent.entries)) || !recent.continuation) return page();
      continuation = recent.continuation;
    }
  }

  audit(id: string): Promise<AuditEntry[]> {
    return this.ctx.store.audit(id);
  }

  /**
   * Stops an operation. One that is running stops before its next step; one that waits (for time,
   * a lock or an approval) stops now. Either way a started operation runs its playbook's cleanup
   * first, and ends cancelled with what the cleanup did.
   */
  async cancel(id: string, by: string, reason: string): Promise<OperationRecord> {
    const { ctx } = this;
    const at = ctx.clock.now().toISOString();
    const current = await ctx.store.get(id);
    if (!current) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`);
    if (isTerminal(current.state)) return current;
    const cancelRequested = { by, reason, at };
    // a running worker sees the request between steps
    const asked = await updateWithRetry(ctx, id, (op) => (op.state === 'running' && !op.cancelRequested && !op.cleanup ? { changes: { cancelRequested }, audit: { actor: by, reason: `cancel requested: ${reason}` } } : undefined));
    if (asked?.state === 'running' || asked?.cleanup || (asked && isTerminal(asked.state))) return asked;
    const { op } = await endOperation(
      ctx,
      id,
      { ending: 'cancelled', error: cancelError(by, reason), actor: by, reason: `cancelled: ${reason}`, changes: { cancelRequested } },
      (o) => o.state !== 'running' && !o.cleanup,
    );
    if (!op) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`);
    return op;
  }

  /** Records an approver's decision on an operation that is awaiting approval. */
  async decide(id: string, decider: Decider, decision: 'approved' | 'rejected', comment = ''): Promise<OperationRecord> {
    const { ctx } = this;
    const at = ctx.clock.now().toISOString();
    const who = describeDecider(decider);
    const current = await ctx.store.get(id);
    if (!current) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`);
    if (current.state !== 'awaiting-approval' || !current.approval) {
      throw new AppError('NOT_AWAITING_APPROVAL', `operation ${id} is ${current.state}, not awaiting approval`);
    }
    if (current.approval.expiresAt && new Date(current.approval.expiresAt).getTime() <= ctx.clock.now().getTime()) {
      throw new AppError('APPROVAL_EXPIRED', `the approval of operation ${id} expired at ${current.approval.expiresAt}; start the operation again to ask again`);
    }
    const recorded = (approval: NonNullable<OperationRecord['approval']>) => ({
      ...approval,
      decision,
      decidedBy: decider.name,
      decidedById: decider.id,
      decidedVia: decider.selfDeclared ? ('self-declared' as const) : ('principal' as const),
      decidedAt: at,
      comment,
    });
    const note = comment ? `: ${comment}` : '';
    if (decision === 'rejected') {
      const { op } = await endOperation(
        ctx,
        id,
        {
          ending: 'cancelled',
          error: { code: 'APPROVAL_REJECTED', message: `rejected by ${who}${note}` },
          actor: who,
          reason: `rejected${note}`,
          changes: { approval: recorded(current.approval), cancelRequested: { by: who, reason: `approval rejected${note}`, at } },
        },
        (o) => o.state === 'awaiting-approval' && o.messageToken === current.messageToken,
      );
      if (!op || op.approval?.decision !== 'rejected') throw new AppError('NOT_AWAITING_APPROVAL', `operation ${id} changed while it was being rejected; look again`);
      return op;
    }
    const op = await updateWithRetry(ctx, id, (o) =>
      o.state === 'awaiting-approval' && o.approval && o.messageToken === current.messageToken
        ? { changes: { state: 'pending', approval: recorded(o.approval), messageToken: newToken() }, audit: { actor: who, reason: `approved${note}` } }
        : undefined,
    );
    if (!op || op.approval?.decision !== 'approved') throw new AppError('NOT_AWAITING_APPROVAL', `operation ${id} changed while it was being approved; look again`);
    await ctx.queue.enqueue({ operationId: op.id, token: op.messageToken }, 0);
    return op;
  }

  /** Starts a new operation with the input of a failed or cancelled one, linked to it. */
  async retry(id: string, by: string): Promise<StartResult> {
    const previous = await this.ctx.store.get(id);
    if (!previous) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`);
    if (previous.state !== 'failed' && previous.state !== 'cancelled') {
      throw new AppError('NOT_RETRYABLE', `operation ${id} is ${previous.state}; only a failed or cancelled operation can be retried`);
    }
    return this.start({ kind: previous.kind, targetKey: previous.targetKey, input: previous.input, createdBy: by, retryOf: previous.id });
  }

  /** Runs a worker on one delivered message (the queue trigger calls this), logging to `log`. */
  process(message: WorkMessage, delivery?: Delivery, log?: Logger): Promise<WorkOutcome> {
    return new OperationWorker(log ? { ...this.ctx, log } : this.ctx).process(message, delivery);
  }

  sweep(log?: Logger): Promise<SweepReport> {
    return sweep(log ? { ...this.ctx, log } : this.ctx);
  }

  /**
   * An event for an operation that exists (delivered again, or another stripe of its backup): it is
   * counted with what it was, and an operation waiting to look again (for stripes, say) is woken to
   * look now instead of at its next poll.
   */
  async signal(id: string, note: string): Promise<void> {
    const { ctx } = this;
    await ctx.store.countDuplicate(id, ctx.clock.now().toISOString(), note).catch((err: Error) => ctx.log.warn(`signal for ${id} not recorded: ${err.message}`));
    await this.wake(id);
  }

  /**
   * An operation waiting to look again (for a stripe, the rest of a backup chain) looks now
   * instead of at its next poll: something it may be waiting for has arrived. An operation that
   * is not waiting is left as it is; an extra look is harmless (the lease and compare-and-swap).
   */
  async wake(id: string): Promise<void> {
    await wakeOperation(this.ctx, id);
  }


  /**
   * A named condition happened (a backup arrived for a target, a sample was taken): every operation
   * waiting on it (a step's waitOn) looks now instead of at its next poll. The index is a hint: the
   * record decides, and entries of operations that moved on are dropped. Returns the ids woken.
   */
  async notify(condition: string): Promise<string[]> {
    return notifyCondition(this.ctx, condition);
  }


  /** What was counted for an operation beside the event that started it. */
  signals(id: string): Promise<Signals> {
    return this.ctx.store.signals(id);
  }

  /** How many times an event key asked again for this operation. */
  duplicateCount(operationId: string): Promise<number> {
    return this.ctx.store.duplicateCount(operationId);
  }
}
