// Microsoft.Network/privateDnsZones over the ARM emulator: the zone (GET, list) and its record sets
// (GET, PUT with If-Match / If-None-Match, PATCH, DELETE, list by type and ALL), on the documented
// stable api-versions, with bodies shaped as the azure-rest-api-specs examples (2024-06-01:
// RecordSetCNAMEGet/Put, RecordSetALLList, PrivateZoneGet, RecordSetSOAGet). Plus the admin paths
// that create zones and inject other writers (privateDns.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { ArmHttpError } from './errors';
import { PRIVATE_DNS_RECORD_TYPES, RECORD_FIELD, type PrivateDnsFault, type PrivateDnsRecordSet, type PrivateDnsRecordType, type PrivateDnsZone, type PrivateDnsZones } from './privateDns';
import type { Reply } from './routes';

/** the stable api-versions of the Private DNS specs (2026-06-01-preview is not accepted: unreleased) */
export const PRIVATE_DNS_API_VERSIONS = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01'];
const MAX_TTL = 2147483647;
const DEFAULT_TOP = 100;

export interface PrivateDnsRequest {
  method: string;
  /** the decoded path segments, from 'subscriptions' on */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  apiVersion: string;
  subscriptionId: string;
  /** https://127.0.0.1:PORT, for nextLink */
  baseUrl: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An error the Private DNS resource provider itself answers. Observed on Azure (azure-cli #27374):
 * its NotFound body is {"code","message"} without ARM's {"error":…} envelope, so these are sent
 * bare; errors ARM answers before the provider (404 for the zone, the api-version) keep the envelope.
 */
class ProviderError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** /subscriptions/{s}/providers/Microsoft.Network/privateDnsZones… or /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones… */
export function isPrivateDnsPath(segments: string[]): boolean {
  const s = segments.map((x) => x.toLowerCase());
  if (s[0] !== 'subscriptions') return false;
  if (s[2] === 'providers') return s[3] === 'microsoft.network' && s[4] === 'privatednszones';
  return s[2] === 'resourcegroups' && s[4] === 'providers' && s[5] === 'microsoft.network' && s[6] === 'privatednszones';
}

export function routePrivateDns(zones: PrivateDnsZones, req: PrivateDnsRequest): Reply {
  if (!PRIVATE_DNS_API_VERSIONS.includes(req.apiVersion)) {
    throw new ArmHttpError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location 'global' and API version '${req.apiVersion}' for type 'privateDnsZones'. The supported api-versions are '${PRIVATE_DNS_API_VERSIONS.join(', ')}'. The supported locations are 'global'.`,
    );
  }
  if (req.segments[1].toLowerCase() !== req.subscriptionId.toLowerCase()) throw new ArmHttpError(404, 'SubscriptionNotFound', `The subscription '${req.segments[1]}' could not be found.`);
  try {
    return dispatch(zones, req);
  } catch (e) {
    if (e instanceof ProviderError) return { status: e.status, body: { code: e.code, message: e.message } };
    throw e;
  }
}

function dispatch(zones: PrivateDnsZones, req: PrivateDnsRequest): Reply {
  const { method, segments } = req;
  const sub = req.subscriptionId;
  // subscription-wide list
  if (segments[2].toLowerCase() === 'providers') {
    if (segments.length === 5 && method === 'GET') return { status: 200, body: { value: zones.zones().map((z) => zoneBody(sub, z)) } };
    throw notAllowed(method);
  }
  const rg = segments[3];
  if (segments.length === 7) {
    if (method === 'GET') return { status: 200, body: { value: zones.zones(rg).map((z) => zoneBody(sub, z)) } };
    throw notAllowed(method);
  }
  const zoneName = segments[7];
  const zone = zones.zone(rg, zoneName);
  if (segments.length === 8) {
    if (method !== 'GET') throw new ArmHttpError(405, 'MethodNotAllowed', `The emulator does not ${method} private DNS zones; create them with its options or POST /admin/privateDns/zones.`);
    if (!zone) throw new ArmHttpError(404, 'ResourceNotFound', `The Resource 'Microsoft.Network/privateDnsZones/${zoneName}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    return { status: 200, body: zoneBody(sub, zone) };
  }
  if (!zone) throw new ArmHttpError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${zoneName}' not found.`);
  if (segments.length === 9 && segments[8].toLowerCase() === 'all') {
    if (method !== 'GET') throw notAllowed(method);
    return listReply(req, zones.list(zone), zone);
  }
  const type = recordType(segments[8], segments);
  if (segments.length === 9) {
    if (method !== 'GET') throw notAllowed(method);
    return listReply(req, zones.list(zone, type), zone);
  }
  if (segments.length !== 10) throw new ArmHttpError(400, 'InvalidResourceType', `The resource type in '/${segments.join('/')}' is not served by the emulator.`);
  return recordSet(zones, req, zone, type, segments[9]);
}

function recordSet(zones: PrivateDnsZones, req: PrivateDnsRequest, zone: PrivateDnsZone, type: PrivateDnsRecordType, name: string): Reply {
  const sub = req.subscriptionId;
  const existing = zones.get(zone, type, name);
  const withEtag = (r: PrivateDnsRecordSet, status: number): Reply => ({ status, body: recordSetBody(sub, zone, r), headers: { ETag: r.etag } });
  switch (req.method) {
    case 'GET':
      if (!existing) throw recordNotFound(sub, zone, name);
      return withEtag(existing, 200);
    case 'PUT': {
      const write = recordSetWrite(type, name, req.body);
      const revert = zones.aroundPut(zone, type, name);
      checkPreconditions(zones.get(zone, type, name), req.headers, name);
      const { recordSet: written, created } = zones.put(zone, type, name, write);
      revert();
      return withEtag(written, created ? 201 : 200);
    }
    case 'PATCH': {
      if (!existing) throw recordNotFound(sub, zone, name);
      checkPreconditions(existing, req.headers, name);
      const patch = isObject(req.body) && isObject(req.body.properties) ? req.body.properties : {};
      const merged = recordSetWrite(type, name, {
        properties: {
          ttl: patch.ttl ?? existing.ttl,
          metadata: patch.metadata ?? existing.metadata,
          [RECORD_FIELD[type]]: patch[RECORD_FIELD[type]] ?? existing.records,
        },
      });
      return withEtag(zones.put(zone, type, name, merged).recordSet, 200);
    }
    case 'DELETE':
      if (type === 'SOA') throw new ProviderError(400, 'BadRequest', 'The SOA record set at the zone apex cannot be deleted.'); // UNCONFIRMED: code and text
      if (!existing) return { status: 204 };
      checkPreconditions(existing, req.headers, name);
      zones.delete(zone, type, name);
      return { status: 200 };
    default:
      throw notAllowed(req.method);
  }
}

// ---- request checks -----------------------------------------------------------------------------

function recordType(segment: string, segments: string[]): PrivateDnsRecordType {
  const t = segment.toUpperCase();
  if (!(PRIVATE_DNS_RECORD_TYPES as readonly string[]).includes(t)) throw new ArmHttpError(400, 'InvalidResourceType', `The resource type in '/${segments.join('/')}' is not served by the emulator.`);
  return t as PrivateDnsRecordType;
}

const unquote = (v: string): string => v.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** If-Match: the record set must exist and carry that ETag ('*': exist); If-None-Match: * : it must not exist */
function checkPreconditions(current: PrivateDnsRecordSet | undefined, headers: IncomingHttpHeaders, name: string): void {
  const ifMatch = header(headers, 'if-match');
  const ifNoneMatch = header(headers, 'if-none-match');
  // UNCONFIRMED: the provider's wording of a 412; the code is PreconditionFailed
  if (ifMatch !== undefined && (!current || (unquote(ifMatch) !== '*' && unquote(ifMatch) !== current.etag))) {
    throw new ProviderError(412, 'PreconditionFailed', current ? `The record set '${name}' has been modified (its ETag is no longer '${unquote(ifMatch)}').` : `The record set '${name}' does not exist (If-Match '${unquote(ifMatch)}').`);
  }
  if (ifNoneMatch !== undefined && unquote(ifNoneMatch) === '*' && current) {
    throw new ProviderError(412, 'PreconditionFailed', `The record set '${name}' already exists (If-None-Match '*').`);
  }
}

/** the body of a PUT (or a merged PATCH), checked as the provider would; UNCONFIRMED: its 400 codes and texts */
function recordSetWrite(type: PrivateDnsRecordType, name: string, body: unknown): { ttl: number; metadata?: Record<string, string>; records: unknown } {
  const bad = (message: string): ProviderError => new ProviderError(400, 'BadRequest', message);
  const p = isObject(body) && isObject(body.properties) ? body.properties : undefined;
  if (!p) throw bad('The request content is not valid: properties are required.');
  if (type === 'SOA' && name !== '@') throw bad('An SOA record set can only be at the zone apex (@).');
  if (type === 'CNAME' && name === '@') throw bad('A CNAME record set cannot be at the zone apex (@).');
  const ttl = p.ttl ?? 3600;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw bad(`The TTL must be an integer from 0 to ${MAX_TTL}.`);
  const metadata = p.metadata;
  if (metadata !== undefined && !(isObject(metadata) && Object.values(metadata).every((v) => typeof v === 'string'))) throw bad('metadata must map names to strings.');
  for (const [t, field] of Object.entries(RECORD_FIELD)) {
    if (t !== type && p[field] !== undefined) throw bad(`A record set of type ${type} cannot hold ${field}.`);
  }
  const field = RECORD_FIELD[type];
  const v = p[field];
  let records: unknown;
  if (type === 'CNAME') {
    if (!isObject(v) || typeof v.cname !== 'string' || v.cname.trim().length === 0) throw bad('A CNAME record set needs properties.cnameRecord.cname.');
    records = { cname: v.cname };
  } else if (type === 'SOA') {
    if (!isObject(v)) throw bad('An SOA record set needs properties.soaRecord.');
    records = v;
  } else {
    if (v !== undefined && !Array.isArray(v)) throw bad(`properties.${field} must be an array.`);
    records = v ?? [];
  }
  return { ttl, metadata: metadata as Record<string, string> | undefined, records };
}

function notAllowed(method: string): ArmHttpError {
  return new ArmHttpError(405, 'MethodNotAllowed', `The method ${method} is not allowed on this resource.`);
}

/** as Azure answered it (azure-cli #27374, with the relative name) */
function recordNotFound(sub: string, zone: PrivateDnsZone, name: string): ProviderError {
  return new ProviderError(404, 'NotFound', `The resource record '${name}' does not exist in resource group '${zone.resourceGroup}' of subscription '${sub}'.`);
}

// ---- bodies ---------------------------------------------------------------------------------------

export function zoneId(sub: string, zone: PrivateDnsZone): string {
  return `/subscriptions/${sub}/resourceGroups/${zone.resourceGroup}/providers/Microsoft.Network/privateDnsZones/${zone.name}`;
}

function zoneBody(sub: string, zone: PrivateDnsZone): unknown {
  return {
    id: zoneId(sub, zone),
    name: zone.name,
    type: 'Microsoft.Network/privateDnsZones',
    etag: zone.etag,
    location: 'global',
    properties: {
      maxNumberOfRecordSets: 5000,
      maxNumberOfVirtualNetworkLinks: 100,
      maxNumberOfVirtualNetworkLinksWithRegistration: 50,
      numberOfRecordSets: zone.recordSets.size,
      numberOfVirtualNetworkLinks: 0,
      numberOfVirtualNetworkLinksWithRegistration: 0,
      provisioningState: 'Succeeded',
    },
  };
}

export function recordSetBody(sub: string, zone: PrivateDnsZone, r: PrivateDnsRecordSet): unknown {
  return {
    id: `${zoneId(sub, zone)}/${r.type}/${r.name}`,
    name: r.name,
    type: `Microsoft.Network/privateDnsZones/${r.type}`,
    etag: r.etag,
    properties: {
      ...(r.metadata ? { metadata: r.metadata } : {}),
      ttl: r.ttl,
      fqdn: r.name === '@' ? `${zone.name}.` : `${r.name}.${zone.name}.`,
      isAutoRegistered: false,
      [RECORD_FIELD[r.type]]: r.records,
    },
  };
}

/** a page of record sets: $recordsetnamesuffix filters, $top (default 100) sizes the page, $skipToken pages on */
function listReply(req: PrivateDnsRequest, all: PrivateDnsRecordSet[], zone: PrivateDnsZone): Reply {
  const suffix = req.query.get('$recordsetnamesuffix')?.toLowerCase();
  const matching = suffix ? all.filter((r) => r.name === suffix || r.name.endsWith(`.${suffix}`)) : all;
  const topText = req.query.get('$top');
  const top = topText === null ? DEFAULT_TOP : Number(topText);
  if (!Number.isInteger(top) || top < 1) throw new ProviderError(400, 'BadRequest', '$top must be a positive integer.');
  const skip = Number(req.query.get('$skipToken') ?? '0');
  const page = matching.slice(skip, skip + top);
  const more = skip + top < matching.length;
  let nextLink: string | undefined;
  if (more) {
    const next = new URLSearchParams(req.query);
    next.set('$skipToken', String(skip + top));
    nextLink = `${req.baseUrl}/${req.segments.map(encodeURIComponent).join('/')}?${next.toString()}`;
  }
  return { status: 200, body: { value: page.map((r) => recordSetBody(req.subscriptionId, zone, r)), ...(nextLink ? { nextLink } : {}) } };
}

// ---- admin --------------------------------------------------------------------------------------

/**
 * /admin/privateDns/zones (GET: the zones; POST {resourceGroup, name}: creates one),
 * /admin/privateDns/zones/{zone} (GET: its record sets), /admin/privateDns/faults (GET | POST
 * {kind, count, cname?} | DELETE). Undefined for any other path.
 */
export function privateDnsAdmin(zones: PrivateDnsZones, subscriptionId: string, method: string, path: string, body: unknown): Reply | undefined {
  if (!path.startsWith('/admin/privateDns/')) return undefined;
  const rest = path.slice('/admin/privateDns/'.length).split('/').map(decodeURIComponent);
  const summary = (z: PrivateDnsZone): unknown => ({ id: zoneId(subscriptionId, z), resourceGroup: z.resourceGroup, name: z.name, recordSets: z.recordSets.size });
  if (rest[0] === 'zones' && rest.length === 1) {
    if (method === 'GET') return { status: 200, body: { zones: zones.zones().map(summary) } };
    if (method === 'POST') {
      const b = isObject(body) ? body : {};
      if (typeof b.resourceGroup !== 'string' || b.resourceGroup.length === 0 || typeof b.name !== 'string' || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/i.test(b.name)) {
        throw new ArmHttpError(400, 'InvalidZone', '"resourceGroup" and "name" (a DNS name of two labels or more) are required.');
      }
      const created = zones.addZone({ resourceGroup: b.resourceGroup, name: b.name });
      return { status: created ? 201 : 200, body: summary(zones.zone(b.resourceGroup, b.name) as PrivateDnsZone) };
    }
  }
  if (rest[0] === 'zones' && rest.length === 2 && method === 'GET') {
    const zone = zones.zones().find((z) => z.name === rest[1].toLowerCase());
    if (!zone) throw new ArmHttpError(404, 'NotFound', `No private DNS zone '${rest[1]}'.`);
    return { status: 200, body: { ...(summary(zone) as Json), value: zones.list(zone).map((r) => recordSetBody(subscriptionId, zone, r)) } };
  }
  if (rest[0] === 'faults' && rest.length === 1) {
    if (method === 'POST') {
      try {
        if (!isObject(body)) throw new RangeError('the body must be a fault: {"kind": "concurrentWrite" | "revertAfterWrite", "count": n}');
        zones.injectFault(body as unknown as PrivateDnsFault);
      } catch (e) {
        throw new ArmHttpError(400, 'InvalidFault', e instanceof Error ? e.message : String(e));
      }
      return { status: 200, body: { faults: zones.faults() } };
    }
    if (method === 'DELETE') {
      zones.clearFaults();
      return { status: 200, body: { faults: [] } };
    }
    if (method === 'GET') return { status: 200, body: { faults: zones.faults() } };
  }
  throw new ArmHttpError(404, 'NotFound', `No admin path ${method} ${path}.`);
}
