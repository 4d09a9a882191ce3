// The refreshes HTTP API as the host calls it, on a runtime built from settings: jobs with their next
// run, a run started now, a job run once at a time (requests at once: one run, the others told which;
// a scheduled slot waits for an open run), pause and resume, unknown jobs and bad names.
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
      { name: 'adhoc', schedule: '0 0 4 1 1 *', source: { instance: 'sql-prod', database: 'Sales' }, target: { instance: 'sql-dev', database: 'Sales_adhoc' }, container: 'backups' },
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
  const jobs = json(res).refreshes as Array<{ name: string; nextRun?: string; lastRun?: unknown; paused: boolean; copy: string }>;
  expect(jobs.map((j) => j.name)).toEqual(['nightly', 'adhoc', 'off']);
  // SQL Server to SQL Server: a copy-only backup restored on the target
  expect(jobs[0].copy).toBe('backup');
  // 02:00 in Berlin is 00:00 or 01:00 UTC
  expect(jobs[0].nextRun).toMatch(/T0[01]:00:00\.000Z$/);
  expect(jobs[2].nextRun).toBeUndefined();
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
  const { getRuntime } = await import('../../../shared/runtime');
  await (await getRuntime()).engine.cancel(op.id, 'test', 'the next tests need the job idle');
});

test('a job runs once at a time: three run requests at once start one run and tell the others which; after it ends a run starts again', async () => {
  const { runRefresh, listRefreshes } = await import('../../../functions/refreshesApi');
  const { getRuntime } = await import('../../../shared/runtime');
  const { engine } = await getRuntime();
  const answers = await Promise.all([1, 2, 3].map(() => runRefresh(post('refreshes/adhoc/run', { job: 'adhoc' }), context())));
  const started = answers.filter((a) => a.status === 202);
  expect(started).toHaveLength(1);
  const id = (json(started[0]) as { id: string }).id;
  const refused = answers.filter((a) => a.status === 409).map((a) => json(a).error as { code: string; message: string; operationId: string });
  expect(refused).toHaveLength(2);
  for (const r of refused) {
    expect(r.code).toBe('REFRESH_RUNNING');
    expect(r.operationId).toBe(id);
    expect(r.message).toContain(`POST /api/operations/${id}/cancel`);
  }
  // still refused a moment later, while the run is open
  const later = await runRefresh(post('refreshes/adhoc/run', { job: 'adhoc' }), context());
  expect(later.status).toBe(409);
  // a request that took its time ("now" before the run's slot, claimed after it) is told the same
  const { startRefresh, findJob } = await import('../../../shared/refresh/start');
  const { manualSlot } = await import('../../../shared/refresh/runStore');
  const { platform, refresh } = await getRuntime();
  const slow = new Date(Date.now() - 5_000);
  expect(await startRefresh(engine, refresh.runs, findJob(await platform.estate.load(), 'adhoc'), manualSlot(slow), 'slow', slow)).toMatchObject({ started: false, reason: 'running', by: id });

  expect((await engine.cancel(id, 'test', 'ended by the test')).state).toBe('cancelled');
  const again = await runRefresh(post('refreshes/adhoc/run', { job: 'adhoc' }), context());
  expect(again.status).toBe(202);
  const next = (json(again) as { id: string }).id;
  expect(next).not.toBe(id);
  const listed = json(await listRefreshes(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/refreshes' }), context())).refreshes as Array<{ name: string; lastRun?: { operationId: string } }>;
  expect(listed.find((j) => j.name === 'adhoc')?.lastRun?.operationId).toBe(next);
  await engine.cancel(next, 'test', 'ended by the test');
});

test('the scheduler starts a due slot once, however many ticks see it', async () => {
  const { getRuntime } = await import('../../../shared/runtime');
  const { runDueJobs } = await import('../../../shared/refresh/start');
  const { platform, engine, refresh } = await getRuntime();
  const estate = await platform.estate.load();
  // a new job does not run last week's slot; one whose last slot was yesterday runs today's once
  await refresh.runs.claim('nightly', '2026-12-01T01:00:00.000Z', (s) => `op-seed-${s}`);
  await refresh.runs.recordOutcome('nightly', 'op-seed-2026-12-01T01:00:00.000Z', 'succeeded', '2026-12-01T01:30:00.000Z');
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

test('a scheduled slot due while a run is open waits for it, then runs once', async () => {
  const { getRuntime } = await import('../../../shared/runtime');
  const { runDueJobs } = await import('../../../shared/refresh/start');
  const { platform, engine, refresh } = await getRuntime();
  const estate = await platform.estate.load();
  // the run of 6 December (previous test) is still open when 7 December's slot is due
  const open = (await refresh.runs.get('nightly'))?.lastScheduledRun?.operationId as string;
  const waiting = (await runDueJobs(engine, refresh.runs, estate, new Date('2026-12-07T01:00:10.000Z'))).find((r) => r.job === 'nightly');
  expect(waiting?.outcome).toMatchObject({ started: false, reason: 'running', by: open });
  await engine.cancel(open, 'test', 'ended by the test');
  const ran = (await runDueJobs(engine, refresh.runs, estate, new Date('2026-12-07T01:01:10.000Z'))).find((r) => r.job === 'nightly');
  expect(ran?.slot).toBe('2026-12-07T01:00:00.000Z');
  expect(ran?.outcome.started).toBe(true);
  // the next tick finds that slot run
  const after = (await runDueJobs(engine, refresh.runs, estate, new Date('2026-12-07T01:02:10.000Z'))).find((r) => r.job === 'nightly');
  expect(after).toBeUndefined();
});

test('a slot claimed by a trigger that died before creating its operation: named as running for a minute, then the scheduler creates it once', async () => {
  const { getRuntime } = await import('../../../shared/runtime');
  const { startRefresh, findJob, runDueJobs } = await import('../../../shared/refresh/start');
  const { operationIdFor } = await import('../../../shared/ops/engine');
  const { platform, engine, refresh } = await getRuntime();
  const estate = await platform.estate.load();
  const job = findJob(estate, 'adhoc');
  const slot = '2027-01-01T04:00:00.000Z';
  // the claim is written, then the process dies: no operation
  const claimed = await refresh.runs.claim('adhoc', slot, (s) => operationIdFor('refresh', `adhoc|${s}`, new Date()));
  if (!claimed.claimed) throw new Error('the slot should have been free');
  expect(await engine.get(claimed.operationId)).toBeUndefined();
  // a trigger at once: the claimer may still be creating it
  expect(await startRefresh(engine, refresh.runs, job, slot, 'schedule', new Date())).toMatchObject({ started: false, reason: 'running', by: claimed.operationId });
  expect((await runDueJobs(engine, refresh.runs, estate, new Date())).find((r) => r.job === 'adhoc')).toBeUndefined();
  // a tick after the claimer surely died: the operation is created, with the claimed id, once
  const later = new Date(Date.now() + 61_000);
  const repaired = (await runDueJobs(engine, refresh.runs, estate, later)).find((r) => r.job === 'adhoc');
  expect(repaired).toMatchObject({ slot, outcome: { started: true, duplicate: true } });
  expect(repaired?.outcome.started && repaired.outcome.operation.id).toBe(claimed.operationId);
  expect((await runDueJobs(engine, refresh.runs, estate, later)).find((r) => r.job === 'adhoc')).toBeUndefined();
  expect(await startRefresh(engine, refresh.runs, job, slot, 'schedule', later)).toMatchObject({ started: false, reason: 'running', by: claimed.operationId });
  await engine.cancel(claimed.operationId, 'test', 'ended by the test');
});
