// The real shared/arm client (SqlManagementClient pipeline, HTTPS, bearer token) against the ARM
// emulator serving the emulated estate: instances, protector, LRS, the link and its failovers,
// throttling and server errors, and a poller resumed by a new client.
import * as https from 'node:https';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { recordsBetween } from '../../../emulator/link/logMath';
import { ArmError } from '../../../shared/arm/errors';
import { isPollerState, type PollerState } from '../../../shared/arm/poller';
import type { ArmClient, PollResult } from '../../../shared/arm/client';
import type { RestoreDetails } from '../../../shared/arm/types';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { RG, startArmWorld, type ArmWorld } from './armWorld';

jest.setTimeout(60_000);

let world: ArmWorld;
let client: ArmClient;

beforeAll(async () => {
  world = await startArmWorld();
  client = world.client();
});

afterAll(async () => {
  await world?.stop();
});

/** polls until done, letting a simulated second pass between polls (the operation takes OPERATION_MS) */
async function finish(c: ArmClient, state: PollerState): Promise<PollResult> {
  let r: PollResult = { done: false, state, retryAfterMs: 0 };
  for (let i = 0; i < 10 && !r.done; i++) {
    if (i > 0) world.jump(1_000);
    r = await c.pollOnce(r.state);
  }
  expect(r.done).toBe(true);
  return r;
}

async function caught(p: Promise<unknown>): Promise<ArmError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ArmError) return e;
    throw e;
  }
  throw new Error('expected an ArmError');
}

const localRole = async (instance: string): Promise<string> => {
  const rows = await world.query<{ role_desc: string }>(
    instance,
    `SELECT rs.role_desc FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id WHERE rs.is_local = 1 AND ag.is_distributed = 1 AND ag.name = 'Link_Sales'`,
  );
  expect(rows).toHaveLength(1);
  return rows[0].role_desc;
};

