// ClientRedirect over an Azure Private DNS CNAME, with @azure/arm-privatedns. A write is a
// compare-and-swap: read the record set (its ETag), PUT with If-Match on that ETag (If-None-Match: *
// when there is none), and on 412 (someone changed it in between) read again and retry, a bounded
// number of times. Then read it back: a write that does not stick (a policy or another automation
// putting the record back) is an error, never a silent success. Errors carry a catalogued code and
// a message in DNS terms, and never the SDK's request (which holds the bearer token).
import { PrivateDnsManagementClient, type RecordSet } from '@azure/arm-privatedns';
import type { TokenCredential } from '@azure/core-auth';
import { ArmError } from '../arm/errors';
import { armRetryPolicy, type ArmRetryOptions } from '../arm/retry';
import { AppError } from '../errors';
import type { ClientRedirect, RedirectResult, RedirectTarget } from './clientRedirect';
import { checkHostName, checkTarget, sameHost, type CheckedTarget } from './redirectTarget';

const DEFAULT_ENDPOINT = 'https://management.azure.com';
const DEFAULT_CONFLICT_RETRIES = 3;
/** 404 codes that mean the zone (or its resource group or subscription) is missing, not the record */
const ZONE_MISSING_CODES = new Set(['ParentResourceNotFound', 'ResourceGroupNotFound', 'SubscriptionNotFound']);

export interface PrivateDnsCnameOptions {
  credential: TokenCredential;
  /** https://management.azure.com, or the emulator's https://127.0.0.1:PORT */
  endpoint?: string;
  /** extra CA certificates to trust (PEM), e.g. the emulator's local CA */
  ca?: string;
  retry?: ArmRetryOptions;
  /** how many times a write that lost a race (412) is tried again after a fresh read (default 3) */
  maxConflictRetries?: number;
}

/** what the app needs of a CNAME record set */
interface CnameState {
  cname?: string;
  ttl?: number;
  etag?: string;
  metadata?: Record<string, string>;
}

/** status and ARM code of whatever the SDK threw, without keeping the error (its request holds the token) */
interface Failure {
  status?: number;
  code?: string;
  message: string;
}

function failureOf(e: unknown): Failure {
  const f = typeof e === 'object' && e !== null ? (e as { statusCode?: unknown; code?: unknown; message?: unknown }) : {};
  return {
    status: typeof f.statusCode === 'number' ? f.statusCode : undefined,
    code: typeof f.code === 'string' ? f.code : undefined,
    message: typeof f.message === 'string' ? f.message : String(e),
  };
}

const stripDot = (host: string): string => host.replace(/\.$/, '');

export class PrivateDnsCname implements ClientRedirect {
  private readonly endpoint: string;
  private readonly clients = new Map<string, PrivateDnsManagementClient>();

  constructor(private readonly options: PrivateDnsCnameOptions) {
    this.endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  }

  async current(target: RedirectTarget): Promise<string | undefined> {
    const cname = (await this.read(checkTarget(target)))?.cname;
    return cname === undefined ? undefined : stripDot(cname);
  }

