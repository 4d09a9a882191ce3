// The operation engine on its in-memory adapters: every way a started operation can end goes
// through its cleanup once; leases hold while a step runs; lock sets are all or none; approvals
// record who and expire; outcome events survive a crash exactly once; the sweeper reads only open
// work. Each test reproduces a failure of the engine before it was hardened.
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { definePlaybook, type Playbook } from '../../../shared/ops/playbook';
import { awaitApproval, cleanedUp, fail, next, succeed, wait, waitOn, type StepContext, type StepResult } from '../../../shared/ops/types';
import { OperationWorker } from '../../../shared/ops/worker';
import { operationEnded } from '../../../shared/ops/conditions';
import { memoryHarness } from '../../helpers/memoryEngine';

/** A playbook that does work in `one` and `two`, and counts every step it runs. */
function tracked(kind: string, steps: Record<string, (ctx: StepContext) => Promise<StepResult>>, options: { locks?: (input: unknown) => string[] } = {}) {
  const runs: string[] = [];
  const playbook: Playbook = definePlaybook({
    kind,
    input: z.unknown(),
    state: z.unknown(),
    firstStep: 'one',
    defaultDeadlineMs: 600_000,
    cleanupStep: 'undo',
    locks: options.locks,
    steps: Object.fromEntries(
      Object.entries({
        undo: async (ctx: StepContext) => cleanedUp(`undid what ${ctx.ending?.fromStep} left (ending: ${ctx.ending?.error.code})`),
        ...steps,
      }).map(([name, step]) => [
        name,
        async (ctx: StepContext) => {
          runs.push(name);
          return step(ctx);
        },
      ]),
    ),
  });
  return { playbook, runs, count: (step: string) => runs.filter((r) => r === step).length };
}

