// The failover HTTP functions as the host calls them, on a runtime built from settings: every
// published common-alert-schema sample is answered 200 and routed; bodies that are not alerts get
// 400 with the reason and start nothing; POST /api/failovers checks its input, answers 202 with the
// decision and the operation, or 409 with the decision that refused; GET .../decisions lists them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpRequest } from '@azure/functions';
import { startLinkWorld, type LinkWorld } from '../../helpers/linkWorld';
import { context, get, json, setAppSettings, stopAppAndWorld } from '../../helpers/linkWorldApp';

jest.setTimeout(120_000);

let world: LinkWorld;
const FIXTURES = path.join(__dirname, '../../fixtures/alerts');

beforeAll(async () => {
  world = await startLinkWorld({ appTables: true, health: { confirmSeconds: 1 } });
  const estate = JSON.parse(world.estateJson) as { links: Array<Record<string, unknown>>; alertRoutes?: unknown[] };
  estate.links[0].failover = { mode: 'approval', allowedTypes: ['planned', 'forced'], dataLossBudgetSeconds: 30 };
  estate.alertRoutes = [
    { name: 'everything', action: 'notify' },
    { name: 'sales-down', match: { alertRule: 'sql-onprem-unavailable' }, action: 'failover', link: 'Link_Sales' },
  ];
  setAppSettings(world, JSON.stringify(estate));
  await world.monitor.sweep();
}, 60_000);

afterAll(() => stopAppAndWorld(world));

const post = (route: string, body: string, params: Record<string, string> = {}) => new HttpRequest({ method: 'POST', url: `http://127.0.0.1/api/${route}`, params, body: { string: body } });

async function failoverOperations(): Promise<number> {
  const { getRuntime } = await import('../../../shared/runtime');
  return (await (await getRuntime()).engine.list({ kind: 'failover' })).operations.length;
}

test('every published common alert schema sample is answered 200 and goes through the routes', async () => {
  const { alertReceived } = await import('../../../functions/alertReceived');
  const files = readdirSync(FIXTURES).filter((f) => f.startsWith('commonalert_'));
  expect(files.length).toBeGreaterThanOrEqual(10);
  for (const file of files) {
    const res = await alertReceived(post('alerts', readFileSync(path.join(FIXTURES, file), 'utf8')), context());
    expect({ file, status: res.status }).toEqual({ file, status: 200 });
    const body = json(res) as { routes: Array<{ route: string }>; skipped: Array<{ route: string; why: string }> };
    // the catch-all notify route takes every alert; the failover route only its rule
    expect(body.routes.map((r) => r.route)).toEqual(['everything']);
    expect(body.skipped).toEqual([expect.objectContaining({ route: 'sales-down', why: expect.stringMatching(/the route wants "sql-onprem-unavailable"/) })]);
  }
  expect(await failoverOperations()).toBe(0);
});

test('bodies that are not alerts get 400 with the reason, and start nothing', async () => {
  const { alertReceived } = await import('../../../functions/alertReceived');
  const cases: Array<[string, RegExp]> = [
    ['not json at all', /JSON/],
    ['[]', /object/i],
    ['{"schemaId":"azureMonitorCommonAlertSchema","data":{}}', /essentials/],
    ['{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertRule":"x"}}}', /alertId/],
  ];
  for (const [body, reason] of cases) {
    const res = await alertReceived(post('alerts', body), context());
    expect(res.status).toBe(400);
    expect(json(res).error?.message).toMatch(reason);
  }
  expect(await failoverOperations()).toBe(0);
});

test('POST /api/failovers: bad input is 400, an unknown link 404, a type the policy does not allow 409 with the decision, a dry run 202', async () => {
  const { startFailover } = await import('../../../functions/failoversApi');
  const bad: Array<[string, RegExp]> = [
    ['nope', /not JSON/],
    ['{"type":"planned"}', /link must be/],
    ['{"link":"Link_Sales","type":"sideways"}', /type must be one of/],
    ['{"link":"Link_Sales","type":"planned","dryRun":"yes"}', /dryRun must be true or false/],
    ['{"link":"Link_Sales","type":"planned","force":true}', /unknown field force/],
    ['{"link":"../etc","type":"planned"}', /link must be/],
  ];
  for (const [body, reason] of bad) {
    const res = await startFailover(post('failovers', body), context());
    expect({ body, status: res.status }).toEqual({ body, status: 400 });
    expect(json(res).error?.message).toMatch(reason);
  }
  const unknown = await startFailover(post('failovers', '{"link":"Link_Nowhere","type":"planned"}'), context());
  expect(unknown.status).toBe(404);
  expect(json(unknown).error?.code).toBe('LINK_NOT_FOUND');

  const refused = await startFailover(post('failovers', '{"link":"Link_Sales","type":"cutover","by":"ana"}'), context());
  expect(refused.status).toBe(409);
  expect(json(refused).error?.code).toBe('FAILOVER_NOT_STARTED');
  expect((json(refused).decision as { reasons: Array<{ code: string }> }).reasons.map((r) => r.code)).toContain('TYPE_NOT_ALLOWED');

  const dry = await startFailover(post('failovers', '{"link":"Link_Sales","type":"planned","dryRun":true,"by":"ana"}'), context());
  expect(dry.status).toBe(202);
  const op = json(dry).operation as { id: string; kind: string; input: { dryRun: boolean; requestedBy: string } };
  expect(op.kind).toBe('failover');
  expect(op.input.dryRun).toBe(true);
  expect(op.input.requestedBy).toBe('ana (self-declared)');

  const { linkDecisions } = await import('../../../functions/linksApi');
  const list = await linkDecisions(get('links/Link_Sales/decisions', { name: 'Link_Sales' }), context());
  expect(list.status).toBe(200);
  const decisions = json(list).decisions as Array<{ signal: { kind: string }; kind: string; operationId?: string }>;
  expect(decisions[0]).toMatchObject({ kind: 'act', operationId: op.id, signal: { kind: 'manual' } });
  expect(decisions[1]).toMatchObject({ kind: 'none' });
  const badLimit = await linkDecisions(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/links/Link_Sales/decisions?limit=0', params: { name: 'Link_Sales' } }), context());
  expect(badLimit.status).toBe(400);
});

test('three failover requests for one link at once: one operation starts, the other two are refused naming it', async () => {
  const { startFailover } = await import('../../../functions/failoversApi');
  const { getRuntime } = await import('../../../shared/runtime');
  const { engine } = await getRuntime();
  // whatever earlier tests left open on the link is ended first
  for (const op of (await engine.list({ kind: 'failover' })).operations) {
    if (!['succeeded', 'failed', 'cancelled'].includes(op.state)) await engine.cancel(op.id, 'test', 'a clean start');
  }
  const before = await failoverOperations();
  const answers = await Promise.all(['ana', 'ben', 'cy'].map((by) => startFailover(post('failovers', JSON.stringify({ link: 'Link_Sales', type: 'planned', by })), context())));
  const started = answers.filter((a) => a.status === 202);
  expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409]);
  const id = (json(started[0]).operation as { id: string }).id;
  for (const refused of answers.filter((a) => a.status === 409)) {
    expect(json(refused).error?.code).toBe('FAILOVER_NOT_STARTED');
    const reasons = (json(refused).decision as { reasons: Array<{ code: string; message: string }> }).reasons;
    expect(reasons).toContainEqual({ code: 'ALREADY_RUNNING', message: expect.stringContaining(id) });
  }
  expect(await failoverOperations()).toBe(before + 1);
  await engine.cancel(id, 'test', 'ended by the test');
});
