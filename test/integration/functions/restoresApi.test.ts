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
  world = await startRestoreWorld();
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
