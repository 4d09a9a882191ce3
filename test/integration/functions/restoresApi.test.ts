// The restore and operations HTTP API, called as the host calls the functions, with the runtime
// built from settings against Azurite and the emulated estate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { decodeWorkMessage } from '../../../shared/ops/workQueue';
import { QueuePump } from '../../../local/queuePump';
import { PASSWORD, RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;
const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });

beforeAll(async () => {
  // a link on Sales: its databases are production on both sides whatever the estate says
  world = await startRestoreWorld({
    configure: (e) => {
      (e as Record<string, unknown>).links = [
        { name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, distributedAvailabilityGroup: 'Link_Sales', databases: ['Sales'] },
      ];
    },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'api-estate-'));
  const file = path.join(dir, 'estate.json');
  writeFileSync(file, JSON.stringify(world.estate));
  Object.assign(process.env, { AzureWebJobsStorage: world.azurite.connectionString, ESTATE_FILE: file, SQL_PASSWORD: PASSWORD, RESTORE_POLL_MS: '250' });
}, 120_000);

afterAll(async () => {
  const { getRuntime } = await import('../../../shared/runtime');
  await (await getRuntime()).platform.sql.closeAll();
  for (const name of ['AzureWebJobsStorage', 'ESTATE_FILE', 'SQL_PASSWORD', 'RESTORE_POLL_MS']) delete process.env[name];
  await world?.stop();
});

const post = (route: string, body: unknown, params: Record<string, string> = {}) =>
  new HttpRequest({ method: 'POST', url: `http://127.0.0.1/api/${route}`, body: { string: typeof body === 'string' ? body : JSON.stringify(body) }, params });
const get = (route: string, params: Record<string, string> = {}) => new HttpRequest({ method: 'GET', url: `http://127.0.0.1/api/${route}`, params });
const json = (r: HttpResponseInit) => r.jsonBody as Record<string, unknown> & { error?: { code: string; message: string } };
const postHeaders = (route: string, body: string, params: Record<string, string>, headers: Record<string, string>) =>
  new HttpRequest({ method: 'POST', url: `http://127.0.0.1/api/${route}`, body: { string: body }, params, headers });

async function drain(done: () => Promise<boolean>): Promise<void> {
  const { getRuntime } = await import('../../../shared/runtime');
  const runtime = await getRuntime();
  const pump = new QueuePump(runtime.platform.storage.queue('operations'), runtime.platform.storage.queue('operations-poison'), async (d) => {
    await runtime.engine.process(decodeWorkMessage(d.body), { dequeueCount: d.dequeueCount });
  }, { batchSize: 8, maxDequeueCount: 5, visibilityTimeoutSeconds: 2, maxPollingIntervalMs: 100 });
  const end = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > end) throw new Error('timed out');
    if ((await pump.pumpOnce()) === 0) await new Promise((r) => setTimeout(r, 50));
  }
}

test('POST /api/restores restores a blob to an explicit target; GET shows it with its audit trail', async () => {
  const { startRestore } = await import('../../../functions/restoresApi');
  const { getOperation } = await import('../../../functions/operationsApi');
  const [staged] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_1400' });
  const event = await world.upload(staged, `adhoc/${staged.split('/').pop()}`);
  const blobUrl = (event.data as { url: string }).url;

  const started = await startRestore(post('restores', { blobUrl, target: { instance: 'sql-dev', database: 'Api_copy' }, requestedBy: 'dba@contoso' }), context());
  expect(started.status).toBe(202);
  const id = json(started).id as string;
  expect(json(started)).toMatchObject({ kind: 'restore', target: 'sql-dev/api_copy', state: 'pending', createdBy: 'dba@contoso' });

  const state = async () => json(await getOperation(get(`operations/${id}`, { id }), context())).state as string;
  await drain(async () => ['succeeded', 'failed'].includes(await state()));
  const done = json(await getOperation(get(`operations/${id}`, { id }), context()));
  expect(done.error).toBeUndefined();
  expect(done).toMatchObject({ state: 'succeeded', output: { database: 'Api_copy' } });
  expect((done.audit as { reason: string }[]).map((a) => a.reason)).toContain('step precheck done');
  expect(done).not.toHaveProperty('etag');
});

test('bad requests are refused with the reason, unknown operations are 404', async () => {
  const { startRestore } = await import('../../../functions/restoresApi');
  const { getOperation, cancelOperation } = await import('../../../functions/operationsApi');
  const notJson = await startRestore(post('restores', 'restore please'), context());
  expect(notJson.status).toBe(400);
  expect(json(notJson).error?.message).toMatch(/the body is not JSON; send for example/);
  const elsewhere = await startRestore(post('restores', { blobUrl: 'https://evil.example/x.bak', target: { instance: 'sql-dev', database: 'X' } }), context());
  expect(json(elsewhere).error?.message).toMatch(/is not in a configured backup container/);
  const noTarget = await startRestore(post('restores', { blobUrl: `${world.azurite.blobEndpoint}/backups/adhoc/missing.bak` }), context());
  expect(noTarget.status).toBe(400);
  expect((await getOperation(get('operations/op-nope', { id: 'op-nope' }), context())).status).toBe(404);
  expect((await cancelOperation(post('operations/op-nope/cancel', {}, { id: 'op-nope' }), context())).status).toBe(404);
});

