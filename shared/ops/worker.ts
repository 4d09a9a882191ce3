// The worker: given a queue message, advances its operation as far as it can in this invocation.
//
// Guarantees, and how:
// - never two workers on one operation: a worker claims the operation with a lease (CAS); the
//   other sees the lease and re-queues itself for when it expires;
// - a completed step is never run again: its result is saved (CAS) before the next step starts;
//   a step cut short by a crash is run again with attempt > 1, and steps look before they act;
// - messages are never the source of truth: a message must carry the operation's current token,
//   so duplicates and stale messages are recognised and dropped.
import { randomUUID } from 'node:crypto';
import { operationEvent } from '../events/outgoing';
import { AppError, ErrorInfo, isTransientError, toErrorInfo } from '../errors';
import { backoffDelayMs } from './backoff';
import { afterFinish, failOperation, needsCleanup, newToken, OpsContext, playbookFor } from './context';
import { AuditNote, ConcurrencyConflict, OperationChanges } from './store';
import { isTerminal, OperationRecord, Playbook, StepContext, StepResult, WorkMessage } from './types';

export interface Delivery {
  /** 1 on the first delivery of this message */
  dequeueCount: number;
}

export type WorkOutcome =
  | 'finished'
  | 'waiting'
  | 'requeued'
  | 'stale-message'
  | 'not-found'
  | 'busy-elsewhere'
  | 'awaiting-approval'
  | 'lost-lease';

/** Thrown by tests to act out a worker process dying: nothing after it runs, nothing is saved. */
export class SimulatedCrash extends Error {}

const ms = (iso: string | undefined): number => (iso ? new Date(iso).getTime() : 0);

export class OperationWorker {
  readonly workerId = `worker-${randomUUID().slice(0, 8)}`;
  /** test hook: runs after a step returned and before its result is saved */
  afterStepHook?: (op: OperationRecord, result: StepResult) => void;

  constructor(private readonly ctx: OpsContext) {}

  async process(message: WorkMessage, delivery: Delivery = { dequeueCount: 1 }): Promise<WorkOutcome> {
    try {
      return await this.advance(message);
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      // The host will deliver the message again; on its last delivery, fail the operation with
      // the error instead of letting it vanish into the poison queue.
      if (delivery.dequeueCount >= this.ctx.settings.maxDequeueCount) {
        const info = toErrorInfo(err);
        await failOperation(this.ctx, message.operationId, poisonError(info, delivery.dequeueCount), this.workerId);
        this.ctx.log.error(`operation ${message.operationId}: failed after ${delivery.dequeueCount} deliveries: ${info.message}`);
        return 'finished';
      }
      throw err;
    }
  }

  private async advance(message: WorkMessage): Promise<WorkOutcome> {
    const { ctx } = this;
    let op = await ctx.store.get(message.operationId);
    if (!op) {
      ctx.log.warn(`work message for unknown operation ${message.operationId} dropped`);
      return 'not-found';
    }
    if (isTerminal(op.state)) return 'stale-message';
    if (message.token !== op.messageToken) return 'stale-message';
    if (op.state === 'awaiting-approval') return 'awaiting-approval';

    const now = ctx.clock.now();
    if (op.leaseOwner && op.leaseOwner !== this.workerId && ms(op.leaseUntil) > now.getTime()) {
      // Another worker is on it. Come back when its lease ends, in case it died.
      await ctx.queue.enqueue(message, ms(op.leaseUntil) - now.getTime() + 1000);
      return 'busy-elsewhere';
    }
    if (op.state === 'waiting' && op.nextRunAt && ms(op.nextRunAt) > now.getTime() + 1000) {
      // Delivered early (a chained long wait, or a duplicate): go back to sleep.
      await ctx.queue.enqueue(message, ms(op.nextRunAt) - now.getTime());
      return 'requeued';
    }
    const playbook = playbookFor(ctx, op.kind);
    if (op.cleanup && now.getTime() > ms(op.cleanup.until)) {
      return (await this.endAfterCleanup(op, `the cleanup did not finish within ${Math.round(ctx.settings.cleanupGraceMs / 60_000)} minutes; look at the target by hand`)) ? 'finished' : 'lost-lease';
    }
    // ending early: at once, unless the playbook's cleanup step has unfinished work to undo (below)
    if (!needsCleanup(playbook, op)) {
      if (!op.cleanup && now.getTime() > ms(op.deadline)) {
        await failOperation(ctx, op.id, deadlineError(op), this.workerId);
        return 'finished';
      }
      if (!op.cleanup && op.cancelRequested) {
        return (await this.finish(op, { state: 'cancelled' }, { actor: op.cancelRequested.by, reason: `cancelled: ${op.cancelRequested.reason}` })) ? 'finished' : 'lost-lease';
      }
    }

    const ttl = ctx.settings.lockTtlMs;
    let lockUntil = op.lockUntil;
    if (playbook.exclusive !== false && !(lockUntil && ms(lockUntil) - now.getTime() > ttl / 2)) {
      // The lock's owner is the operation, not this worker: a racing worker on the same
      // operation gets it too, and the claim below decides which of them runs.
      const lock = await ctx.locks.acquire(op.targetKey, op.id, now, ttl);
      if (!lock.acquired) {
        const reason = `target ${op.targetKey} is busy: operation ${lock.owner} holds it until it finishes`;
        const saved = await this.save(op, {
          changes: {
            state: 'waiting',
            nextRunAt: new Date(now.getTime() + ctx.settings.lockRetryMs).toISOString(),
            waitReason: reason,
            messageToken: newToken(),
            lockUntil: undefined,
          },
          audit: op.waitReason === reason ? undefined : { actor: this.workerId, reason: `waiting for target ${op.targetKey}, held by operation ${lock.owner}` },
        });
        if (!saved) return 'lost-lease';
        await ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, ctx.settings.lockRetryMs);
        return 'waiting';
      }
      lockUntil = new Date(now.getTime() + ttl).toISOString();
    }

