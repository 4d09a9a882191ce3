// The Managed Instance link as a clock-driven state machine: a distributed availability group
// between a SQL Server AG (the partner) and a managed instance, per database. advance(now) turns
// the primary's log growth into chunks, ships them at the link's bandwidth and latency, hardens
// them on the secondary (whose database end of log follows) and redoes them. Role changes follow
// SQL Server: planned failover only when synchronized, forced failover records what it loses,
// and a forced failover leaves the old primary claiming PRIMARY until it is demoted.
import { randomUUID } from 'node:crypto';
import type { Database } from '../engine/model';
import { recordsBetween, transactionsFor } from './logMath';
import { LinkRefusal } from './refusal';
import type {
  AvailabilityMode,
  DatabaseLinkSnapshot,
  DatabaseLinkState,
  EndpointCertificate,
  LinkHost,
  LinkOptions,
  LinkRole,
  LinkSideName,
  LinkSideOptions,
  LostData,
  NetworkProfile,
} from './types';

const KB = 1024;
/** ARM refuses a planned failover above these queue sizes (emulator limits; the service's are not published) */
export const PLANNED_FAILOVER_MAX_SEND_QUEUE_KB = 1024;
export const PLANNED_FAILOVER_MAX_REDO_QUEUE_KB = 10 * 1024;

export interface LinkSide extends LinkSideOptions {
  name: LinkSideName;
  role: LinkRole;
  replicaId: string;
}

export interface ConnectError {
  number: number;
  description: string;
  at: Date;
}

/** One side of a saved link: its host by instance name. */
export interface SavedLinkSide {
  host: string;
  availabilityGroupName: string;
  endpointUrl: string;
  role: LinkRole;
  replicaId: string;
}

/** A link as emulator/engine/persistence.ts saves it: everything advance() needs to go on. */
export interface SavedLink {
  name: string;
  groupId: string;
  partner: SavedLinkSide;
  instance: SavedLinkSide;
  availabilityMode: AvailabilityMode;
  failoverMode: 'Manual' | 'None';
  seedingMode: 'Automatic' | 'Manual';
  network: NetworkProfile;
  redoRateKBps: number;
  bytesPerRecord: number;
  partnerCertificate: EndpointCertificate;
  partitioned: boolean;
  lost: LostData[];
  lastConnectError?: ConnectError;
  databases: DatabaseLinkState[];
  lastAdvance: Date;
}

export class ManagedInstanceLink {
  readonly name: string;
  readonly groupId: string;
  readonly partner: LinkSide;
  readonly instance: LinkSide;
  availabilityMode: AvailabilityMode;
  readonly failoverMode: 'Manual' | 'None';
  readonly seedingMode: 'Automatic' | 'Manual';
  network: NetworkProfile;
  redoRateKBps: number;
  readonly bytesPerRecord: number;
  partnerCertificate: EndpointCertificate;
  /** failure injection: no log flows while partitioned */
  partitioned = false;
  readonly lost: LostData[] = [];
  lastConnectError: ConnectError | undefined;
  private dbs: DatabaseLinkState[];
  private lastAdvance: Date;

