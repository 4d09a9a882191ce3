// The operation engine against a real Azurite: the guarantees the restore and failover playbooks
// stand on.
import { AppError } from '../../../shared/errors';
import { z } from 'zod';
import { definePlaybook, type Playbook } from '../../../shared/ops/playbook';
import { cleanedUp, next, succeed, wait, type StepContext, type StepResult } from '../../../shared/ops/types';
import { OperationWorker, SimulatedCrash } from '../../../shared/ops/worker';
import { startAzurite, AzuriteInstance } from '../../helpers/azurite';
import { createOpsHarness, OpsHarness } from '../../helpers/opsHarness';

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite.stop();
});

async function settled(h: OpsHarness, ...ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const op = await h.engine.get(id);
    if (!op || !['succeeded', 'failed', 'cancelled'].includes(op.state)) return false;
  }
  return true;
}

/** A test playbook with no input or state schema to speak of. */
function loose(def: { kind: string; firstStep: string; defaultDeadlineMs: number; cleanupStep?: string; steps: Record<string, (ctx: StepContext) => Promise<StepResult>> }): Playbook {
  return definePlaybook({ input: z.unknown(), state: z.unknown(), ...def });
}

/** A playbook whose steps count their own runs, to prove nothing runs twice. */
function countingPlaybook(kind: string, runs: Map<string, number>, stepDelayMs = 0): Playbook {
  const step = (name: string, then?: string) => async () => {
    runs.set(name, (runs.get(name) ?? 0) + 1);
    if (stepDelayMs) await new Promise((r) => setTimeout(r, stepDelayMs));
    return then ? next(then) : succeed({ done: true });
  };
  return loose({ kind, firstStep: 'one', defaultDeadlineMs: 600_000, steps: { one: step('one', 'two'), two: step('two', 'three'), three: step('three') } });
}

test('a 3-step demo playbook completes across separate worker invocations', async () => {
  const h = await createOpsHarness(azurite);
  const { operation } = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Demo1', input: { waitMs: 1500 }, createdBy: 'test' });
  expect(operation.state).toBe('pending');

  await h.pump.pumpOnce(); // first invocation: runs step 1, then step 2 asks to wait
  const afterFirst = await h.engine.get(operation.id);
  expect(afterFirst?.state).toBe('waiting');
  expect(afterFirst?.step).toBe('pause');
  expect(afterFirst?.waitReason).toMatch(/demo pause/);

  await h.drainUntil(() => settled(h, operation.id));
  const done = await h.engine.get(operation.id);
  expect(done?.state).toBe('succeeded');
  expect(done?.output).toMatchObject({ steps: 3 });
  expect(done?.progress?.percent).toBe(66);
  expect(h.pump.processed).toBeGreaterThanOrEqual(2);

  const audit = await h.engine.audit(operation.id);
  expect(audit.map((a) => `${a.toState}:${a.toStep}`)).toEqual([
    'pending:mark',
    'running:mark',
    'running:pause',
    'waiting:pause',
    'running:pause',
    'running:finish',
    'succeeded:finish',
  ]);
  expect(audit.map((a) => a.sequence)).toEqual([...audit.map((a) => a.sequence)].sort((a, b) => a - b));

  const events = await h.events.recent();
  expect(events.find((e) => e.type === 'MiAutopilot.Operation.Succeeded' && e.data.operationId === operation.id)).toBeDefined();
  expect(events.find((e) => e.type === 'MiAutopilot.Operation.Progress' && e.data.operationId === operation.id)?.data.percent).toBe(66);
});

