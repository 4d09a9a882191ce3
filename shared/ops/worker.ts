// The worker: given a queue message, advances its operation as far as it can in this invocation.
//
// Guarantees, and how:
// - never two workers on one operation: a worker claims the operation with a lease (CAS) and
//   renews it while a step runs; another worker takes over only after the lease and its grace
//   have passed, which is longer than the host lets an invocation live;
// - a completed step is never run again: its result is saved (CAS) before the next step starts;
//   a step cut short by a crash is run again with attempt > 1, and steps look before they act;
// - messages are never the source of truth: a message must carry the operation's current token,
//   so duplicates and stale messages are recognised and dropped;
// - every way a started operation ends without succeeding goes through the playbook's cleanup
//   step first, once (ending.ts).
import { randomUUID } from 'node:crypto';
import { operationEvent } from '../events/outgoing';
import { AppError, ErrorInfo, isTransientError, toErrorInfo } from '../errors';
import { backoffDelayMs } from './backoff';
import { ms, newToken, OpsContext, playbookFor, updateWithRetry } from './context';
import { afterCleanupError, approvalExpired, cancelError, deadlineError, Ending, endingDecision, endOperation, poisonError } from './ending';
import { finished, outcomeEvents } from './outbox';
import type { Playbook } from './playbook';
import { AuditNote, ConcurrencyConflict, EventsOf, normalizeCondition, OperationChanges, RecordTooLarge } from './store';
import { isTerminal, OperationRecord, StepContext, StepResult, WorkMessage } from './types';

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

interface Change {
  changes: OperationChanges;
  audit?: AuditNote;
  events?: EventsOf;
}

/**
 * The operation as this invocation last saved it. Saves made while a step runs (progress, lease
 * renewals) are serialized here, so each starts from the record the previous one produced.
 */
class Claimed {
  private chain: Promise<unknown> = Promise.resolve();
  lost = false;

  constructor(public current: OperationRecord) {}

  update(save: (op: OperationRecord) => Promise<OperationRecord | undefined>): Promise<OperationRecord | undefined> {
    const run = this.chain.then(async () => {
      if (this.lost) return undefined;
      const saved = await save(this.current);
      if (saved) this.current = saved;
      else this.lost = true;
      return saved;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  settled(): Promise<unknown> {
    return this.chain;
  }
}

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
      // The host will deliver the message again; on its last delivery, end the operation (through
      // its cleanup) with the error instead of letting it vanish into the poison queue.
      if (delivery.dequeueCount < this.ctx.settings.maxDequeueCount) {
        // still alive: hand the operation back at once, so the redelivery does not wait out our lease
        await this.releaseLease(message.operationId, toErrorInfo(err)).catch(() => undefined);
        throw err;
      }
      {
        const error = poisonError(toErrorInfo(err), delivery.dequeueCount);
        this.ctx.log.error(`operation ${message.operationId}: ${error.message}`);
        const { outcome } = await endOperation(this.ctx, message.operationId, {
          ending: 'failed',
          error,
          actor: this.workerId,
          reason: error.message,
          duringCleanup: `the cleanup step could not finish: ${error.message}`,
        });
        return outcome === 'cleanup' ? 'waiting' : 'finished';
      }
    }
  }

  private async releaseLease(operationId: string, error: ErrorInfo): Promise<void> {
    await updateWithRetry(this.ctx, operationId, (c) =>
      c.leaseOwner === this.workerId && !isTerminal(c.state) ? { changes: { leaseOwner: undefined, leaseUntil: undefined, error } } : undefined,
    );
  }

