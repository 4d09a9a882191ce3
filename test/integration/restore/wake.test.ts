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
