// Long-running operations on the link as ARM runs them (points 1 and 5 of the failover-playbook
// work): accepted at request time (or refused with the documented 4xx there), then proceeding on
// their own in simulated time, polled or not; and the answers' shapes as the published examples
// show them, checked with plain HTTPS and with @azure/core-lro's generic ARM poller over the
// @azure/arm-sql pipeline (a client the emulator was not written against).
import * as https from 'node:https';
import { createHttpPoller, type OperationResponse, type OperationState, type RunningOperation } from '@azure/core-lro';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { ArmError } from '../../../shared/arm/errors';
import { OPERATION_MS, RG, startArmWorld, SUBSCRIPTION, type ArmWorld } from './armWorld';

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
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

function call(method: string, pathOrUrl: string, body?: unknown): Promise<Answer> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${world.arm.url}${pathOrUrl}`;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: world.arm.ca, headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const MI = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/mi-prod`;
const LINK = `${MI}/distributedAvailabilityGroups/Link_Sales`;
const V = '?api-version=2025-01-01';

const localRole = async (instance: string): Promise<string> => {
  const rows = await world.query<{ role_desc: string }>(
    instance,
    `SELECT rs.role_desc FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id WHERE rs.is_local = 1 AND ag.name = 'Link_Sales'`,
  );
  return rows[0]?.role_desc ?? 'none';
};

async function caught(p: Promise<unknown>): Promise<ArmError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ArmError) return e;
    throw e;
  }
  throw new Error('expected an ArmError');
}

/** the headers every accepted operation carries (LRO-options summary; the live service adds Azure-AsyncOperation) */
function expectAccepted(r: Answer, status: 201 | 202): void {
  expect(r.status).toBe(status);
  expect(r.headers.location).toMatch(/\/providers\/Microsoft\.Sql\/locations\/[^/]+\/distributedAvailabilityGroupsOperationResults\/[0-9a-f-]+\?api-version=2025-01-01$/);
  expect(r.headers['azure-asyncoperation']).toMatch(/\/distributedAvailabilityGroupsAzureAsyncOperation\/[0-9a-f-]+\?api-version=2025-01-01$/);
  expect(r.headers['retry-after']).toMatch(/^\d+$/);
}

/** the operation's own document at Azure-AsyncOperation: exactly {name, status, startTime[, error]} */
async function statusOf(r: Answer): Promise<Record<string, unknown>> {
  const s = await call('GET', r.headers['azure-asyncoperation'] as string);
  expect(s.status).toBe(200);
  const body = s.json as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(body.error ? ['error', 'name', 'startTime', 'status'] : ['name', 'startTime', 'status']);
  expect(Number.isNaN(Date.parse(body.startTime as string))).toBe(false);
  return body;
}

/** ARM's generic poller (the one generated SDKs use) over the @azure/arm-sql pipeline, final state via Location */
function corePoller(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
  const sdk = world.client().sdk;
  const send = async (m: string, url: string, b?: unknown): Promise<OperationResponse<unknown>> => {
    const request = createPipelineRequest({ url, method: m as 'GET', headers: createHttpHeaders({ 'Content-Type': 'application/json', Accept: 'application/json' }), body: b === undefined ? undefined : JSON.stringify(b) });
    const res = await sdk.sendRequest(request);
    const parsed: unknown = res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined;
    // as a generated client does: an error status is thrown with ARM's code
    if (res.status >= 400) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw Object.assign(new Error(error?.message ?? `HTTP ${res.status}`), { code: error?.code, statusCode: res.status });
    }
    return { flatResponse: parsed, rawResponse: { statusCode: res.status, headers: res.headers.toJSON(), body: parsed, request: { method: m, url } } };
  };
  const url = `${world.arm.url}${path}${V}`;
  const lro: RunningOperation<unknown> = { sendInitialRequest: () => send(method, url, body), sendPollRequest: (p) => send('GET', p) };
  return createHttpPoller<unknown, OperationState<unknown>>(lro, { resourceLocationConfig: 'location', intervalInMs: 20 });
}