  constructor(options: LinkOptions) {
    this.name = options.name;
    this.groupId = (options.groupId ?? randomUUID()).toUpperCase();
    const primary = options.primary ?? 'partner';
    this.partner = { ...options.partner, name: 'partner', role: primary === 'partner' ? 'PRIMARY' : 'SECONDARY', replicaId: (options.partnerReplicaId ?? randomUUID()).toUpperCase() };
    this.instance = { ...options.instance, name: 'instance', role: primary === 'instance' ? 'PRIMARY' : 'SECONDARY', replicaId: (options.instanceReplicaId ?? randomUUID()).toUpperCase() };
    this.availabilityMode = options.availabilityMode ?? 'ASYNCHRONOUS_COMMIT';
    this.failoverMode = options.failoverMode ?? 'Manual';
    this.seedingMode = options.seedingMode ?? 'Automatic';
    this.network = { bandwidthKBps: options.network?.bandwidthKBps ?? 10 * KB, latencyMs: options.network?.latencyMs ?? 20 };
    this.redoRateKBps = options.redoRateKBps ?? 20 * KB;
    this.bytesPerRecord = options.bytesPerRecord ?? 256;
    this.partnerCertificate = options.partnerCertificate ?? {
      name: `${options.partner.host.config.name}_link_cert`,
      expiryDate: new Date(options.now.getTime() + 365 * 86_400_000),
    };
    this.lastAdvance = options.now;
    const primaryHost = this.side(primary).host;
    const secondaryHost = this.side(primary === 'partner' ? 'instance' : 'partner').host;
    this.dbs = options.databases.map((name) => {
      const p = requireDb(primaryHost, name);
      const s = requireDb(secondaryHost, name);
      const seeded = options.seeded ?? true;
      if (seeded) s.lastLsn = p.lastLsn;
      const workloadTps = p.workloadTps;
      s.workloadTps = 0;
      const mark = { lsn: p.lastLsn, time: options.now };
      return {
        name: p.name,
        pending: [],
        observedLsn: p.lastLsn,
        sourceSide: primary,
        lastSent: seeded ? mark : undefined,
        lastReceived: seeded ? mark : undefined,
        lastHardened: seeded ? mark : undefined,
        lastRedone: seeded ? mark : undefined,
        redoQueueBytes: 0,
        sendRateBytes: 0,
        workloadTps,
        seeding: seeded ? undefined : { totalBytes: p.files.reduce((sum, f) => sum + f.sizeBytes, 0), doneBytes: 0 },
      };
    });
  }

  // ---- saving and restoring (emulator/engine/persistence.ts) ------------------------------------

  /** the link's whole state; its hosts by name */
  toSaved(): SavedLink {
    const side = (x: LinkSide): SavedLinkSide => ({ host: x.host.config.name, availabilityGroupName: x.availabilityGroupName, endpointUrl: x.endpointUrl, role: x.role, replicaId: x.replicaId });
    return {
      name: this.name,
      groupId: this.groupId,
      partner: side(this.partner),
      instance: side(this.instance),
      availabilityMode: this.availabilityMode,
      failoverMode: this.failoverMode,
      seedingMode: this.seedingMode,
      network: { ...this.network },
      redoRateKBps: this.redoRateKBps,
      bytesPerRecord: this.bytesPerRecord,
      partnerCertificate: { ...this.partnerCertificate },
      partitioned: this.partitioned,
      lost: this.lost,
      lastConnectError: this.lastConnectError,
      databases: this.dbs,
      lastAdvance: this.lastAdvance,
    };
  }

  /**
   * A saved link on the restored hosts, as it was: no re-seeding, the queues and marks kept (the
   * constructor would reset the secondary's log). Throws when a host or a database is missing.
   */
  static fromSaved(saved: SavedLink, hostNamed: (name: string) => LinkHost | undefined): ManagedInstanceLink {
    const side = (x: SavedLinkSide, name: LinkSideName): LinkSide => {
      const host = hostNamed(x.host);
      if (!host) throw new Error(`link '${saved.name}': instance '${x.host}' is not in the estate`);
      return { host, availabilityGroupName: x.availabilityGroupName, endpointUrl: x.endpointUrl, role: x.role, replicaId: x.replicaId, name };
    };
    const link = Object.create(ManagedInstanceLink.prototype) as ManagedInstanceLink;
    Object.assign(link, {
      name: saved.name,
      groupId: saved.groupId,
      partner: side(saved.partner, 'partner'),
      instance: side(saved.instance, 'instance'),
      availabilityMode: saved.availabilityMode,
      failoverMode: saved.failoverMode,
      seedingMode: saved.seedingMode,
      network: { ...saved.network },
      redoRateKBps: saved.redoRateKBps,
      bytesPerRecord: saved.bytesPerRecord,
      partnerCertificate: { ...saved.partnerCertificate },
      partitioned: saved.partitioned,
      lost: [...saved.lost],
      lastConnectError: saved.lastConnectError,
    });
    link.dbs = saved.databases.map((d) => ({ ...d, pending: d.pending.map((c) => ({ ...c })) }));
    link.lastAdvance = saved.lastAdvance;
    for (const d of link.dbs) {
      requireDb(link.partner.host, d.name);
      requireDb(link.instance.host, d.name);
    }
    return link;
  }