describe('every ending but success runs the cleanup once', () => {
  test('a permanent step error: the cleanup runs once, the error says what it undid', async () => {
    const p = tracked('perm', {
      one: async () => next('two'),
      two: async () => {
        throw new AppError('SQL_18456', "sql-dev: Login failed for user 'autopilot'. (error 18456, state 1, class 14)");
      },
    });
    const h = memoryHarness([p.playbook]);
    const { operation } = await h.engine.start({ kind: 'perm', targetKey: 'sql-dev/a', input: {}, createdBy: 'test' });
    await h.drainUntil(() => h.settled(operation.id));
    const op = await h.get(operation.id);
    expect(op.state).toBe('failed');
    expect(op.error).toEqual({ code: 'SQL_18456', message: "sql-dev: Login failed for user 'autopilot'. (error 18456, state 1, class 14); undid what two left (ending: SQL_18456)" });
    expect(p.runs).toEqual(['one', 'two', 'undo']);
    expect(h.events.of(operation.id, 'MiAutopilot.Operation.Failed')).toHaveLength(1);
  });

  test('a step that returns fail: its state is saved for the cleanup, which runs once', async () => {
    let seen: unknown;
    const p = tracked('failing', {
      one: async () => fail('TARGET_EXISTS', 'Sales_dev already exists; nothing was changed', { staged: 'Sales_dev_restoring_1' }),
      undo: async (ctx) => {
        seen = ctx.stepState;
        return cleanedUp('');
      },
    });
    const h = memoryHarness([p.playbook]);
    const { operation } = await h.engine.start({ kind: 'failing', targetKey: 'sql-dev/b', input: {}, createdBy: 'test' });
    await h.drainUntil(() => h.settled(operation.id));
    expect((await h.get(operation.id)).error).toEqual({ code: 'TARGET_EXISTS', message: 'Sales_dev already exists; nothing was changed' });
    expect(seen).toEqual({ staged: 'Sales_dev_restoring_1' });
    expect(p.count('undo')).toBe(1);
  });

  test('an oversize step result: the step ran once, then STEP_RESULT_TOO_LARGE through the cleanup (it used to run three times and poison)', async () => {
    const p = tracked('oversize', {
      one: async () => next('two', { tables: Array.from({ length: 2_000 }, (_, i) => ({ table: `dbo.Table${i}`, rows: i })) }),
      two: async () => succeed(),
    });
    const h = memoryHarness([p.playbook]);
    const { operation } = await h.engine.start({ kind: 'oversize', targetKey: 'sql-dev/c', input: {}, createdBy: 'test' });
    await h.drainUntil(() => h.settled(operation.id));
    const op = await h.get(operation.id);
    expect(op.state).toBe('failed');
    expect(op.error?.code).toBe('STEP_RESULT_TOO_LARGE');
    expect(op.error?.message).toMatch(/^step one of oversize operation \S+ produced \d+ characters of step state, more than an operation record holds .*large data belongs in the JSON store; undid what one left/);
    expect(p.runs).toEqual(['one', 'undo']);
    expect(h.failedDeliveries).toBe(0);
  });

  test('a poison message (saving keeps failing): the operation ends POISON_MESSAGE through the cleanup, once', async () => {
    const p = tracked('poisoned', { one: async () => next('two'), two: async () => succeed() });
    const h = memoryHarness([p.playbook]);
    const realSave = h.store.save.bind(h.store);
    // storage refuses every write that would record step one's result
    h.store.save = async (current, changes, at, audit, events) => {
      if (changes.step === 'two' && !changes.cleanup) throw Object.assign(new Error('The table service refused the entity (400 InvalidInput)'), { statusCode: 400, code: 'InvalidInput' });
      return realSave(current, changes, at, audit, events);
    };
    const { operation } = await h.engine.start({ kind: 'poisoned', targetKey: 'sql-dev/d', input: {}, createdBy: 'test' });
    await h.drainUntil(() => h.settled(operation.id));
    const op = await h.get(operation.id);
    expect(op.state).toBe('failed');
    expect(op.error?.code).toBe('POISON_MESSAGE');
    expect(op.error?.message).toMatch(/failed 3 times on this operation; last error \(STORAGE_ERROR\): The table service refused the entity \(400 InvalidInput\) \(HTTP 400, InvalidInput\); undid what one left/);
    // a lost result means the step runs again on each delivery (steps look before they act); the cleanup once
    expect(p.count('one')).toBe(3);
    expect(p.count('undo')).toBe(1);
    expect(h.poisoned).toHaveLength(0); // the last delivery ended the operation instead
  });

  test('cancel, deadline and a rejected approval each run the cleanup once; one that never ran ends at once', async () => {
    const p = tracked('waits', {
      one: async () => next('two'),
      two: async (ctx) => (ctx.stepState === 'asked' ? wait(60_000, 'polling') : awaitApproval('go on?', 'two', 'asked')),
    });
    const h = memoryHarness([p.playbook]);
    const a = await h.engine.start({ kind: 'waits', targetKey: 'sql-dev/e1', input: {}, createdBy: 'test' });
    const b = await h.engine.start({ kind: 'waits', targetKey: 'sql-dev/e2', input: {}, createdBy: 'test', deadline: new Date(Date.now() + 30_000) });
    const c = await h.engine.start({ kind: 'waits', targetKey: 'sql-dev/e3', input: {}, createdBy: 'test' });
    await h.drainUntil(async () => (await h.get(c.operation.id)).state === 'awaiting-approval' && (await h.get(a.operation.id)).state === 'awaiting-approval');
    const never = await h.engine.start({ kind: 'waits', targetKey: 'sql-dev/e4', input: {}, createdBy: 'test' });

    const cancelled = await h.engine.cancel(a.operation.id, 'dba@contoso', 'wrong backup');
    expect(cancelled.state).toBe('pending');
    expect(cancelled.waitReason).toBe('undoing unfinished work: cancelled by dba@contoso: wrong backup');
    await h.engine.decide(c.operation.id, { name: 'lead@contoso', selfDeclared: true }, 'rejected', 'not tonight');
    expect((await h.engine.cancel(never.operation.id, 'dba@contoso', 'not needed')).state).toBe('cancelled');
    h.clock.offsetMs = 60_000; // b's deadline has passed
    await h.engine.sweep();
    await h.drainUntil(() => h.settled(a.operation.id, b.operation.id, c.operation.id));

    expect(await h.get(a.operation.id)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled by dba@contoso: wrong backup; undid what two left (ending: CANCELLED)' } });
    expect(await h.get(b.operation.id)).toMatchObject({ state: 'failed', error: { code: 'DEADLINE_EXCEEDED' } });
    expect((await h.get(b.operation.id)).error?.message).toMatch(/stopped at step 'two'; undid what two left \(ending: DEADLINE_EXCEEDED\)$/);
    expect(await h.get(c.operation.id)).toMatchObject({ state: 'cancelled', error: { code: 'APPROVAL_REJECTED', message: 'rejected by lead@contoso (self-declared): not tonight; undid what two left (ending: APPROVAL_REJECTED)' } });
    expect((await h.get(never.operation.id)).error).toMatchObject({ code: 'CANCELLED' });
    expect(p.count('undo')).toBe(3);
  });
});

test('a step longer than the lease keeps it: a second worker given the same message backs off, the step runs once', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const p = tracked('long', {
    one: async () => {
      await gate;
      return succeed();
    },
  });
  const h = memoryHarness([p.playbook], { leaseMs: 300, leaseGraceMs: 100 });
  const { operation } = await h.engine.start({ kind: 'long', targetKey: 'sql-dev/long', input: {}, createdBy: 'test' });
  const message = { operationId: operation.id, token: operation.messageToken };
  const first = new OperationWorker(h.engine.ctx).process(message);
  // three lease lengths later the step still runs; the lease was renewed under it
  await new Promise((r) => setTimeout(r, 1_000));
  const running = await h.get(operation.id);
  expect(running.state).toBe('running');
  expect(new Date(running.leaseUntil ?? 0).getTime()).toBeGreaterThan(Date.now());
  expect(await new OperationWorker(h.engine.ctx).process(message)).toBe('busy-elsewhere');
  release();
  expect(await first).toBe('finished');
  expect(p.count('one')).toBe(1);
});

