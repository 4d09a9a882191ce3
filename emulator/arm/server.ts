// The ARM emulator: HTTPS on 127.0.0.1 with a certificate from a local CA (written to a file a
// process can trust through NODE_EXTRA_CA_CERTS), serving Microsoft.Sql managed instances,
// databases, LRS, the encryption protector and the link. A bearer token is required but not
// validated. Admin paths (no token):
//   GET|POST|DELETE /admin/faults                 ARM faults: {"kind":"throttle"|"serverError","count":n,"retryAfterSeconds":s}
//   GET  /admin/requests                          every request answered, with its status
//   GET  /admin/links/{mi}                        the MI's links: roles, mode, lost data
//   POST /admin/links/{mi}/{link}                 link failures: {"partitioned":bool,"bandwidthKBps":n,"latencyMs":n,"certificateExpiry":iso}
//   GET|POST /admin/privateDns/zones, GET|POST|DELETE /admin/privateDns/faults   Private DNS (privateDnsRoutes.ts)
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateTlsMaterial } from '../tds/tls/certificate';
import type { ManagedInstanceLink } from '../link/link';
import type { ArmBackend } from './backend';
import { ArmHttpError } from './errors';
import { ArmFaults, type ArmFault } from './faults';
import { DEFAULT_OPERATION_MS, OperationStore } from './operations';
import { PrivateDnsZones, type PrivateDnsZoneSpec } from './privateDns';
import { isPrivateDnsPath, privateDnsAdmin, routePrivateDns } from './privateDnsRoutes';
import { route, type Reply } from './routes';
import { linkStateJson, lostDataJson } from '../link/summary';

export const ARM_LOOPBACK = '127.0.0.1';
const MAX_BODY = 256 * 1024;
/** real ms between the timer's looks at operations that came due */
const SETTLE_INTERVAL_MS = 100;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

export interface ArmEmulatorOptions {
  backend: ArmBackend;
  /** where to write the CA certificate (PEM) */
  caPath?: string;
  port?: number;
  /** Retry-After seconds on 201/202 and InProgress status bodies */
  retryAfterSeconds?: number;
  /**
   * simulated ms a long-running operation takes before its work runs (default 1000); it proceeds
   * on its own, polled or not (0: the work runs when the request is accepted)
   */
  operationDurationMs?: number;
  /** each answer waits this long: ARM is a remote service, not a loopback call (default 0) */
  responseDelayMs?: number;
  /** the Private DNS zones served under the backend's subscription (more through POST /admin/privateDns/zones) */
  privateDnsZones?: PrivateDnsZoneSpec[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
}

export class ArmEmulator {
  readonly faults = new ArmFaults();
  readonly operations: OperationStore;
  readonly requests: RequestLogEntry[] = [];
  readonly privateDns: PrivateDnsZones;
  retryAfterSeconds: number;
  private readonly server: https.Server;
  private readonly caPem: string;
  private readonly settleTimer: NodeJS.Timeout;
  private readonly stopTicks: (() => void) | undefined;
  private baseUrlValue = '';