test('a worker that dies after a side effect and before saving is re-delivered and does not repeat it', async () => {
  const h = await createOpsHarness(azurite, [], { leaseMs: 1500 });
  const { operation } = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Crash', input: {}, createdBy: 'test' });

  // The first worker "dies" right after step 1's side effect: nothing is saved, the message stays.
  const doomed = new OperationWorker(h.engine.ctx);
  doomed.afterStepHook = (op) => {
    if (op.step === 'mark') throw new SimulatedCrash('worker process killed');
  };
  await expect(doomed.process({ operationId: operation.id, token: operation.messageToken })).rejects.toThrow(SimulatedCrash);
  expect(h.effects.applied.get(operation.id)).toBe(1);
  const orphaned = await h.engine.get(operation.id);
  expect(orphaned?.state).toBe('running');
  expect(orphaned?.step).toBe('mark');

  // The queue re-delivers; a new worker waits out the dead one's lease, re-runs step 1, which
  // looks before acting, and finishes.
  await h.drainUntil(() => settled(h, operation.id));
  const done = await h.engine.get(operation.id);
  expect(done?.state).toBe('succeeded');
  expect(h.effects.applied.get(operation.id)).toBe(1);
  const audit = await h.engine.audit(operation.id);
  expect(audit.filter((a) => a.reason === 'step mark done')).toHaveLength(1);
});

test('two workers racing on one operation never run a step twice', async () => {
  const runs = new Map<string, number>();
  const h = await createOpsHarness(azurite, [countingPlaybook('counting', runs, 50)]);
  const { operation } = await h.engine.start({ kind: 'counting', targetKey: 'sql-dev/Race', input: {}, createdBy: 'test' });
  const message = { operationId: operation.id, token: operation.messageToken };
  // The same message delivered to four workers at once (duplicate delivery, scale-out).
  const workers = [0, 1, 2, 3].map(() => new OperationWorker(h.engine.ctx));
  const outcomes = await Promise.all(workers.map((w) => w.process(message)));
  expect(outcomes.filter((o) => o === 'finished')).toHaveLength(1);
  await h.drainUntil(() => settled(h, operation.id));
  expect((await h.engine.get(operation.id))?.state).toBe('succeeded');
  expect(Object.fromEntries(runs)).toEqual({ one: 1, two: 1, three: 1 });
});

test('a second operation on the same target waits for the lock, then runs', async () => {
  const h = await createOpsHarness(azurite);
  const first = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Shared', input: { waitMs: 1500 }, createdBy: 'test' });
  await h.pump.pumpOnce(); // first takes the lock and waits
  const second = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Shared', input: {}, createdBy: 'test' });
  await h.pump.pumpOnce();
  const blocked = await h.engine.get(second.operation.id);
  expect(blocked?.state).toBe('waiting');
  expect(blocked?.waitReason).toContain(first.operation.id);

  await h.drainUntil(() => settled(h, first.operation.id, second.operation.id));
  const a = await h.engine.get(first.operation.id);
  const b = await h.engine.get(second.operation.id);
  expect(a?.state).toBe('succeeded');
  expect(b?.state).toBe('succeeded');
  const auditB = await h.engine.audit(second.operation.id);
  const bMarked = auditB.find((x) => x.reason === 'step mark done');
  expect(bMarked && a && bMarked.at >= a.updatedAt).toBe(true);
  expect(auditB.some((x) => x.reason.startsWith('waiting for sql-dev/shared, held by operation'))).toBe(true);
  expect(await h.engine.ctx.locks.holder('sql-dev/Shared')).toBeUndefined();
});

test('the same idempotency key twice gives one operation', async () => {
  const h = await createOpsHarness(azurite);
  const key = 'https://acct.blob.core.windows.net/backups/Sales_full.bak|0x8DC0|000000000000000000000000000001';
  const [one, two] = await Promise.all([
    h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Idem', input: {}, idempotencyKey: key, createdBy: 'event' }),
    h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Idem', input: {}, idempotencyKey: key, createdBy: 'event' }),
  ]);
  const three = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Idem', input: {}, idempotencyKey: key, createdBy: 'event' });
  expect(new Set([one.operation.id, two.operation.id, three.operation.id]).size).toBe(1);
  expect([one.duplicate, two.duplicate, three.duplicate].filter(Boolean)).toHaveLength(2);
  expect(await h.engine.duplicateCount(one.operation.id)).toBe(2);
  expect((await h.engine.list({ targetKey: 'sql-dev/Idem' })).operations).toHaveLength(1);
  await h.drainUntil(() => settled(h, one.operation.id));
  expect(h.effects.applied.get(one.operation.id)).toBe(1);
});