    // Claim: lease + attempt count, one CAS. Losing the race means another worker claimed it.
    try {
      op = await ctx.store.save(
        op,
        {
          state: 'running',
          leaseOwner: this.workerId,
          leaseUntil: new Date(now.getTime() + ctx.settings.leaseMs).toISOString(),
          attempt: op.attempt + 1,
          startedAt: op.startedAt ?? now.toISOString(),
          lockUntil,
          // waitReason stays: it tells whether the next wait is the same one (no new audit row)
          nextRunAt: undefined,
        },
        now.toISOString(),
        op.state !== 'running' ? { actor: this.workerId, reason: op.state === 'pending' && op.attempt === 0 && !op.approval ? 'started' : 'resumed' } : undefined,
      );
    } catch (err) {
      if (err instanceof ConcurrencyConflict) {
        await ctx.queue.enqueue(message, 1000);
        return 'busy-elsewhere';
      }
      throw err;
    }

    const started = Date.now();
    for (;;) {
      const overdue = ctx.clock.now().getTime() > ms(op.deadline);
      if (!op.cleanup && (op.cancelRequested || overdue)) {
        if (!needsCleanup(playbook, op)) {
          const c = op.cancelRequested;
          if (c) return (await this.finish(op, { state: 'cancelled' }, { actor: c.by, reason: `cancelled: ${c.reason}` })) ? 'finished' : 'lost-lease';
          const error = deadlineError(op);
          return (await this.finish(op, { state: 'failed', error }, { actor: this.workerId, reason: error.message, error })) ? 'finished' : 'lost-lease';
        }
        const entered = await this.enterCleanup(op, playbook, op.cancelRequested ? 'cancelled' : 'deadline');
        if (!entered) return 'lost-lease';
        op = entered;
      }
      const step = playbook.steps[op.step];
      if (!step) throw new AppError('STEP_NOT_FOUND', `playbook '${op.kind}' has no step '${op.step}'`);
      let result: StepResult;
      try {
        result = await step(this.stepContext(op));
      } catch (err) {
        if (err instanceof SimulatedCrash) throw err;
        return this.stepFailed(op, err, playbook.maxAttempts ?? ctx.settings.maxAttempts);
      }
      this.afterStepHook?.(op, result);
      const saved = await this.applyResult(op, result);
      if (!saved) return 'lost-lease';
      op = saved;
      if (isTerminal(op.state)) return 'finished';
      if (op.state !== 'running') return op.state === 'awaiting-approval' ? 'awaiting-approval' : 'waiting';
      if (Date.now() - started > ctx.settings.invocationBudgetMs) {
        // Give other operations a turn; continue from a fresh message.
        const requeued = await this.save(op, { changes: { state: 'waiting', messageToken: newToken(), leaseOwner: undefined, leaseUntil: undefined, nextRunAt: ctx.clock.now().toISOString() } });
        if (!requeued) return 'lost-lease';
        await ctx.queue.enqueue({ operationId: requeued.id, token: requeued.messageToken }, 0);
        return 'requeued';
      }
    }
  }

  private stepContext(op: OperationRecord): StepContext {
    const { ctx } = this;
    let current = op;
    return {
      operation: op,
      input: op.input,
      stepState: op.stepState,
      attempt: op.attempt,
      now: ctx.clock.now(),
      progress: async (percent: number, message: string) => {
        const progress = { percent: Math.max(0, Math.min(100, Math.round(percent))), message, at: ctx.clock.now().toISOString() };
        const saved = await this.save(current, { changes: { progress } });
        if (saved) current = saved;
        await ctx.events
          .publish(operationEvent('MiAutopilot.Operation.Progress', { operationId: op.id, kind: op.kind, targetKey: op.targetKey, state: 'running', percent: progress.percent, message }, ctx.clock.now()))
          .catch((err: Error) => ctx.log.warn(`operation ${op.id}: progress event not published: ${err.message}`));
      },
      log: (message: string) => ctx.log.info(`[${op.id} ${op.step}] ${message}`),
    };
  }

  private async applyResult(op: OperationRecord, result: StepResult): Promise<OperationRecord | undefined> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const actor = this.workerId;
    switch (result.type) {
      case 'next': {
        let lockUntil = op.lockUntil;
        if (lockUntil && ms(lockUntil) - now.getTime() < ctx.settings.lockTtlMs / 2) {
          // renew only when half the lock's time is gone: a renewal costs three storage calls
          if (!(await ctx.locks.renew(op.targetKey, op.id, now, ctx.settings.lockTtlMs))) {
            throw new AppError('TARGET_LOCK_LOST', `operation ${op.id} lost its lock on ${op.targetKey}; another operation may be acting on it`, { isTransient: true });
          }
          lockUntil = new Date(now.getTime() + ctx.settings.lockTtlMs).toISOString();
        }
        return this.save(op, {
          changes: { step: result.step, stepState: result.state ?? op.stepState, attempt: 1, waitReason: undefined, lockUntil, leaseUntil: new Date(now.getTime() + ctx.settings.leaseMs).toISOString() },
          audit: { actor, reason: `step ${op.step} done` },
        });
      }
      case 'wait': {
        const saved = await this.save(op, {
          changes: {
            state: 'waiting',
            step: result.step ?? op.step,
            stepState: result.state ?? op.stepState,
            attempt: 0,
            nextRunAt: new Date(now.getTime() + result.ms).toISOString(),
            waitReason: result.reason,
            messageToken: newToken(),
            leaseOwner: undefined,
            leaseUntil: undefined,
          },
          // a poll loop would write an audit row per poll; record the first wait of a step only
          audit: op.waitReason === result.reason && op.step === (result.step ?? op.step) ? undefined : { actor, reason: `waiting: ${result.reason}` },
        });
        if (saved) await ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, result.ms);
        return saved;
      }
      case 'awaitApproval': {
        const saved = await this.save(op, {
          changes: {
            state: 'awaiting-approval',
            step: result.step,
            stepState: result.state ?? op.stepState,
            attempt: 0,
            approval: { prompt: result.prompt, requestedAt: now.toISOString() },
            messageToken: newToken(),
            leaseOwner: undefined,
            leaseUntil: undefined,
          },
          audit: { actor, reason: `approval requested: ${result.prompt}` },
        });
        if (saved) {
          await ctx.events
            .publish(operationEvent('MiAutopilot.Operation.AwaitingApproval', { operationId: op.id, kind: op.kind, targetKey: op.targetKey, state: saved.state, message: result.prompt }, now))
            .catch((err: Error) => ctx.log.warn(`operation ${op.id}: approval event not published: ${err.message}`));
        }
        return saved;
      }
      case 'succeed':
        if (op.cleanup) return this.endAfterCleanup(op, 'cleanup done');
        return this.finish(op, { state: 'succeeded', output: result.output }, { actor, reason: `step ${op.step} done: operation succeeded` });
      case 'fail': {
        if (op.cleanup) return this.endAfterCleanup(op, result.message);
        const error: ErrorInfo = { code: result.code, message: result.message };
        return this.finish(op, { state: 'failed', error }, { actor, reason: result.message, error });
      }
    }
  }

  private async stepFailed(op: OperationRecord, err: unknown, maxAttempts: number): Promise<WorkOutcome> {
    const info = toErrorInfo(err, 'STEP_FAILED');
    const now = this.ctx.clock.now();
    if (isTransientError(err) && op.attempt < maxAttempts) {
      const delay = backoffDelayMs(op.attempt, this.ctx.settings.backoffBaseMs, this.ctx.settings.backoffMaxMs);
      const saved = await this.save(op, {
        changes: {
          state: 'waiting',
          nextRunAt: new Date(now.getTime() + delay).toISOString(),
          waitReason: `retrying step ${op.step} after a transient error (attempt ${op.attempt} of ${maxAttempts})`,
          error: info,
          messageToken: newToken(),
          leaseOwner: undefined,
          leaseUntil: undefined,
        },
        audit: { actor: this.workerId, reason: `step ${op.step} hit a transient error; retry in ${Math.round(delay / 1000)} s`, error: info },
      });
      if (!saved) return 'lost-lease';
      await this.ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, delay);
      return 'waiting';
    }
    if (op.cleanup) return (await this.endAfterCleanup(op, `the cleanup step failed: ${info.message}`)) ? 'finished' : 'lost-lease';
    const final: ErrorInfo =
      info.transient && op.attempt >= maxAttempts
        ? { ...info, message: `${info.message} (gave up after ${op.attempt} attempts)` }
        : info;
    return (await this.finish(op, { state: 'failed', error: final }, { actor: this.workerId, reason: `step ${op.step} failed: ${final.message}`, error: final }))
      ? 'finished'
      : 'lost-lease';
  }

  /** Switches a cancelled or overdue operation to its playbook's cleanup step. */
  private enterCleanup(op: OperationRecord, playbook: Playbook, reason: 'cancelled' | 'deadline'): Promise<OperationRecord | undefined> {
    const now = this.ctx.clock.now();
    const why = reason === 'cancelled' ? `cancel requested by ${op.cancelRequested?.by ?? 'someone'} (${op.cancelRequested?.reason ?? 'no reason given'})` : `deadline ${op.deadline} passed`;
    return this.save(op, {
      changes: {
        step: playbook.cleanupStep,
        cleanup: { reason, fromStep: op.step, until: new Date(now.getTime() + this.ctx.settings.cleanupGraceMs).toISOString() },
        attempt: 1,
        waitReason: undefined,
      },
      audit: { actor: this.workerId, reason: `${why} at step ${op.step}: running ${playbook.cleanupStep} to undo unfinished work` },
    });
  }

  /** Ends an operation whose cleanup ran: cancelled, or failed for its deadline, saying what the cleanup did. */
  private endAfterCleanup(op: OperationRecord, said: string): Promise<OperationRecord | undefined> {
    const cleanup = op.cleanup;
    if (cleanup?.reason === 'cancelled') {
      const c = op.cancelRequested;
      const error: ErrorInfo = { code: 'CANCELLED', message: said };
      return this.finish(op, { state: 'cancelled', error }, { actor: c?.by ?? this.workerId, reason: `cancelled: ${c?.reason ?? 'no reason given'}; cleanup said: ${said}` });
    }
    const deadline = deadlineError({ ...op, step: cleanup?.fromStep ?? op.step });
    const error: ErrorInfo = { ...deadline, message: `${deadline.message}; ${said}` };
    return this.finish(op, { state: 'failed', error }, { actor: this.workerId, reason: error.message, error });
  }

  private async finish(op: OperationRecord, changes: OperationChanges, audit: AuditNote): Promise<OperationRecord | undefined> {
    const saved = await this.save(op, {
      changes: { ...changes, leaseOwner: undefined, leaseUntil: undefined, nextRunAt: undefined, waitReason: undefined, lockUntil: undefined },
      audit,
    });
    if (saved) await afterFinish(this.ctx, saved);
    return saved;
  }

  /**
   * Saves with CAS. On a conflict, the change is re-applied to the fresh record if this worker
   * still holds the lease and the operation is where it was (someone only asked to cancel, or
   * approved, or the sweeper looked); otherwise the lease was lost and nothing is saved.
   */
  private async save(op: OperationRecord, change: { changes: OperationChanges; audit?: AuditNote }): Promise<OperationRecord | undefined> {
    let current = op;
    for (let tries = 0; tries < 5; tries++) {
      try {
        return await this.ctx.store.save(current, change.changes, this.ctx.clock.now().toISOString(), change.audit);
      } catch (err) {
        if (!(err instanceof ConcurrencyConflict)) throw err;
        const fresh = await this.ctx.store.get(op.id);
        const stillMine = fresh && fresh.step === op.step && !isTerminal(fresh.state) && (fresh.leaseOwner === this.workerId || (!fresh.leaseOwner && fresh.messageToken === op.messageToken));
        if (!fresh || !stillMine) {
          this.ctx.log.warn(`operation ${op.id}: lost the lease on step ${op.step}; another worker continues`);
          return undefined;
        }
        // keep what others added (cancel request, approval decision) and apply ours on top
        current = fresh;
      }
    }
    throw new ConcurrencyConflict(op.id);
  }
}

export function deadlineError(op: OperationRecord): ErrorInfo {
  return {
    code: 'DEADLINE_EXCEEDED',
    message: `operation ${op.id} (${op.kind} on ${op.targetKey}) did not finish by its deadline ${op.deadline}; it stopped at step '${op.step}'`,
  };
}

export function poisonError(info: ErrorInfo, deliveries: number): ErrorInfo {
  return { code: 'POISON_MESSAGE', message: `the worker failed ${deliveries} times on this operation; last error (${info.code}): ${info.message}` };
}

