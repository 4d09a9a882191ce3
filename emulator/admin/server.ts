// The admin API on loopback: JSON over HTTP to read each instance's state and to inject or clear
// faults while tests and demos run.
//   GET    /instances                      every instance with its connection info and faults
//   GET    /instances/{name}               one instance: databases, sessions, requests, jobs, faults
//   GET    /instances/{name}/faults        the active faults
//   POST   /instances/{name}/faults        body: a FaultSpec, e.g. {"kind":"transientErrors","count":2}
//   DELETE /instances/{name}/faults        clears every fault
//   DELETE /instances/{name}/faults/{kind} clears one fault
//   POST   /instances/{name}/identity      body: {"urlPrefix": "...", "sas": "..."}: what the instance's
//                                          managed identity may do on storage (CREDENTIAL ... 'MANAGED IDENTITY')
//   GET    /instances/{name}/databases/{db}/workload   the application's writes on the database
//   POST   /instances/{name}/databases/{db}/workload   body: {"tps": n} (0 stops them); 409 on a link secondary
//   GET    /links                          every Managed Instance link: roles, connection, faults
//   GET    /instances/{name}/links[/{link}]            the links an instance takes part in
//   GET    /instances/{name}/links/{link}/faults       the link's active faults
//   POST   /instances/{name}/links/{link}/faults       body: a link fault (emulator/link/faults.ts), e.g. {"kind":"partition"}
//   DELETE /instances/{name}/links/{link}/faults[/{kind}]  clears every fault, or one (undoing it)
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateFault, FAULT_KINDS, type FaultKind } from '../engine/faults';
import type { EmulatedInstance } from '../engine/instance';
import type { Database } from '../engine/model';
import { LINK_FAULT_KINDS, validateLinkFault, type LinkFaultKind } from '../link/faults';
import type { ManagedInstanceLink } from '../link/link';
import { LinkRefusal } from '../link/refusal';
import type { LinkRegistry } from '../link/registry';
import { linkStateJson, lostDataJson } from '../link/summary';

export interface AdminInstance {
  instance: EmulatedInstance;
  host: string;
  port: number;
}

type Reply = { status: number; body: unknown };

const MAX_BODY = 64 * 1024;

export class AdminServer {
  private readonly server: http.Server;