describe('an accepted operation proceeds on its own', () => {
  it('a planned failover nobody polls completes in simulated time: the link, T-SQL and ARM show it', async () => {
    expect(await localRole('sql-onprem')).toBe('PRIMARY');
    const r = await call('POST', `${LINK}/failover${V}`, { failoverType: 'Planned' });
    expectAccepted(r, 202);
    expect(r.json).toBeUndefined();
    // while it runs: the roles are unchanged and ARM says a failover is in progress
    const during = await world.client().getLink(RG, 'mi-prod', 'Link_Sales');
    expect(during).toMatchObject({ instanceLinkRole: 'Secondary', databases: [{ replicaState: 'LinkFailoverInProgress' }] });
    // another role change meanwhile is refused, not queued
    const second = await caught(world.client().startSetRole(RG, 'mi-prod', 'Link_Sales', 'Primary', 'Forced'));
    expect(second).toMatchObject({ statusCode: 409, armCode: 'DistributedAvailabilityGroupSetRoleChangeRoleAlreadyInProgress' });
    // nobody polls: time passes and the operation finishes by itself
    world.jump(OPERATION_MS + 500, 250);
    expect(await localRole('mi-prod')).toBe('PRIMARY');
    expect(await localRole('sql-onprem')).toBe('SECONDARY');
    const after = await world.client().getLink(RG, 'mi-prod', 'Link_Sales');
    expect(after).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary', databases: [{ replicaState: 'Catchup' }] });
    expect(world.link.lost).toEqual([]);
    // a late poll finds it done
    expect((await statusOf(r)).status).toBe('Succeeded');
  });

  it('PATCH replicationMode takes effect in simulated time, seen by a client that only re-reads the link', async () => {
    const r = await call('PATCH', `${LINK}${V}`, { properties: { replicationMode: 'Sync' } });
    expectAccepted(r, 202);
    expect((await world.client().getLink(RG, 'mi-prod', 'Link_Sales')).replicationMode).toBe('Async');
    world.jump(OPERATION_MS, 250);
    expect((await world.client().getLink(RG, 'mi-prod', 'Link_Sales')).replicationMode).toBe('Sync');
    const back = await call('PATCH', `${LINK}${V}`, { properties: { replicationMode: 'Async' } });
    expectAccepted(back, 202);
    world.jump(OPERATION_MS, 250);
  });

  it('checks that can fail synchronously fail at request time with the documented 409', async () => {
    // the link is cut: a planned failover is refused at once (not accepted, then failed)
    world.link.setPartitioned(true, world.clock.now());
    const cut = await call('POST', `${LINK}/failover${V}`, { failoverType: 'Planned' });
    expect(cut).toMatchObject({ status: 409, json: { error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' } } });
    world.link.setPartitioned(false, world.clock.now());
    world.jump(2_000, 250);
    // a database still seeding cannot be forced up: refused at request time, nothing runs later
    const create = await call('PUT', `${MI}/distributedAvailabilityGroups/Link_Inv${V}`, {
      properties: {
        databases: [{ databaseName: 'Inventory' }],
        instanceAvailabilityGroupName: 'mi-prod',
        partnerAvailabilityGroupName: 'AG_Inv',
        partnerEndpoint: 'TCP://sql-onprem:5022',
        instanceLinkRole: 'Secondary',
        failoverMode: 'Manual',
      },
    });
    expectAccepted(create, 201);
    expect(create.json).toMatchObject({ name: 'Link_Inv', properties: { databases: [{ replicaState: 'Seeding' }] } });
    const forced = await call('POST', `${MI}/distributedAvailabilityGroups/Link_Inv/setRole${V}`, { instanceRole: 'Primary', roleChangeType: 'Forced' });
    expect(forced).toMatchObject({ status: 409, json: { error: { code: 'DistributedAvailabilityGroupSetRoleFailed' } } });
    world.jump(OPERATION_MS, 250);
    expect(world.links.find('Link_Inv', 'mi-prod')?.instance.role).toBe('SECONDARY');
  });

  it('DELETE nobody polls removes the link from ARM once done', async () => {
    const r = await call('DELETE', `${MI}/distributedAvailabilityGroups/Link_Inv${V}`);
    expectAccepted(r, 202);
    // still there while the operation runs
    expect((await call('GET', `${MI}/distributedAvailabilityGroups/Link_Inv${V}`)).status).toBe(200);
    world.jump(OPERATION_MS, 250);
    expect(await call('GET', `${MI}/distributedAvailabilityGroups/Link_Inv${V}`)).toMatchObject({ status: 404, json: { error: { code: 'ResourceNotFound' } } });
    // done: the Location URL answers 204 (no final resource), the status document Succeeded
    expect((await call('GET', r.headers.location as string)).status).toBe(204);
    expect((await statusOf(r)).status).toBe('Succeeded');
  });
});

describe('the answers as the published examples show them', () => {
  it('setRole: 202, status InProgress then Succeeded, Location 202 then 200 with the whole link', async () => {
    // the MI is primary (first test): back to SQL Server through setRole Secondary, then Forced up again
    const r = await call('POST', `${LINK}/setRole${V}`, { instanceRole: 'Secondary', roleChangeType: 'Planned' });
    expectAccepted(r, 202);
    expect(await statusOf(r)).toMatchObject({ status: 'InProgress' });
    const location = await call('GET', r.headers.location as string);
    expect(location.status).toBe(202);
    expect(location.headers.location).toBe(r.headers.location);
    expect(location.headers['retry-after']).toMatch(/^\d+$/);
    expect(location.json).toBeUndefined();
    world.jump(OPERATION_MS, 250);
    expect(await statusOf(r)).toMatchObject({ status: 'Succeeded' });
    const final = await call('GET', r.headers.location as string);
    expect(final.status).toBe(200);
    // the final state is the resource (final-state-via location): the GET body's shape, new roles
    expect(final.json).toMatchObject({
      id: expect.stringMatching(/\/distributedAvailabilityGroups\/Link_Sales$/),
      name: 'Link_Sales',
      type: 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups',
      properties: { distributedAvailabilityGroupName: 'Link_Sales', instanceLinkRole: 'Secondary', replicationMode: 'Async', databases: [expect.objectContaining({ databaseName: 'Sales' })] },
    });
    expect((await call('GET', `${LINK}${V}`)).json).toEqual(final.json);
  });

  it('a failed operation: status Failed with the error, Location answers the error status and body', async () => {
    // both are secondary now (setRole Secondary on the primary froze the log): SQL Server takes over
    // (the classic DAG procedure, REFERENCE 3.6), then a planned failover fails when it runs
    world.link.forceFailover('partner', world.clock.now());
    world.jump(2_000, 250);
    const r = await call('POST', `${LINK}/failover${V}`, { failoverType: 'Planned' });
    expectAccepted(r, 202);
    world.link.setPartitioned(true, world.clock.now());
    world.jump(OPERATION_MS, 250);
    const status = await statusOf(r);
    expect(status).toMatchObject({ status: 'Failed', error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', message: expect.any(String) } });
    expect(await call('GET', r.headers.location as string)).toMatchObject({ status: 409, json: { error: { code: 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' } } });
    world.link.setPartitioned(false, world.clock.now());
    world.jump(2_000, 250);
  });

  it("@azure/core-lro's ARM poller drives failover, PATCH and DELETE to their documented final states", async () => {
    const failover = corePoller('POST', `${LINK}/failover`, { failoverType: 'Planned' });
    const done = failover.pollUntilDone();
    // the poller waits on the operation, which needs simulated time
    const ticking = setInterval(() => world.jump(250, 250), 20);
    try {
      const link = (await done) as { name: string; properties: { instanceLinkRole: string; partnerLinkRole: string } };
      expect(link).toMatchObject({ name: 'Link_Sales', properties: { instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' } });
      expect(failover.operationState?.status).toBe('succeeded');
      const patched = (await corePoller('PATCH', LINK, { properties: { replicationMode: 'Sync' } }).pollUntilDone()) as { properties: { replicationMode: string } };
      expect(patched.properties.replicationMode).toBe('Sync');
      const failed = corePoller('POST', `${LINK}/setRole`, { instanceRole: 'Primary', roleChangeType: 'Forced' });
      await expect(failed.pollUntilDone()).rejects.toMatchObject({ code: 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole' });
      await corePoller('DELETE', LINK).pollUntilDone();
      expect((await call('GET', `${LINK}${V}`)).status).toBe(404);
    } finally {
      clearInterval(ticking);
    }
  });
});
