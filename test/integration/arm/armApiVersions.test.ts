// The api-versions ARM accepts for Microsoft.Sql, per operation (point 2 of the failover-playbook
// work, REFERENCE 2.1 and the published examples): an unknown version is refused as ARM refuses it,
// failover and setRole are refused on versions that predate them (2023-08-01 stable and the older
// previews use the old link schema), and what the app sends keeps working: its own pipeline on
// 2025-01-01 and @azure/arm-sql 10's operations on their own versions.
import * as https from 'node:https';
import { ArmClient } from '../../../shared/arm/client';
import { ArmError } from '../../../shared/arm/errors';
import { fakeCredential, RG, startArmWorld, SUBSCRIPTION, type ArmWorld } from './armWorld';

jest.setTimeout(60_000);

let world: ArmWorld;

beforeAll(async () => {
  world = await startArmWorld();
  world.jump(2_000, 250);
});

afterAll(async () => {
  await world?.stop();
});

interface Answer {
  status: number;
  json: { error?: { code: string; message: string }; properties?: Record<string, unknown> };
}

function call(method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${world.arm.url}${path}`, { method, ca: world.arm.ca, headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: (text ? JSON.parse(text) : {}) as Answer['json'] }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const MI = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/mi-prod`;
const LINK = `${MI}/distributedAvailabilityGroups/Link_Sales`;

async function caught(p: Promise<unknown>): Promise<ArmError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ArmError) return e;
    throw e;
  }
  throw new Error('expected an ArmError');
}

describe('api-versions', () => {
  it('refuses a version not registered for the type (400 NoRegisteredProviderFound, naming the supported ones) and a malformed one', async () => {
    for (const v of ['2019-06-01-preview', '2024-06-01', '2030-01-01']) {
      const r = await call('GET', `${LINK}?api-version=${v}`);
      expect(r).toMatchObject({ status: 400, json: { error: { code: 'NoRegisteredProviderFound' } } });
      expect(r.json.error?.message).toContain(`API version '${v}'`);
      expect(r.json.error?.message).toContain('2025-01-01');
    }
    expect(await call('GET', `${MI}?api-version=2019-06-01-preview`)).toMatchObject({ status: 400, json: { error: { code: 'NoRegisteredProviderFound' } } });
    expect(await call('GET', `${LINK}?api-version=latest`)).toMatchObject({ status: 400, json: { error: { code: 'InvalidApiVersionParameter' } } });
  });

  it('accepts the versions of REFERENCE 2.1 and of the published examples for the link', async () => {
    for (const v of ['2023-08-01', '2023-02-01-preview', '2024-05-01-preview', '2025-01-01', '2025-02-01-preview', '2025-08-01-preview', '2026-08-01-preview', '2026-11-01-preview']) {
      expect((await call('GET', `${LINK}?api-version=${v}`)).status).toBe(200);
    }
    // 2025-08-01-preview on adds linkMode (the examples show it)
    expect((await call('GET', `${LINK}?api-version=2025-08-01-preview`)).json.properties).toMatchObject({ linkMode: 'SingleDatabase' });
    expect((await call('GET', `${LINK}?api-version=2025-01-01`)).json.properties).not.toHaveProperty('linkMode');
  });

  it('refuses failover and setRole on versions that predate them, and changes nothing', async () => {
    for (const v of ['2023-08-01', '2021-11-01-preview']) {
      const failover = await call('POST', `${LINK}/failover?api-version=${v}`, { failoverType: 'ForcedAllowDataLoss' });
      expect(failover).toMatchObject({ status: 400, json: { error: { code: 'NoRegisteredProviderFound' } } });
      expect(failover.json.error?.message).toContain('distributedAvailabilityGroups/failover');
      const setRole = await call('POST', `${LINK}/setRole?api-version=${v}`, { instanceRole: 'Primary', roleChangeType: 'Forced' });
      expect(setRole).toMatchObject({ status: 400, json: { error: { code: 'NoRegisteredProviderFound' } } });
    }
    world.jump(3_000, 250);
    expect(world.link.instance.role).toBe('SECONDARY');
    // a client pinned to the old stable version is refused the same way
    const old = new ArmClient({ credential: fakeCredential, subscriptionId: SUBSCRIPTION, endpoint: world.arm.url, ca: world.arm.ca, apiVersion: '2023-08-01' });
    expect(await caught(old.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'))).toMatchObject({ statusCode: 400, armCode: 'NoRegisteredProviderFound' });
  });

  it('answers the old link schema on the old versions', async () => {
    const r = await call('GET', `${LINK}?api-version=2023-08-01`);
    expect(r.status).toBe(200);
    expect(r.json.properties).toMatchObject({ targetDatabase: 'Sales', primaryAvailabilityGroupName: 'AG_Sales', secondaryAvailabilityGroupName: 'mi-prod', replicationMode: 'Async', sourceEndpoint: 'TCP://sql-onprem:5022' });
    expect(r.json.properties).not.toHaveProperty('databases');
    expect(r.json.properties).not.toHaveProperty('instanceLinkRole');
  });

  it("keeps serving what the app sends: its own pipeline on 2025-01-01 and @azure/arm-sql 10's operations on theirs", async () => {
    const client = world.client();
    expect(client.apiVersion).toBe('2025-01-01');
    expect(await client.getLink(RG, 'mi-prod', 'Link_Sales')).toMatchObject({ instanceLinkRole: 'Secondary', databases: [expect.objectContaining({ databaseName: 'Sales' })] });
    expect(await client.getManagedInstance(RG, 'mi-prod')).toMatchObject({ name: 'mi-prod' });
    // through the SDK: the encryption protector (2020-11-01-preview) and managed databases (2022-05-01-preview)
    expect(await client.getEncryptionProtector(RG, 'mi-prod')).toMatchObject({ serverKeyType: 'AzureKeyVault' });
    expect(await client.getManagedDatabase(RG, 'mi-prod', 'Sales')).toMatchObject({ name: 'Sales' });
    // the SDK's own link operation (2021-11-01-preview, old schema) reads what it knows
    const sdkLink = await client.sdk.distributedAvailabilityGroups.get(RG, 'mi-prod', 'Link_Sales');
    expect(sdkLink).toMatchObject({ name: 'Link_Sales', targetDatabase: 'Sales', primaryAvailabilityGroupName: 'AG_Sales', secondaryAvailabilityGroupName: 'mi-prod', replicationMode: 'Async' });
    expect(sdkLink.lastHardenedLsn).toMatch(/^\d+$/);
  });
});