  constructor(
    private readonly instances: () => AdminInstance[],
    private readonly links: () => LinkRegistry | undefined = () => undefined,
  ) {
    this.server = http.createServer((req, res) => {
      this.handle(req)
        .catch((e: unknown): Reply => ({ status: 500, body: { error: e instanceof Error ? e.message : String(e) } }))
        .then((reply) => {
          res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(reply.body, jsonReplacer, 2));
        });
    });
  }

  /** listens on 127.0.0.1; resolves with the port (0 = any free port) */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(req: http.IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (parts.length === 1 && parts[0] === 'health') return { status: 200, body: { ok: true } };
    if (parts.length === 1 && parts[0] === 'links') {
      if (method !== 'GET') return methodNotAllowed();
      const registry = this.links();
      return { status: 200, body: { links: (registry?.links() ?? []).map((l) => linkSummary(l, registry?.clock.now() ?? new Date())) } };
    }
    if (parts[0] !== 'instances') return notFound(`no route ${method} ${url.pathname}`);
    if (parts.length === 1) {
      if (method !== 'GET') return methodNotAllowed();
      return { status: 200, body: this.instances().map(summary) };
    }
    const target = this.instances().find((i) => i.instance.config.name.toLowerCase() === parts[1].toLowerCase());
    if (!target) return notFound(`no instance '${parts[1]}'`);
    const inst = target.instance;
    if (parts.length === 2) {
      if (method !== 'GET') return methodNotAllowed();
      return { status: 200, body: details(target) };
    }
    if (parts[2] === 'identity' && parts.length === 3) {
      if (method !== 'POST') return methodNotAllowed();
      let grant: unknown;
      try {
        grant = JSON.parse(await readBody(req));
      } catch (e) {
        return { status: 400, body: { error: `the body must be JSON: ${e instanceof Error ? e.message : String(e)}` } };
      }
      const g = grant as { urlPrefix?: unknown; sas?: unknown };
      if (typeof g?.urlPrefix !== 'string' || !/^https?:\/\//.test(g.urlPrefix) || typeof g.sas !== 'string' || g.sas.length === 0) {
        return { status: 400, body: { error: 'identity grant needs "urlPrefix" (an http(s) URL) and "sas" (a SAS token)' } };
      }
      inst.grantIdentity(g.urlPrefix, g.sas);
      return { status: 201, body: { grants: inst.identityGrants.map((x) => x.urlPrefix) } };
    }
    if (parts[2] === 'links') return this.handleLinks(req, method, inst, parts.slice(3), url.pathname);
    if (parts[2] === 'databases' && parts.length === 5 && parts[4] === 'workload') return this.handleWorkload(req, method, inst, parts[3]);
    if (parts[2] !== 'faults' || parts.length > 4) return notFound(`no route ${method} ${url.pathname}`);
    if (parts.length === 4) {
      if (method !== 'DELETE') return methodNotAllowed();
      const kind = parts[3] as FaultKind;
      if (!FAULT_KINDS.includes(kind)) return { status: 400, body: { error: `unknown fault kind '${parts[3]}'; one of ${FAULT_KINDS.join(', ')}` } };
      if (!inst.removeFault(kind)) return notFound(`fault '${kind}' is not active on ${inst.config.name}`);
      return { status: 200, body: { faults: inst.faultSwitches.list() } };
    }
    switch (method) {
      case 'GET':
        return { status: 200, body: { faults: inst.faultSwitches.list() } };
      case 'DELETE':
        inst.clearFaults();
        return { status: 200, body: { faults: [] } };
      case 'POST': {
        let spec: unknown;
        try {
          spec = JSON.parse(await readBody(req));
        } catch (e) {
          return { status: 400, body: { error: `the body must be JSON: ${e instanceof Error ? e.message : String(e)}` } };
        }
        try {
          validateFault(spec);
        } catch (e) {
          return { status: 400, body: { error: e instanceof Error ? e.message : String(e) } };
        }
        inst.injectFault(spec);
        return { status: 201, body: { faults: inst.faultSwitches.list() } };
      }
      default:
        return methodNotAllowed();
    }
  }

  /**
   * /instances/{name}/databases/{db}/workload: the application's transactions per second on the
   * database (what a DBA stops before a planned failover). A link secondary takes no writes: 409.
   * On a link, the workload follows the primary role (a failover moves it to the new primary).
   */
  private async handleWorkload(req: http.IncomingMessage, method: string, inst: EmulatedInstance, dbName: string): Promise<Reply> {
    const db = inst.findDatabase(dbName);
    if (!db || db.databaseId < 5) return notFound(`no user database '${dbName}' on ${inst.config.name}`);
    const show = (): unknown => ({ instance: inst.config.name, database: db.name, workloadTps: db.workloadTps, link: linkPart(inst, db.name) });
    if (method === 'GET') return { status: 200, body: show() };
    if (method !== 'POST') return methodNotAllowed();
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (e) {
      return { status: 400, body: { error: `the body must be JSON: ${e instanceof Error ? e.message : String(e)}` } };
    }
    const tps = (body as { tps?: unknown } | null)?.tps;
    if (typeof tps !== 'number' || !Number.isFinite(tps) || tps < 0) return { status: 400, body: { error: 'the body must be {"tps": n} with n a number >= 0 (0 stops the writes)' } };
    const replica = inst.linkReplicaOf(db.name);
    if (replica?.role === 'SECONDARY') {
      const primary = replica.link.primary();
      const where = primary ? `the primary is ${primary.host.config.name}: set the workload there` : 'the link has no primary';
      return {
        status: 409,
        body: { error: `database '${db.name}' on ${inst.config.name} is a secondary replica of link '${replica.link.name}' and takes no writes; ${where}` },
      };
    }
    // the link moves to now first: the log written at the old rate is shipped as written
    this.links()?.refreshHost(inst.config.name);
    db.workloadTps = tps;
    return { status: 200, body: show() };
  }

  /** the link routes: /instances/{name}/links[/{link}[/faults[/{kind}]]] */
  private async handleLinks(req: http.IncomingMessage, method: string, inst: EmulatedInstance, rest: string[], path: string): Promise<Reply> {
    const registry = this.links();
    const now = registry?.clock.now() ?? new Date();
    const mine = registry?.linksOf(inst.config.name) ?? [];
    if (rest.length === 0) {
      if (method !== 'GET') return methodNotAllowed();
      return { status: 200, body: { links: mine.map((l) => linkSummary(l, now)) } };
    }
    const link = mine.find((l) => l.name.toLowerCase() === rest[0].toLowerCase());
    if (!link || !registry) return notFound(`no link '${rest[0]}' on ${inst.config.name}`);
    if (rest.length === 1) {
      if (method !== 'GET') return methodNotAllowed();
      return { status: 200, body: linkSummary(link, now) };
    }
    if (rest[1] !== 'faults' || rest.length > 3) return notFound(`no route ${method} ${path}`);
    const faults = (): unknown => link.faults.map((f) => ({ ...f.spec, since: f.at }));
    if (rest.length === 3) {
      if (method !== 'DELETE') return methodNotAllowed();
      const kind = rest[2] as LinkFaultKind;
      if (!LINK_FAULT_KINDS.includes(kind)) return { status: 400, body: { error: `unknown link fault kind '${rest[2]}'; one of ${LINK_FAULT_KINDS.join(', ')}` } };
      if (!registry.clearFault(link, kind)) return notFound(`link fault '${kind}' is not active on ${link.name}`);
      return { status: 200, body: { faults: faults() } };
    }
    switch (method) {
      case 'GET':
        return { status: 200, body: { faults: faults() } };
      case 'DELETE':
        for (const f of [...link.faults]) registry.clearFault(link, f.spec.kind);
        return { status: 200, body: { faults: [] } };
      case 'POST': {
        let spec: unknown;
        try {
          spec = JSON.parse(await readBody(req));
          validateLinkFault(spec);
        } catch (e) {
          return { status: 400, body: { error: e instanceof Error ? e.message : String(e) } };
        }
        try {
          registry.injectFault(link, spec);
        } catch (e) {
          if (e instanceof LinkRefusal) return { status: 409, body: { error: e.message } };
          throw e;
        }
        return { status: 201, body: { faults: faults(), link: linkSummary(link, registry.clock.now()) } };
      }
      default:
        return methodNotAllowed();
    }
  }
}