test('a lock set is taken all or none, in one order, and freed at the end', async () => {
  const linkFailover = tracked(
    'failover-like',
    { one: async (ctx) => (ctx.stepState === 'waited' ? succeed() : wait(200, 'switching roles', 'waited')) },
    { locks: (input) => (input as { also: string[] }).also },
  );
  const h = memoryHarness([linkFailover.playbook]);
  // a failover holds the link and the databases on both sides
  const failover = await h.engine.start({ kind: 'failover-like', targetKey: 'link/Sales', input: { also: ['sql-onprem/Sales', 'mi-prod/Sales'] }, createdBy: 'test' });
  expect(failover.operation.lockKeys).toEqual(['link/sales', 'mi-prod/sales', 'sql-onprem/sales']);
  await h.pumpOnce();
  expect((await h.get(failover.operation.id)).state).toBe('waiting');
  // another operation wanting one of those databases and a free one takes neither
  const other = await h.engine.start({ kind: 'failover-like', targetKey: 'sql-dev/Free', input: { also: ['mi-prod/Sales'] }, createdBy: 'test' });
  await h.pumpOnce();
  const blocked = await h.get(other.operation.id);
  expect(blocked.state).toBe('waiting');
  expect(blocked.waitReason).toBe(`lock mi-prod/sales is busy: operation ${failover.operation.id} holds it until it finishes`);
  expect(await h.engine.ctx.locks.holder('sql-dev/free')).toBeUndefined();
  for (const key of ['link/sales', 'mi-prod/sales', 'sql-onprem/sales']) expect((await h.engine.ctx.locks.holder(key))?.owner).toBe(failover.operation.id);

  await h.drainUntil(() => h.settled(failover.operation.id, other.operation.id));
  expect((await h.get(other.operation.id)).state).toBe('succeeded');
  for (const key of ['link/sales', 'mi-prod/sales', 'sql-onprem/sales', 'sql-dev/free']) expect(await h.engine.ctx.locks.holder(key)).toBeUndefined();
});

