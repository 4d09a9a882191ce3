// The Private DNS CNAME redirect through the real @azure/arm-privatedns SDK (HTTPS, bearer token,
// the ARM retry policy) against the ARM emulator on a free loopback port: create, repoint, no-op,
// a record changed between read and write (412, read again, retried), a writer that never stops,
// an unknown zone, a write that does not stick, bad targets, throttling, and no token in errors.
import { inspect } from 'node:util';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { ArmBackend } from '../../../emulator/arm/backend';
import { startArmEmulator, type ArmEmulator } from '../../../emulator/arm/server';
import { AppError } from '../../../shared/errors';
import type { RedirectTarget } from '../../../shared/redirect/clientRedirect';
import { PrivateDnsCname } from '../../../shared/redirect/privateDnsCname';

jest.setTimeout(60_000);

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = 'rg-dns';
const ZONE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateDnsZones/corp.internal`;
const TOKEN = 'never-show-this-bearer-token';

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** the Microsoft.Sql side is not used here: an ARM backend with no instances */
function noInstances(): ArmBackend {
  const none = (): never => {
    throw new Error('not served in this test');
  };
  return {
    subscriptionId: SUB,
    now: () => new Date(),
    refresh: () => undefined,
    instances: () => [],
    instance: () => undefined,
    databases: () => [],
    deleteDatabase: () => false,
    encryptionProtector: none,
    setEncryptionProtector: none,
    links: () => [],
    createLink: none,
    deleteLink: none,
    startLrs: none,
    lrs: () => undefined,
    completeLrs: none,
  };
}

let arm: ArmEmulator;
let redirect: PrivateDnsCname;
let n = 0;

beforeAll(async () => {
  arm = await startArmEmulator({ backend: noInstances(), privateDnsZones: [{ resourceGroup: RG, name: 'corp.internal' }], retryAfterSeconds: 0 });
  redirect = new PrivateDnsCname({ credential, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 3, baseDelayMs: 10 } });
});

afterAll(async () => {
  await arm?.close();
});

beforeEach(() => {
  arm.privateDns.clearFaults();
  arm.faults.clear();
});

/** a fresh record name per test, so tests do not see each other's records */
function target(ttlSeconds = 30): RedirectTarget {
  n += 1;
  return { zoneResourceId: ZONE_ID, recordName: `app-sales-${n}`, ttlSeconds };
}

/** what the emulator holds for the record, read directly */
function stored(t: RedirectTarget): { cname: string; ttl: number; etag: string } | undefined {
  const zone = arm.privateDns.zone(RG, 'corp.internal');
  const r = zone && arm.privateDns.get(zone, 'CNAME', t.recordName);
  return r ? { cname: (r.records as { cname: string }).cname, ttl: r.ttl, etag: r.etag } : undefined;
}

/** the requests the emulator answered from now on, as "METHOD status" */
function requestsFrom(): () => string[] {
  const start = arm.requests.length;
  return () => arm.requests.slice(start).map((r) => `${r.method} ${r.status}`);
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('PrivateDnsCname against the ARM emulator', () => {
  it('creates the CNAME when there is none (If-None-Match: *) and reads it back', async () => {
    const t = target();
    const requests = requestsFrom();
    expect(await redirect.current(t)).toBeUndefined();
    const r = await redirect.pointTo(t, 'sql-onprem.corp.local.');
    expect(r).toEqual({ fqdn: `${t.recordName}.corp.internal`, previous: undefined, current: 'sql-onprem.corp.local', changed: true });
    expect(requests()).toEqual(['GET 404', 'GET 404', 'PUT 201', 'GET 200']);
    expect(stored(t)).toMatchObject({ cname: 'sql-onprem.corp.local', ttl: 30 });
    expect(await redirect.current(t)).toBe('sql-onprem.corp.local');
  });

  it('repoints an existing CNAME with If-Match on the ETag it read', async () => {
    const t = target();
    await redirect.pointTo(t, 'sql-onprem.corp.local');
    const etag = stored(t)?.etag;
    const requests = requestsFrom();
    const r = await redirect.pointTo(t, 'mi-prod.abc123.database.windows.net');
    expect(r).toEqual({ fqdn: `${t.recordName}.corp.internal`, previous: 'sql-onprem.corp.local', current: 'mi-prod.abc123.database.windows.net', changed: true });
    expect(requests()).toEqual(['GET 200', 'PUT 200', 'GET 200']);
    expect(stored(t)?.etag).not.toBe(etag);
  });

  it('changes nothing when the CNAME already points there (case and trailing dot aside)', async () => {
    const t = target();
    await redirect.pointTo(t, 'mi-prod.corp.local');
    const etag = stored(t)?.etag;
    const requests = requestsFrom();
    const r = await redirect.pointTo(t, 'MI-PROD.corp.local.');
    expect(r).toEqual({ fqdn: `${t.recordName}.corp.internal`, previous: 'mi-prod.corp.local', current: 'mi-prod.corp.local', changed: false });
    expect(requests()).toEqual(['GET 200']);
    expect(stored(t)?.etag).toBe(etag);
  });

  it('writes the TTL the target asks for even when the host is the same', async () => {
    const t = target(300);
    await redirect.pointTo(t, 'mi-prod.corp.local');
    const r = await redirect.pointTo({ ...t, ttlSeconds: 10 }, 'mi-prod.corp.local');
    expect(r.changed).toBe(true);
    expect(stored(t)?.ttl).toBe(10);
  });

  it('reads again and retries when the record changed between its read and its write (412)', async () => {
    const t = target();
    await redirect.pointTo(t, 'sql-onprem.corp.local');
    arm.privateDns.injectFault({ kind: 'concurrentWrite', count: 1, cname: 'someone-else.corp.local' });
    const requests = requestsFrom();
    const r = await redirect.pointTo(t, 'mi-prod.corp.local');
    expect(r).toEqual({ fqdn: `${t.recordName}.corp.internal`, previous: 'sql-onprem.corp.local', current: 'mi-prod.corp.local', changed: true });
    expect(requests()).toEqual(['GET 200', 'PUT 412', 'GET 200', 'PUT 200', 'GET 200']);
    expect(stored(t)?.cname).toBe('mi-prod.corp.local');
  });

  it('retries a create that lost the race to another creator (If-None-Match: * answered 412)', async () => {
    const t = target();
    arm.privateDns.injectFault({ kind: 'concurrentWrite', count: 1, cname: 'someone-else.corp.local' });
    const requests = requestsFrom();
    const r = await redirect.pointTo(t, 'mi-prod.corp.local');
    expect(r).toMatchObject({ previous: undefined, current: 'mi-prod.corp.local', changed: true });
    expect(requests()).toEqual(['GET 404', 'PUT 412', 'GET 200', 'PUT 200', 'GET 200']);
  });

  it('gives up with REDIRECT_CONFLICT after a bounded number of lost races', async () => {
    const t = target();
    await redirect.pointTo(t, 'sql-onprem.corp.local');
    arm.privateDns.injectFault({ kind: 'concurrentWrite', count: 10, cname: 'someone-else.corp.local' });
    const bounded = new PrivateDnsCname({ credential, endpoint: arm.url, ca: arm.ca, maxConflictRetries: 2 });
    const requests = requestsFrom();
    const e = await failure(bounded.pointTo(t, 'mi-prod.corp.local'));
    expect(e.code).toBe('REDIRECT_CONFLICT');
    expect(e.isTransient).toBe(true);
    expect(e.message).toBe(`the CNAME ${t.recordName}.corp.internal was changed by another writer between each read and write (3 attempts to point it to mi-prod.corp.local); it now points to someone-else.corp.local`);
    expect(requests().filter((r) => r.startsWith('PUT'))).toEqual(['PUT 412', 'PUT 412', 'PUT 412']);
  });

  it('fails with REDIRECT_NOT_APPLIED when the write does not stick', async () => {
    const t = { zoneResourceId: ZONE_ID, recordName: 'app-sales', ttlSeconds: 30 };
    await redirect.pointTo(t, 'sql-onprem.corp.local');
    arm.privateDns.injectFault({ kind: 'revertAfterWrite', count: 1 });
    const e = await failure(redirect.pointTo(t, 'mi-prod.corp.local'));
    expect(e.code).toBe('REDIRECT_NOT_APPLIED');
    expect(e.message).toBe('the CNAME app-sales.corp.internal still points to sql-onprem.corp.local after the update to point it to mi-prod.corp.local');
    expect(await redirect.current(t)).toBe('sql-onprem.corp.local');
    // a created record that vanishes again
    const fresh = target();
    arm.privateDns.injectFault({ kind: 'revertAfterWrite', count: 1 });
    expect((await failure(redirect.pointTo(fresh, 'mi-prod.corp.local'))).message).toBe(`the CNAME ${fresh.recordName}.corp.internal does not exist after the update to point it to mi-prod.corp.local`);
  });

  it('fails with REDIRECT_ZONE_NOT_FOUND and a plain message for a zone that does not exist', async () => {
    const t = { zoneResourceId: ZONE_ID.replace('corp.internal', 'nowhere.internal'), recordName: 'app-sales', ttlSeconds: 30 };
    const requests = requestsFrom();
    const e = await failure(redirect.pointTo(t, 'mi-prod.corp.local'));
    expect(e.code).toBe('REDIRECT_ZONE_NOT_FOUND');
    expect(e.message).toBe(
      `the Private DNS zone nowhere.internal (resource group ${RG}, subscription ${SUB}) does not exist or the app cannot see it, so the CNAME app-sales.nowhere.internal cannot be read (ARM ParentResourceNotFound: Can not perform requested operation on nested resource. Parent resource 'nowhere.internal' not found.)`,
    );
    expect(requests()).toEqual(['GET 404']);
    expect((await failure(redirect.current(t))).code).toBe('REDIRECT_ZONE_NOT_FOUND');
  });

  it('refuses a bad target before sending anything', async () => {
    const requests = requestsFrom();
    for (const [t, host] of [
      [{ zoneResourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/dnsZones/corp.internal', recordName: 'app', ttlSeconds: 30 }, 'h.corp.local'],
      [{ zoneResourceId: ZONE_ID, recordName: '@', ttlSeconds: 30 }, 'h.corp.local'],
      [{ zoneResourceId: ZONE_ID, recordName: 'app sales', ttlSeconds: 30 }, 'h.corp.local'],
      [{ zoneResourceId: ZONE_ID, recordName: 'app', ttlSeconds: 1.5 }, 'h.corp.local'],
      [{ zoneResourceId: ZONE_ID, recordName: 'app', ttlSeconds: 30 }, 'not a host'],
    ] as const) {
      expect((await failure(redirect.pointTo(t, host))).code).toBe('REDIRECT_TARGET_INVALID');
    }
    expect(requests()).toEqual([]);
  });

  it('rides out ARM throttling with the ARM retry policy', async () => {
    const t = target();
    arm.injectFault({ kind: 'throttle', count: 2, retryAfterSeconds: 0 });
    const requests = requestsFrom();
    expect((await redirect.pointTo(t, 'mi-prod.corp.local')).current).toBe('mi-prod.corp.local');
    expect(requests().slice(0, 3)).toEqual(['GET 429', 'GET 429', 'GET 404']);
  });

  it('serves what the SDK itself sends: the zone, list by type and ALL with nextLink paging, delete', async () => {
    const { PrivateDnsManagementClient } = await import('@azure/arm-privatedns');
    const sdk = new PrivateDnsManagementClient(credential, SUB, { endpoint: arm.url, tlsOptions: { ca: arm.ca } });
    expect(await sdk.privateZones.get(RG, 'corp.internal')).toMatchObject({ name: 'corp.internal', location: 'global', numberOfRecordSets: expect.any(Number) });
    const t = target();
    await redirect.pointTo(t, 'mi-prod.corp.local');
    const all: string[] = [];
    for await (const r of sdk.recordSets.list(RG, 'corp.internal', { top: 1 })) all.push(`${r.type ?? ''} ${r.name ?? ''}`);
    expect(all).toContain(`Microsoft.Network/privateDnsZones/CNAME ${t.recordName}`);
    expect(all).toContain('Microsoft.Network/privateDnsZones/SOA @');
    expect(all.length).toBe(arm.privateDns.zone(RG, 'corp.internal')?.recordSets.size);
    const cnames: string[] = [];
    for await (const r of sdk.recordSets.listByType(RG, 'corp.internal', 'CNAME')) cnames.push(r.cnameRecord?.cname ?? '');
    expect(cnames).toContain('mi-prod.corp.local');
    await sdk.recordSets.delete(RG, 'corp.internal', 'CNAME', t.recordName);
    expect(await redirect.current(t)).toBeUndefined();
  });

  it('never puts the bearer token in an error', async () => {
    const t = target();
    arm.injectFault({ kind: 'serverError', count: 10, status: 500, retryAfterSeconds: 0 });
    const quick = new PrivateDnsCname({ credential, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 1, baseDelayMs: 5 } });
    const e = await failure(quick.pointTo(t, 'mi-prod.corp.local'));
    expect(e.code).toBe('ARM_REQUEST_FAILED');
    expect(e.isTransient).toBe(true);
    expect(e.message).toContain(`could not read the CNAME ${t.recordName}.corp.internal`);
    for (const text of [e.message, JSON.stringify(e), inspect(e, { depth: 20, showHidden: true }), String(e.stack)]) expect(text).not.toContain(TOKEN);
    const refused = await failure(new PrivateDnsCname({ credential, endpoint: 'https://127.0.0.1:1', retry: { maxRetries: 0 } }).current(t));
    expect(refused.code).toBe('NETWORK_ERROR');
    expect(inspect(refused, { depth: 20, showHidden: true })).not.toContain(TOKEN);
  });
});