test('a step that names a step the playbook does not have fails at once with STEP_NOT_FOUND', async () => {
  const broken = loose({
    kind: 'broken',
    firstStep: 'start',
    defaultDeadlineMs: 600_000,
    // a deployment bug: the step names a step that does not exist
    steps: { start: async () => next('missing-step') },
  });
  const h = await createOpsHarness(azurite, [broken]);
  const { operation } = await h.engine.start({ kind: 'broken', targetKey: 'sql-dev/Poison', input: {}, createdBy: 'test' });
  await h.drainUntil(() => settled(h, operation.id), 30_000);
  const failed = await h.engine.get(operation.id);
  expect(failed?.state).toBe('failed');
  expect(failed?.error?.code).toBe('STEP_NOT_FOUND');
  expect(failed?.error?.message).toContain("playbook 'broken' has no step 'missing-step'");
  expect(h.pump.failed).toBe(0);
  const audit = await h.engine.audit(operation.id);
  expect(audit.at(-1)?.error?.code).toBe('STEP_NOT_FOUND');
});

test('the sweeper revives an operation whose message was lost', async () => {
  const h = await createOpsHarness(azurite);
  const { operation } = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Lost', input: {}, createdBy: 'test' });
  await h.storage.queue(h.engine.ctx.settings.queueName).clearMessages(); // the message is gone
  expect((await h.engine.sweep()).revived).toEqual([]); // not overdue yet
  h.clock.offsetMs = 10_000;
  const report = await h.engine.sweep();
  expect(report.revived).toEqual([operation.id]);
  expect((await h.engine.sweep()).revived).toEqual([]); // once, not on every sweep
  await h.drainUntil(() => settled(h, operation.id));
  expect((await h.engine.get(operation.id))?.state).toBe('succeeded');
  const audit = await h.engine.audit(operation.id);
  expect(audit.some((a) => a.actor === 'sweeper' && a.reason.startsWith('revived'))).toBe(true);
});

test('an operation past its deadline fails with DEADLINE_EXCEEDED, from the worker or the sweeper', async () => {
  const h = await createOpsHarness(azurite);
  const soon = new Date(Date.now() + 60_000);
  const viaWorker = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Late1', input: { waitMs: 1000 }, deadline: soon, createdBy: 'test' });
  await h.pump.pumpOnce(); // step 1 runs, step 2 waits
  h.clock.offsetMs = 120_000; // the wait ends after the deadline
  await h.drainUntil(() => settled(h, viaWorker.operation.id));
  const late = await h.engine.get(viaWorker.operation.id);
  expect(late?.state).toBe('failed');
  expect(late?.error?.code).toBe('DEADLINE_EXCEEDED');
  expect(late?.error?.message).toMatch(/did not finish by its deadline .* stopped at step 'pause'/);

  h.clock.offsetMs = 0;
  const viaSweeper = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Late2', input: {}, deadline: new Date(Date.now() + 30_000), createdBy: 'test' });
  await h.storage.queue(h.engine.ctx.settings.queueName).clearMessages();
  h.clock.offsetMs = 60_000;
  expect((await h.engine.sweep()).expired).toContain(viaSweeper.operation.id);
  expect((await h.engine.get(viaSweeper.operation.id))?.error?.code).toBe('DEADLINE_EXCEEDED');
  const events = await h.events.recent();
  expect(events.filter((e) => e.type === 'MiAutopilot.Operation.Failed').map((e) => e.data.operationId)).toEqual(
    expect.arrayContaining([viaWorker.operation.id, viaSweeper.operation.id]),
  );
});