describe('approvals', () => {
  const gated = () =>
    tracked('gated', {
      one: async () => awaitApproval('fail over link Sales to mi-prod? estimated loss 4 s', 'two', undefined, 60_000),
      two: async () => succeed({ acted: true }),
    });

  test('the approver is the authenticated principal when there is one, else a self-declared name', async () => {
    const p = gated();
    const h = memoryHarness([p.playbook]);
    const a = await h.engine.start({ kind: 'gated', targetKey: 'link/A', input: {}, createdBy: 'alert' });
    const b = await h.engine.start({ kind: 'gated', targetKey: 'link/B', input: {}, createdBy: 'alert' });
    await h.drainUntil(async () => (await h.get(a.operation.id)).state === 'awaiting-approval' && (await h.get(b.operation.id)).state === 'awaiting-approval');
    await h.engine.decide(a.operation.id, { name: 'oncall@contoso.com', id: '6f1d…', provider: 'aad', selfDeclared: false }, 'approved', 'lag checked');
    await h.engine.decide(b.operation.id, { name: 'someone', selfDeclared: true }, 'approved');
    await h.drainUntil(() => h.settled(a.operation.id, b.operation.id));
    expect((await h.get(a.operation.id)).approval).toMatchObject({ decision: 'approved', decidedBy: 'oncall@contoso.com', decidedById: '6f1d…', decidedVia: 'principal', comment: 'lag checked' });
    expect((await h.get(b.operation.id)).approval).toMatchObject({ decision: 'approved', decidedBy: 'someone', decidedVia: 'self-declared' });
    const audit = await h.engine.audit(b.operation.id);
    expect(audit.some((e) => e.actor === 'someone (self-declared)' && e.reason === 'approved')).toBe(true);
  });

  test('an approval nobody gives expires on its own timer: APPROVAL_EXPIRED, through the cleanup', async () => {
    const p = gated();
    const h = memoryHarness([p.playbook]);
    const { operation } = await h.engine.start({ kind: 'gated', targetKey: 'link/C', input: {}, createdBy: 'alert' });
    await h.drainUntil(async () => (await h.get(operation.id)).state === 'awaiting-approval');
    const asked = await h.get(operation.id);
    expect(new Date(asked.approval?.expiresAt ?? 0).getTime() - new Date(asked.approval?.requestedAt ?? 0).getTime()).toBe(60_000);
    h.clock.offsetMs = 61_000;
    await expect(h.engine.decide(operation.id, { name: 'late', selfDeclared: true }, 'approved')).rejects.toMatchObject({ code: 'APPROVAL_EXPIRED' });
    // the expiry message was queued for the expiry (real minutes away); the worker acts on it when it comes
    await new OperationWorker(h.engine.ctx).process({ operationId: operation.id, token: asked.messageToken });
    await h.drainUntil(() => h.settled(operation.id));
    const op = await h.get(operation.id);
    expect(op.state).toBe('failed');
    expect(op.error?.code).toBe('APPROVAL_EXPIRED');
    expect(op.error?.message).toMatch(/^nobody approved or rejected within 1 minute \(asked at .*: fail over link Sales to mi-prod\? estimated loss 4 s\)/);
    expect(p.runs).toEqual(['one', 'undo']);
  });
});

describe('outcome events', () => {
  test('a worker killed after the terminal save: the sweeper publishes the outcome once, with the id it would have had', async () => {
    const p = tracked('quick', { one: async () => succeed({ done: true }) });
    const h = memoryHarness([p.playbook]);
    const { operation } = await h.engine.start({ kind: 'quick', targetKey: 'sql-dev/q', input: {}, createdBy: 'test' });
    // the worker's process dies while publishing: its publish never returns
    const realPublish = h.events.publish.bind(h.events);
    h.events.publish = () => new Promise<void>(() => undefined);
    void new OperationWorker(h.engine.ctx).process({ operationId: operation.id, token: operation.messageToken });
    await new Promise((r) => setTimeout(r, 50));
    h.events.publish = realPublish;
    const done = await h.get(operation.id);
    expect(done.state).toBe('succeeded');
    expect(h.events.of(operation.id)).toHaveLength(0);

    const report = await h.engine.sweep();
    expect(report.published).toEqual([operation.id]);
    await h.engine.sweep();
    const outcome = h.events.of(operation.id, 'MiAutopilot.Operation.Succeeded');
    expect(outcome).toHaveLength(1);
    expect(outcome[0].id).toBe(`${operation.id}.v${done.version}`);
    expect(outcome[0].data.output).toEqual({ done: true });
  });

  test('Event Grid down when the operation ends: the outcome waits in the outbox, and goes out once it is back', async () => {
    const p = tracked('quick2', { one: async () => fail('NOT_ONLINE', 'the restored database is RECOVERY_PENDING') });
    const h = memoryHarness([p.playbook]);
    const { operation } = await h.engine.start({ kind: 'quick2', targetKey: 'sql-dev/r', input: {}, createdBy: 'test' });
    h.events.failures = 1;
    await h.drainUntil(() => h.settled(operation.id));
    expect(h.events.of(operation.id, 'MiAutopilot.Operation.Failed')).toHaveLength(0);
    expect((await h.store.listOpen()).map((e) => e.id)).toContain(operation.id);
    await h.engine.sweep();
    expect(h.events.of(operation.id, 'MiAutopilot.Operation.Failed')).toHaveLength(1);
    expect((await h.store.listOpen()).map((e) => e.id)).not.toContain(operation.id);
  });
});