  async pointTo(target: RedirectTarget, hostName: string): Promise<RedirectResult> {
    const t = checkTarget(target);
    const host = checkHostName(hostName, t.fqdn);
    const attempts = 1 + (this.options.maxConflictRetries ?? DEFAULT_CONFLICT_RETRIES);
    const first = await this.read(t);
    const previous = first?.cname === undefined ? undefined : stripDot(first.cname);
    let before = first;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) before = await this.read(t);
      if (before && sameHost(before.cname, host) && before.ttl === t.ttlSeconds) {
        // already there (or a writer racing us put it there): nothing to write
        return { fqdn: t.fqdn, previous, current: stripDot(before.cname as string), changed: !sameHost(first?.cname, host) || first?.ttl !== t.ttlSeconds };
      }
      if (!(await this.write(t, host, before))) continue; // 412: changed since we read it
      const after = await this.read(t);
      if (!after || !sameHost(after.cname, host)) throw notApplied(t, host, before, after);
      return { fqdn: t.fqdn, previous, current: stripDot(after.cname as string), changed: true };
    }
    const now = await this.read(t);
    throw new AppError(
      'REDIRECT_CONFLICT',
      `the CNAME ${t.fqdn} was changed by another writer between each read and write (${attempts} attempts to point it to ${host}); it now points to ${now?.cname === undefined ? 'nothing' : stripDot(now.cname)}`,
      { details: { fqdn: t.fqdn, attempts } },
    );
  }

  // ---- the SDK ------------------------------------------------------------------------------------

  private client(subscriptionId: string): PrivateDnsManagementClient {
    const key = subscriptionId.toLowerCase();
    let c = this.clients.get(key);
    if (!c) {
      c = new PrivateDnsManagementClient(this.options.credential, subscriptionId, {
        endpoint: this.endpoint,
        tlsOptions: this.options.ca ? { ca: this.options.ca } : undefined,
      });
      // ARM sends Retry-After on 5xx as well as 429: the same retry policy as the Microsoft.Sql client
      c.pipeline.removePolicy({ name: 'defaultRetryPolicy' });
      c.pipeline.addPolicy(armRetryPolicy(this.options.retry), { phase: 'Retry' });
      this.clients.set(key, c);
    }
    return c;
  }

  /** the CNAME record set, undefined when it does not exist */
  private async read(t: CheckedTarget): Promise<CnameState | undefined> {
    let r: RecordSet;
    try {
      r = await this.client(t.subscriptionId).recordSets.get(t.resourceGroup, t.zoneName, 'CNAME', t.recordName);
    } catch (e) {
      const f = failureOf(e);
      if (f.status === 404 && !ZONE_MISSING_CODES.has(f.code ?? '')) return undefined;
      throw failed(t, 'read', f);
    }
    return { cname: r.cnameRecord?.cname, ttl: r.ttl, etag: r.etag, metadata: r.metadata };
  }

  /** false when the record set changed since `before` was read (412) */
  private async write(t: CheckedTarget, host: string, before: CnameState | undefined): Promise<boolean> {
    // If-Match on the ETag read ('*' if Azure sent none: it must still exist); If-None-Match: * to create only
    const condition = before ? { ifMatch: before.etag ?? '*' } : { ifNoneMatch: '*' };
    try {
      await this.client(t.subscriptionId).recordSets.createOrUpdate(
        t.resourceGroup,
        t.zoneName,
        'CNAME',
        t.recordName,
        { ttl: t.ttlSeconds, cnameRecord: { cname: host }, ...(before?.metadata ? { metadata: before.metadata } : {}) },
        condition,
      );
      return true;
    } catch (e) {
      const f = failureOf(e);
      if (f.status === 412) return false;
      throw failed(t, 'update', f);
    }
  }
}

function notApplied(t: CheckedTarget, host: string, before: CnameState | undefined, after: CnameState | undefined): AppError {
  const details = { fqdn: t.fqdn, wanted: host, found: after?.cname };
  if (!after || after.cname === undefined) return new AppError('REDIRECT_NOT_APPLIED', `the CNAME ${t.fqdn} does not exist after the update to point it to ${host}`, { details });
  const found = stripDot(after.cname);
  const still = before !== undefined && sameHost(before.cname, after.cname);
  return new AppError('REDIRECT_NOT_APPLIED', `the CNAME ${t.fqdn} ${still ? 'still points' : 'points'} to ${found} after the update to point it to ${host}`, { details });
}

/** a failed call as the app reports it: the zone missing, a network failure, or ARM's refusal */
function failed(t: CheckedTarget, action: 'read' | 'update', f: Failure): AppError {
  const what = `the CNAME ${t.fqdn}`;
  if (f.status === 404) {
    return new AppError('REDIRECT_ZONE_NOT_FOUND', `the Private DNS zone ${t.zoneName} (resource group ${t.resourceGroup}, subscription ${t.subscriptionId}) does not exist or the app cannot see it, so ${what} cannot be ${action === 'read' ? 'read' : 'updated'} (ARM ${f.code ?? 'NotFound'}: ${f.message})`);
  }
  if (f.status === undefined) return new AppError('NETWORK_ERROR', `ARM could not be reached to ${action} ${what}: ${f.message}${f.code ? ` (${f.code})` : ''}`);
  return new ArmError(f.code ?? `Http${f.status}`, `could not ${action} ${what}: ${f.message}`, f.status);
}