  // ---- topology --------------------------------------------------------------------------------

  side(name: LinkSideName): LinkSide {
    return name === 'partner' ? this.partner : this.instance;
  }

  other(name: LinkSideName): LinkSide {
    return name === 'partner' ? this.instance : this.partner;
  }

  /** the side a host plays in this link, if any */
  sideOf(hostName: string): LinkSide | undefined {
    const key = hostName.toLowerCase();
    if (this.partner.host.config.name.toLowerCase() === key) return this.partner;
    if (this.instance.host.config.name.toLowerCase() === key) return this.instance;
    return undefined;
  }

  /** the single primary; undefined when both or neither claim it */
  primary(): LinkSide | undefined {
    const p = [this.partner, this.instance].filter((s) => s.role === 'PRIMARY');
    return p.length === 1 ? p[0] : undefined;
  }

  isSplitBrain(): boolean {
    return this.partner.role === 'PRIMARY' && this.instance.role === 'PRIMARY';
  }

  databaseNames(): string[] {
    return this.dbs.map((d) => d.name);
  }

  /** whether log can flow: one primary, no partition, a valid endpoint certificate */
  isConnected(now: Date = this.lastAdvance): boolean {
    return this.primary() !== undefined && !this.partitioned && now.getTime() < this.partnerCertificate.expiryDate.getTime();
  }

  // ---- failure injection -----------------------------------------------------------------------

  setPartitioned(on: boolean, now: Date): void {
    this.advance(now);
    this.partitioned = on;
    if (on) this.lastConnectError = { number: 35206, description: 'A connection timeout has occurred on a previously established connection to availability replica with id [' + this.other(this.primary()?.name ?? 'partner').replicaId + ']. Either a networking or a firewall issue exists or the availability replica has transitioned to the resolving role.', at: now };
    if (on) for (const d of this.dbs) if (d.seeding) d.seeding.doneBytes = 0; // seeding is not resilient: it restarts
  }

  setNetwork(profile: Partial<NetworkProfile>, now: Date): void {
    this.advance(now);
    this.network = { ...this.network, ...profile };
  }

  setPartnerCertificate(cert: EndpointCertificate, now: Date): void {
    this.advance(now);
    this.partnerCertificate = cert;
  }

  // ---- the clock -------------------------------------------------------------------------------

  /** moves the link to `now`: new log on the primary, shipping, hardening, redo */
  advance(now: Date): void {
    const dtMs = now.getTime() - this.lastAdvance.getTime();
    if (dtMs < 0) return;
    const start = this.lastAdvance;
    this.lastAdvance = now;
    const primary = this.primary();
    if (!primary) {
      for (const d of this.dbs) d.sendRateBytes = 0;
      return;
    }
    const secondary = this.other(primary.name);
    const connected = this.isConnected(now);
    if (!connected && now.getTime() >= this.partnerCertificate.expiryDate.getTime() && !this.partitioned) {
      this.lastConnectError = {
        number: 35206,
        description: `Connection handshake failed. The certificate used by the peer is invalid due to the following reason: Certificate expired. (certificate '${this.partnerCertificate.name}')`,
        at: now,
      };
    }
    for (const d of this.dbs) {
      const p = requireDb(primary.host, d.name);
      const s = requireDb(secondary.host, d.name);
      d.workloadTps = p.workloadTps;
      d.sourceSide = primary.name;
      this.observe(d, p, now);
      if (!connected) {
        d.sendRateBytes = 0;
        this.redo(d, dtMs, now);
        continue;
      }
      const budget = (this.network.bandwidthKBps * KB * dtMs) / 1000;
      if (d.seeding) {
        d.seeding.doneBytes = Math.min(d.seeding.totalBytes, d.seeding.doneBytes + budget);
        d.sendRateBytes = dtMs > 0 ? budget / (dtMs / 1000) : 0;
        if (d.seeding.doneBytes >= d.seeding.totalBytes) this.finishSeeding(d, s, now);
        continue;
      }
      this.ship(d, budget, start, dtMs);
      this.harden(d, s, now);
      this.redo(d, dtMs, now);
    }
  }

