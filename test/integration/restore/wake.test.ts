// A restore waiting for its last stripe is woken by that stripe's BlobCreated event, not by its
// next look: with RESTORE_POLL_MS at its Azure default (15 s), RESTORE starts within 2 s of the
// event. The queue trigger runs on its own (no nudge).
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld({ pollMs: 15_000 });
  world.pump.start();
}, 120_000);

afterAll(async () => {
  await world?.pump.stop();
  await world?.stop();
});

async function until(done: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the last stripe\'s event starts the waiting restore within 2 s, not at the next 15-s look', async () => {
  const [first, last] = await world.backup('Sales', { kind: 'full', stripes: 2, timestamp: '20261206_0400' });
  const started = await world.deliver(await world.upload(first));
  if (started.outcome !== 'started') throw new Error(JSON.stringify(started));
  await until(async () => (await world.engine.get(started.operationId))?.state === 'waiting', 20_000);
  const waiting = await world.engine.get(started.operationId);
  expect(waiting?.waitReason).toMatch(/stripe/i);

  const event = await world.upload(last);
  const committed = Date.now();
  expect(await world.deliver(event)).toMatchObject({ outcome: 'duplicate', operationId: started.operationId });
  const target = world.emulator.find('sql-dev').instance;
  await until(() => target.activeRequests().some((r) => r.command === 'RESTORE DATABASE'), 10_000);
  expect(Date.now() - committed).toBeLessThan(2_000);
}, 60_000);

test('a log that arrived before its full looks again when the full arrives, not at its next 15-s look', async () => {
  const [full] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261206_0410' });
  await new Promise((r) => setTimeout(r, 300)); // the workload moves the log on
  const [log] = await world.backup('Sales', { kind: 'log', stripes: 1, timestamp: '20261206_0420' });
  const logOp = await world.deliver(await world.upload(log));
  if (logOp.outcome !== 'started') throw new Error(JSON.stringify(logOp));
  await until(async () => (await world.engine.get(logOp.operationId))?.state === 'waiting', 20_000);
  expect((await world.engine.get(logOp.operationId))?.waitReason).toMatch(/the rest of the chain/);

  const arrived = Date.now();
  const fullOp = await world.deliver(await world.upload(full));
  if (fullOp.outcome !== 'started') throw new Error(JSON.stringify(fullOp));
  // the log's restore plans the whole chain now and goes on
  await until(async () => (await world.engine.get(logOp.operationId))?.state !== 'waiting' || ((await world.engine.audit(logOp.operationId)).at(-1)?.reason ?? '').includes('precheck'), 10_000);
  expect(Date.now() - arrived).toBeLessThan(3_000);
  await until(async () => world.settled(logOp.operationId, fullOp.operationId), 90_000);
  const [a, b] = await Promise.all([world.engine.get(logOp.operationId), world.engine.get(fullOp.operationId)]);
  expect(a?.error).toBeUndefined();
  expect(b?.error).toBeUndefined();
  expect(a?.state).toBe('succeeded');
  expect((a?.output as { files: { kind: string }[] }).files.map((f) => f.kind)).toEqual(['full', 'log']);
  // the full's own restore stepped aside: the chain is restored once
  expect(b?.output).toMatchObject({ skipped: true });
}, 120_000);