/** what the admin API shows of a link: roles, connection, faults, and the data lost so far */
export function linkSummary(link: ManagedInstanceLink, now: Date): unknown {
  return {
    name: link.name,
    groupId: link.groupId,
    partner: { instance: link.partner.host.config.name, availabilityGroup: link.partner.availabilityGroupName, role: link.partner.role },
    instance: { instance: link.instance.host.config.name, availabilityGroup: link.instance.availabilityGroupName, role: link.instance.role },
    availabilityMode: link.availabilityMode,
    connected: link.isConnected(now),
    partitioned: link.partitioned,
    /** the side whose instance is down (instanceDown), if any */
    instanceDown: link.downSide() ?? null,
    redo: { rateKBps: link.redoRateKBps, ...link.redoFault },
    linkError: link.linkError ?? null,
    network: link.network,
    partnerCertificate: { name: link.partnerCertificate.name, expiryDate: link.partnerCertificate.expiryDate.toISOString() },
    faults: link.faults.map((f) => ({ ...f.spec, since: f.at })),
    databases: link.databaseNames(),
    lost: link.lost.map(lostDataJson),
    ...linkStateJson(link),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const notFound = (error: string): Reply => ({ status: 404, body: { error } });
const methodNotAllowed = (): Reply => ({ status: 405, body: { error: 'method not allowed' } });

function summary(a: AdminInstance): unknown {
  const inst = a.instance;
  return {
    name: inst.config.name,
    kind: inst.config.kind,
    serverName: inst.serverName,
    version: inst.product.productVersion,
    updatePolicy: inst.config.updatePolicy ?? null,
    host: a.host,
    port: a.port,
    down: inst.faultSwitches.isDown(),
    faults: inst.faultSwitches.list(),
  };
}

function details(a: AdminInstance): unknown {
  const inst = a.instance;
  return {
    ...(summary(a) as object),
    now: inst.now(),
    freeSpaceBytes: inst.config.freeSpaceBytes,
    databases: inst.databases().map((d) => ({
      name: d.name,
      databaseId: d.databaseId,
      state: d.state,
      recoveryModel: d.recoveryModel,
      userAccess: d.userAccess,
      tde: d.tde,
      lastLsn: d.lastLsn,
      workloadTps: d.workloadTps,
      link: linkPart(inst, d.name),
      tables: d.tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rowCount })),
      ...(inst.config.kind === 'managedInstance' ? { automatedBackups: automatedBackupJson(d.automatedBackup) } : {}),
    })),
    automatedBackups: inst.config.automatedBackups ?? null,
    backups: inst.backupHistory.map((b) => ({
      backupSetGuid: b.backupSetGuid,
      database: b.databaseName,
      type: b.type,
      isCopyOnly: b.isCopyOnly,
      automated: b.automated === true,
      name: b.name ?? null,
      firstLsn: b.firstLsn,
      lastLsn: b.lastLsn,
      startDate: b.backupStartDate,
      finishDate: b.backupFinishDate,
      devices: b.deviceUrls,
    })),
    sessions: inst.sessions().map((s) => ({ spid: s.spid, login: s.loginName, program: s.programName, database: s.currentDatabase(), running: s.currentStatement()?.command ?? null })),
    requests: inst.activeRequests().map((r) => ({ ...r, cancel: undefined })),
    operations: inst.operations,
    jobs: inst.jobs.map((j) => ({ jobId: j.jobId, name: j.name, running: j.running ?? null, steps: j.steps.length, history: j.history.length })),
    credentials: inst.credentials.map((c) => ({ name: c.name, identity: c.identity })),
  };
}

/** the database's part in a link on this instance: its link and this side's role */
function linkPart(inst: EmulatedInstance, db: string): unknown {
  const r = inst.linkReplicaOf(db);
  return r ? { name: r.link.name, role: r.role } : null;
}

/** a managed instance's automated backups of one database (engine/automatedBackups.ts) */
function automatedBackupJson(s: Database['automatedBackup']): unknown {
  // not yet seen as existing (restoring, seeding, or before the instance's first workload tick)
  if (!s) return { existsSince: null, firstFullAt: null, lastFullAt: null, nextFullAt: null, running: null };
  return {
    existsSince: s.existsSince,
    firstFullAt: s.firstFullAt ?? null,
    lastFullAt: s.lastFullAt ?? null,
    nextFullAt: s.nextFullAt,
    running: s.running ? { startedAt: s.running.startedAt, finishAt: s.running.finishAt } : null,
  };
}

/** bigint LSNs as decimal strings; functions dropped */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return undefined;
  return value;
}
