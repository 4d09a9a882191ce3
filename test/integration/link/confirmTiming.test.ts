// From a partition to `broken` at the default confirmation settings (3 samples, 10 s apart): the
// sweep fires on a real timer schedule (every 20 s here instead of every minute), confirmations run
// from the real queue as soon as they are visible, and nothing is sped up. The bound is one timer
// interval plus the confirmations (2 x 10 s) plus the partner's session timeout, with slack.
import { parseSchedule } from '../../../local/host/timers';
import { startLinkWorld, type LinkWorld } from '../../helpers/linkWorld';

let world: LinkWorld;
const SCHEDULE = '*/20 * * * * *';

beforeAll(async () => {
  world = await startLinkWorld();
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

test('a partition is confirmed broken within one timer interval plus about 20 s', async () => {
  const schedule = parseSchedule(SCHEDULE);
  let stopped = false;
  const sweeps: number[] = [];
  const timer = (async () => {
    while (!stopped) {
      const next = schedule.next(new Date()).getTime();
      while (!stopped && Date.now() < next) await new Promise((r) => setTimeout(r, Math.min(200, next - Date.now())));
      if (stopped) break;
      sweeps.push(Date.now());
      await world.monitor.sweep();
    }
  })();
  const consumer = (async () => {
    while (!stopped) if ((await world.pumpConfirmations()) === 0) await new Promise((r) => setTimeout(r, 200));
  })();
  try {
    // healthy first (the first sweep sets the state)
    while ((await world.store.get('Link_Sales'))?.record.state !== 'healthy') await new Promise((r) => setTimeout(r, 200));
    const partitionedAt = Date.now();
    world.link('Link_Sales').setPartitioned(true, new Date());
    while ((await world.store.get('Link_Sales'))?.record.state !== 'broken') {
      if (Date.now() - partitionedAt > 90_000) throw new Error('not broken within 90 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const tookMs = Date.now() - partitionedAt;
    const record = (await world.store.get('Link_Sales'))?.record;
    expect(record?.reasons.map((r) => r.code)).toContain('DISCONNECTED');
    // one timer interval (20 s) + two confirmations (20 s) + the session timeout (10 s) + a few seconds of slack
    expect(tookMs).toBeLessThan(55_000);
    console.log(`partition -> broken in ${(tookMs / 1000).toFixed(1)} s (timer every 20 s, 3 samples, 10 s confirmation)`);
  } finally {
    stopped = true;
    await Promise.all([timer, consumer]);
  }
}, 150_000);
