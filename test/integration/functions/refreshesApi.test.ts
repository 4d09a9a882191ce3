// The refreshes HTTP API as the host calls it, on a runtime built from settings: jobs with their next
// run, a run started now (twice at once: one operation each time they ask, never two for one slot),
// pause and resume, unknown jobs and bad names.
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';

jest.setTimeout(60_000);

let azurite: AzuriteInstance;
const SETTINGS = ['AzureWebJobsStorage', 'ESTATE_JSON', 'SQL_PASSWORD'];
const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });
const post = (route: string, params: Record<string, string>, body = '') => new HttpRequest({ method: 'POST', url: `http://127.0.0.1/api/${route}`, params, body: { string: body } });
const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown> & { error?: { code: string; message: string } };

beforeAll(async () => {
  azurite = await startAzurite();
  const sqlInstance = (name: string, port: number, environment: string) => ({ name, kind: 'sqlServer', endpoint: { host: '127.0.0.1', port }, auth: { type: 'sql', user: 'sa', passwordSetting: 'SQL_PASSWORD' }, environment });
  const estate = {
    instances: [sqlInstance('sql-prod', 1, 'production'), sqlInstance('sql-dev', 2, 'nonProduction')],
    backupContainers: [{ name: 'backups', url: `${azurite.blobEndpoint}/backups`, auth: { type: 'connectionSetting', setting: 'AzureWebJobsStorage' } }],
    refreshJobs: [
      { name: 'nightly', schedule: '0 0 2 * * *', timeZone: 'Europe/Berlin', source: { instance: 'sql-prod', database: 'Sales' }, target: { instance: 'sql-dev', database: 'Sales_dev' }, container: 'backups' },
      { name: 'off', enabled: false, schedule: '0 0 3 * * *', source: { instance: 'sql-prod', database: 'Sales' }, target: { instance: 'sql-dev', database: 'Sales_off' }, container: 'backups' },
    ],
  };
  Object.assign(process.env, { AzureWebJobsStorage: azurite.connectionString, ESTATE_JSON: JSON.stringify(estate), SQL_PASSWORD: 'x' });
}, 60_000);

afterAll(async () => {
  const { getRuntime } = await import('../../../shared/runtime');
  await (await getRuntime()).platform.close();
  for (const name of SETTINGS) delete process.env[name];
  await azurite?.stop();
});

test('jobs are listed with their next run in their time zone; a disabled job has none', async () => {
  const { listRefreshes } = await import('../../../functions/refreshesApi');
  const res = await listRefreshes(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/refreshes' }), context());
  expect(res.status).toBe(200);
  const jobs = json(res).refreshes as Array<{ name: string; nextRun?: string; lastRun?: unknown; paused: boolean }>;
  expect(jobs.map((j) => j.name)).toEqual(['nightly', 'off']);
  // 02:00 in Berlin is 00:00 or 01:00 UTC
  expect(jobs[0].nextRun).toMatch(/T0[01]:00:00\.000Z$/);
  expect(jobs[1].nextRun).toBeUndefined();
  expect(jobs[0].lastRun).toBeUndefined();
});

test('run now: 202 with the operation, listed as the last run; pause and resume; unknown and bad names', async () => {
  const { runRefresh, pauseRefresh, listRefreshes } = await import('../../../functions/refreshesApi');
  const started = await runRefresh(post('refreshes/nightly/run', { job: 'nightly' }, '{"by":"ana"}'), context());
  expect(started.status).toBe(202);
  const op = json(started) as { id: string; kind: string; target: string; input: { requestedBy: string; slot: string } };
  expect(op.kind).toBe('refresh');
  expect(op.target).toBe('sql-dev/sales_dev');
  expect(op.input.requestedBy).toBe('ana (self-declared)');
  expect(op.input.slot).toMatch(/^manual:/);
  const listed = json(await listRefreshes(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/refreshes' }), context())).refreshes as Array<{ lastRun?: { operationId: string } }>;
  expect(listed[0].lastRun?.operationId).toBe(op.id);

  const paused = await pauseRefresh(post('refreshes/nightly/pause', { job: 'nightly', action: 'pause' }), context());
  expect(json(paused)).toEqual({ name: 'nightly', paused: true });
  const resumed = await pauseRefresh(post('refreshes/nightly/resume', { job: 'nightly', action: 'resume' }), context());
  expect(json(resumed)).toEqual({ name: 'nightly', paused: false });

  const unknown = await runRefresh(post('refreshes/weekly/run', { job: 'weekly' }), context());
  expect(unknown.status).toBe(404);
  expect(json(unknown).error?.code).toBe('REFRESH_JOB_NOT_FOUND');
  const bad = await runRefresh(post('refreshes/x/run', { job: '../etc' }), context());
  expect(bad.status).toBe(400);
  const notJson = await runRefresh(post('refreshes/nightly/run', { job: 'nightly' }, 'nope'), context());
  expect(notJson.status).toBe(400);
});

test('the scheduler starts a due slot once, however many ticks see it', async () => {
  const { getRuntime } = await import('../../../shared/runtime');
  const { runDueJobs } = await import('../../../shared/refresh/start');
  const { platform, engine, refresh } = await getRuntime();
  const estate = await platform.estate.load();
  // a new job does not run last week's slot; one whose last slot was yesterday runs today's once
  await refresh.runs.claim('nightly', '2026-12-01T01:00:00.000Z', (s) => `op-seed-${s}`);
  const now = new Date('2026-12-06T01:00:30.000Z');
  const [first, second] = await Promise.all([runDueJobs(engine, refresh.runs, estate, now), runDueJobs(engine, refresh.runs, estate, now)]);
  const starts = [...first, ...second].filter((r) => r.job === 'nightly');
  expect(starts).toHaveLength(2);
  expect(starts.map((s) => s.slot)).toEqual(['2026-12-06T01:00:00.000Z', '2026-12-06T01:00:00.000Z']);
  expect(starts[0].missed).toBe(5);
  const ids = new Set(starts.map((s) => (s.outcome.started ? s.outcome.operation.id : s.outcome.by)));
  expect(ids.size).toBe(1);
  expect(starts.every((s) => s.job !== 'off')).toBe(true);
});