  /** the primary's end of log moved: the new log becomes a chunk committed now */
  private observe(d: DatabaseLinkState, p: Database, now: Date): void {
    if (p.lastLsn <= d.observedLsn) return;
    const records = recordsBetween(d.observedLsn, p.lastLsn);
    d.pending.push({ fromLsn: d.observedLsn, toLsn: p.lastLsn, bytes: records * this.bytesPerRecord, transactions: transactionsFor(records), committedAt: now, sentBytes: 0 });
    d.observedLsn = p.lastLsn;
    d.primaryCommitTime = now;
  }

  private finishSeeding(d: DatabaseLinkState, s: Database, now: Date): void {
    d.seeding = undefined;
    const seedLsn = d.pending[0]?.fromLsn ?? d.observedLsn;
    s.lastLsn = seedLsn;
    const mark = { lsn: seedLsn, time: now };
    d.lastSent = mark;
    d.lastReceived = mark;
    d.lastHardened = mark;
    d.lastRedone = mark;
  }

  /** sends up to `budget` bytes of the queue, in order; a chunk is sent when its last byte is */
  private ship(d: DatabaseLinkState, budget: number, start: Date, dtMs: number): void {
    const bytesPerMs = (this.network.bandwidthKBps * KB) / 1000;
    let used = 0;
    for (const chunk of d.pending) {
      if (chunk.sentAt) continue;
      if (used >= budget) break;
      const take = Math.min(chunk.bytes - chunk.sentBytes, budget - used);
      chunk.sentBytes += take;
      used += take;
      if (chunk.sentBytes >= chunk.bytes) {
        const sentAtMs = Math.max(start.getTime() + used / bytesPerMs, chunk.committedAt.getTime());
        chunk.sentAt = new Date(Math.min(sentAtMs, start.getTime() + dtMs));
        d.lastSent = { lsn: chunk.toLsn, time: chunk.sentAt };
      }
    }
    d.sendRateBytes = dtMs > 0 ? used / (dtMs / 1000) : 0;
  }

  /** chunks whose last byte arrived (sent + latency) are hardened on the secondary */
  private harden(d: DatabaseLinkState, s: Database, now: Date): void {
    while (d.pending.length > 0) {
      const chunk = d.pending[0];
      if (!chunk.sentAt) break;
      const arrived = new Date(chunk.sentAt.getTime() + this.network.latencyMs);
      if (arrived.getTime() > now.getTime()) break;
      d.pending.shift();
      s.lastLsn = chunk.toLsn;
      d.lastReceived = { lsn: chunk.toLsn, time: arrived };
      d.lastHardened = { lsn: chunk.toLsn, time: arrived };
      d.secondaryCommitTime = chunk.committedAt;
      d.redoQueueBytes += chunk.bytes;
    }
  }

  private redo(d: DatabaseLinkState, dtMs: number, now: Date): void {
    if (d.redoQueueBytes <= 0) return;
    d.redoQueueBytes = Math.max(0, d.redoQueueBytes - (this.redoRateKBps * KB * dtMs) / 1000);
    if (d.redoQueueBytes === 0 && d.lastHardened) d.lastRedone = { lsn: d.lastHardened.lsn, time: now };
  }

  // ---- availability mode and role changes ------------------------------------------------------

  setAvailabilityMode(mode: AvailabilityMode, now: Date): void {
    this.advance(now);
    this.availabilityMode = mode;
  }