test('POST /api/operations/{id}/cancel stops a restore waiting for its stripes and records who', async () => {
  const { startRestore } = await import('../../../functions/restoresApi');
  const { cancelOperation, getOperation } = await import('../../../functions/operationsApi');
  const stripes = await world.backup('Sales', { kind: 'full', stripes: 3, timestamp: '20261122_1500' });
  const event = await world.upload(stripes[0], `adhoc/${stripes[0].split('/').pop()}`);
  const started = await startRestore(post('restores', { blobUrl: (event.data as { url: string }).url, target: { instance: 'sql-dev', database: 'Never' } }), context());
  const id = json(started).id as string;
  const view = async () => json(await getOperation(get(`operations/${id}`, { id }), context()));
  await drain(async () => (await view()).state === 'waiting' && String((await view()).waitingFor).includes('stripes'));
  const cancelled = await cancelOperation(post(`operations/${id}/cancel`, { by: 'dba@contoso', reason: 'wrong file' }, { id }), context());
  expect(cancelled.status).toBe(202);
  // it has started: a worker first runs the restore's cleanup, then it ends cancelled
  expect(json(cancelled)).toMatchObject({ state: 'pending', cancelRequested: { by: 'dba@contoso (self-declared)', reason: 'wrong file' } });
  await drain(async () => (await view()).state === 'cancelled');
  const final = await view();
  expect(final.error).toEqual({ code: 'CANCELLED', message: 'cancelled by dba@contoso (self-declared): wrong file; nothing was changed on sql-dev' });
  const audit = final.audit as { actor: string; reason: string }[];
  expect(audit.map((a) => a.reason)).toContain('cancelled: wrong file at step locate: running abort to undo unfinished work');
  expect(audit.at(-1)).toMatchObject({ actor: 'dba@contoso (self-declared)', reason: 'cancelled by dba@contoso (self-declared): wrong file; nothing was changed on sql-dev' });
});