  constructor(private readonly options: ArmEmulatorOptions) {
    const tls = generateTlsMaterial(['localhost', ARM_LOOPBACK]);
    this.caPem = tls.ca;
    if (options.caPath) writeFileSync(options.caPath, tls.ca);
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.operations = new OperationStore(() => options.backend.now(), options.operationDurationMs ?? DEFAULT_OPERATION_MS);
    // operations proceed without being polled: on the backend's ticks (the links' clock) and on a timer
    this.stopTicks = options.backend.onTick?.(() => this.operations.settle());
    this.settleTimer = setInterval(() => this.operations.settle(), SETTLE_INTERVAL_MS);
    this.settleTimer.unref();
    this.privateDns = new PrivateDnsZones(options.privateDnsZones);
    this.server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      void this.handle(req, res);
    });
  }

  /** the CA that signed the server certificate (PEM), for tlsOptions.ca */
  get ca(): string {
    return this.caPem;
  }

  /** https://127.0.0.1:PORT */
  get url(): string {
    return this.baseUrlValue;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, ARM_LOOPBACK, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.baseUrlValue = `https://${ARM_LOOPBACK}:${port}`;
    return this.baseUrlValue;
  }

  close(): Promise<void> {
    // background work (LRS loops) must not outlive the endpoint
    this.options.backend.close?.();
    clearInterval(this.settleTimer);
    this.stopTicks?.();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  injectFault(fault: ArmFault): void {
    this.faults.inject(fault);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    let reply: Reply;
    try {
      const body = await readJson(req);
      reply = url.pathname.startsWith('/admin/') ? this.admin(method, url.pathname, body) : this.arm(req, method, url, body);
    } catch (e) {
      reply =
        e instanceof ArmHttpError
          ? { status: e.status, body: e.body(), headers: e.headers }
          : { status: 500, body: { error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) } } };
    }
    if (this.options.responseDelayMs) await new Promise((r) => setTimeout(r, this.options.responseDelayMs));
    this.requests.push({ method, path: url.pathname, status: reply.status });
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      'x-ms-request-id': randomUUID(),
      ...reply.headers,
    });
    res.end(text);
  }

  private arm(req: IncomingMessage, method: string, url: URL, body: unknown): Reply {
    const auth = req.headers.authorization;
    if (!auth || !/^Bearer\s+\S+/i.test(auth)) {
      throw new ArmHttpError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    }
    const fault = this.faults.next();
    if (fault) {
      throw new ArmHttpError(fault.status, fault.code, fault.message, fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) });
    }
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw new ArmHttpError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    if (!API_VERSION.test(apiVersion)) throw new ArmHttpError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid.`);
    const segments = url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    // whatever came due since the last request has happened before this one is answered
    this.operations.settle();
    const reply = isPrivateDnsPath(segments)
      ? routePrivateDns(this.privateDns, { method, segments, query: url.searchParams, headers: req.headers, body, apiVersion, subscriptionId: this.options.backend.subscriptionId, baseUrl: this.baseUrlValue })
      : route(
          { backend: this.options.backend, operations: this.operations, baseUrl: this.baseUrlValue, apiVersion, retryAfterSeconds: this.retryAfterSeconds },
          method,
          segments,
          body,
        );
    this.options.backend.refresh();
    return reply;
  }

  private admin(method: string, path: string, body: unknown): Reply {
    if (path === '/admin/faults' && method === 'POST') {
      try {
        this.faults.inject(body as ArmFault);
      } catch (e) {
        throw new ArmHttpError(400, 'InvalidFault', e instanceof Error ? e.message : String(e));
      }
      return { status: 200, body: { faults: this.faults.list() } };
    }
    if (path === '/admin/faults' && method === 'DELETE') {
      this.faults.clear();
      return { status: 200, body: { faults: [] } };
    }
    if (path === '/admin/faults' && method === 'GET') return { status: 200, body: { faults: this.faults.list() } };
    if (path === '/admin/requests' && method === 'GET') return { status: 200, body: { requests: this.requests } };
    const linkPath = /^\/admin\/links\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (linkPath) return this.adminLinks(method, decodeURIComponent(linkPath[1]), linkPath[2] === undefined ? undefined : decodeURIComponent(linkPath[2]), body);
    const dns = privateDnsAdmin(this.privateDns, this.options.backend.subscriptionId, method, path, body);
    if (dns) return dns;
    throw new ArmHttpError(404, 'NotFound', `No admin path ${method} ${path}.`);
  }

  private adminLinks(method: string, instance: string, name: string | undefined, body: unknown): Reply {
    const backend = this.options.backend;
    const now = backend.now();
    const links = backend.links(instance);
    if (name === undefined && method === 'GET') return { status: 200, body: { links: links.map((l) => linkSummary(l, now)) } };
    const link = links.find((l) => l.name.toLowerCase() === (name ?? '').toLowerCase());
    if (!link) throw new ArmHttpError(404, 'NotFound', `No link '${name ?? ''}' on '${instance}'.`);
    if (method === 'GET') return { status: 200, body: linkSummary(link, now) };
    if (method !== 'POST') throw new ArmHttpError(405, 'MethodNotAllowed', `${method} is not allowed here.`);
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const bad = (field: string, what: string): never => {
      throw new ArmHttpError(400, 'InvalidLinkFault', `"${field}" must be ${what}`);
    };
    if (b.partitioned !== undefined && typeof b.partitioned !== 'boolean') bad('partitioned', 'true or false');
    for (const k of ['bandwidthKBps', 'latencyMs']) if (b[k] !== undefined && !(typeof b[k] === 'number' && (b[k] as number) >= 0)) bad(k, 'a number >= 0');
    if (b.certificateExpiry !== undefined && (typeof b.certificateExpiry !== 'string' || Number.isNaN(Date.parse(b.certificateExpiry)))) bad('certificateExpiry', 'an ISO date-time');
    if (typeof b.partitioned === 'boolean') link.setPartitioned(b.partitioned, now);
    if (b.bandwidthKBps !== undefined || b.latencyMs !== undefined) {
      link.setNetwork({ ...(b.bandwidthKBps === undefined ? {} : { bandwidthKBps: b.bandwidthKBps as number }), ...(b.latencyMs === undefined ? {} : { latencyMs: b.latencyMs as number }) }, now);
    }
    if (typeof b.certificateExpiry === 'string') link.setPartnerCertificate({ name: link.partnerCertificate.name, expiryDate: new Date(b.certificateExpiry) }, now);
    backend.refresh();
    return { status: 200, body: linkSummary(link, now) };
  }
}

/** what the admin API shows of a link: roles, mode, connection and the data lost so far */
function linkSummary(link: ManagedInstanceLink, now: Date): unknown {
  return {
    name: link.name,
    partner: { instance: link.partner.host.config.name, role: link.partner.role },
    instance: { instance: link.instance.host.config.name, role: link.instance.role },
    availabilityMode: link.availabilityMode,
    partitioned: link.partitioned,
    connected: link.isConnected(now),
    network: link.network,
    partnerCertificate: { name: link.partnerCertificate.name, expiryDate: link.partnerCertificate.expiryDate.toISOString() },
    lost: link.lost.map(lostDataJson),
    ...linkStateJson(link),
  };
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ArmHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ArmHttpError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.'));
      }
    });
    req.on('error', reject);
  });
}

/** starts an ARM emulator and waits until it listens */
export async function startArmEmulator(options: ArmEmulatorOptions): Promise<ArmEmulator> {
  const emulator = new ArmEmulator(options);
  await emulator.listen();
  return emulator;
}