test("the sweeper's cost does not grow with finished operations", async () => {
  const p = tracked('cheap', { one: async (ctx) => ((ctx.input as { open?: boolean }).open ? wait(3_600_000, 'parked') : succeed()) });
  const h = memoryHarness([p.playbook]);
  const costOfSweep = async (): Promise<number> => {
    const before = h.store.counter.calls;
    await h.engine.sweep();
    return h.store.counter.calls - before;
  };
  const finish = async (n: number): Promise<void> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await h.engine.start({ kind: 'cheap', targetKey: `sql-dev/done${ids.length}-${Math.random()}`, input: {}, createdBy: 'test' })).operation.id);
    await h.drainUntil(() => h.settled(...ids));
  };
  for (let i = 0; i < 3; i++) await h.engine.start({ kind: 'cheap', targetKey: `sql-dev/open${i}`, input: { open: true }, createdBy: 'test' });
  await h.drainUntil(async () => (await h.engine.list({ states: ['waiting'] })).operations.length === 3);
  await finish(10);
  const withTen = await costOfSweep();
  await finish(200);
  const withTwoHundredTen = await costOfSweep();
  expect(withTwoHundredTen).toBe(withTen);
  expect(withTen).toBeLessThanOrEqual(1 + 3 * 2);
});

test('listing pages newest first, filters by state, kind and target, and reads open work from the open index', async () => {
  const p = tracked('listed', { one: async (ctx) => ((ctx.input as { park?: boolean }).park ? wait(3_600_000, 'parked') : succeed()) });
  const h = memoryHarness([p.playbook]);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    ids.push((await h.engine.start({ kind: 'listed', targetKey: i === 3 ? 'sql-dev/parked' : `sql-dev/db${i % 2}`, input: { park: i === 3 }, createdBy: 'test' })).operation.id);
    h.clock.offsetMs += 10; // distinct creation times
  }
  await h.drainUntil(async () => (await Promise.all(ids.map((id) => h.get(id)))).every((o) => o.state === 'succeeded' || o.waitReason === 'parked'));
  const first = await h.engine.list({ limit: 3 });
  expect(first.operations.map((o) => o.id)).toEqual([ids[6], ids[5], ids[4]]);
  const second = await h.engine.list({ limit: 3, continuation: first.continuation });
  expect(second.operations.map((o) => o.id)).toEqual([ids[3], ids[2], ids[1]]);
  const third = await h.engine.list({ limit: 3, continuation: second.continuation });
  expect(third.operations.map((o) => o.id)).toEqual([ids[0]]);
  expect(third.continuation).toBeUndefined();
  expect((await h.engine.list({ states: ['waiting'] })).operations.map((o) => o.id)).toEqual([ids[3]]);
  expect((await h.engine.list({ targetKey: 'sql-dev/db1', states: ['succeeded'] })).operations.map((o) => o.id)).toEqual([ids[5], ids[1]]);
});

test('a failed operation is retried as a new operation with the same input, linked to it', async () => {
  let fails = true;
  const p = tracked('retryable', { one: async () => (fails ? fail('TARGET_IN_USE', 'Sales_dev is in use') : succeed({ ok: 1 })) });
  const h = memoryHarness([p.playbook]);
  const { operation } = await h.engine.start({ kind: 'retryable', targetKey: 'sql-dev/t', input: { blob: 'x.bak' }, createdBy: 'test' });
  await expect(h.engine.retry(operation.id, 'dba')).rejects.toMatchObject({ code: 'NOT_RETRYABLE' });
  await h.drainUntil(() => h.settled(operation.id));
  fails = false;
  const retried = await h.engine.retry(operation.id, 'dba');
  expect(retried.operation).toMatchObject({ retryOf: operation.id, input: { blob: 'x.bak' }, createdBy: 'dba' });
  await h.drainUntil(() => h.settled(retried.operation.id));
  expect((await h.get(retried.operation.id)).state).toBe('succeeded');
});