  /** a planned failover (T-SQL FAILOVER on the primary): every database must be SYNCHRONIZED; loses nothing */
  plannedFailover(now: Date): void {
    this.advance(now);
    const primary = this.primary();
    if (!primary) throw new LinkRefusal('notSynchronized', 'the link has no single primary replica');
    const notSynced = this.snapshots(now).filter((s) => s.synchronizationState !== 'SYNCHRONIZED');
    if (notSynced.length > 0) {
      throw new LinkRefusal('notSynchronized', `databases not synchronized: ${notSynced.map((s) => s.name).join(', ')}`);
    }
    // synchronous commit: what is in flight is hardened before the roles change
    for (const d of this.dbs) this.drain(d, primary, now);
    this.swapRoles(primary, now);
  }

  /**
   * ARM failover Planned: the service checks the queues, switches to synchronous commit itself and
   * drains the remaining log before swapping roles, so nothing is lost.
   */
  checkArmPlannedFailover(now: Date): void {
    this.advance(now);
    const primary = this.primary();
    if (!primary || !this.isConnected(now)) throw new LinkRefusal('notSynchronized', 'the secondaries are not synchronizing');
    if (primary.name === 'instance' && this.failoverMode === 'None') throw new LinkRefusal('oneWay', 'a one-way link cannot fail over to SQL Server');
    for (const s of this.snapshots(now)) {
      if (s.synchronizationState === 'NOT SYNCHRONIZING' || s.synchronizationState === 'INITIALIZING') throw new LinkRefusal('notSynchronized', `database '${s.name}' is not synchronizing`);
      if (s.logSendQueueKB > PLANNED_FAILOVER_MAX_SEND_QUEUE_KB) throw new LinkRefusal('sendQueueTooBig', `database '${s.name}' has ${s.logSendQueueKB} KB in its log send queue`);
      if (s.redoQueueKB > PLANNED_FAILOVER_MAX_REDO_QUEUE_KB) throw new LinkRefusal('redoQueueTooBig', `database '${s.name}' has ${s.redoQueueKB} KB in its redo queue`);
    }
  }

  armPlannedFailover(now: Date): void {
    this.checkArmPlannedFailover(now);
    const primary = this.primary() as LinkSide;
    for (const d of this.dbs) this.drain(d, primary, now);
    this.swapRoles(primary, now);
  }

  /** everything pending reaches the secondary (the primary stopped taking commits) */
  private drain(d: DatabaseLinkState, primary: LinkSide, now: Date): void {
    const s = requireDb(this.other(primary.name).host, d.name);
    this.observe(d, requireDb(primary.host, d.name), now);
    for (const chunk of d.pending) {
      chunk.sentAt = now;
      chunk.sentBytes = chunk.bytes;
    }
    const latency = this.network.latencyMs;
    this.network = { ...this.network, latencyMs: 0 };
    this.harden(d, s, now);
    this.network = { ...this.network, latencyMs: latency };
    d.redoQueueBytes = 0;
    if (d.lastHardened) d.lastRedone = { lsn: d.lastHardened.lsn, time: now };
  }

  private swapRoles(oldPrimary: LinkSide, now: Date): void {
    const newPrimary = this.other(oldPrimary.name);
    oldPrimary.role = 'SECONDARY';
    newPrimary.role = 'PRIMARY';
    for (const d of this.dbs) {
      const from = requireDb(oldPrimary.host, d.name);
      const to = requireDb(newPrimary.host, d.name);
      to.workloadTps = d.workloadTps;
      from.workloadTps = 0;
      this.restartStream(d, to, now);
    }
  }

  /** the stream starts again from the new primary's end of log */
  private restartStream(d: DatabaseLinkState, newPrimary: Database, now: Date): void {
    d.sourceSide = this.sideHosting(newPrimary);
    d.pending = [];
    d.observedLsn = newPrimary.lastLsn;
    d.redoQueueBytes = 0;
    d.primaryCommitTime = now;
    d.secondaryCommitTime = now;
    const mark = { lsn: newPrimary.lastLsn, time: now };
    d.lastSent = mark;
    d.lastReceived = mark;
    d.lastHardened = mark;
    d.lastRedone = mark;
  }