test('five restores started together on one instance all succeed, sharing its pool', async () => {
  const { startRestore } = await import('../../../functions/restoresApi');
  const { getRuntime } = await import('../../../shared/runtime');
  const [staged] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2000' });
  const event = await world.upload(staged, `adhoc/five/${staged.split('/').pop()}`);
  const blobUrl = (event.data as { url: string }).url;
  const answers = await Promise.all(
    [1, 2, 3, 4, 5].map((n) => startRestore(post('restores', { blobUrl, target: { instance: 'sql-dev', database: `Together_${n}` }, requestedBy: 'dba@contoso' }), context())),
  );
  expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
  const ids = answers.map((a) => json(a).id as string);
  const runtime = await getRuntime();
  const opened = runtime.platform.sql.opened;
  await drain(async () => (await Promise.all(ids.map((id) => runtime.engine.get(id)))).every((o) => o && ['succeeded', 'failed', 'cancelled'].includes(o.state)));
  const ops = await Promise.all(ids.map((id) => runtime.engine.get(id)));
  expect(ops.map((o) => o?.error)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  expect(ops.map((o) => o?.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
  // the estate file is read again for every step: the instances' pools were opened once, not per step
  expect(runtime.platform.sql.opened - opened).toBeLessThanOrEqual(2);
});

test('production cannot be overwritten through the API: the link\'s databases and production instances are refused before anything starts', async () => {
  const { startRestore } = await import('../../../functions/restoresApi');
  const { getRuntime } = await import('../../../shared/runtime');
  const [staged] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2010' });
  const event = await world.upload(staged, `adhoc/prod/${staged.split('/').pop()}`);
  const blobUrl = (event.data as { url: string }).url;
  const runtime = await getRuntime();
  const before = (await runtime.engine.list({ limit: 1000 })).operations.length;
  const onprem = await startRestore(post('restores', { blobUrl, target: { instance: 'sql-onprem', database: 'Sales' }, onExisting: 'replace' }), context());
  expect(onprem.status).toBe(403);
  expect(json(onprem).error).toEqual({
    code: 'TARGET_PROTECTED',
    message: `refused: the restore of adhoc/prod/${staged.split('/').pop()} would replace sql-onprem/Sales, and Sales on sql-onprem is in the Managed Instance link Link_Sales (production whatever the estate says); only a restore rule with allowProductionTarget: true may, and then after an approval. Nothing was started or changed`,
  });
  // mi-prod is non-production in this estate, but Sales there is the link's secondary
  const secondary = await startRestore(post('restores', { blobUrl, target: { instance: 'mi-prod', database: 'Sales' }, onExisting: 'swap' }), context());
  expect(secondary.status).toBe(403);
  expect(json(secondary).error?.message).toMatch(/would swap mi-prod\/Sales, and Sales on mi-prod is in the Managed Instance link Link_Sales/);
  // another database of a production instance is production too
  const other = await startRestore(post('restores', { blobUrl, target: { instance: 'sql-onprem', database: 'Anything' }, onExisting: 'replace' }), context());
  expect(json(other).error?.message).toMatch(/sql-onprem is a production instance/);
  expect((await runtime.engine.list({ limit: 1000 })).operations.length).toBe(before);
  const p = await world.pool('sql-onprem');
  expect((await p.request().query("SELECT state_desc FROM sys.databases WHERE name = 'Sales'")).recordset[0].state_desc).toBe('ONLINE');
});

test('a failed restore is retried (POST /api/operations/{id}/retry, or POST /api/restores again), and stripes are found for an explicit target', async () => {
  const { startRestore } = await import('../../../functions/restoresApi');
  const { retryOperation, getOperation } = await import('../../../functions/operationsApi');
  const stripes = await world.backup('Sales', { kind: 'full', stripes: 3, timestamp: '20261205_2020' });
  let last: Record<string, unknown> = {};
  for (const path of stripes) last = await world.upload(path, `adhoc/retry/${path.split('/').pop()}`);
  const blobUrl = (last.data as { url: string }).url;
  // the target exists and the request says fail: TARGET_EXISTS, nothing changed
  const p = await world.pool('sql-dev');
  await p.request().batch("IF DB_ID('Retry_me') IS NULL CREATE DATABASE [Retry_me]");
  const first = json(await startRestore(post('restores', { blobUrl, target: { instance: 'sql-dev', database: 'Retry_me' }, onExisting: 'fail', verify: 'none' }), context()));
  const view = async (id: string) => json(await getOperation(get(`operations/${id}`, { id }), context()));
  await drain(async () => (await view(first.id as string)).state === 'failed');
  expect((await view(first.id as string)).error).toMatchObject({ code: 'TARGET_EXISTS' });
  // the cause goes away; a retry is a new operation with the same input, linked to the failed one
  await p.request().batch('DROP DATABASE [Retry_me]');
  const retried = await retryOperation(postHeaders(`operations/${String(first.id)}/retry`, '{}', { id: first.id as string }, { 'x-ms-client-principal-name': 'oncall@contoso.com', 'x-ms-client-principal-id': '00000000-0000-0000-0000-00000000beef' }), context());
  expect(retried.status).toBe(202);
  expect(json(retried)).toMatchObject({ retryOf: first.id, createdBy: 'oncall@contoso.com' });
  const retriedId = json(retried).id as string;
  await drain(async () => ['succeeded', 'failed'].includes((await view(retriedId)).state as string));
  const done = await view(retriedId);
  expect(done.error).toBeUndefined();
  // every stripe of the backup was found by its name (…_Nof3.bak), as the event path finds them
  expect(done.output).toMatchObject({ backup: { kind: 'full', files: stripes.map((s) => `adhoc/retry/${s.split('/').pop()}`).sort() } });
  // and asking POST /api/restores again restores again: an explicit request is its own intent
  const again = json(await startRestore(post('restores', { blobUrl, target: { instance: 'sql-dev', database: 'Retry_me' }, onExisting: 'swap', verify: 'none' }), context()));
  await drain(async () => ['succeeded', 'failed'].includes((await view(again.id as string)).state as string));
  expect(await view(again.id as string)).toMatchObject({ state: 'succeeded', output: { database: 'Retry_me', previousCopy: expect.stringMatching(/^Retry_me_old_/) } });
});

test('malformed ids and bodies answer 400 with a plain message, and change nothing', async () => {
  const { getOperation, cancelOperation, decideOperation, listOperations, retryOperation } = await import('../../../functions/operationsApi');
  const slash = await getOperation(get('operations/a%2Fb', { id: 'a/b' }), context());
  expect(slash.status).toBe(400);
  expect(json(slash).error?.message).toBe("operation id 'a/b' is not a valid id (letters, digits, '.', '_' and '-')");
  const badCancel = await cancelOperation(postHeaders('operations/op-x/cancel', '{"by": ', { id: 'op-x' }, {}), context());
  expect(badCancel.status).toBe(400);
  expect(json(badCancel).error?.message).toMatch(/^the body is not JSON; send for example/);
  const array = await retryOperation(postHeaders('operations/op-x/retry', '[1]', { id: 'op-x' }, {}), context());
  expect(json(array).error?.message).toMatch(/^the body must be a JSON object/);
  const huge = await cancelOperation(postHeaders('operations/op-x/cancel', JSON.stringify({ reason: 'x'.repeat(70_000) }), { id: 'op-x' }, {}), context());
  expect(huge.status).toBe(400);
  expect(json(huge).error?.message).toBe('the body is larger than 64 KiB');
  const nobody = await decideOperation(postHeaders('operations/op-x/approve', '{}', { id: 'op-x', decision: 'approve' }, {}), context());
  expect(json(nobody).error?.message).toMatch(/^say who decides/);
  const state = await listOperations(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/operations?state=done' }), context());
  expect(json(state).error?.message).toMatch(/^state 'done' is not one of pending, running/);
  const page = await listOperations(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/operations?continuation=../../etc' }), context());
  expect(json(page).error?.message).toBe('continuation is not one this API gave out');
});