describe('managed instances and the protector', () => {
  it('lists and gets managed instances with update policy and storage', async () => {
    const all = await client.listManagedInstances();
    expect(all.map((m) => m.name).sort()).toEqual(['mi-dev', 'mi-prod']);
    expect((await client.listManagedInstances(RG)).length).toBe(2);
    const prod = await client.getManagedInstance(RG, 'mi-prod');
    expect(prod).toMatchObject({ name: 'mi-prod', resourceGroup: RG, databaseFormat: 'SQLServer2022', state: 'Ready' });
    expect(prod.storageSizeInGB).toBeGreaterThanOrEqual(512);
    expect((await client.getManagedInstance(RG, 'mi-dev')).databaseFormat).toBe('AlwaysUpToDate');
    const missing = await caught(client.getManagedInstance(RG, 'nope'));
    expect(missing).toMatchObject({ armCode: 'ResourceNotFound', statusCode: 404, isTransient: false });
  });

  it('reports the encryption protector kinds through the SDK operation', async () => {
    expect(await client.getEncryptionProtector(RG, 'mi-prod')).toMatchObject({ serverKeyType: 'AzureKeyVault' });
    expect(await client.getEncryptionProtector(RG, 'mi-dev')).toMatchObject({ serverKeyType: 'ServiceManaged' });
  });

  it('answers 401 in ARM envelope without a bearer token', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${world.arm.url}/subscriptions/x/providers/Microsoft.Sql/managedInstances?api-version=2025-01-01`, { ca: world.arm.ca }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    expect(JSON.parse(body)).toEqual({ error: { code: 'AuthenticationFailed', message: expect.stringContaining('Authorization') } });
  });
});

describe('throttling and server errors', () => {
  it('retries 429 and 500 honouring Retry-After', async () => {
    const servedBefore = world.arm.faults.served;
    world.arm.injectFault({ kind: 'throttle', count: 1, retryAfterSeconds: 1 });
    world.arm.injectFault({ kind: 'serverError', count: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const mi = await client.getManagedInstance(RG, 'mi-prod');
    expect(mi.name).toBe('mi-prod');
    expect(world.arm.faults.served - servedBefore).toBe(2);
    // both answers asked for a second: the pipeline waited for each
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('never resends a POST that ARM answered 500 (it may have acted); a 429 it did not take in is retried', async () => {
    const before = world.arm.faults.served;
    world.arm.injectFault({ kind: 'serverError', count: 1, retryAfterSeconds: 0 });
    const e = await caught(client.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'));
    world.arm.faults.clear();
    expect(e).toMatchObject({ statusCode: 500, armCode: 'InternalServerError' });
    expect(world.arm.faults.served - before).toBe(1);
    // the same POST throttled: ARM refused it unseen, so the pipeline sends it again
    world.arm.injectFault({ kind: 'throttle', count: 1, retryAfterSeconds: 0 });
    const throttledOnce = world.arm.faults.served;
    const refused = await caught(client.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Primary', 'Planned'));
    world.arm.faults.clear();
    expect(world.arm.faults.served - throttledOnce).toBe(1);
    // the retry reached ARM, which judged the request itself (a planned setRole to Primary is refused)
    expect(refused).toMatchObject({ armCode: 'DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported' });
  });

  it('surfaces a transient ArmError when the retries run out', async () => {
    world.arm.injectFault({ kind: 'serverError', count: 10, retryAfterSeconds: 0 });
    const e = await caught(client.getManagedInstance(RG, 'mi-prod'));
    world.arm.faults.clear();
    expect(e).toMatchObject({ statusCode: 500, armCode: 'InternalServerError', isTransient: true });
  });
});

describe('the Log Replay Service', () => {
  // real backups of Inventory (sql-onprem), taken TO URL into Azurite and copied into LRS folders
  let azurite: AzuriteInstance;
  let blobs: BlobServiceClient;
  let lrsUrl: string;
  const sas = (): string =>
    generateBlobSASQueryParameters(
      { containerName: 'lrs', permissions: ContainerSASPermissions.parse('rl'), startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
  const backup = async (kind: 'full' | 'log', blob: string): Promise<void> => {
    const url = `${azurite.blobEndpoint}/staging/${blob}`;
    await world.query('sql-onprem', kind === 'full' ? `BACKUP DATABASE [Inventory] TO URL = N'${url}' WITH FORMAT` : `BACKUP LOG [Inventory] TO URL = N'${url}' WITH FORMAT`);
  };
  const place = async (staged: string, target: string): Promise<void> => {
    const body = await blobs.getContainerClient('staging').getBlobClient(staged).downloadToBuffer();
    await blobs.getContainerClient('lrs').getBlockBlobClient(target).uploadData(body);
  };
  /** polls with short pauses: the restore runs on the instance's clock */
  const finishIn = async (c: ArmClient, state: PollerState, timeoutMs = 20_000): Promise<PollResult> => {
    const end = Date.now() + timeoutMs;
    let r: PollResult = { done: false, state, retryAfterMs: 0 };
    while (!r.done && Date.now() < end) {
      r = await c.pollOnce(r.state);
      if (!r.done) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(r.done).toBe(true);
    return r;
  };
  const detailsUntil = async (database: string, check: (d: RestoreDetails) => boolean, timeoutMs = 20_000): Promise<RestoreDetails> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const d = await client.getRestoreDetails(RG, 'mi-prod', database);
      if (check(d)) return d;
      if (Date.now() > end) throw new Error(`restoreDetails of ${database} never matched: ${JSON.stringify(d)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  beforeAll(async () => {
    azurite = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await Promise.all(['staging', 'lrs'].map((c) => blobs.getContainerClient(c).createIfNotExists()));
    lrsUrl = `${azurite.blobEndpoint}/lrs`;
    await world.query('sql-onprem', `CREATE CREDENTIAL [${azurite.blobEndpoint}/staging] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
    world.estate.find('sql-onprem').instance.findDatabase('Inventory')?.tables.push({ schema: 'dbo', name: 'Parts', rowCount: 42 });
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  it('starts with a SAS, restores the folder, shows restore details, completes, and never echoes the SAS', async () => {
    await backup('full', 'inv_full.bak');
    await backup('log', 'inv_log.bak');
    await place('inv_full.bak', 'Orders/Orders_full.bak');
    await place('inv_log.bak', 'Orders/Orders_log_0042.log');
    const token = sas();
    const sig = new URLSearchParams(token).get('sig') as string;
    const state = await client.startLogReplay(RG, 'mi-prod', 'Orders', {
      location: 'westeurope',
      storageContainerUri: `${lrsUrl}/Orders`,
      auth: { kind: 'sas', sasToken: token },
    });
    expect(JSON.stringify(state)).not.toContain(sig);
    const started = await finishIn(client, state);
    expect(started.result).toMatchObject({ type: 'database', database: { name: 'Orders', status: 'Restoring' } });
    expect(await client.getRestoreDetails(RG, 'mi-prod', 'Orders')).toMatchObject({ type: 'LRSRestore', status: 'Restoring' });
    // continuous mode: both files restored, still Restoring until completeRestore
    const restored = await detailsUntil('Orders', (d) => d.numberOfFilesRestored === 2);
    expect(restored).toMatchObject({ status: 'Restoring', numberOfFilesDetected: 2, lastRestoredFileName: 'Orders_log_0042.log' });
    expect(JSON.stringify(restored)).not.toContain(sig);
    const done = await finishIn(client, await client.startCompleteRestore(RG, 'mi-prod', 'Orders', 'Orders_log_0042.log'));
    expect(done.error).toBeUndefined();
    const details = await client.getRestoreDetails(RG, 'mi-prod', 'Orders');
    expect(details).toMatchObject({ status: 'Completed', lastRestoredFileName: 'Orders_log_0042.log', percentCompleted: 100 });
    expect(JSON.stringify(details)).not.toContain(sig);
    expect(await client.getManagedDatabase(RG, 'mi-prod', 'Orders')).toMatchObject({ name: 'Orders', status: 'Online' });
    const rows = await world.query<{ state_desc: string }>('mi-prod', `SELECT state_desc FROM sys.databases WHERE name = 'Orders'`);
    expect(rows).toEqual([{ state_desc: 'ONLINE' }]);
    const tables = await world.query<{ name: string; rows: string }>('mi-prod', 'SELECT t.name, p.rows FROM Orders.sys.tables t JOIN Orders.sys.partitions p ON p.object_id = t.object_id');
    expect(tables).toEqual([{ name: 'Parts', rows: '42' }]);
  });

  it('starts with the managed identity and completes by itself with autoComplete', async () => {
    world.estate.find('mi-prod').instance.grantIdentity(lrsUrl, sas());
    await backup('full', 'returns_full.bak');
    await place('returns_full.bak', 'Returns/Returns_full.bak');
    const state = await client.startLogReplay(RG, 'mi-prod', 'Returns', {
      location: 'westeurope',
      storageContainerUri: `${lrsUrl}/Returns`,
      auth: { kind: 'managedIdentity' },
      autoComplete: { lastBackupName: 'Returns_full.bak' },
    });
    const r = await finishIn(client, state);
    // the operation ends once the database exists; the restore may or may not have finished by then
    expect(r.result).toMatchObject({ type: 'database', database: { name: 'Returns', status: expect.stringMatching(/^(Restoring|Online)$/) } });
    expect(await detailsUntil('Returns', (d) => d.status === 'Completed')).toMatchObject({ lastRestoredFileName: 'Returns_full.bak', numberOfFilesRestored: 1 });
    expect(await client.getManagedDatabase(RG, 'mi-prod', 'Returns')).toMatchObject({ status: 'Online' });
    expect((await client.listManagedDatabases(RG, 'mi-prod')).map((d) => d.name)).toEqual(expect.arrayContaining(['Sales', 'Billing', 'Orders', 'Returns']));
  });

  it('deletes a managed database as a long-running operation', async () => {
    await finish(client, await client.startDeleteManagedDatabase(RG, 'mi-prod', 'Returns'));
    expect((await client.listManagedDatabases(RG, 'mi-prod')).map((d) => d.name)).not.toContain('Returns');
    const e = await caught(client.getManagedDatabase(RG, 'mi-prod', 'Returns'));
    expect(e.statusCode).toBe(404);
  });
});

describe('the link through ARM', () => {
  it('lists and gets the link with per-database lag and LSNs from the same state the engine has', async () => {
    world.link.setPartitioned(true, world.clock.now());
    world.jump(20_000);
    const links = await client.listLinks(RG, 'mi-prod');
    expect(links.map((l) => l.name)).toEqual(['Link_Sales']);
    const link = await client.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(link).toMatchObject({ partnerLinkRole: 'Primary', instanceLinkRole: 'Secondary', replicationMode: 'Async', partnerAvailabilityGroupName: 'AG_Sales' });
    const db = link.databases[0];
    expect(db).toMatchObject({ databaseName: 'Sales', connectedState: 'DISCONNECTED', synchronizationHealth: 'NOT_HEALTHY' });
    const miSales = world.estate.find('mi-prod').instance.findDatabase('Sales');
    expect(db.lastHardenedLsn).toBe(miSales?.lastLsn.toString());
    expect(BigInt(db.lastHardenedLsn as string)).toBeLessThan(world.estate.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn as bigint);
    world.link.setPartitioned(false, world.clock.now());
    world.jump(3_000, 500);
    const healed = (await client.getLink(RG, 'mi-prod', 'Link_Sales')).databases[0];
    expect(healed).toMatchObject({ connectedState: 'CONNECTED', synchronizationHealth: 'HEALTHY', replicaState: 'Catchup' });
  });

  it('refuses a planned failover with 409 while the send queue is large (transient)', async () => {
    world.link.setNetwork({ bandwidthKBps: 10 }, world.clock.now());
    world.jump(60_000);
    const e = await caught(client.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'));
    expect(e).toMatchObject({ statusCode: 409, armCode: 'DistributedAvailabilityGroupFailoverLogSendQueueSizeTooBig', isTransient: true });
    world.link.setNetwork({ bandwidthKBps: 2048 }, world.clock.now());
    world.jump(5_000, 500);
  });

  it('fails over planned as an LRO, resumed mid-way by a new client; the roles change in T-SQL too', async () => {
    expect(await localRole('sql-onprem')).toBe('PRIMARY');
    const state = await client.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned');
    expect(state).toMatchObject({ kind: 'linkFailover', status: 'InProgress' });
    expect(state.asyncOperationUrl).toContain('distributedAvailabilityGroupsAzureAsyncOperation');
    expect(state.locationUrl).toContain('distributedAvailabilityGroupsOperationResults');
    const first = await client.pollOnce(state);
    expect(first.done).toBe(false);
    // saved in an operation record, read back by another invocation with its own client
    const saved = JSON.stringify(first.state);
    const restored: unknown = JSON.parse(saved);
    expect(isPollerState(restored)).toBe(true);
    const other = world.client();
    const r = await finish(other, restored as PollerState);
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ type: 'link', link: { instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' } });
    expect(world.link.lost).toEqual([]);
    expect(await localRole('mi-prod')).toBe('PRIMARY');
    expect(await localRole('sql-onprem')).toBe('SECONDARY');
  });

  it('setRole: Primary+Planned is refused, Secondary then Primary+Forced work', async () => {
    const refused = await caught(client.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Primary', 'Planned'));
    expect(refused).toMatchObject({ statusCode: 409, armCode: 'DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported', isTransient: false });
    const already = await caught(client.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Primary', 'Forced'));
    expect(already.isAlreadyDone).toBe(true);
    const down = await finish(client, await client.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Secondary', 'Planned'));
    expect(down.result).toMatchObject({ type: 'link', link: { instanceLinkRole: 'Secondary' } });
    expect(await localRole('mi-prod')).toBe('SECONDARY');
    const up = await finish(client, await client.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Primary', 'Forced'));
    expect(up.result).toMatchObject({ type: 'link', link: { instanceLinkRole: 'Primary' } });
  });

  it('a forced failover under partition loses exactly the unhardened log, and split-brain shows in T-SQL', async () => {
    // fail back to SQL Server first (planned), so that SQL Server is the primary with a workload
    await finish(client, await client.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'));
    expect(world.link.partner.role).toBe('PRIMARY');
    world.jump(2_000, 500);
    world.link.setPartitioned(true, world.clock.now());
    world.jump(10_000);
    const hardened = world.estate.find('mi-prod').instance.findDatabase('Sales')?.lastLsn;
    const sqlEndBefore = world.estate.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn as bigint;
    const r = await finish(client, await client.startFailover(RG, 'mi-prod', 'Link_Sales', 'ForcedAllowDataLoss'));
    expect(r.result).toMatchObject({ type: 'link', link: { instanceLinkRole: 'Primary' } });
    const lost = world.link.lost.filter((l) => l.reason === 'forcedFailover');
    expect(lost).toHaveLength(1);
    expect(lost[0].afterLsn).toBe(hardened);
    expect(lost[0].throughLsn).toBeGreaterThanOrEqual(sqlEndBefore);
    // exactly the transactions between what the MI hardened and the old primary's end of log
    expect(lost[0].transactions).toBe(recordsBetween(lost[0].afterLsn, lost[0].throughLsn) / 4);
    expect(lost[0].transactions).toBeGreaterThan(400);
    // the partitioned SQL Server never heard of it: both claim PRIMARY
    expect(await localRole('mi-prod')).toBe('PRIMARY');
    expect(await localRole('sql-onprem')).toBe('PRIMARY');
    world.link.setPartitioned(false, world.clock.now());
    world.link.setRoleSecondary('partner', world.clock.now());
    expect(await localRole('sql-onprem')).toBe('SECONDARY');
  });

  it('creates, updates and deletes a link as long-running operations', async () => {
    const create = await client.startCreateLink(RG, 'mi-prod', 'Link_Inventory', {
      databases: ['Inventory'],
      instanceAvailabilityGroupName: 'mi-prod',
      partnerAvailabilityGroupName: 'AG_Inventory',
      partnerEndpoint: 'TCP://sql-onprem:5022',
      instanceLinkRole: 'Secondary',
      failoverMode: 'Manual',
    });
    const created = await finish(client, create);
    expect(created.result).toMatchObject({ type: 'link', link: { name: 'Link_Inventory', instanceLinkRole: 'Secondary' } });
    expect((await client.getLink(RG, 'mi-prod', 'Link_Inventory')).databases[0].replicaState).toBe('Seeding');
    world.jump(60_000, 5_000);
    expect((await client.getLink(RG, 'mi-prod', 'Link_Inventory')).databases[0]).toMatchObject({ replicaState: 'Catchup', seedingProgress: '100%' });
    const updated = await finish(client, await client.startUpdateReplicationMode(RG, 'mi-prod', 'Link_Inventory', 'Sync'));
    expect(updated.result).toMatchObject({ type: 'link', link: { replicationMode: 'Sync' } });
    await finish(client, await client.startDeleteLink(RG, 'mi-prod', 'Link_Inventory'));
    expect((await client.listLinks(RG, 'mi-prod')).map((l) => l.name)).toEqual(['Link_Sales']);
  });
});