  /**
   * FORCE_FAILOVER_ALLOW_DATA_LOSS on `target` (it must be a secondary): it becomes primary with
   * what it has hardened; the rest is recorded as lost. With demoteOther the old primary, when it
   * can be reached, becomes secondary (ARM's whole-link failover); otherwise it keeps claiming
   * PRIMARY (split-brain) until SET (ROLE = SECONDARY).
   */
  forceFailover(target: LinkSideName, now: Date, demoteOther = false): LostData[] {
    this.advance(now);
    const newPrimary = this.side(target);
    if (newPrimary.role === 'PRIMARY') throw new LinkRefusal('alreadyPrimary', `the ${target} side is already primary`);
    const oldPrimary = this.other(target);
    const reachable = this.isConnectedIgnoringRoles(now);
    const lostNow: LostData[] = [];
    for (const d of this.dbs) {
      const np = requireDb(newPrimary.host, d.name);
      if (d.sourceSide === target) {
        // the target wrote the pending log itself (it was the last primary): nothing is lost, and
        // the other side still has to receive it
        np.workloadTps = d.workloadTps;
        continue;
      }
      if (oldPrimary.role === 'PRIMARY') this.observe(d, requireDb(oldPrimary.host, d.name), now);
      const unhardened = d.pending;
      if (unhardened.length > 0) {
        const lostRecord: LostData = {
          database: d.name,
          reason: 'forcedFailover',
          side: oldPrimary.name,
          afterLsn: np.lastLsn,
          throughLsn: unhardened[unhardened.length - 1].toLsn,
          transactions: unhardened.reduce((sum, c) => sum + c.transactions, 0),
          bytes: unhardened.reduce((sum, c) => sum + c.bytes, 0),
          firstCommitTime: unhardened[0].committedAt,
          lastCommitTime: unhardened[unhardened.length - 1].committedAt,
          at: now,
        };
        lostNow.push(lostRecord);
      }
      d.forkLsn = np.lastLsn;
      d.lostThroughLsn = unhardened.length > 0 ? unhardened[unhardened.length - 1].toLsn : np.lastLsn;
      // the application moves to the new primary (a cut-off old primary may keep its own)
      np.workloadTps = d.workloadTps;
      this.restartStream(d, np, now);
    }
    this.lost.push(...lostNow);
    newPrimary.role = 'PRIMARY';
    if (demoteOther && reachable && oldPrimary.role === 'PRIMARY') this.demote(oldPrimary, now);
    return lostNow;
  }

  /** SET (ROLE = SECONDARY) on `target`: a diverged old primary throws away its log after the fork */
  setRoleSecondary(target: LinkSideName, now: Date): LostData[] {
    this.advance(now);
    const side = this.side(target);
    if (side.role === 'SECONDARY') throw new LinkRefusal('alreadyInRole', `the ${target} side is already secondary`);
    return this.demote(side, now);
  }

  private demote(side: LinkSide, now: Date): LostData[] {
    const lostNow: LostData[] = [];
    const other = this.other(side.name);
    side.role = 'SECONDARY';
    for (const d of this.dbs) {
      const db = requireDb(side.host, d.name);
      db.workloadTps = 0;
      if (other.role !== 'PRIMARY') continue; // both secondary: the log freezes where it is
      // what the forced failover already recorded is not counted twice
      const countFrom = d.lostThroughLsn ?? d.forkLsn;
      if (d.forkLsn !== undefined && countFrom !== undefined && db.lastLsn > countFrom) {
        const records = recordsBetween(countFrom, db.lastLsn);
        lostNow.push({
          database: d.name,
          reason: 'divergedPrimaryDemoted',
          side: side.name,
          afterLsn: countFrom,
          throughLsn: db.lastLsn,
          transactions: transactionsFor(records),
          bytes: records * this.bytesPerRecord,
          at: now,
        });
      }
      if (d.forkLsn !== undefined && db.lastLsn > d.forkLsn) db.lastLsn = d.forkLsn;
      d.forkLsn = undefined;
      d.lostThroughLsn = undefined;
      // the stream from the primary restarts at the demoted side's (reverted) end of log
      d.pending = [];
      d.sourceSide = other.name;
      d.observedLsn = db.lastLsn;
      d.redoQueueBytes = 0;
      const mark = { lsn: db.lastLsn, time: now };
      d.lastSent = mark;
      d.lastReceived = mark;
      d.lastHardened = mark;
      d.lastRedone = mark;
      d.secondaryCommitTime = now;
    }
    this.lost.push(...lostNow);
    return lostNow;
  }

