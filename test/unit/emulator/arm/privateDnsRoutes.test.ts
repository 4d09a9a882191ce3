// The ARM emulator's Private DNS routes without HTTP: api-versions, 404 shapes, ETags and the
// If-Match / If-None-Match rules, lists and paging, the admin paths and the other-writer faults.
import { ArmHttpError } from '../../../../emulator/arm/errors';
import { PrivateDnsZones } from '../../../../emulator/arm/privateDns';
import { privateDnsAdmin, routePrivateDns, isPrivateDnsPath, type PrivateDnsRequest } from '../../../../emulator/arm/privateDnsRoutes';
import type { Reply } from '../../../../emulator/arm/routes';

const SUB = '11111111-2222-3333-4444-555555555555';
const ZONE = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/corp.internal`;

let zones: PrivateDnsZones;

beforeEach(() => {
  zones = new PrivateDnsZones([{ resourceGroup: 'rg-dns', name: 'corp.internal' }]);
});

function request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; apiVersion?: string; query?: string } = {}): PrivateDnsRequest {
  return {
    method,
    segments: path.split('/').filter((s) => s.length > 0),
    query: new URLSearchParams(options.query ?? ''),
    headers: options.headers ?? {},
    body: options.body,
    apiVersion: options.apiVersion ?? '2024-06-01',
    subscriptionId: SUB,
    baseUrl: 'https://127.0.0.1:1',
  };
}

/** the reply, or the ARM envelope a thrown ArmHttpError becomes */
function call(method: string, path: string, options: Parameters<typeof request>[2] = {}): Reply {
  try {
    return routePrivateDns(zones, request(method, path, options));
  } catch (e) {
    if (e instanceof ArmHttpError) return { status: e.status, body: e.body() };
    throw e;
  }
}

const cname = (host: string, ttl = 300): unknown => ({ properties: { ttl, cnameRecord: { cname: host } } });
const etagOf = (r: Reply): string => (r.body as { etag: string }).etag;

describe('Private DNS routes of the ARM emulator', () => {
  it('recognises only privateDnsZones paths', () => {
    expect(isPrivateDnsPath(ZONE.split('/').filter(Boolean))).toBe(true);
    expect(isPrivateDnsPath(`/subscriptions/${SUB}/providers/Microsoft.Network/privateDnsZones`.split('/').filter(Boolean))).toBe(true);
    expect(isPrivateDnsPath(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/dnsZones/x.com`.split('/').filter(Boolean))).toBe(false);
    expect(isPrivateDnsPath(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi`.split('/').filter(Boolean))).toBe(false);
  });

  it('accepts the documented stable api-versions and refuses others as ARM does', () => {
    for (const v of ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01']) expect(call('GET', ZONE, { apiVersion: v }).status).toBe(200);
    const refused = call('GET', `${ZONE}/CNAME/app`, { apiVersion: '2025-01-01' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: {
        code: 'NoRegisteredProviderFound',
        message: expect.stringContaining("API version '2025-01-01' for type 'privateDnsZones'. The supported api-versions are '2018-09-01, 2020-01-01, 2020-06-01, 2024-06-01'"),
      },
    });
  });

  it('answers an unknown zone with ResourceNotFound, a record set in it with ParentResourceNotFound, a missing record set with NotFound', () => {
    const other = ZONE.replace('corp.internal', 'nowhere.internal');
    expect(call('GET', other)).toEqual({ status: 404, body: { error: { code: 'ResourceNotFound', message: expect.stringContaining("'Microsoft.Network/privateDnsZones/nowhere.internal' under resource group 'rg-dns' was not found") } } });
    expect(call('PUT', `${other}/CNAME/app`, { body: cname('x.corp.local') })).toEqual({
      status: 404,
      body: { error: { code: 'ParentResourceNotFound', message: "Can not perform requested operation on nested resource. Parent resource 'nowhere.internal' not found." } },
    });
    // the provider's own NotFound comes without the {error} envelope, as Azure sends it
    expect(call('GET', `${ZONE}/CNAME/app`)).toEqual({ status: 404, body: { code: 'NotFound', message: `The resource record 'app' does not exist in resource group 'rg-dns' of subscription '${SUB}'.` } });
    expect(call('GET', ZONE.replace(SUB, 'other')).body).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
  });

  it('serves the zone as the PrivateZoneGet example shows it, with its apex SOA', () => {
    expect(call('GET', ZONE)).toMatchObject({
      status: 200,
      body: { id: ZONE, name: 'corp.internal', type: 'Microsoft.Network/privateDnsZones', location: 'global', etag: expect.any(String), properties: { numberOfRecordSets: 1, provisioningState: 'Succeeded' } },
    });
    expect(call('GET', `${ZONE}/SOA/@`)).toMatchObject({ status: 200, body: { name: '@', properties: { fqdn: 'corp.internal.', soaRecord: { host: 'azureprivatedns.net', serialNumber: 1 } } } });
    expect(call('DELETE', `${ZONE}/SOA/@`).status).toBe(400);
  });

  it('creates (201) and updates (200) a CNAME shaped as RecordSetCNAMEPut, with a new ETag on every write', () => {
    const created = call('PUT', `${ZONE}/CNAME/App-Sales`, { body: { properties: { ttl: 30, metadata: { owner: 'dba' }, cnameRecord: { cname: 'sql-onprem.corp.local' } } } });
    expect(created).toEqual({
      status: 201,
      headers: { ETag: etagOf(created) },
      body: {
        id: `${ZONE}/CNAME/app-sales`,
        name: 'app-sales',
        type: 'Microsoft.Network/privateDnsZones/CNAME',
        etag: expect.stringMatching(/^[0-9a-f-]{36}$/),
        properties: { metadata: { owner: 'dba' }, ttl: 30, fqdn: 'app-sales.corp.internal.', isAutoRegistered: false, cnameRecord: { cname: 'sql-onprem.corp.local' } },
      },
    });
    const updated = call('PUT', `${ZONE}/CNAME/app-sales`, { body: cname('mi-prod.database.windows.net') });
    expect(updated.status).toBe(200);
    expect(etagOf(updated)).not.toBe(etagOf(created));
    const read = call('GET', `${ZONE}/CNAME/APP-SALES`);
    expect(read.body).toMatchObject({ etag: etagOf(updated), properties: { ttl: 300, cnameRecord: { cname: 'mi-prod.database.windows.net' } } });
  });

  it('honours If-Match and If-None-Match: * with 412 PreconditionFailed', () => {
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: cname('a.corp.local'), headers: { 'if-match': 'nope' } })).toMatchObject({ status: 412, body: { code: 'PreconditionFailed' } });
    const created = call('PUT', `${ZONE}/CNAME/app`, { body: cname('a.corp.local'), headers: { 'if-none-match': '*' } });
    expect(created.status).toBe(201);
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: cname('b.corp.local'), headers: { 'if-none-match': '*' } })).toMatchObject({ status: 412, body: { code: 'PreconditionFailed' } });
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: cname('b.corp.local'), headers: { 'if-match': 'stale-etag' } })).toMatchObject({ status: 412 });
    const quoted = call('PUT', `${ZONE}/CNAME/app`, { body: cname('b.corp.local'), headers: { 'if-match': `"${etagOf(created)}"` } });
    expect(quoted.status).toBe(200);
    expect(call('DELETE', `${ZONE}/CNAME/app`, { headers: { 'if-match': etagOf(created) } }).status).toBe(412);
    expect(call('PATCH', `${ZONE}/CNAME/app`, { body: { properties: { ttl: 60 } }, headers: { 'if-match': etagOf(quoted) } })).toMatchObject({ status: 200, body: { properties: { ttl: 60, cnameRecord: { cname: 'b.corp.local' } } } });
    expect(call('DELETE', `${ZONE}/CNAME/app`, { headers: { 'if-match': '*' } }).status).toBe(200);
    expect(call('DELETE', `${ZONE}/CNAME/app`).status).toBe(204);
  });

  it('refuses record sets that Azure refuses: no cname, a CNAME at the apex, fields of another type, a bad TTL', () => {
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: { properties: { ttl: 5 } } })).toMatchObject({ status: 400, body: { code: 'BadRequest' } });
    expect(call('PUT', `${ZONE}/CNAME/@`, { body: cname('a.corp.local') }).status).toBe(400);
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: { properties: { cnameRecord: { cname: 'a' }, aRecords: [] } } }).status).toBe(400);
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: cname('a.corp.local', -1) }).status).toBe(400);
    expect(call('PUT', `${ZONE}/NS/app`, { body: cname('a.corp.local') }).body).toMatchObject({ error: { code: 'InvalidResourceType' } });
  });

  it('lists record sets by type and ALL (as the SDK spells it), with $top paging and the name suffix filter', () => {
    for (const n of ['a1', 'a2', 'x.b']) call('PUT', `${ZONE}/CNAME/${n}`, { body: cname(`${n}.corp.local`) });
    call('PUT', `${ZONE}/A/host`, { body: { properties: { ttl: 60, aRecords: [{ ipv4Address: '10.0.0.4' }] } } });
    const names = (r: Reply): string[] => (r.body as { value: { name: string }[] }).value.map((v) => v.name);
    expect(names(call('GET', `${ZONE}/CNAME`))).toEqual(['a1', 'a2', 'x.b']);
    expect(names(call('GET', `${ZONE}/aLL`))).toEqual(['host', 'a1', 'a2', 'x.b', '@']);
    const page = call('GET', `${ZONE}/CNAME`, { query: '$top=2' });
    expect(names(page)).toEqual(['a1', 'a2']);
    const next = new URL((page.body as { nextLink: string }).nextLink);
    expect(names(call('GET', next.pathname, { query: next.search }))).toEqual(['x.b']);
    expect(names(call('GET', `${ZONE}/ALL`, { query: '$recordsetnamesuffix=b' }))).toEqual(['x.b']);
  });

  it('creates zones and injects other writers through the admin paths', () => {
    const created = privateDnsAdmin(zones, SUB, 'POST', '/admin/privateDns/zones', { resourceGroup: 'rg-dns', name: 'other.internal' });
    expect(created).toMatchObject({ status: 201, body: { name: 'other.internal', recordSets: 1 } });
    expect(privateDnsAdmin(zones, SUB, 'POST', '/admin/privateDns/zones', { resourceGroup: 'rg-dns', name: 'other.internal' })?.status).toBe(200);
    expect(() => privateDnsAdmin(zones, SUB, 'POST', '/admin/privateDns/zones', { resourceGroup: 'rg-dns', name: 'single' })).toThrow(ArmHttpError);
    expect(call('GET', ZONE.replace('corp.internal', 'other.internal')).status).toBe(200);
    expect(privateDnsAdmin(zones, SUB, 'GET', '/admin/links/x', undefined)).toBeUndefined();
    expect(() => privateDnsAdmin(zones, SUB, 'POST', '/admin/privateDns/faults', { kind: 'nonsense', count: 1 })).toThrow(ArmHttpError);

    const first = call('PUT', `${ZONE}/CNAME/app`, { body: cname('sql-onprem.corp.local') });
    privateDnsAdmin(zones, SUB, 'POST', '/admin/privateDns/faults', { kind: 'concurrentWrite', count: 1, cname: 'intruder.corp.local' });
    expect(call('PUT', `${ZONE}/CNAME/app`, { body: cname('mi-prod.corp.local'), headers: { 'if-match': etagOf(first) } }).status).toBe(412);
    expect(call('GET', `${ZONE}/CNAME/app`).body).toMatchObject({ properties: { cnameRecord: { cname: 'intruder.corp.local' } } });

    privateDnsAdmin(zones, SUB, 'POST', '/admin/privateDns/faults', { kind: 'revertAfterWrite', count: 1 });
    const answered = call('PUT', `${ZONE}/CNAME/app`, { body: cname('mi-prod.corp.local') });
    expect(answered.body).toMatchObject({ properties: { cnameRecord: { cname: 'mi-prod.corp.local' } } });
    expect(call('GET', `${ZONE}/CNAME/app`).body).toMatchObject({ properties: { cnameRecord: { cname: 'intruder.corp.local' } } });
    expect(privateDnsAdmin(zones, SUB, 'GET', '/admin/privateDns/faults', undefined)?.body).toEqual({ faults: [] });
  });
});