test('a playbook rejects input that does not fit its schema before anything is created', async () => {
  const strict: Playbook = definePlaybook({
    kind: 'strict',
    input: z.strictObject({ database: z.string().min(1) }),
    state: z.unknown(),
    firstStep: 'one',
    defaultDeadlineMs: 60_000,
    steps: { one: async () => succeed() },
  });
  const h = memoryHarness([strict]);
  await expect(h.engine.start({ kind: 'strict', targetKey: 'x/y', input: { database: '' }, createdBy: 't' })).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    message: 'the input of a strict operation is not valid: database: Too small: expected string to have >=1 characters',
  });
  expect(await h.store.listOpen()).toEqual([]);
});

test('an operation waiting for a target is woken when the holder finishes, not at its next lock retry', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const p = tracked('holder', {
    one: async (ctx) => {
      if ((ctx.input as { hold?: boolean }).hold) await gate;
      return succeed();
    },
  });
  const h = memoryHarness([p.playbook], { lockRetryMs: 60_000 });
  const first = await h.engine.start({ kind: 'holder', targetKey: 'sql-dev/Busy', input: { hold: true }, createdBy: 'test' });
  const holding = new OperationWorker(h.engine.ctx).process({ operationId: first.operation.id, token: first.operation.messageToken });
  await new Promise((r) => setTimeout(r, 20));
  const second = await h.engine.start({ kind: 'holder', targetKey: 'sql-dev/Busy', input: {}, createdBy: 'test' });
  await h.drainUntil(async () => (await h.get(second.operation.id)).state === 'waiting');
  expect((await h.get(second.operation.id)).waitReason).toContain(first.operation.id);
  release();
  await holding;
  const woken = Date.now();
  await h.drainUntil(() => h.settled(second.operation.id), 5_000);
  expect(Date.now() - woken).toBeLessThan(2_000);
});

test('waiting for a lock is not a failed attempt: an operation that waited through many lock retries still runs', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const p = tracked('patient', {
    one: async (ctx) => {
      if ((ctx.input as { hold?: boolean }).hold) await gate;
      return succeed();
    },
  });
  const h = memoryHarness([p.playbook], { lockRetryMs: 5 });
  const first = await h.engine.start({ kind: 'patient', targetKey: 'sql-dev/Long', input: { hold: true }, createdBy: 'test' });
  const holding = new OperationWorker(h.engine.ctx).process({ operationId: first.operation.id, token: first.operation.messageToken });
  await new Promise((r) => setTimeout(r, 20));
  const second = await h.engine.start({ kind: 'patient', targetKey: 'sql-dev/Long', input: {}, createdBy: 'test' });
  // far more lock retries than maxAttempts + maxDequeueCount (the old code ended it POISON_MESSAGE)
  const retries = 4 * (h.engine.ctx.settings.maxAttempts + h.engine.ctx.settings.maxDequeueCount);
  const deadline = Date.now() + 5_000;
  let claims = 0;
  while (claims < retries && Date.now() < deadline) {
    claims += await h.pumpOnce();
    await new Promise((r) => setTimeout(r, 6));
  }
  expect(claims).toBeGreaterThanOrEqual(retries);
  expect(await h.get(second.operation.id)).toMatchObject({ state: 'waiting', attempt: 0 });
  release();
  await holding;
  await h.drainUntil(() => h.settled(second.operation.id), 5_000);
  expect(await h.get(second.operation.id)).toMatchObject({ state: 'succeeded' });
});