  private sideHosting(db: Database): LinkSideName {
    return this.instance.host.findDatabase(db.name) === db ? 'instance' : 'partner';
  }

  /** reachable for a role change: no partition and a valid certificate, whatever the roles say */
  private isConnectedIgnoringRoles(now: Date): boolean {
    return !this.partitioned && now.getTime() < this.partnerCertificate.expiryDate.getTime();
  }

  // ---- what the DMVs and ARM show --------------------------------------------------------------

  snapshots(now: Date): DatabaseLinkSnapshot[] {
    this.advance(now);
    const primary = this.primary();
    const connected = this.isConnected(now);
    return this.dbs.map((d) => {
      const pHost = primary?.host ?? this.partner.host;
      const endOfLog = requireDb(pHost, d.name).lastLsn;
      const queueBytes = d.pending.reduce((sum, c) => sum + (c.bytes - c.sentBytes), 0);
      let state: DatabaseLinkSnapshot['synchronizationState'];
      if (!connected) state = 'NOT SYNCHRONIZING';
      else if (d.seeding) state = 'INITIALIZING';
      else if (this.availabilityMode === 'SYNCHRONOUS_COMMIT' && queueBytes === 0) state = 'SYNCHRONIZED';
      else state = 'SYNCHRONIZING';
      const health: DatabaseLinkSnapshot['synchronizationHealth'] = !connected
        ? 'NOT_HEALTHY'
        : state === 'SYNCHRONIZED' || (this.availabilityMode === 'ASYNCHRONOUS_COMMIT' && state === 'SYNCHRONIZING')
          ? 'HEALTHY'
          : 'PARTIALLY_HEALTHY';
      const lagMs = d.pending.length > 0 && d.primaryCommitTime && d.secondaryCommitTime ? Math.max(0, d.primaryCommitTime.getTime() - d.secondaryCommitTime.getTime()) : 0;
      const pct = d.seeding ? Math.floor((100 * d.seeding.doneBytes) / Math.max(1, d.seeding.totalBytes)) : 100;
      return {
        name: d.name,
        primarySide: primary?.name,
        synchronizationState: state,
        synchronizationHealth: health,
        connected,
        endOfLogLsn: endOfLog,
        lastSent: d.lastSent,
        lastReceived: d.lastReceived,
        lastHardened: d.lastHardened,
        lastRedone: d.lastRedone,
        primaryCommitTime: d.primaryCommitTime,
        secondaryCommitTime: d.secondaryCommitTime,
        logSendQueueKB: Math.ceil(queueBytes / KB),
        logSendRateKBps: Math.round(d.sendRateBytes / KB),
        redoQueueKB: Math.ceil(d.redoQueueBytes / KB),
        redoRateKBps: this.redoRateKBps,
        secondaryLagSeconds: Math.round(lagMs / 1000),
        replicaState: this.isSplitBrain() ? 'LinkSplitBrain' : d.seeding ? 'Seeding' : connected ? 'Catchup' : 'Disconnected',
        seedingPercent: pct,
        mostRecentLinkError: connected ? '' : (this.lastConnectError?.description ?? ''),
      };
    });
  }
}

function requireDb(host: LinkHost, name: string): Database {
  const db = host.findDatabase(name);
  if (!db) throw new Error(`database '${name}' does not exist on ${host.config.name}`);
  return db;
}
