// A cross-instance point-in-time restore through ARM, as a managed instance → managed instance
// refresh asks for it: PUT …/managedInstances/{target}/databases/{db} with createMode
// PointInTimeRestore. Plain HTTPS for the PUT (the app's ArmClient has no method for it yet), the
// ArmClient for reading the database and following the long-running operation, mssql for what the
// target instance then holds.
import { mkdtempSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineArmBackend } from '../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../emulator/arm/server';
import type { ScaledClock } from '../../../emulator/engine/clock';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import type { PollerState } from '../../../shared/arm/poller';
import { encryptedColumns, RG, SALES_TABLES, startRefreshWorld, SUBSCRIPTION, tableRows, until, type Answer, type RefreshWorld } from './refreshWorld';

let world: RefreshWorld;
beforeAll(async () => {
  world = await startRefreshWorld();
});
afterAll(async () => {
  await world?.stop();
});

const API = 'api-version=2025-01-01';
const put = (target: string, database: string, properties: Record<string, unknown>): Promise<Answer> =>
  world.call('PUT', `${world.databaseId(target, database)}?${API}`, { location: 'westeurope', properties: { createMode: 'PointInTimeRestore', ...properties } });
const get = (instance: string, database: string): Promise<Answer> => world.call('GET', `${world.databaseId(instance, database)}?${API}`);

/** the earliest restore point ARM reports for a database, once its first full backup is done */
async function earliest(instance: string, database: string): Promise<Date> {
  const iso = await until(`the first full backup of ${database} on ${instance}`, async () => {
    const r = await get(instance, database);
    return (r.json.properties as { earliestRestorePoint?: string } | undefined)?.earliestRestorePoint;
  });
  return new Date(iso);
}

