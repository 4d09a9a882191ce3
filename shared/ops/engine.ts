// The operation engine's front door: start, look at, cancel and approve operations. The worker
// and the sweeper do the rest.
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { afterFinish, needsCleanup, newToken, OpsContext, playbookFor, updateWithRetry } from './context';
import { sweep, SweepReport } from './sweeper';
import type { ListFilter } from './store';
import { AuditEntry, isTerminal, OperationRecord } from './types';
import { Delivery, OperationWorker, WorkOutcome } from './worker';
import type { WorkMessage } from './types';

export interface StartRequest {
  kind: string;
  targetKey: string;
  input: unknown;
  /** an event's identity (blob URL + ETag + sequencer, alert id + condition): at most one operation per key */
  idempotencyKey?: string;
  /** overrides the playbook's default deadline */
  deadline?: Date;
  createdBy: string;
}

export interface StartResult {
  operation: OperationRecord;
  /** true when the idempotency key had already started this operation */
  duplicate: boolean;
}

/** Operation ids: time-ordered for ad-hoc operations, derived from the key for keyed ones. */
export function operationIdFor(kind: string, idempotencyKey: string | undefined, now: Date): string {
  if (idempotencyKey === undefined) return `op-${now.getTime().toString(36)}-${randomUUID().slice(0, 8)}`;
  return `op-k-${createHash('sha256').update(`${kind}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

export class OperationEngine {
  private worker?: OperationWorker;

  constructor(readonly ctx: OpsContext) {}

  async start(request: StartRequest): Promise<StartResult> {
    const { ctx } = this;
    const playbook = playbookFor(ctx, request.kind);
    if (!request.targetKey.trim()) throw new AppError('BAD_REQUEST', 'an operation needs a target (targetKey is empty)');
    const now = ctx.clock.now();
    const id = operationIdFor(request.kind, request.idempotencyKey, now);
    const deadline = request.deadline ?? new Date(now.getTime() + playbook.defaultDeadlineMs);
    if (deadline.getTime() <= now.getTime()) throw new AppError('BAD_REQUEST', `the deadline ${deadline.toISOString()} has already passed`);
    const created = await ctx.store.create(
      {
        id,
        kind: request.kind,
        targetKey: request.targetKey,
        state: 'pending',
        step: playbook.firstStep,
        stepState: undefined,
        input: request.input,
        attempt: 0,
        version: 1,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        deadline: deadline.toISOString(),
        messageToken: newToken(),
        idempotencyKey: request.idempotencyKey,
        createdBy: request.createdBy,
      },
      { actor: request.createdBy, reason: 'created' },
    );
    if (!created) {
      const existing = await ctx.store.get(id);
      if (!existing) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} exists and then did not; try again`, { isTransient: true });
      await this.countDuplicate(existing.id);
      return { operation: existing, duplicate: true };
    }
    // If this enqueue is lost (crash), the sweeper finds the pending operation and queues it.
    await ctx.queue.enqueue({ operationId: created.id, token: created.messageToken }, 0);
    return { operation: created, duplicate: false };
  }

  get(id: string): Promise<OperationRecord | undefined> {
    return this.ctx.store.get(id);
  }

  list(filter?: ListFilter): Promise<OperationRecord[]> {
    return this.ctx.store.list(filter);
  }

  audit(id: string): Promise<AuditEntry[]> {
    return this.ctx.store.audit(id);
  }

  /**
   * Asks a running operation to stop before its next step. One that waits (for time, a lock or
   * an approval) is cancelled at once, unless its playbook has a cleanup step with work to undo:
   * then a worker runs that step now, and the operation ends cancelled after it.
   */
  async cancel(id: string, by: string, reason: string): Promise<OperationRecord> {
    const { ctx } = this;
    const at = ctx.clock.now().toISOString();
    let endedNow = false;
    let cleanupQueued = false;
    const op = await updateWithRetry(ctx, id, (current) => {
      endedNow = false;
      cleanupQueued = false;
      if (isTerminal(current.state) || current.cancelRequested) return undefined;
      const cancelRequested = { by, reason, at };
      if (current.state === 'running') return { changes: { cancelRequested } };
      const playbook = ctx.playbooks.get(current.kind);
      if (needsCleanup(playbook, current)) {
        cleanupQueued = true;
        return {
          changes: { cancelRequested, state: 'pending', nextRunAt: undefined, waitReason: `cancel requested by ${by}: undoing unfinished work`, messageToken: newToken() },
          audit: { actor: by, reason: `cancel requested: ${reason}` },
        };
      }
      endedNow = true;
      return {
        changes: { cancelRequested, state: 'cancelled', nextRunAt: undefined, waitReason: undefined, leaseOwner: undefined, leaseUntil: undefined },
        audit: { actor: by, reason: `cancelled: ${reason}` },
      };
    });
    if (!op) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`);
    if (endedNow) await afterFinish(ctx, op);
    if (cleanupQueued) await ctx.queue.enqueue({ operationId: op.id, token: op.messageToken }, 0);
    return op;
  }

  /** Records an approver's decision on an operation that is awaiting approval. */
  async decide(id: string, by: string, decision: 'approved' | 'rejected', comment = ''): Promise<OperationRecord> {
    const { ctx } = this;
    const at = ctx.clock.now().toISOString();
    let refused: string | undefined;
    const op = await updateWithRetry(ctx, id, (current) => {
      if (current.state !== 'awaiting-approval' || !current.approval) {
        refused = `operation ${id} is ${current.state}, not awaiting approval`;
        return undefined;
      }
      const approval = { ...current.approval, decidedBy: by, decision, decidedAt: at, comment };
      return decision === 'approved'
        ? { changes: { state: 'pending', approval, messageToken: newToken() }, audit: { actor: by, reason: `approved${comment ? `: ${comment}` : ''}` } }
        : { changes: { state: 'cancelled', approval, cancelRequested: { by, reason: 'approval rejected', at } }, audit: { actor: by, reason: `rejected${comment ? `: ${comment}` : ''}` } };
    });
    if (!op) throw new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`);
    if (refused) throw new AppError('NOT_AWAITING_APPROVAL', refused);
    if (op.state === 'pending') await ctx.queue.enqueue({ operationId: op.id, token: op.messageToken }, 0);
    else await afterFinish(ctx, op);
    return op;
  }

  /** Runs the worker on one delivered message (the queue trigger calls this). */
  process(message: WorkMessage, delivery?: Delivery): Promise<WorkOutcome> {
    this.worker ??= new OperationWorker(this.ctx);
    return this.worker.process(message, delivery);
  }

  sweep(): Promise<SweepReport> {
    return sweep(this.ctx);
  }

  private async countDuplicate(operationId: string): Promise<void> {
    // Best effort: a lost count is harmless, a failed start is not.
    try {
      for (let tries = 0; tries < 5; tries++) if (await this.incrementDuplicates(operationId)) return;
    } catch (err) {
      this.ctx.log.warn(`duplicate count for ${operationId} not recorded: ${(err as Error).message}`);
    }
  }

  /** One compare-and-swap increment; false when another writer came first (try again). */
  private async incrementDuplicates(operationId: string): Promise<boolean> {
    const table = this.ctx.duplicates;
    const key = { partitionKey: 'duplicate', rowKey: operationId };
    const lastAt = this.ctx.clock.now().toISOString();
    const status = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;
    let current;
    try {
      current = await table.getEntity<{ count: number }>(key.partitionKey, key.rowKey);
    } catch (err) {
      if (status(err) !== 404) throw err;
      try {
        await table.createEntity({ ...key, count: 1, lastAt });
        return true;
      } catch (createErr) {
        if (status(createErr) === 409) return false;
        throw createErr;
      }
    }
    try {
      await table.updateEntity({ ...key, count: Number(current.count) + 1, lastAt }, 'Replace', { etag: current.etag });
      return true;
    } catch (err) {
      if (status(err) === 412) return false;
      throw err;
    }
  }

  /** How many times an event key asked again for this operation. */
  async duplicateCount(operationId: string): Promise<number> {
    try {
      return Number((await this.ctx.duplicates.getEntity<{ count: number }>('duplicate', operationId)).count);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return 0;
      throw err;
    }
  }
}
