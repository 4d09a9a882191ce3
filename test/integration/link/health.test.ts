// Link health on the emulated estate, through the real mssql and ARM clients, real tables, a real
// event table and a real confirmation queue: what a DBA relies on before the failover playbooks act
// on it. Faults are the emulator's own (a partition, an instance down, a certificate, a forced
// failover that leaves both sides primary); time is real, nothing is sped up.
import { startLinkWorld, type LinkWorld } from '../../helpers/linkWorld';
import type { LinkHealthChangedData } from '../../../shared/link/events';
import type { LinkState } from '../../../shared/link/types';

let world: LinkWorld;
const CONFIRM_SECONDS = 1;

beforeAll(async () => {
  world = await startLinkWorld({ health: { confirmSeconds: CONFIRM_SECONDS, samplesToChange: 3 } });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stateOf = async (link: string): Promise<LinkState | undefined> => (await world.store.get(link))?.record.state;
const transitions = async (link: string): Promise<string[]> =>
  (await world.linkEvents(link)).map((e) => {
    const d = e.data as LinkHealthChangedData;
    return `${d.from ?? '-'}->${d.to}`;
  });

/**
 * Runs as the app runs, only faster: a sweep every second (the timer) and the confirmations from
 * the queue as they become visible, until `done` or the time is up; the time it took.
 */
async function watch(done: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let nextSweep = 0;
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms`);
    if (Date.now() >= nextSweep) {
      await world.monitor.sweep();
      nextSweep = Date.now() + 1000;
    }
    if ((await world.pumpConfirmations()) === 0) await sleep(100);
  }
  return Date.now() - started;
}

/** N spaced sweeps (a sweep sooner than half the confirmation interval after a sample counts as the same sample) */
async function sweeps(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await world.monitor.sweep();
    await sleep(CONFIRM_SECONDS * 600);
  }
}

const linkFault = (link: string, body: unknown) => world.admin('POST', `/instances/mi-prod/links/${link}/faults`, body);
const clearLinkFault = (link: string, kind: string) => world.admin('DELETE', `/instances/mi-prod/links/${link}/faults/${kind}`);

test('a steady workload stays healthy, with its lag, RPO and RTO measured; one event, for the first state', async () => {
  await sweeps(4);
  for (const link of ['Link_Sales', 'Link_Orders']) {
    const stored = await world.store.get(link);
    expect(stored?.record).toMatchObject({ state: 'healthy', observed: 'healthy', reasons: [] });
    expect(stored?.record.metrics.roles).toEqual({ sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' });
    expect(stored?.record.metrics.lagSeconds).toBeLessThan(5);
    expect(stored?.record.metrics.rpoSeconds).toBeLessThan(5);
    expect(stored?.record.metrics.rtoSeconds).toBeDefined();
    expect(await transitions(link)).toEqual(['-->healthy']);
  }
}, 60_000);

test('a partition goes degraded then broken, confirmed in seconds with one event per transition; healing brings it back to healthy', async () => {
  expect(await linkFault('Link_Sales', { kind: 'partition' })).toMatchObject({ status: 201 });
  const brokenAfter = await watch(async () => (await stateOf('Link_Sales')) === 'broken', 60_000);
  const record = (await world.store.get('Link_Sales'))?.record;
  expect(record?.reasons.map((r) => r.code)).toContain('DISCONNECTED');
  expect(await transitions('Link_Sales')).toEqual(['-->healthy', 'healthy->degraded', 'degraded->broken']);
  // the other link did not move
  expect(await stateOf('Link_Orders')).toBe('healthy');
  // samples keep coming while nothing changes: still one event per transition
  await sweeps(3);
  expect(await transitions('Link_Sales')).toEqual(['-->healthy', 'healthy->degraded', 'degraded->broken']);
  // SQL Server notices the silent partner after its 10-s session timeout; then three samples a second apart
  expect(brokenAfter).toBeLessThan(20_000);

  expect(await clearLinkFault('Link_Sales', 'partition')).toMatchObject({ status: 200 });
  await watch(async () => (await stateOf('Link_Sales')) === 'healthy', 60_000);
  // the partner reconnects and catches up: the link may pass through degraded while the queued log
  // drains (lag still above the threshold), never back to broken; one sample of it changes nothing
  const events = (await world.linkEvents('Link_Sales')).map((e) => e.data as LinkHealthChangedData);
  const recovery = events.slice(3).map((d) => `${d.from}->${d.to}:${d.reasons.map((r) => r.code).join(',')}`);
  expect(recovery.length).toBeLessThanOrEqual(2);
  if (recovery.length === 2) expect(recovery[0]).toMatch(/^broken->degraded:(LAG_ABOVE_THRESHOLD|STALLED|,)+$/);
  expect(recovery.at(-1)).toMatch(/^(broken|degraded)->healthy:$/);
}, 150_000);

test('one managed instance down: its link is unknown with INSTANCE_UNREACHABLE at once, the other pair is still evaluated in the same sweep', async () => {
  expect(await world.admin('POST', '/instances/mi-east/faults', { kind: 'instanceDown' })).toMatchObject({ status: 201 });
  try {
    await sleep(CONFIRM_SECONDS * 600);
    const report = await world.monitor.sweep();
    const orders = (await world.store.get('Link_Orders'))?.record;
    const sales = (await world.store.get('Link_Sales'))?.record;
    expect(orders?.state).toBe('unknown');
    // the primary may also see its partner gone (DISCONNECTED, its connection error): what matters is that the app says it cannot read mi-east
    expect(orders?.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'INSTANCE_UNREACHABLE', message: expect.stringMatching(/^mi-east could not be read: /) })]));
    // the same sweep sampled the healthy pair
    expect(sales?.sampledAt).toBe(orders?.sampledAt);
    expect(sales?.state).toBe('healthy');
    expect(report.calls).toEqual({ sql: 4, arm: 2 });
  } finally {
    await world.admin('DELETE', '/instances/mi-east/faults/instanceDown');
  }
  await watch(async () => (await stateOf('Link_Orders')) === 'healthy', 30_000);
}, 60_000);

test('an endpoint certificate 10 days from expiry degrades the link with CERTIFICATE_EXPIRING', async () => {
  expect(await world.admin('POST', '/instances/mi-east/links/Link_Orders/faults', { kind: 'certificateExpiry', expiresInDays: 10 })).toMatchObject({ status: 201 });
  await watch(async () => (await stateOf('Link_Orders')) === 'degraded', 30_000);
  const record = (await world.store.get('Link_Orders'))?.record;
  expect(record?.reasons).toEqual([expect.objectContaining({ code: 'CERTIFICATE_EXPIRING', message: expect.stringMatching(/expires on \d{4}-\d{2}-\d{2}, in (9|10) days/) })]);
  await world.admin('DELETE', '/instances/mi-east/links/Link_Orders/faults/certificateExpiry');
  await watch(async () => (await stateOf('Link_Orders')) === 'healthy', 30_000);
}, 60_000);

test('two sweeps started together emit one event', async () => {
  await world.admin('POST', '/instances/mi-east/links/Link_Orders/faults', { kind: 'certificateExpiry', expiresInDays: 5 });
  const before = (await transitions('Link_Orders')).length;
  await sleep(CONFIRM_SECONDS * 600);
  for (let i = 0; i < 3; i++) {
    const reports = await Promise.all([world.monitor.sweep(), world.monitor.sweep()]);
    // each link's sample was saved by one sweep and recognised as the same sample by the other
    expect(reports.reduce((n, r) => n + r.duplicates, 0)).toBe(2);
    await sleep(CONFIRM_SECONDS * 600);
  }
  expect(await stateOf('Link_Orders')).toBe('degraded');
  expect((await transitions('Link_Orders')).slice(before)).toEqual(['healthy->degraded']);
  await world.admin('DELETE', '/instances/mi-east/links/Link_Orders/faults/certificateExpiry');
  await watch(async () => (await stateOf('Link_Orders')) === 'healthy', 30_000);
}, 60_000);

test('links whose confirmations fall due together are confirmed by one read per instance; their own messages then do nothing', async () => {
  for (const [instance, link] of [['mi-prod', 'Link_Sales'], ['mi-east', 'Link_Orders']]) {
    expect(await world.admin('POST', `/instances/${instance}/links/${link}/faults`, { kind: 'certificateExpiry', expiresInDays: 5 })).toMatchObject({ status: 201 });
  }
  try {
    await sleep(CONFIRM_SECONDS * 600);
    await world.monitor.sweep();
    const [sales, orders] = await Promise.all([world.store.get('Link_Sales'), world.store.get('Link_Orders')]);
    expect(sales?.confirmDueAt).toBeDefined();
    expect(orders?.confirmDueAt).toBeDefined();
    await sleep(CONFIRM_SECONDS * 1000 + 100);
    expect(await world.monitor.confirm('Link_Sales', sales?.confirmDueAt as string)).toBe('confirmed');
    // the same confirmation sampled the other link
    const after = await world.store.get('Link_Orders');
    expect(after?.record.version).toBe((orders?.record.version ?? 0) + 1);
    expect(after?.record.sampledAt).toBe((await world.store.get('Link_Sales'))?.record.sampledAt);
    expect(await world.monitor.confirm('Link_Orders', orders?.confirmDueAt as string)).toBe('stale');
  } finally {
    for (const [instance, link] of [['mi-prod', 'Link_Sales'], ['mi-east', 'Link_Orders']]) await world.admin('DELETE', `/instances/${instance}/links/${link}/faults`);
  }
  await watch(async () => (await stateOf('Link_Orders')) === 'healthy' && (await stateOf('Link_Sales')) === 'healthy', 30_000);
}, 60_000);


test('both sides primary after a forced failover: broken with SPLIT_BRAIN at the first sample', async () => {
  // the managed instance forced to primary while SQL Server, cut off, still thinks it is
  expect(await world.admin('POST', '/instances/mi-east/links/Link_Orders/faults', { kind: 'splitBrain' })).toMatchObject({ status: 201 });
  await sleep(CONFIRM_SECONDS * 600);
  await world.monitor.sweep();
  const record = (await world.store.get('Link_Orders'))?.record;
  expect(record?.state).toBe('broken');
  expect(record?.reasons.map((r) => r.code)).toContain('SPLIT_BRAIN');
  expect(record?.metrics.roles).toEqual({ sqlServer: 'PRIMARY', managedInstance: 'PRIMARY' });
  expect((await transitions('Link_Orders')).pop()).toBe('healthy->broken');
}, 30_000);
