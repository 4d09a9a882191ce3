// The links HTTP API, called as the host calls the functions, with the runtime built from settings
// reading what the link monitor saved; the numbers it reports checked against the DMVs read
// directly on the primary with the reference's own RPO query.
import type { HttpResponseInit } from '@azure/functions';
import { startLinkWorld, type LinkWorld } from '../../helpers/linkWorld';
import { type Body, context, get, json, setAppSettings, stopAppAndWorld } from '../../helpers/linkWorldApp';

let world: LinkWorld;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  world = await startLinkWorld({ appTables: true, health: { confirmSeconds: 1 } });
  setAppSettings(world);
}, 60_000);

afterAll(() => stopAppAndWorld(world));

const api = () => import('../../../functions/linksApi');

/** the reference's RPO query (REFERENCE 4.3), run on the primary, plus the lag column beside it */
async function dmvsOnPrimary(): Promise<{ lag: number; rpo: number }> {
  const pool = await world.pool('sql-onprem');
  const r = await pool.request().query<{ lag: number; rpo: number }>(`
    SELECT s.secondary_lag_seconds AS lag, DATEDIFF(SECOND, s.last_commit_time, p.last_commit_time) AS rpo
    FROM sys.dm_hadr_database_replica_states p
    JOIN sys.dm_hadr_database_replica_states s ON s.group_database_id = p.group_database_id AND s.is_local = 0
    JOIN sys.availability_groups ag ON ag.group_id = p.group_id AND ag.is_distributed = 1
    WHERE p.is_local = 1 AND p.is_primary_replica = 1 AND DB_NAME(p.database_id) = 'Sales'`);
  expect(r.recordset).toHaveLength(1);
  return r.recordset[0];
}

test('before the first sweep every link is listed as not sampled yet', async () => {
  const { listLinks } = await api();
  const res = await listLinks(get('links'), context());
  expect(res.status).toBe(200);
  const links = json(res).links as Body[];
  expect(links.map((l) => l.name)).toEqual(['Link_Sales', 'Link_Orders']);
  expect(links[0]).toMatchObject({ state: 'unknown', message: expect.stringMatching(/^not sampled yet/), sqlServer: 'sql-onprem', managedInstance: 'mi-prod', expectedPrimary: 'sqlServer' });
});

