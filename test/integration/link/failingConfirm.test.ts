// A link whose primary stops answering is unknown at once, and its later samples agree with that
// state; it is still sampled again every confirmSeconds (not at the next timer tick) until the
// failover policy's consecutiveSignals failing samples exist, then it waits for the timer again.
import { startLinkWorld, type LinkWorld } from '../../helpers/linkWorld';

jest.setTimeout(120_000);

let world: LinkWorld;
beforeAll(async () => {
  world = await startLinkWorld({ health: { confirmSeconds: 1 } });
  await world.monitor.sweep();
});
afterAll(async () => world?.stop());

test('a failing link is confirmed until it has given its failover policy the signals it counts (3 by default)', async () => {
  await world.admin('POST', '/instances/sql-onprem/faults', { kind: 'instanceDown' });
  await new Promise((r) => setTimeout(r, 1_000));
  const report = await world.monitor.sweep();
  expect(report.confirmationsQueued).toBe(1);
  const runs: number[] = [];
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    await world.pumpConfirmations();
    const h = await world.store.get('Link_Sales');
    const n = h?.record.runs.failing ?? 0;
    if (runs[runs.length - 1] !== n) runs.push(n);
    if (n >= 3 && h?.confirmDueAt === undefined) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(runs).toEqual([1, 2, 3]);
  const settled = await world.store.get('Link_Sales');
  expect(settled?.record.state).toBe('unknown');
  expect(settled?.confirmDueAt).toBeUndefined();
  // the healthy pair was never confirmed
  expect((await world.store.get('Link_Orders'))?.record.runs.failing).toBe(0);
});
