// A RedirectTarget and a host name checked before anything is sent to Azure: a typo in the estate
// fails with REDIRECT_TARGET_INVALID and the reason, not with whatever ARM makes of it.
import { AppError } from '../errors';
import type { RedirectTarget } from './clientRedirect';

const ZONE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i;
/** DNS labels: letters, digits, hyphen (underscore too, as Azure accepts it in record names) */
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;
const MAX_TTL = 2147483647;

export interface CheckedTarget {
  subscriptionId: string;
  resourceGroup: string;
  /** the zone's DNS name, e.g. corp.internal */
  zoneName: string;
  /** lower case, relative to the zone */
  recordName: string;
  ttlSeconds: number;
  /** recordName.zoneName, what a DBA recognises */
  fqdn: string;
}

const isDnsName = (name: string): boolean => name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));

export function checkTarget(target: RedirectTarget): CheckedTarget {
  const id = ZONE_ID.exec(target.zoneResourceId);
  if (!id) throw new AppError('REDIRECT_TARGET_INVALID', `${target.zoneResourceId} is not a Private DNS zone resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/privateDnsZones/…)`);
  const [, subscriptionId, resourceGroup, zoneName] = id;
  const recordName = target.recordName.trim().toLowerCase();
  if (recordName === '@' || recordName === '') throw new AppError('REDIRECT_TARGET_INVALID', `the connection name cannot be the apex of ${zoneName}: a CNAME needs a record name such as app-sales`);
  if (!isDnsName(recordName) || recordName.endsWith('.')) throw new AppError('REDIRECT_TARGET_INVALID', `"${target.recordName}" is not a record name relative to ${zoneName} (letters, digits and hyphens, labels separated by dots)`);
  if (!Number.isInteger(target.ttlSeconds) || target.ttlSeconds < 0 || target.ttlSeconds > MAX_TTL) throw new AppError('REDIRECT_TARGET_INVALID', `the TTL of ${recordName}.${zoneName} must be a whole number of seconds from 0 to ${MAX_TTL}, not ${target.ttlSeconds}`);
  return { subscriptionId, resourceGroup, zoneName: zoneName.toLowerCase(), recordName, ttlSeconds: target.ttlSeconds, fqdn: `${recordName}.${zoneName.toLowerCase()}` };
}

/** the host name as written into the CNAME: trimmed, without a trailing dot (Azure wants none) */
export function checkHostName(hostName: string, fqdn: string): string {
  const host = hostName.trim().replace(/\.$/, '');
  if (!isDnsName(host)) throw new AppError('REDIRECT_TARGET_INVALID', `"${hostName}" is not a host name the CNAME ${fqdn} can point to`);
  return host;
}

/** DNS names compare without case and without the trailing dot */
export function sameHost(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}