test('GET /api/links/{name} reports the lag and RPO the DMVs show on the primary, within one sweep', async () => {
  const { getLink, listLinks } = await api();
  // a partition makes the numbers grow, so a match is not two zeros
  await world.admin('POST', '/instances/mi-prod/links/Link_Sales/faults', { kind: 'partition' });
  try {
    await sleep(5_000);
    await world.monitor.sweep();
    const direct = await dmvsOnPrimary();
    const res = await getLink(get('links/Link_Sales', { name: 'link_sales' }), context());
    expect(res.status).toBe(200);
    const body = json(res);
    const [db] = body.databases as { database: string; lagSeconds: number; rpoSeconds: number }[];
    expect(db.database).toBe('Sales');
    expect(db.lagSeconds).toBeGreaterThanOrEqual(3);
    // the sweep read a moment before the direct query; a second of commits apart at most
    expect(Math.abs(db.lagSeconds - direct.lag)).toBeLessThanOrEqual(2);
    expect(Math.abs(db.rpoSeconds - direct.rpo)).toBeLessThanOrEqual(2);
    expect(body).toMatchObject({ name: 'Link_Sales', lagSeconds: db.lagSeconds, rpoSeconds: db.rpoSeconds, roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' }, thresholds: { confirmSeconds: 1, samplesToChange: 3 } });
    const listed = (json(await listLinks(get('links'), context())).links as Body[]).find((l) => l.name === 'Link_Sales');
    expect(listed).toMatchObject({ lagSeconds: db.lagSeconds, rpoSeconds: db.rpoSeconds, sampledAt: body.sampledAt });
  } finally {
    await world.admin('DELETE', '/instances/mi-prod/links/Link_Sales/faults/partition');
  }
}, 30_000);

test('history comes back in pages that together hold every sample once, oldest first', async () => {
  const { linkHistory, listLinks } = await api();
  for (let i = 0; i < 4; i++) {
    await sleep(600);
    await world.monitor.sweep();
  }
  const from = new Date(Date.now() - 10 * 60_000).toISOString();
  const all = json(await linkHistory(get('links/Link_Orders/history', { name: 'Link_Orders' }), context()));
  const everything = (await pages('Link_Orders', from, 1000)).flat();
  expect(everything.length).toBeGreaterThanOrEqual(5);
  const paged = await pages('Link_Orders', from, 2);
  expect(paged.length).toBe(Math.ceil(everything.length / 2));
  expect(paged.flat()).toEqual(everything);
  const times = everything.map((s) => Date.parse(s.at as string));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect(all.samples).toEqual(everything);

  async function pages(link: string, since: string, limit: number): Promise<Body[][]> {
    const out: Body[][] = [];
    let continuation: string | undefined;
    do {
      const url = `links/${link}/history?from=${encodeURIComponent(since)}&limit=${limit}${continuation ? `&continuation=${continuation}` : ''}`;
      const res = await linkHistory(get(url, { name: link }), context());
      expect(res.status).toBe(200);
      const body = json(res);
      out.push(body.samples as Body[]);
      continuation = body.continuation as string | undefined;
    } while (continuation);
    return out;
  }

  // the dashboard's lag series: one point per sample of the last hour
  const withLag = (json(await listLinks(get('links?lagMinutes=60'), context())).links as Body[]).find((l) => l.name === 'Link_Orders');
  expect((withLag?.lag as unknown[]).length).toBe(everything.length);
}, 30_000);

test('bad input is refused with the reason; an unknown link is 404 LINK_NOT_FOUND', async () => {
  const { listLinks, getLink, linkHistory } = await api();
  const refused = async (res: Promise<HttpResponseInit>, status: number, message: RegExp) => {
    const r = await res;
    expect(r.status).toBe(status);
    expect(json(r).error?.message).toMatch(message);
  };
  for (const bad of ['-1', 'abc', '1441', '1.5']) await refused(listLinks(get(`links?lagMinutes=${bad}`), context()), 400, /lagMinutes must be a whole number/);
  await refused(getLink(get('links/Link_Nope', { name: 'Link_Nope' }), context()), 404, /no link named 'Link_Nope' \(it has Link_Sales, Link_Orders\)/);
  expect(json(await getLink(get('links/Link_Nope', { name: 'Link_Nope' }), context())).error?.code).toBe('LINK_NOT_FOUND');
  await refused(linkHistory(get('links/Link_Nope/history', { name: 'Link_Nope' }), context()), 404, /no link named/);
  await refused(getLink(get('links/Link%20Sales', { name: 'Link Sales' }), context()), 400, /link name 'Link Sales' is not a valid id/);
  const history = (query: string) => linkHistory(get(`links/Link_Sales/history?${query}`, { name: 'Link_Sales' }), context());
  await refused(history('from=yesterday'), 400, /from 'yesterday' is not a date and time/);
  await refused(history('to=soon'), 400, /to 'soon' is not a date and time/);
  await refused(history('from=2026-12-05T10:00:00Z&to=2026-12-05T09:00:00Z'), 400, /must be before/);
  await refused(history('from=2026-01-01T00:00:00Z&to=2026-12-05T00:00:00Z'), 400, /at most 31 days/);
  for (const bad of ['0', '1001', 'ten']) await refused(history(`limit=${bad}`), 400, /limit must be a whole number from 1 to 1000/);
  await refused(history('continuation=../../etc'), 400, /continuation is not one this API gave/);
});

test('GET /api/events lists the link health changes beside the operations\' events', async () => {
  const { listEvents } = await import('../../../functions/eventsApi');
  const res = await listEvents(get('events?limit=100'), context());
  expect(res.status).toBe(200);
  const events = json(res).events as { type: string; subject: string; data: { from: string | null; to: string } }[];
  const sales = events.filter((e) => e.type === 'MiAutopilot.Link.HealthChanged' && e.subject === 'links/Link_Sales');
  // the first sweep's first state, newest first
  expect(sales.at(-1)?.data).toMatchObject({ from: null, to: 'healthy' });
});