test('transient step errors are retried with backoff; permanent ones fail at once', async () => {
  let calls = 0;
  const flaky = loose({
    kind: 'flaky',
    firstStep: 'connect',
    defaultDeadlineMs: 600_000,
    steps: {
      connect: async () => {
        calls++;
        if (calls < 3) throw new AppError('SQL_TRANSIENT', 'Database is not currently available (40613)', { isTransient: true });
        return succeed({ calls });
      },
    },
  });
  const stubborn = loose({
    kind: 'stubborn',
    firstStep: 'login',
    defaultDeadlineMs: 600_000,
    steps: { login: async () => { throw new AppError('SQL_LOGIN_FAILED', "Login failed for user 'autopilot' (18456)"); } },
  });
  const h = await createOpsHarness(azurite, [flaky, stubborn]);
  const a = await h.engine.start({ kind: 'flaky', targetKey: 'sql-dev/Flaky', input: {}, createdBy: 'test' });
  const b = await h.engine.start({ kind: 'stubborn', targetKey: 'sql-dev/Stubborn', input: {}, createdBy: 'test' });
  await h.drainUntil(() => settled(h, a.operation.id, b.operation.id));
  expect((await h.engine.get(a.operation.id))?.state).toBe('succeeded');
  expect(calls).toBe(3);
  const auditA = await h.engine.audit(a.operation.id);
  expect(auditA.filter((x) => x.reason.includes('transient error'))).toHaveLength(2);
  const failedB = await h.engine.get(b.operation.id);
  expect(failedB?.state).toBe('failed');
  expect(failedB?.error).toMatchObject({ code: 'SQL_LOGIN_FAILED' });
  expect(failedB?.attempt).toBe(1);
});

test('cancellation stops a waiting operation and frees its target', async () => {
  const h = await createOpsHarness(azurite);
  const { operation } = await h.engine.start({ kind: 'demo', targetKey: 'sql-dev/Cancel', input: { waitMs: 60_000 }, createdBy: 'test' });
  await h.pump.pumpOnce();
  expect((await h.engine.get(operation.id))?.state).toBe('waiting');
  const cancelled = await h.engine.cancel(operation.id, 'dba@contoso', 'wrong backup');
  expect(cancelled.state).toBe('cancelled');
  expect(await h.engine.ctx.locks.holder('sql-dev/Cancel')).toBeUndefined();
  const audit = await h.engine.audit(operation.id);
  expect(audit.at(-1)).toMatchObject({ actor: 'dba@contoso', toState: 'cancelled', reason: 'cancelled: wrong backup' });
});

test('an operation awaiting approval resumes when approved and records the approver', async () => {
  const gated = loose({
    kind: 'gated',
    firstStep: 'ask',
    defaultDeadlineMs: 600_000,
    steps: {
      ask: async () => ({ type: 'awaitApproval', prompt: 'fail over link Sales to mi-prod?', step: 'act' }),
      act: async () => succeed({ acted: true }),
    },
  });
  const h = await createOpsHarness(azurite, [gated]);
  const { operation } = await h.engine.start({ kind: 'gated', targetKey: 'link/Sales', input: {}, createdBy: 'alert' });
  await h.pump.pumpOnce();
  expect((await h.engine.get(operation.id))?.state).toBe('awaiting-approval');
  await h.engine.decide(operation.id, { name: 'oncall@contoso', selfDeclared: true }, 'approved', 'go');
  await h.drainUntil(() => settled(h, operation.id));
  const done = await h.engine.get(operation.id);
  expect(done?.state).toBe('succeeded');
  expect(done?.approval).toMatchObject({ decidedBy: 'oncall@contoso', decision: 'approved' });
  await expect(h.engine.decide(operation.id, { name: 'x', selfDeclared: true }, 'approved')).rejects.toThrow(/not awaiting approval/);
});

test('a step that waits polls without writing an audit row per poll', async () => {
  let polls = 0;
  const poller = loose({
    kind: 'poller',
    firstStep: 'poll',
    defaultDeadlineMs: 600_000,
    steps: { poll: async () => (++polls < 3 ? wait(100, 'restore 40% done') : succeed()) },
  });
  const h = await createOpsHarness(azurite, [poller]);
  const { operation } = await h.engine.start({ kind: 'poller', targetKey: 'sql-dev/Poll', input: {}, createdBy: 'test' });
  await h.drainUntil(() => settled(h, operation.id));
  const audit = await h.engine.audit(operation.id);
  expect(audit.filter((a) => a.toState === 'waiting')).toHaveLength(1);
  expect(polls).toBe(3);
});