describe('point-in-time restore of a managed database into another managed instance', () => {
  it('is a long-running operation taking the database size at the target throughput, and the copy has the source contents', async () => {
    const point = await earliest('mi-prod', 'Sales');
    const db = await get('mi-prod', 'Sales');
    expect(db.status).toBe(200);
    expect(new Date((db.json.properties as { earliestRestorePoint: string }).earliestRestorePoint).getTime()).toBeLessThanOrEqual(world.clock.now().getTime());
    // a little after the earliest point
    const at = new Date(Math.min(point.getTime() + 1000, world.clock.now().getTime()));
    const started = world.clock.now().getTime();
    const accepted = await put('mi-dev', 'Sales_pitr', { sourceDatabaseId: world.databaseId('mi-prod', 'Sales'), restorePointInTime: at.toISOString() });
    expect(accepted.status).toBe(201);
    expect(accepted.json).toMatchObject({
      id: world.databaseId('mi-dev', 'Sales_pitr'),
      name: 'Sales_pitr',
      type: 'Microsoft.Sql/managedInstances/databases',
      location: 'westeurope',
      properties: { status: 'Restoring' },
    });
    const asyncUrl = String(accepted.headers['azure-asyncoperation']);
    const locationUrl = String(accepted.headers.location);
    expect(asyncUrl).toMatch(new RegExp(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Sql/locations/westeurope/managedDatabaseAzureAsyncOperation/[0-9a-f-]{36}\\?${API}$`));
    expect(locationUrl).toMatch(new RegExp(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Sql/locations/westeurope/managedDatabaseOperationResults/[0-9a-f-]{36}\\?${API}$`));
    expect(accepted.headers['retry-after']).toBe('0');

    // while it runs: InProgress, Location 202, the database RESTORING on the target
    const status = await world.call('GET', asyncUrl);
    expect(status).toMatchObject({ status: 200, json: { status: 'InProgress' } });
    expect((await world.call('GET', locationUrl)).status).toBe(202);
    expect(await world.query<{ state_desc: string }>('mi-dev', "SELECT state_desc FROM sys.databases WHERE name = N'Sales_pitr'")).toEqual([{ state_desc: 'RESTORING' }]);

    // the app's client follows it as any other database operation
    let state: PollerState = {
      version: 1,
      kind: 'lrsStart',
      resourceId: world.databaseId('mi-dev', 'Sales_pitr'),
      apiVersion: '2025-01-01',
      asyncOperationUrl: asyncUrl,
      locationUrl,
      status: 'InProgress',
      startedAt: new Date().toISOString(),
      nextPollAt: new Date().toISOString(),
      polls: 0,
    };
    const result = await until('the restore to finish', async () => {
      const r = await world.client.pollOnce(state);
      state = r.state;
      return r.done ? r : undefined;
    });
    const finished = world.clock.now().getTime();
    expect(result.error).toBeUndefined();
    expect(result.result).toMatchObject({ type: 'database', database: { name: 'Sales_pitr', status: 'Online' } });
    // 2 GB of data at the target's 200 MB/s: about ten seconds of simulated time
    expect(finished - started).toBeGreaterThanOrEqual(10_000);
    expect((await world.call('GET', asyncUrl)).json).toMatchObject({ status: 'Succeeded' });
    expect(await world.client.getManagedDatabase(RG, 'mi-dev', 'Sales_pitr')).toMatchObject({ name: 'Sales_pitr', status: 'Online' });

    // the source's contents, Always Encrypted columns included
    expect(await world.query<{ state_desc: string; user_access_desc: string; recovery_model_desc: string }>('mi-dev', "SELECT state_desc, user_access_desc, recovery_model_desc FROM sys.databases WHERE name = N'Sales_pitr'")).toEqual([
      { state_desc: 'ONLINE', user_access_desc: 'MULTI_USER', recovery_model_desc: 'FULL' },
    ]);
    expect(await tableRows(world, 'mi-dev', 'Sales_pitr')).toEqual(Object.fromEntries(SALES_TABLES.map((t) => [`${t.schema}.${t.name}`, t.rows])));
    expect(await encryptedColumns(world, 'mi-dev', 'Sales_pitr')).toEqual({ 'Customers.TaxId': [2, 'RANDOMIZED'] });
    expect(await encryptedColumns(world, 'mi-dev', 'Sales_pitr')).toEqual(await encryptedColumns(world, 'mi-prod', 'Sales'));
  });

  it('restores within the same instance under a new name', async () => {
    await earliest('mi-prod', 'Shop');
    const at = world.clock.now();
    const accepted = await put('mi-prod', 'Shop_copy', { sourceDatabaseId: world.databaseId('mi-prod', 'Shop'), restorePointInTime: at.toISOString() });
    expect(accepted.status).toBe(201);
    await until('the copy to be online', async () => ((await get('mi-prod', 'Shop_copy')).json.properties as { status: string }).status === 'Online' || undefined);
    expect(await tableRows(world, 'mi-prod', 'Shop_copy')).toEqual({ 'dbo.Items': 800 });
  });

  it('refuses, before anything is created, with the codes of the ManagedDatabases error list', async () => {
    const source = world.databaseId('mi-prod', 'Sales');
    const point = await earliest('mi-prod', 'Sales');
    const now = world.clock.now();
    const refusal = async (target: string, database: string, properties: Record<string, unknown>): Promise<[number, string, string]> => {
      const r = await put(target, database, properties);
      return [r.status, r.json.error?.code ?? '', r.json.error?.message ?? ''];
    };
    const before = new Date(point.getTime() - 60_000).toISOString();
    expect(await refusal('mi-dev', 'Early', { sourceDatabaseId: source, restorePointInTime: before })).toEqual([
      400,
      'PitrPointInTimeInvalid',
      `The point in time ${before} is not valid. Valid point in time range from 7 days early to now and not before source server creation time.`,
    ]);
    const future = new Date(now.getTime() + 3_600_000).toISOString();
    expect((await refusal('mi-dev', 'Future', { sourceDatabaseId: source, restorePointInTime: future })).slice(0, 2)).toEqual([400, 'PitrPointInTimeInvalid']);
    expect(await refusal('mi-dev', 'Sales', { sourceDatabaseId: source, restorePointInTime: now.toISOString() })).toEqual([
      400,
      'ManagedDatabaseNameInUse',
      "Database 'Sales' already exists. Choose a different database name.",
    ]);
    expect(await refusal('mi-dev', 'Nope', { sourceDatabaseId: world.databaseId('mi-prod', 'NoSuchDb'), restorePointInTime: now.toISOString() })).toEqual([
      400,
      'SourceDatabaseNotFound',
      'The source database does not exist.',
    ]);
    expect((await refusal('mi-dev', 'Nope', { sourceDatabaseId: world.databaseId('mi-nowhere', 'Sales'), restorePointInTime: now.toISOString() })).slice(0, 2)).toEqual([400, 'SourceServerNotFound']);
    const otherSubscription = source.replace(SUBSCRIPTION, '00000000-0000-0000-0000-000000000001');
    expect((await refusal('mi-dev', 'Nope', { sourceDatabaseId: otherSubscription, restorePointInTime: now.toISOString() })).slice(0, 2)).toEqual([400, 'SourceServerNotFound']);
    expect((await refusal('mi-dev', 'Nope', { restorePointInTime: now.toISOString() })).slice(0, 2)).toEqual([400, 'MissingSourceDatabaseId']);
    expect((await refusal('mi-dev', 'Nope', { sourceDatabaseId: source })).slice(0, 2)).toEqual([400, 'MissingRestorePointInTime']);
    expect((await refusal('mi-dev', 'Nope', { sourceDatabaseId: '/subscriptions/x/databases/y', restorePointInTime: now.toISOString() })).slice(0, 2)).toEqual([400, 'InvalidSourceDatabaseId']);
    // an Always-up-to-date database cannot go to a SQL Server 2022 format instance
    await earliest('mi-auto', 'Ledger');
    expect((await refusal('mi-dev', 'Ledger', { sourceDatabaseId: world.databaseId('mi-auto', 'Ledger'), restorePointInTime: world.clock.now().toISOString() })).slice(0, 2)).toEqual([
      400,
      'ManagedInstanceRestoreToInstanceWithOlderVersionEdition',
    ]);
    // none of them left a database behind
    const names = (await world.query<{ name: string }>('mi-dev', 'SELECT name FROM sys.databases WHERE database_id > 4')).map((r) => r.name);
    expect(names).not.toEqual(expect.arrayContaining(['Early', 'Future', 'Nope', 'Ledger']));
    expect(names.filter((x) => ['Early', 'Future', 'Nope', 'Ledger'].includes(x))).toEqual([]);
  });

  it('a database deleted while it is being restored ends the operation as cancelled', async () => {
    const accepted = await put('mi-dev', 'Sales_gone', { sourceDatabaseId: world.databaseId('mi-prod', 'Sales'), restorePointInTime: world.clock.now().toISOString() });
    expect(accepted.status).toBe(201);
    const deleted = await world.call('DELETE', `${world.databaseId('mi-dev', 'Sales_gone')}?${API}`);
    expect(deleted.status).toBe(202);
    const status = await until('the restore to fail', async () => {
      const r = await world.call('GET', String(accepted.headers['azure-asyncoperation']));
      return r.json.status === 'InProgress' ? undefined : r.json;
    });
    expect(status).toMatchObject({ status: 'Failed', error: { code: 'OperationCancelled' } });
    const final = await world.call('GET', String(accepted.headers.location));
    expect(final).toMatchObject({ status: 409, json: { error: { code: 'OperationCancelled' } } });
  });
});

