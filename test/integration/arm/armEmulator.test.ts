// The ARM emulator's HTTP contract, checked with plain HTTPS requests: envelopes, validation,
// both polling headers, status bodies, and the admin paths for ARM and link faults.
import * as https from 'node:https';
import { OPERATION_MS, startArmWorld, SUBSCRIPTION, RG, type ArmWorld } from './armWorld';

jest.setTimeout(60_000);

let world: ArmWorld;

beforeAll(async () => {
  world = await startArmWorld();
});

afterAll(async () => {
  await world?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

function call(method: string, pathOrUrl: string, body?: unknown, token = true): Promise<Answer> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${world.arm.url}${pathOrUrl}`;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: world.arm.ca, headers: { ...(token ? { Authorization: 'Bearer t' } : {}), 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const MI = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/mi-prod`;
const V = '?api-version=2025-01-01';

describe('ARM emulator contract', () => {
  it('requires an api-version and answers unknown resources with ARM envelopes', async () => {
    expect(await call('GET', MI)).toMatchObject({ status: 400, json: { error: { code: 'MissingApiVersionParameter' } } });
    expect(await call('GET', `${MI}/databases/nope${V}`)).toMatchObject({ status: 404, json: { error: { code: 'ResourceNotFound' } } });
    expect(await call('GET', `/subscriptions/other/providers/Microsoft.Sql/managedInstances${V}`)).toMatchObject({ status: 404, json: { error: { code: 'SubscriptionNotFound' } } });
  });

  it('accepts the examples\' preview api-versions', async () => {
    for (const v of ['2025-08-01-preview', '2026-11-01-preview']) {
      const r = await call('GET', `${MI}/distributedAvailabilityGroups/Link_Sales?api-version=${v}`);
      expect(r.status).toBe(200);
    }
  });

  it('validates LRS starts: SAS and managed identity together, autoComplete without lastBackupName', async () => {
    const both = await call('PUT', `${MI}/databases/X1${V}`, {
      location: 'westeurope',
      properties: { createMode: 'RestoreExternalBackup', storageContainerUri: 'https://a/b', storageContainerIdentity: 'ManagedIdentity', storageContainerSasToken: 'sv=1&sig=2' },
    });
    expect(both).toMatchObject({ status: 400, json: { error: { code: 'InvalidParameterValue' } } });
    expect(JSON.stringify(both.json)).not.toContain('sig=2');
    const auto = await call('PUT', `${MI}/databases/X2${V}`, {
      properties: { createMode: 'RestoreExternalBackup', storageContainerUri: 'https://a/b', storageContainerSasToken: 'sv=1&sig=2', autoCompleteRestore: true },
    });
    expect(auto).toMatchObject({ status: 400, json: { error: { code: 'InvalidParameterValue', message: expect.stringContaining('lastBackupName') } } });
  });

  it('answers a long-running operation with both headers, Retry-After, and ARM status bodies', async () => {
    const r = await call('PATCH', `${MI}/distributedAvailabilityGroups/Link_Sales${V}`, { properties: { replicationMode: 'Async' } });
    expect(r.status).toBe(202);
    const asyncUrl = r.headers['azure-asyncoperation'] as string;
    const location = r.headers.location as string;
    expect(asyncUrl).toMatch(/\/providers\/Microsoft\.Sql\/locations\/[^/]+\/distributedAvailabilityGroupsAzureAsyncOperation\/[0-9a-f-]+\?api-version=2025-01-01$/);
    expect(location).toMatch(/distributedAvailabilityGroupsOperationResults/);
    expect(r.headers['retry-after']).toBe('0');
    const running = await call('GET', asyncUrl);
    expect(running).toMatchObject({ status: 200, json: { status: 'InProgress', name: expect.any(String), startTime: expect.any(String) } });
    expect(await call('GET', location)).toMatchObject({ status: 202, headers: { location, 'retry-after': '0' } });
    // the operation takes its simulated time, polled or not
    world.jump(OPERATION_MS);
    const done = await call('GET', asyncUrl);
    // the body the service returns: {name, status, startTime} (no endTime: LRO-options summary note)
    expect(done.json).toEqual({ name: expect.any(String), status: 'Succeeded', startTime: expect.any(String) });
    const final = await call('GET', location);
    expect(final).toMatchObject({ status: 200, json: { name: 'Link_Sales', properties: { replicationMode: 'Async' } } });
  });

  it('reports a failed operation in the status body and on the Location URL', async () => {
    // a planned failover that passes the pre-check but finds the link cut when it runs
    const r = await call('POST', `${MI}/distributedAvailabilityGroups/Link_Sales/failover${V}`, { failoverType: 'Planned' });
    expect(r.status).toBe(202);
    world.link.setPartitioned(true, world.clock.now());
    world.jump(OPERATION_MS);
    const failed = await call('GET', r.headers['azure-asyncoperation'] as string);
    expect(failed.json).toMatchObject({ status: 'Failed', error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' } });
    expect(await call('GET', r.headers.location as string)).toMatchObject({ status: 409, json: { error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' } } });
    world.link.setPartitioned(false, world.clock.now());
    expect(world.link.partner.role).toBe('PRIMARY');
  });

  it('refuses a two-way link to an Always-up-to-date instance and MI->SQL Server role changes under service-managed TDE', async () => {
    const dev = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/mi-dev`;
    const create = await call('PUT', `${dev}/distributedAvailabilityGroups/Link_Dev${V}`, {
      properties: {
        databases: [{ databaseName: 'Inventory' }],
        instanceAvailabilityGroupName: 'mi-dev',
        partnerAvailabilityGroupName: 'AG_Inv',
        partnerEndpoint: 'TCP://sql-onprem:5022',
        instanceLinkRole: 'Secondary',
        failoverMode: 'Manual',
      },
    });
    expect(create).toMatchObject({ status: 400, json: { error: { code: 'CloudLifterChimeraBoxAndMiOnDifferentDbVersionsFailoverModeManual' } } });

    const up = await call('POST', `${MI}/distributedAvailabilityGroups/Link_Sales/setRole${V}`, { instanceRole: 'Primary', roleChangeType: 'Forced' });
    expect(up.status).toBe(202);
    world.jump(OPERATION_MS);
    expect((await call('GET', up.headers['azure-asyncoperation'] as string)).json).toMatchObject({ status: 'Succeeded' });
    const miSales = world.estate.find('mi-prod').instance.findDatabase('Sales')!;
    miSales.tde = 'serviceManaged';
    for (const req of [
      call('POST', `${MI}/distributedAvailabilityGroups/Link_Sales/failover${V}`, { failoverType: 'Planned' }),
      call('POST', `${MI}/distributedAvailabilityGroups/Link_Sales/setRole${V}`, { instanceRole: 'Secondary', roleChangeType: 'Planned' }),
    ]) {
      expect(await req).toMatchObject({ status: 409, json: { error: { code: 'DistributedAvailabilityGroupDbEncryptedWithSmk' } } });
    }
    miSales.tde = 'none';
    // put SQL Server back as the only primary for the tests that follow
    world.link.setRoleSecondary('partner', world.clock.now());
    world.link.setRoleSecondary('instance', world.clock.now());
    world.link.forceFailover('partner', world.clock.now());
    expect(world.link.primary()?.name).toBe('partner');
  });

  it('injects throttling and link faults through the admin paths', async () => {
    expect((await call('POST', '/admin/faults', { kind: 'throttle', count: 1, retryAfterSeconds: 7 }, false)).status).toBe(200);
    const throttled = await call('GET', `${MI}${V}`);
    expect(throttled).toMatchObject({ status: 429, json: { error: { code: 'SubscriptionTooManyRequests' } } });
    expect(throttled.headers['retry-after']).toBe('7');
    expect((await call('GET', `${MI}${V}`)).status).toBe(200);
    expect((await call('POST', '/admin/faults', { kind: 'nonsense', count: 1 }, false)).status).toBe(400);

    const cut = await call('POST', '/admin/links/mi-prod/Link_Sales', { partitioned: true }, false);
    expect(cut).toMatchObject({ status: 200, json: { partitioned: true, connected: false } });
    // the managed instance notices a silent partner only after the 10-s session timeout
    const early = await call('GET', `${MI}/distributedAvailabilityGroups/Link_Sales${V}`);
    expect(early.json).toMatchObject({ properties: { databases: [{ connectedState: 'CONNECTED' }] } });
    world.clock.advance(10_000);
    const link = await call('GET', `${MI}/distributedAvailabilityGroups/Link_Sales${V}`);
    expect(link.json).toMatchObject({ properties: { databases: [{ connectedState: 'DISCONNECTED' }] } });
    const healed = await call('POST', '/admin/links/mi-prod/Link_Sales', { partitioned: false, bandwidthKBps: 4096 }, false);
    expect(healed).toMatchObject({ status: 200, json: { connected: true, network: { bandwidthKBps: 4096 } } });
    expect((await call('POST', '/admin/links/mi-prod/Link_Sales', { latencyMs: -1 }, false)).status).toBe(400);
  });
});