describe('a playbook with a cleanup step', () => {
  // "copy" starts server-side work and polls it; "undo" removes it, waiting once as a real stop would
  const undone: string[] = [];
  const copying = loose({
    kind: 'copying',
    firstStep: 'copy',
    defaultDeadlineMs: 600_000,
    cleanupStep: 'undo',
    steps: {
      copy: async (ctx) => next('poll', { started: `copy of ${ctx.operation.id}` }),
      poll: async (ctx) => wait(1_000, 'copy running', ctx.stepState),
      undo: async (ctx) => {
        const s = ctx.stepState as { started?: string; stopping?: boolean };
        if (s.started && !s.stopping) return wait(10, 'stopping the copy', { ...s, stopping: true });
        if (s.started) undone.push(s.started);
        return cleanedUp(s.started ? `${s.started} removed` : 'nothing to undo');
      },
    },
  });

  test('cancelling a waiting operation runs the cleanup, then ends cancelled saying what it did', async () => {
    const h = await createOpsHarness(azurite, [copying]);
    const { operation } = await h.engine.start({ kind: 'copying', targetKey: 'sql-dev/Copy1', input: {}, createdBy: 'test' });
    await h.pump.pumpOnce();
    expect((await h.engine.get(operation.id))?.state).toBe('waiting');
    const asked = await h.engine.cancel(operation.id, 'dba@contoso', 'wrong backup');
    expect(asked.state).toBe('pending');
    expect(asked.waitReason).toBe('undoing unfinished work: cancelled by dba@contoso: wrong backup');
    await h.drainUntil(() => settled(h, operation.id));
    const op = await h.engine.get(operation.id);
    expect(op).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED', message: `cancelled by dba@contoso: wrong backup; copy of ${operation.id} removed` } });
    expect(undone).toContain(`copy of ${operation.id}`);
    expect(await h.engine.ctx.locks.holder('sql-dev/Copy1')).toBeUndefined();
    const reasons = (await h.engine.audit(operation.id)).map((a) => a.reason);
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^cancelled: wrong backup at step poll: running undo to undo unfinished work$/)]));
    expect(reasons.at(-1)).toBe(`cancelled by dba@contoso: wrong backup; copy of ${operation.id} removed`);
  });

  test('an operation that never ran is cancelled at once: nothing to undo', async () => {
    const h = await createOpsHarness(azurite, [copying]);
    const { operation } = await h.engine.start({ kind: 'copying', targetKey: 'sql-dev/Copy2', input: {}, createdBy: 'test' });
    const cancelled = await h.engine.cancel(operation.id, 'dba@contoso', 'not needed');
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error).toEqual({ code: 'CANCELLED', message: 'cancelled by dba@contoso: not needed' });
    expect(undone).not.toContain(`copy of ${operation.id}`);
  });

  test('past the deadline the cleanup runs (from the worker or the sweeper) and the operation fails DEADLINE_EXCEEDED with what it did', async () => {
    const h = await createOpsHarness(azurite, [copying]);
    const viaWorker = await h.engine.start({ kind: 'copying', targetKey: 'sql-dev/Copy3', input: {}, deadline: new Date(Date.now() + 30_000), createdBy: 'test' });
    await h.pump.pumpOnce(); // copy starts, poll waits
    h.clock.offsetMs = 61_000;
    await h.drainUntil(() => settled(h, viaWorker.operation.id));
    const late = await h.engine.get(viaWorker.operation.id);
    expect(late?.state).toBe('failed');
    expect(late?.error?.code).toBe('DEADLINE_EXCEEDED');
    expect(late?.error?.message).toMatch(new RegExp(`stopped at step 'poll'; copy of ${viaWorker.operation.id} removed$`));

    h.clock.offsetMs = 0;
    const viaSweeper = await h.engine.start({ kind: 'copying', targetKey: 'sql-dev/Copy4', input: {}, deadline: new Date(Date.now() + 30_000), createdBy: 'test' });
    await h.pump.pumpOnce();
    await h.storage.queue(h.engine.ctx.settings.queueName).clearMessages(); // the poll's message is lost
    h.clock.offsetMs = 40_000;
    const report = await h.engine.sweep();
    expect(report.expired).not.toContain(viaSweeper.operation.id);
    expect(report.revived).toContain(viaSweeper.operation.id);
    await h.drainUntil(() => settled(h, viaSweeper.operation.id));
    expect((await h.engine.get(viaSweeper.operation.id))?.error?.message).toMatch(new RegExp(`copy of ${viaSweeper.operation.id} removed$`));
  });
});