describe('a point-in-time restore across a restart of the estate', () => {
  it('goes on after the restart and finishes when its time has come (the state file keeps it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitr-state-'));
    const file = join(dir, 'estate.json');
    const logins = [{ name: 'sa', password: 'Local-Only-Test-Password-4' }];
    const estateFile = (): Estate => ({
      clockSpeed: 20,
      instances: [
        { name: 'mi-a', kind: 'managedInstance', logins, throughputMBps: 2000, automatedBackups: { firstFullAfterSeconds: 0 }, databases: [{ name: 'Sales', sizeMB: 2048, tables: SALES_TABLES }] },
        // 2 GB at 10 MB/s: 205 s of simulated time, ten real seconds at this speed
        { name: 'mi-b', kind: 'managedInstance', logins, throughputMBps: 10, databases: [] },
      ],
    });
    const startAll = async (): Promise<{ estate: RunningEstate; arm: ArmEmulator }> => {
      const estate = await startEstate(estateFile(), { services: defaultServices(), stateFile: file, saveIntervalMs: 50 });
      const backend = new EngineArmBackend({ instances: estate.instances.map((r) => r.instance), links: estate.links, subscriptionId: SUBSCRIPTION, resourceGroup: RG, persistence: estate.persistence });
      return { estate, arm: await startArmEmulator({ backend, retryAfterSeconds: 0 }) };
    };
    const call = (arm: ArmEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
      new Promise((resolve, reject) => {
        const req = https.request(`${arm.url}${path}`, { method, ca: arm.ca, headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
        });
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    const path = (mi: string, db: string): string => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/${mi}/databases/${db}`;
    const first = await startAll();
    try {
      const point = await until('the first full backup', async () => {
        const r = await call(first.arm, 'GET', `${path('mi-a', 'Sales')}?${API}`);
        return (r.json.properties as { earliestRestorePoint?: string }).earliestRestorePoint;
      });
      const accepted = await call(first.arm, 'PUT', `${path('mi-b', 'Sales_copy')}?${API}`, {
        location: 'westeurope',
        properties: { createMode: 'PointInTimeRestore', sourceDatabaseId: path('mi-a', 'Sales'), restorePointInTime: point },
      });
      expect(accepted.status).toBe(201);
    } finally {
      await first.arm.close();
      await first.estate.stop();
    }
    const second = await startAll();
    try {
      const b = second.estate.find('mi-b').instance;
      expect(b.findDatabase('Sales_copy')?.state).toBe('RESTORING');
      expect(((await call(second.arm, 'GET', `${path('mi-b', 'Sales_copy')}?${API}`)).json.properties as { status: string }).status).toBe('Restoring');
      // move the clock past the end of the restore: it finishes by itself, looked at or not
      (second.estate.clock as ScaledClock).advance(210_000);
      await until('the restore to finish after the restart', () => (b.findDatabase('Sales_copy')?.state === 'ONLINE' ? true : undefined), 10_000);
      expect(b.findDatabase('Sales_copy')?.tables.map((t) => [t.name, t.rowCount, t.encryptedColumns ?? []])).toEqual(SALES_TABLES.map((t) => [t.name, t.rows, t.encryptedColumns ?? []]));
    } finally {
      await second.arm.close();
      await second.estate.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