describe('waiting on a named condition', () => {
  /** waits (a minute's poll) until its input's file has "arrived" */
  function waiter(arrived: Set<string>) {
    return tracked('waiter', {
      one: async (ctx) => {
        const file = (ctx.input as { file: string }).file;
        return arrived.has(file) ? succeed() : waitOn([`files:${file}`], 60_000, `waiting for ${file}`);
      },
    });
  }

  test('the signal wakes the operations waiting on it at once; the poll stays the safety net', async () => {
    const arrived = new Set<string>();
    const p = waiter(arrived);
    const h = memoryHarness([p.playbook]);
    const a = await h.engine.start({ kind: 'waiter', targetKey: 'a', input: { file: 'x.bak' }, createdBy: 'test' });
    const b = await h.engine.start({ kind: 'waiter', targetKey: 'b', input: { file: 'y.bak' }, createdBy: 'test' });
    await h.drainUntil(async () => (await h.get(a.operation.id)).state === 'waiting' && (await h.get(b.operation.id)).state === 'waiting');
    expect((await h.get(a.operation.id)).waitingOn).toEqual(['files:x.bak']);
    arrived.add('x.bak');
    // another condition wakes nobody
    expect(await h.engine.notify('files:z.bak')).toEqual([]);
    const started = Date.now();
    expect(await h.engine.notify('FILES:X.bak')).toEqual([a.operation.id]);
    await h.drainUntil(() => h.settled(a.operation.id), 5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await h.get(a.operation.id)).state).toBe('succeeded');
    // b still waits, for its own file, until its poll
    expect((await h.get(b.operation.id)).state).toBe('waiting');
    expect(p.count('one')).toBe(3);
  });

  test('a poll loop on one condition indexes it once, and a signal still wakes it after any number of polls', async () => {
    const arrived = new Set<string>();
    const p = waiter(arrived);
    const h = memoryHarness([p.playbook]);
    const watch = jest.spyOn(h.store, 'watch');
    const a = await h.engine.start({ kind: 'waiter', targetKey: 'a', input: { file: 'x.bak' }, createdBy: 'test' });
    await h.drainUntil(async () => (await h.get(a.operation.id)).state === 'waiting');
    // three wake-ups while the file is still missing: each time it waits again on the same condition
    for (let i = 0; i < 3; i++) {
      expect(await h.engine.notify('files:x.bak')).toEqual([a.operation.id]);
      await h.drainUntil(async () => (await h.get(a.operation.id)).state === 'waiting' && p.count('one') === i + 2, 5_000);
    }
    expect(watch).toHaveBeenCalledTimes(1);
    arrived.add('x.bak');
    expect(await h.engine.notify('files:x.bak')).toEqual([a.operation.id]);
    await h.drainUntil(() => h.settled(a.operation.id), 5_000);
    expect((await h.get(a.operation.id)).state).toBe('succeeded');
  });

  test('an operation that moved on is not woken by an old condition, and leaves the index', async () => {
    const arrived = new Set<string>();
    const p = waiter(arrived);
    const h = memoryHarness([p.playbook]);
    const a = await h.engine.start({ kind: 'waiter', targetKey: 'a', input: { file: 'x.bak' }, createdBy: 'test' });
    await h.drainUntil(async () => (await h.get(a.operation.id)).state === 'waiting');
    arrived.add('x.bak');
    await h.engine.notify('files:x.bak');
    await h.drainUntil(() => h.settled(a.operation.id), 5_000);
    expect(await h.engine.notify('files:x.bak')).toEqual([]);
    expect(await h.store.watchers('files:x.bak')).toEqual([]);
    expect(p.count('one')).toBe(2);
  });

  test('an operation waiting for another to end is woken when it ends, not at its next poll', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = tracked('pair', {
      one: async (ctx) => {
        const input = ctx.input as { waitFor?: string };
        if (!input.waitFor) {
          await gate;
          return succeed();
        }
        const other = await h.engine.get(input.waitFor);
        return other?.state === 'succeeded' ? succeed() : waitOn([operationEnded(input.waitFor)], 60_000, `waiting for ${input.waitFor}`);
      },
    });
    const h = memoryHarness([p.playbook]);
    const first = await h.engine.start({ kind: 'pair', targetKey: 'first', input: {}, createdBy: 'test' });
    const running = new OperationWorker(h.engine.ctx).process({ operationId: first.operation.id, token: first.operation.messageToken });
    const second = await h.engine.start({ kind: 'pair', targetKey: 'second', input: { waitFor: first.operation.id }, createdBy: 'test' });
    await h.drainUntil(async () => (await h.get(second.operation.id)).state === 'waiting');
    release();
    await running;
    const ended = Date.now();
    await h.drainUntil(() => h.settled(second.operation.id), 5_000);
    expect(Date.now() - ended).toBeLessThan(2_000);
    expect((await h.get(second.operation.id)).state).toBe('succeeded');
  });
});