  private async advance(message: WorkMessage): Promise<WorkOutcome> {
    const { ctx } = this;
    let op = await ctx.store.get(message.operationId);
    if (!op) {
      ctx.log.warn(`work message for unknown operation ${message.operationId} dropped`);
      return 'not-found';
    }
    if (isTerminal(op.state) || message.token !== op.messageToken) return 'stale-message';
    const now = ctx.clock.now();
    if (op.state === 'awaiting-approval') return this.approvalDue(op, message, now);

    const takeOverAt = ms(op.leaseUntil) + ctx.settings.leaseGraceMs;
    if (op.leaseOwner && op.leaseOwner !== this.workerId && takeOverAt > now.getTime()) {
      // Another worker is on it. Come back when its lease (and grace) ends, in case it died.
      await ctx.queue.enqueue(message, takeOverAt - now.getTime() + 1000);
      return 'busy-elsewhere';
    }
    if (op.state === 'waiting' && op.nextRunAt && ms(op.nextRunAt) > now.getTime() + 1000) {
      // Delivered early (a chained long wait, or a duplicate): go back to sleep.
      await ctx.queue.enqueue(message, ms(op.nextRunAt) - now.getTime());
      return 'requeued';
    }
    const playbook = playbookFor(ctx, op.kind);
    if (op.cleanup && now.getTime() > ms(op.cleanup.until)) {
      const minutes = Math.round(ctx.settings.cleanupGraceMs / 60_000);
      await endOperation(ctx, op.id, this.ending(op, `the cleanup did not finish within ${minutes} minutes; look at the target by hand`), (c) => c.messageToken === message.token);
      return 'finished';
    }
    // an operation that never ran ends at once: no locks to wait for, nothing to undo
    const early = op.cleanup ? undefined : this.endingDue(op, now);
    if (early && !op.startedAt) {
      await endOperation(ctx, op.id, early, (c) => c.messageToken === message.token);
      return 'finished';
    }

    // a step that keeps being started and never finishes (its worker crashes, or cannot save its
    // result) is a poison whatever messages carry it: the attempt count on the record says so
    const maxStarts = ctx.settings.maxAttempts + ctx.settings.maxDequeueCount;
    if (op.attempt >= maxStarts) {
      const error = { code: 'POISON_MESSAGE', message: `step ${op.step} was started ${op.attempt} times and never finished (the worker crashed or could not save its result each time)${op.error ? `; last error (${op.error.code}): ${op.error.message}` : ''}` };
      await endOperation(ctx, op.id, { ending: 'failed', error, actor: this.workerId, reason: error.message, duringCleanup: `the cleanup step could not finish: ${error.message}` }, (c) => c.messageToken === message.token);
      return 'finished';
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
          // waitReason stays: it tells whether the next wait is the same one (no new audit row)
          nextRunAt: undefined,
        },
        now.toISOString(),
        op.state !== 'running'
          ? { actor: this.workerId, reason: op.state === 'pending' && op.attempt === 0 && !op.approval && !op.cleanup ? 'started' : 'resumed' }
          : op.leaseOwner && op.leaseOwner !== this.workerId
            ? { actor: this.workerId, reason: `resumed step ${op.step} after worker ${op.leaseOwner} stopped renewing its lease (it died or was cut off)` }
            : undefined,
      );
    } catch (err) {
      if (err instanceof ConcurrencyConflict) {
        await ctx.queue.enqueue(message, 1000);
        return 'busy-elsewhere';
      }
      throw err;
    }
    return this.runSteps(op, playbook);
  }

  private async runSteps(claimed: OperationRecord, playbook: Playbook): Promise<WorkOutcome> {
    const { ctx } = this;
    let op = claimed;
    const started = Date.now();
    for (;;) {
      if (!op.cleanup) {
        const ending = this.endingDue(op, ctx.clock.now());
        if (ending) {
          const next = await this.beginEnding(op, ending);
          if (!next) return 'lost-lease';
          if (isTerminal(next.state)) return 'finished';
          op = next;
        }
      } else if (ctx.clock.now().getTime() > ms(op.cleanup.until)) {
        const minutes = Math.round(ctx.settings.cleanupGraceMs / 60_000);
        return this.outcome(await this.endAfterCleanup(op, `the cleanup did not finish within ${minutes} minutes; look at the target by hand`));
      }

      if (playbook.needsLocks(op.step) && !(op.lockUntil && ms(op.lockUntil) - ctx.clock.now().getTime() > ctx.settings.lockTtlMs / 2)) {
        const locked = await this.takeLocks(op);
        if (locked === 'waiting' || locked === 'lost-lease') return locked;
        op = locked;
      }
      const ran = await this.runStep(op, playbook);
      op = ran.op;
      if (ran.lost) return 'lost-lease';
      if (ran.error !== undefined) {
        const handled = await this.stepFailed(op, ran.error, playbook.maxAttempts ?? ctx.settings.maxAttempts);
        if (handled.outcome) return handled.outcome;
        op = handled.op;
        continue;
      }
      const result = ran.result as StepResult;
      this.afterStepHook?.(op, result);
      let saved: OperationRecord | undefined;
      try {
        saved = await this.applyResult(op, result);
      } catch (err) {
        if (!(err instanceof RecordTooLarge)) throw err;
        // the result cannot be kept: the step failed, and says why plainly
        const tooLarge = new AppError(
          'STEP_RESULT_TOO_LARGE',
          `step ${op.step} of ${op.kind} operation ${op.id} produced ${err.chars} characters of ${err.field}, more than an operation record holds (${err.message.split('; ').pop()}); this is a defect in the playbook: large data belongs in the JSON store`,
        );
        const handled = await this.stepFailed(op, tooLarge, 1);
        if (handled.outcome) return handled.outcome;
        op = handled.op;
        continue;
      }
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

  /** Runs one step, renewing the lease (and the locks) while it runs. */
  private async runStep(op: OperationRecord, playbook: Playbook): Promise<{ op: OperationRecord; result?: StepResult; error?: unknown; lost: boolean }> {
    const { ctx } = this;
    const claimed = new Claimed(op);
    const heartbeat = setInterval(() => {
      void claimed.update((current) => this.renew(current)).catch((err: unknown) => ctx.log.warn(`operation ${op.id}: lease not renewed: ${toErrorInfo(err).message}`));
    }, Math.max(250, Math.floor(ctx.settings.leaseMs / 3)));
    heartbeat.unref();
    let result: StepResult | undefined;
    let error: unknown;
    try {
      result = await playbook.run(op.step, this.stepContext(op, claimed));
    } catch (err) {
      if (err instanceof SimulatedCrash) {
        clearInterval(heartbeat);
        throw err;
      }
      error = err ?? new Error('the step threw nothing');
    } finally {
      clearInterval(heartbeat);
    }
    await claimed.settled();
    if (claimed.lost) ctx.log.warn(`operation ${op.id}: lost the lease during step ${op.step}; another worker continues`);
    return { op: claimed.current, result, error, lost: claimed.lost };
  }

  /** A heartbeat: the lease for another leaseMs, the locks when half their time is gone. */
  private async renew(current: OperationRecord): Promise<OperationRecord | undefined> {
    const { ctx } = this;
    const now = ctx.clock.now();
    let lockUntil = current.lockUntil;
    if (lockUntil && ms(lockUntil) - now.getTime() < ctx.settings.lockTtlMs / 2) {
      const lock = await ctx.locks.acquireAll(current.lockKeys, current.id, now, ctx.settings.lockTtlMs);
      if (!lock.acquired) ctx.log.error(`operation ${current.id}: lost its lock on ${lock.key} to ${lock.owner} while step ${current.step} ran`);
      else lockUntil = new Date(now.getTime() + ctx.settings.lockTtlMs).toISOString();
    }
    return this.save(current, { changes: { leaseUntil: new Date(now.getTime() + ctx.settings.leaseMs).toISOString(), lockUntil } });
  }

  private stepContext(op: OperationRecord, claimed: Claimed): StepContext {
    const { ctx } = this;
    return {
      operation: op,
      input: op.input,
      stepState: op.stepState,
      attempt: op.attempt,
      now: ctx.clock.now(),
      ending: op.cleanup,
      progress: async (percent: number, message: string) => {
        const progress = { percent: Math.max(0, Math.min(100, Math.round(percent))), message, at: ctx.clock.now().toISOString() };
        await claimed.update((current) => this.save(current, { changes: { progress } }));
        const event = operationEvent(
          'MiAutopilot.Operation.Progress',
          { operationId: op.id, kind: op.kind, targetKey: op.targetKey, state: 'running', percent: progress.percent, message },
          ctx.clock.now(),
          `${op.id}.progress.${op.step}.${progress.percent}`,
        );
        await ctx.events.publish(event).catch((err: Error) => ctx.log.warn(`operation ${op.id}: progress event not published: ${err.message}`));
      },
      log: (message: string) => ctx.log.info(`[${op.id} ${op.step}] ${message}`),
    };
  }

  /** Why the operation must end now, if it must: a cancel request or the deadline. */
  private endingDue(op: OperationRecord, now: Date): Ending | undefined {
    const c = op.cancelRequested;
    if (c) return { ending: 'cancelled', error: cancelError(c.by, c.reason), actor: c.by, reason: `cancelled: ${c.reason}` };
    if (now.getTime() > ms(op.deadline)) {
      const error = deadlineError(op);
      return { ending: 'failed', error, actor: this.workerId, reason: error.message };
    }
    return undefined;
  }

  /** An ending for an operation already in its cleanup whose cleanup cannot go on. */
  private ending(op: OperationRecord, duringCleanup: string): Ending {
    const error = op.cleanup?.error ?? deadlineError(op);
    return { ending: op.cleanup?.ending ?? 'failed', error, actor: this.workerId, reason: error.message, duringCleanup };
  }

  /** An approval's expiry message: past it, the operation ends APPROVAL_EXPIRED; before it, sleep on. */
  private async approvalDue(op: OperationRecord, message: WorkMessage, now: Date): Promise<WorkOutcome> {
    const expiresAt = op.approval?.expiresAt;
    if (!expiresAt) return 'awaiting-approval';
    if (ms(expiresAt) > now.getTime()) {
      await this.ctx.queue.enqueue(message, ms(expiresAt) - now.getTime());
      return 'awaiting-approval';
    }
    await endOperation(this.ctx, op.id, approvalExpired(op, this.workerId), (c) => c.state === 'awaiting-approval' && c.messageToken === message.token);
    return 'finished';
  }

  /**
   * Takes the operation's locks (all or none) before a step that needs them; when one is busy the
   * operation waits, naming it and its holder. The locks' owner is the operation, not this worker.
   */
  private async takeLocks(op: OperationRecord): Promise<OperationRecord | 'waiting' | 'lost-lease'> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const ttl = ctx.settings.lockTtlMs;
    const lock = await ctx.locks.acquireAll(op.lockKeys, op.id, now, ttl);
    if (lock.acquired) {
      const saved = await this.save(op, { changes: { lockUntil: new Date(now.getTime() + ttl).toISOString() } });
      return saved ?? 'lost-lease';
    }
    const reason = `${lock.key === op.targetKey.toLowerCase() ? 'target' : 'lock'} ${lock.key} is busy: operation ${lock.owner} holds it until it finishes`;
    const saved = await this.save(op, {
      changes: {
        state: 'waiting',
        nextRunAt: new Date(now.getTime() + ctx.settings.lockRetryMs).toISOString(),
        waitReason: reason,
        messageToken: newToken(),
        // the step did not start: waiting for a lock, however long, is not a failed attempt
        attempt: 0,
        lockUntil: undefined,
        leaseOwner: undefined,
        leaseUntil: undefined,
      },
      audit: op.waitReason === reason ? undefined : { actor: this.workerId, reason: `waiting for ${lock.key}, held by operation ${lock.owner}` },
    });
    if (!saved) return 'lost-lease';
    await ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, ctx.settings.lockRetryMs);
    return 'waiting';
  }

  private async applyResult(op: OperationRecord, result: StepResult): Promise<OperationRecord | undefined> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const actor = this.workerId;
    switch (result.type) {
      case 'next': {
        let lockUntil = op.lockUntil;
        if (lockUntil && ms(lockUntil) - now.getTime() < ctx.settings.lockTtlMs / 2) {
          // renew only when half the locks' time is gone: a renewal costs storage calls
          const lock = await ctx.locks.acquireAll(op.lockKeys, op.id, now, ctx.settings.lockTtlMs);
          if (!lock.acquired) {
            throw new AppError('TARGET_LOCK_LOST', `operation ${op.id} lost its lock on ${lock.key} to ${lock.owner}; another operation may be acting on it`, { isTransient: true });
          }
          lockUntil = new Date(now.getTime() + ctx.settings.lockTtlMs).toISOString();
        }
        return this.save(op, {
          changes: { step: result.step, stepState: result.state ?? op.stepState, attempt: 1, waitReason: undefined, waitingOn: undefined, lockUntil, leaseUntil: new Date(now.getTime() + ctx.settings.leaseMs).toISOString() },
          audit: { actor, reason: `step ${op.step} done` },
        });
      }
      case 'wait': {
        const on = result.on?.map(normalizeCondition);
        // remembered before the wait is saved: a signal in between finds the operation and wakes it.
        // A condition it already waited on is indexed still (an entry goes only once the operation
        // ended or waits on others): a poll loop writes the index once, not at every poll
        const indexed = new Set(op.waitingOn ?? []);
        for (const c of (on ?? []).filter((x) => !indexed.has(x))) await ctx.store.watch(c, op.id).catch((err: Error) => ctx.log.warn(`operation ${op.id}: waiting on ${c} not indexed (its poll still runs): ${err.message}`));
        const saved = await this.save(op, {
          changes: {
            state: 'waiting',
            step: result.step ?? op.step,
            stepState: result.state ?? op.stepState,
            attempt: 0,
            nextRunAt: new Date(now.getTime() + result.ms).toISOString(),
            waitReason: result.reason,
            waitingOn: on,
            messageToken: newToken(),
            leaseOwner: undefined,
            leaseUntil: undefined,
          },
          // a poll loop would write an audit row per poll (its reason shows progress): record the first wait of a step only
          audit: op.waitReason !== undefined && op.step === (result.step ?? op.step) ? undefined : { actor, reason: `waiting: ${result.reason}` },
        });
        if (saved) await ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, result.ms);
        return saved;
      }
      case 'awaitApproval': {
        const timeoutMs = result.expiresInMs ?? ctx.settings.approvalTimeoutMs;
        const saved = await this.save(op, {
          changes: {
            state: 'awaiting-approval',
            step: result.step,
            stepState: result.state ?? op.stepState,
            attempt: 0,
            approval: { prompt: result.prompt, requestedAt: now.toISOString(), expiresAt: new Date(now.getTime() + timeoutMs).toISOString() },
            messageToken: newToken(),
            leaseOwner: undefined,
            leaseUntil: undefined,
          },
          audit: { actor, reason: `approval requested: ${result.prompt}` },
        });
        if (saved) {
          // this message comes back when the approval expires (a decision makes it stale)
          await ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, timeoutMs);
          const event = operationEvent(
            'MiAutopilot.Operation.AwaitingApproval',
            { operationId: op.id, kind: op.kind, targetKey: op.targetKey, state: saved.state, message: result.prompt },
            now,
            `${op.id}.v${saved.version}`,
          );
          await ctx.events.publish(event).catch((err: Error) => ctx.log.warn(`operation ${op.id}: approval event not published: ${err.message}`));
        }
        return saved;
      }
      case 'succeed':
        if (op.cleanup) return this.endAfterCleanup(op, '');
        return this.finish(op, { state: 'succeeded', output: result.output }, { actor, reason: `step ${op.step} done: operation succeeded` });
      case 'cleanedUp':
        if (op.cleanup) return this.endAfterCleanup(op, result.report);
        throw new AppError('UNEXPECTED_ERROR', `step ${op.step} of ${op.kind} reported a cleanup, but the operation is not being cleaned up (a defect in the playbook)`);
      case 'fail': {
        if (op.cleanup) return this.endAfterCleanup(op, `the cleanup step failed (${result.code}): ${result.message}`);
        const error: ErrorInfo = { code: result.code, message: result.message };
        return this.beginEnding(op, { ending: 'failed', error, actor, reason: `step ${op.step} failed: ${result.message}`, changes: { stepState: result.state ?? op.stepState } });
      }
    }
  }

  /** A step threw: retry a transient error with backoff, otherwise the operation ends (through its cleanup). */
  private async stepFailed(op: OperationRecord, err: unknown, maxAttempts: number): Promise<{ outcome?: WorkOutcome; op: OperationRecord }> {
    const info = toErrorInfo(err, 'UNEXPECTED_ERROR');
    const now = this.ctx.clock.now();
    if (isTransientError(err) && op.attempt < maxAttempts && !(op.cleanup && now.getTime() > ms(op.cleanup.until))) {
      const delay = backoffDelayMs(op.attempt, this.ctx.settings.backoffBaseMs, this.ctx.settings.backoffMaxMs);
      const saved = await this.save(op, {
        changes: {
          state: 'waiting',
          nextRunAt: new Date(now.getTime() + delay).toISOString(),
          waitReason: `retrying step ${op.step} after a transient error (attempt ${op.attempt} of ${maxAttempts}): ${info.message}`,
          error: info,
          messageToken: newToken(),
          leaseOwner: undefined,
          leaseUntil: undefined,
        },
        audit: { actor: this.workerId, reason: `step ${op.step} hit a transient error; retry in ${Math.round(delay / 1000)} s`, error: info },
      });
      if (!saved) return { outcome: 'lost-lease', op };
      await this.ctx.queue.enqueue({ operationId: saved.id, token: saved.messageToken }, delay);
      return { outcome: 'waiting', op: saved };
    }
    if (op.cleanup) return { outcome: this.outcome(await this.endAfterCleanup(op, `the cleanup step failed: ${info.message}`)), op };
    const final: ErrorInfo = info.transient && op.attempt >= maxAttempts ? { ...info, message: `${info.message} (gave up after ${op.attempt} attempts)` } : info;
    const next = await this.beginEnding(op, { ending: 'failed', error: final, actor: this.workerId, reason: `step ${op.step} failed: ${final.message}` });
    if (!next) return { outcome: 'lost-lease', op };
    if (isTerminal(next.state)) return { outcome: 'finished', op: next };
    return { op: next };
  }

  /**
   * Begins an ending inside this invocation: into the cleanup step (which this worker then runs,
   * keeping its lease and the current message), or straight to the end when nothing is to undo.
   */
  private async beginEnding(op: OperationRecord, ending: Ending): Promise<OperationRecord | undefined> {
    const decided = endingDecision(this.ctx, op, ending);
    if (!decided) return op;
    let { changes } = decided.decision;
    if (decided.outcome === 'cleanup') {
      const now = this.ctx.clock.now();
      changes = { ...changes, state: 'running', attempt: 1, leaseOwner: this.workerId, leaseUntil: new Date(now.getTime() + this.ctx.settings.leaseMs).toISOString(), messageToken: op.messageToken, lockUntil: op.lockUntil };
    }
    const saved = await this.save(op, { ...decided.decision, changes });
    if (saved && decided.outcome === 'ended') await finished(this.ctx, saved);
    return saved;
  }

  /** Ends an operation whose cleanup ran: as the ending said, with what the cleanup reported. */
  private endAfterCleanup(op: OperationRecord, report: string): Promise<OperationRecord | undefined> {
    const error = afterCleanupError(op, report);
    const state = op.cleanup?.ending ?? 'failed';
    const actor = state === 'cancelled' ? (op.cancelRequested?.by ?? this.workerId) : this.workerId;
    return this.finish(op, { state, error }, { actor, reason: error.message, error: state === 'failed' ? error : undefined });
  }

  private async finish(op: OperationRecord, changes: OperationChanges, audit: AuditNote): Promise<OperationRecord | undefined> {
    const saved = await this.save(op, {
      changes: { ...changes, leaseOwner: undefined, leaseUntil: undefined, nextRunAt: undefined, waitReason: undefined, lockUntil: undefined },
      audit,
      events: outcomeEvents,
    });
    if (saved) await finished(this.ctx, saved);
    return saved;
  }

  private outcome(saved: OperationRecord | undefined): WorkOutcome {
    return saved ? 'finished' : 'lost-lease';
  }

  /**
   * Saves with CAS. On a conflict, the change is re-applied to the fresh record if this worker
   * still holds the lease and the operation is where it was (someone only asked to cancel, or
   * the sweeper looked); otherwise the lease was lost and nothing is saved.
   */
  private async save(op: OperationRecord, change: Change): Promise<OperationRecord | undefined> {
    let current = op;
    for (let tries = 0; tries < 5; tries++) {
      try {
        return await this.ctx.store.save(current, change.changes, this.ctx.clock.now().toISOString(), change.audit, change.events);
      } catch (err) {
        if (!(err instanceof ConcurrencyConflict)) throw err;
        const fresh = await this.ctx.store.get(op.id);
        const stillMine =
          fresh && fresh.step === op.step && !isTerminal(fresh.state) && (fresh.leaseOwner === this.workerId || (!fresh.leaseOwner && fresh.messageToken === op.messageToken));
        if (!fresh || !stillMine) {
          this.ctx.log.warn(`operation ${op.id}: lost the lease on step ${op.step}; another worker continues`);
          return undefined;
        }
        // keep what others added (a cancel request) and apply ours on top
        current = fresh;
      }
    }
    throw new ConcurrencyConflict(op.id);
  }
}

export { deadlineError, poisonError };
