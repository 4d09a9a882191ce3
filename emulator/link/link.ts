// The Managed Instance link as a clock-driven state machine: a distributed availability group
// between a SQL Server AG (the partner) and a managed instance, per database. advance(now) turns
// the primary's log growth into chunks, ships them at the link's bandwidth and latency, hardens
// them on the secondary (whose database end of log follows) and redoes them at the secondary's
// redo rate. Role changes follow SQL Server: planned failover only when synchronized, forced
// failover records what it loses, and a forced failover leaves the old primary claiming PRIMARY
// until it is demoted.
//
// Each side knows only what it can: the primary knows its own log, what it sent and what the
// secondary last reported (primaryView); the secondary knows what it received, hardened and redid,
// and what the primary last told it (secondaryView). Both views freeze while the two are cut off
// (a partition, an expired endpoint certificate, a link error), each in its own way.
import { randomUUID } from 'node:crypto';
import { LOG_BYTES_PER_RECORD } from '../engine/lsn';
import { recordLogWrite } from '../engine/logSpace';
import type { Database } from '../engine/model';
import { recordsBetween, transactionsFor } from './logMath';
import { count, newMeter, rate } from './rates';
import { LinkRefusal } from './refusal';
import type {
  AvailabilityMode,
  DatabaseLinkSnapshot,
  DatabaseLinkState,
  EndpointCertificate,
  LinkErrorState,
  LinkHost,
  LinkOptions,
  LinkRole,
  LinkSideName,
  LinkSideOptions,
  LostData,
  NetworkProfile,
  PrimaryView,
  SecondaryView,
  SeedingRecord,
  SideModes,
} from './types';
import { guidFrom } from './ids';
import type { ActiveLinkFault } from './faults';

const KB = 1024;
/** ARM refuses a planned failover above these queue sizes (emulator limits; the service's are not published) */
/** the replicas' SESSION_TIMEOUT: how long a silent partner is still believed connected */
export const SESSION_TIMEOUT_MS = 10_000;
export const PLANNED_FAILOVER_MAX_SEND_QUEUE_KB = 1024;
export const PLANNED_FAILOVER_MAX_REDO_QUEUE_KB = 10 * 1024;
const DAY_MS = 86_400_000;

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

/** The secondary's redo: a cap (slow redo) or stopped altogether (a stalled secondary). */
export interface RedoFault {
  capKBps?: number;
  stalled?: boolean;
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
  partitionedAt?: Date | string;
  lost: LostData[];
  lastConnectError?: ConnectError;
  databases: DatabaseLinkState[];
  lastAdvance: Date;
  // added later; absent in older state files
  requiredSynchronizedSecondariesToCommit?: number;
  partnerAgRequiredSynchronizedSecondariesToCommit?: number;
  redoFault?: RedoFault;
  linkError?: LinkErrorState;
  /** the partner's role as the managed instance last saw it (ARM partnerLinkRole) */
  partnerRoleSeenByInstance?: LinkRole;
  createdAt?: Date;
  faults?: ActiveLinkFault[];
  /** each side's own availability modes (older files: availabilityMode on both) */
  modes?: Record<LinkSideName, SideModes>;
  /** the side whose DAG was dropped (ARM DELETE, DROP AVAILABILITY GROUP) while the other keeps its own */
  droppedSide?: LinkSideName;
}

const SYNC: AvailabilityMode = 'SYNCHRONOUS_COMMIT';
const ASYNC: AvailabilityMode = 'ASYNCHRONOUS_COMMIT';
const bothMembers = (mode: AvailabilityMode): SideModes => ({ partner: mode, instance: mode });
/** how long a resumed secondary takes at least to undo its diverged log (INFERRED) */
const MIN_REVERT_MS = 1_000;

export class ManagedInstanceLink {
  readonly name: string;
  readonly groupId: string;
  readonly partner: LinkSide;
  readonly instance: LinkSide;
  /** each side's own setting of the DAG (its view of both members' modes) */
  modes: Record<LinkSideName, SideModes>;
  /** the side whose DAG was dropped: it no longer takes part, the other keeps its half until dropped too */
  droppedSide: LinkSideName | undefined;
  readonly failoverMode: 'Manual' | 'None';
  readonly seedingMode: 'Automatic' | 'Manual';
  network: NetworkProfile;
  /** what the secondary redoes per second when nothing holds it back */
  redoRateKBps: number;
  readonly bytesPerRecord: number;
  /** SQL Server's endpoint certificate (shared by every link of that SQL Server: see LinkRegistry) */
  partnerCertificate: EndpointCertificate;
  /** failure injection: no log flows while partitioned */
  partitioned = false;
  /** when the partition began: each side notices it only SESSION_TIMEOUT_MS later */
  partitionedAt?: Date;
  readonly lost: LostData[] = [];
  /** the last connection error, kept after the link reconnects (last_connect_error_*) */
  lastConnectError: ConnectError | undefined;
  /** ALTER AVAILABILITY GROUP ... SET (REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT = n) on the DAG */
  requiredSynchronizedSecondariesToCommit = 0;
  /** the same setting on SQL Server's own AG under the DAG */
  partnerAgRequiredSynchronizedSecondariesToCommit = 0;
  redoFault: RedoFault = {};
  /** a link error injected (REFERENCE 3.9): the link does not replicate while it lasts */
  linkError: LinkErrorState | undefined;
  /** faults injected through the admin API or the estate file (faults.ts) */
  faults: ActiveLinkFault[] = [];
  /** ARM's partnerLinkRole: what the managed instance last learned of SQL Server's role */
  partnerRoleSeenByInstance: LinkRole;
  createdAt: Date;
  /** told of every change, so cached views are recomputed (the registry sets it) */
  onChange?: () => void;
  /** the side whose instance was found down (instanceDown): its connection error is recorded once */
  private downNoted: LinkSideName | undefined;
  /** gives a certificate change to every link of the same SQL Server endpoint (the registry sets it) */
  shareCertificate?: (cert: EndpointCertificate) => void;
  private dbs: DatabaseLinkState[];
  private lastAdvance: Date;

  constructor(options: LinkOptions) {
    this.name = options.name;
    this.groupId = (options.groupId ?? randomUUID()).toUpperCase();
    const primary = options.primary ?? 'partner';
    this.partner = { ...options.partner, name: 'partner', role: primary === 'partner' ? 'PRIMARY' : 'SECONDARY', replicaId: (options.partnerReplicaId ?? randomUUID()).toUpperCase() };
    this.instance = { ...options.instance, name: 'instance', role: primary === 'instance' ? 'PRIMARY' : 'SECONDARY', replicaId: (options.instanceReplicaId ?? randomUUID()).toUpperCase() };
    this.partnerRoleSeenByInstance = this.partner.role;
    const mode = options.availabilityMode ?? ASYNC;
    this.modes = { partner: bothMembers(mode), instance: bothMembers(mode) };
    this.droppedSide = undefined;
    this.failoverMode = options.failoverMode ?? 'Manual';
    this.seedingMode = options.seedingMode ?? 'Automatic';
    this.network = { bandwidthKBps: options.network?.bandwidthKBps ?? 10 * KB, latencyMs: options.network?.latencyMs ?? 20 };
    this.redoRateKBps = options.redoRateKBps ?? 20 * KB;
    this.bytesPerRecord = options.bytesPerRecord ?? LOG_BYTES_PER_RECORD;
    // the link's setup script names it so (CREATE CERTIFICATE without EXPIRY_DATE lives a year)
    this.partnerCertificate = options.partnerCertificate ?? {
      name: `Cert_${options.partner.host.serverName}_endpoint`,
      expiryDate: new Date(options.now.getTime() + 365 * DAY_MS),
    };
    this.lastAdvance = options.now;
    this.createdAt = options.now;
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
      // the link requires a full backup first (a database joins an availability group only after
      // one, taken before the emulated history starts: no msdb row): log backups continue from it,
      // and from here on only they truncate the log
      p.logTruncationLsn ??= p.lastLsn;
      if (p.recoveryModel !== 'SIMPLE' && p.differentialBaseLsn === undefined) {
        p.differentialBaseLsn = p.lastLsn;
        p.differentialBaseGuid = guidFrom(`${this.groupId}/${p.name}/full-before-link`);
      }
      const d: DatabaseLinkState = {
        name: p.name,
        pending: [],
        observedLsn: p.lastLsn,
        sourceSide: primary,
        lastSent: seeded ? mark : undefined,
        lastReceived: seeded ? mark : undefined,
        lastHardened: seeded ? mark : undefined,
        lastRedone: seeded ? mark : undefined,
        primaryCommitTime: seeded ? options.now : undefined,
        secondaryCommitTime: seeded ? options.now : undefined,
        redoQueueBytes: 0,
        sendRateBytes: 0,
        workloadTps,
        recoveryLsn: p.lastLsn,
        redo: [],
        redoneCommit: seeded ? mark : undefined,
        sent: newMeter(),
        received: newMeter(),
        redone: newMeter(),
        primaryView: emptyPrimaryView(),
        secondaryView: emptySecondaryView(),
        seedingHistory: [],
      };
      if (seeded) {
        d.primaryView = { lastReceived: mark, lastHardened: mark, lastRedone: mark, endOfLogLsn: mark.lsn, hardenedCommitTime: options.now, redoneCommit: mark, redoQueueBytes: 0, redoRateBytes: 0 };
        d.secondaryView = { lastSent: mark, endOfLogLsn: mark.lsn, sendQueueBytes: 0, sendRateBytes: 0 };
      } else {
        // automatic seeding creates the secondary database: it exists for the service (automated
        // backups) once seeding is done
        s.automatedBackup = undefined;
        this.startSeeding(d, p, options.now);
      }
      return d;
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
      modes: { partner: { ...this.modes.partner }, instance: { ...this.modes.instance } },
      droppedSide: this.droppedSide,
      failoverMode: this.failoverMode,
      seedingMode: this.seedingMode,
      network: { ...this.network },
      redoRateKBps: this.redoRateKBps,
      bytesPerRecord: this.bytesPerRecord,
      partnerCertificate: { ...this.partnerCertificate },
      partitioned: this.partitioned,
      partitionedAt: this.partitionedAt,
      lost: this.lost,
      lastConnectError: this.lastConnectError,
      databases: this.dbs,
      lastAdvance: this.lastAdvance,
      requiredSynchronizedSecondariesToCommit: this.requiredSynchronizedSecondariesToCommit,
      partnerAgRequiredSynchronizedSecondariesToCommit: this.partnerAgRequiredSynchronizedSecondariesToCommit,
      redoFault: { ...this.redoFault },
      linkError: this.linkError,
      partnerRoleSeenByInstance: this.partnerRoleSeenByInstance,
      createdAt: this.createdAt,
      faults: this.faults,
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
    const partner = side(saved.partner, 'partner');
    Object.assign(link, {
      name: saved.name,
      groupId: saved.groupId,
      partner,
      instance: side(saved.instance, 'instance'),
      modes: saved.modes
        ? { partner: { ...saved.modes.partner }, instance: { ...saved.modes.instance } }
        : { partner: bothMembers(saved.availabilityMode), instance: bothMembers(saved.availabilityMode) },
      droppedSide: saved.droppedSide,
      failoverMode: saved.failoverMode,
      seedingMode: saved.seedingMode,
      network: { ...saved.network },
      redoRateKBps: saved.redoRateKBps,
      bytesPerRecord: saved.bytesPerRecord,
      partnerCertificate: { ...saved.partnerCertificate },
      partitioned: saved.partitioned,
      // a restart drops the established session, so a partition in place shows at once (no session left to time out)
      partitionedAt: saved.partitionedAt === undefined ? undefined : new Date(new Date(saved.partitionedAt).getTime() - SESSION_TIMEOUT_MS),
      lost: [...saved.lost],
      lastConnectError: saved.lastConnectError,
      requiredSynchronizedSecondariesToCommit: saved.requiredSynchronizedSecondariesToCommit ?? 0,
      partnerAgRequiredSynchronizedSecondariesToCommit: saved.partnerAgRequiredSynchronizedSecondariesToCommit ?? 0,
      redoFault: { ...(saved.redoFault ?? {}) },
      linkError: saved.linkError,
      partnerRoleSeenByInstance: saved.partnerRoleSeenByInstance ?? partner.role,
      createdAt: saved.createdAt ?? saved.lastAdvance,
      faults: [...(saved.faults ?? [])],
    });
    link.dbs = saved.databases.map((d) => withDefaults({ ...d, pending: d.pending.map((c) => ({ ...c })) }));
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

  /** one database's replication state (read-only: the DMV rows are built from it) */
  database(name: string): Readonly<DatabaseLinkState> | undefined {
    return this.dbs.find((d) => d.name.toLowerCase() === name.toLowerCase());
  }

  databases(): readonly Readonly<DatabaseLinkState>[] {
    return this.dbs;
  }

  /** the two endpoints can talk: both instances up, no partition, a valid certificate, no link error (roles aside) */
  isReachable(now: Date = this.lastAdvance): boolean {
    return (
      this.droppedSide === undefined &&
      this.downSide() === undefined &&
      !this.partitioned &&
      this.linkError === undefined &&
      now.getTime() < this.partnerCertificate.expiryDate.getTime()
    );
  }

  /** a side whose instance is down (the admin API's instanceDown), if any */
  downSide(): LinkSideName | undefined {
    if (this.partner.host.isDown?.()) return 'partner';
    if (this.instance.host.isDown?.()) return 'instance';
    return undefined;
  }

  /**
   * An instance went down or came back. The other side's session to it is reset at once (the
   * process is gone: its endpoint refuses connections), so it is DISCONNECTED without waiting for
   * the session timeout, and its reconnection attempts fail: 35201 in the replica states (INFERRED:
   * the number SQL Server gives an endpoint it cannot reach). Seeding starts over (REFERENCE 3.9).
   * Called by the registry when an instance's availability changes, and by advance().
   */
  noteHostAvailability(now: Date): void {
    const down = this.downSide();
    if (down === this.downNoted) return;
    this.downNoted = down;
    this.onChange?.();
    if (!down) return;
    const remote = this.side(down);
    const description = `A connection timeout has occurred while attempting to establish a connection to availability replica '${remote.availabilityGroupName}' with id [${remote.replicaId}]. Either a networking or firewall issue exists, or the endpoint address provided for the replica is not the database mirroring endpoint of the host server instance.`;
    this.lastConnectError = { number: 35201, description, at: now };
    this.interruptSeeding(now, 35201, description);
  }

  /** whether log can flow: one primary and the two sides reachable */
  isConnected(now: Date = this.lastAdvance): boolean {
    return this.primary() !== undefined && this.isReachable(now);
  }

  /**
   * What the replicas report: a partner that went silent (a partition) still counts as CONNECTED
   * until SESSION_TIMEOUT passes without a ping (10 s by default, CREATE AVAILABILITY GROUP), while
   * in fact nothing flows; a refused handshake or a link error is known at once.
   */
  appearsConnected(now: Date = this.lastAdvance): boolean {
    if (this.isConnected(now)) return true;
    if (!this.partitioned || this.partitionedAt === undefined || this.primary() === undefined) return false;
    const otherwiseReachable = this.linkError === undefined && now.getTime() < this.partnerCertificate.expiryDate.getTime();
    return otherwiseReachable && now.getTime() - this.partitionedAt.getTime() < SESSION_TIMEOUT_MS;
  }

  /** the secondary's redo capacity in bytes per second (0 when stalled) */
  private redoBytesPerSecond(): number {
    if (this.redoFault.stalled) return 0;
    const kbps = this.redoFault.capKBps === undefined ? this.redoRateKBps : Math.min(this.redoRateKBps, this.redoFault.capKBps);
    return kbps * KB;
  }

  // ---- failure injection -----------------------------------------------------------------------

  setPartitioned(on: boolean, now: Date): void {
    this.onChange?.();
    this.advance(now);
    if (on && !this.partitioned) {
      this.partitionedAt = now;
      this.interruptSeeding(now, 35206, this.sessionTimeoutError().description);
    }
    if (!on) this.partitionedAt = undefined;
    this.partitioned = on;
  }

  setNetwork(profile: Partial<NetworkProfile>, now: Date): void {
    this.onChange?.();
    this.advance(now);
    this.network = { ...this.network, ...profile };
  }

  /**
   * the endpoint certificate SQL Server uses (a rotation, or one set to expire); through the
   * registry it reaches every link of that SQL Server, which share its one endpoint
   */
  setPartnerCertificate(cert: EndpointCertificate, now: Date): void {
    if (this.shareCertificate) this.shareCertificate(cert);
    else this.usePartnerCertificate(cert, now);
  }

  /** this link's copy of the certificate only (the registry calls it for every link of the endpoint) */
  usePartnerCertificate(cert: EndpointCertificate, now: Date): void {
    this.onChange?.();
    this.advance(now);
    this.partnerCertificate = { ...cert };
  }

  /** slow or stalled redo on the secondary; {} puts it back to its normal rate */
  setRedoFault(fault: RedoFault, now: Date): void {
    this.onChange?.();
    this.advance(now);
    this.redoFault = { ...fault };
  }

  /** a link error (REFERENCE 3.9); undefined clears it and the link reconnects */
  setLinkError(error: Omit<LinkErrorState, 'at'> | undefined, now: Date): void {
    this.onChange?.();
    this.advance(now);
    if (error) {
      this.linkError = { ...error, at: now };
      this.lastConnectError = { number: error.number, description: error.description, at: now };
      this.interruptSeeding(now, error.number, error.description);
    } else this.linkError = undefined;
  }

  // ---- the clock -------------------------------------------------------------------------------

  /** moves the link to `now`: new log on the primary, shipping, hardening, redo */
  advance(now: Date): void {
    const dtMs = now.getTime() - this.lastAdvance.getTime();
    if (dtMs <= 0) return;
    this.onChange?.();
    const start = this.lastAdvance;
    this.lastAdvance = now;
    const t = now.getTime();
    this.noteHostAvailability(now);
    const reachable = this.isReachable(now);
    // the managed instance learns SQL Server's role whenever they can talk
    if (reachable) this.partnerRoleSeenByInstance = this.partner.role;
    const expired = now.getTime() >= this.partnerCertificate.expiryDate.getTime();
    if (expired && !this.partitioned && this.lastConnectError?.number !== 35201) {
      // the handshake fails, so a connection cannot be (re)established: 35201 in the replica states
      const remote = this.other(this.primary()?.name ?? 'partner');
      this.lastConnectError = {
        number: 35201,
        description: `A connection timeout has occurred while attempting to establish a connection to availability replica '${remote.availabilityGroupName}' with id [${remote.replicaId}]. Either a networking or firewall issue exists, or the endpoint address provided for the replica is not the database mirroring endpoint of the host server instance.`,
        at: new Date(Math.max(this.partnerCertificate.expiryDate.getTime(), start.getTime())),
      };
      this.interruptSeeding(now, 35201, this.lastConnectError.description);
    }
    if (this.partitioned && this.partitionedAt && t - this.partitionedAt.getTime() >= SESSION_TIMEOUT_MS && this.lastConnectError?.number !== 35206) {
      // the established connection times out: 35206 in the replica states, at the session timeout
      this.lastConnectError = { ...this.sessionTimeoutError(), at: new Date(this.partitionedAt.getTime() + SESSION_TIMEOUT_MS) };
    }
    // a primary whose DAG was dropped writes to its own database only
    const primary = this.primary()?.name === this.droppedSide ? undefined : this.primary();
    for (const d of this.dbs) {
      if (d.reverting && t >= d.reverting.until.getTime()) this.finishRevert(d, now);
      // the secondary keeps redoing what it hardened, whatever the primary does
      const secondaryName: LinkSideName | undefined = primary ? this.other(primary.name).name : undefined;
      if (!primary || !secondaryName) {
        if (this.isSplitBrain()) this.trackSplitBrain(d, now);
        this.redo(d, this.redoHostDb(d), dtMs, now);
        continue;
      }
      const p = requireDb(primary.host, d.name);
      const s = requireDb(this.side(secondaryName).host, d.name);
      d.workloadTps = p.workloadTps;
      d.sourceSide = primary.name;
      this.observe(d, p, now);
      // suspended or reverting: the primary's log queues up, nothing is sent
      if (!reachable || d.suspended || d.reverting) {
        count(d.sent!, t, 0);
        this.redo(d, s, dtMs, now);
        this.holdLog(d, p, s);
        continue;
      }
      const budget = (this.network.bandwidthKBps * KB * dtMs) / 1000;
      if (d.seeding) {
        const take = Math.min(budget, d.seeding.totalBytes - d.seeding.doneBytes);
        d.seeding.doneBytes += take;
        count(d.sent!, t, take);
        const op = currentSeeding(d);
        if (op) op.doneBytes = d.seeding.doneBytes;
        if (d.seeding.doneBytes >= d.seeding.totalBytes) this.finishSeeding(d, s, now);
        this.report(d, p, s);
        this.holdLog(d, p, s);
        continue;
      }
      if (!this.redoFault.stalled) {
        this.ship(d, budget, start, dtMs, t);
        this.harden(d, s, now);
      } else count(d.sent!, t, 0);
      this.redo(d, s, dtMs, now);
      this.report(d, p, s);
      this.holdLog(d, p, s);
    }
  }

  private sessionTimeoutError(): { number: number; description: string } {
    // (as the message catalogue words 35206)
    const remote = this.other(this.primary()?.name ?? 'partner');
    return {
      number: 35206,
      description: `A connection timeout has occurred on a previously established connection to availability replica '${remote.availabilityGroupName}' with id [${remote.replicaId}]. Either a networking or a firewall issue exists or the availability replica has transitioned to the resolving role.`,
    };
  }

  /** the database that redoes when there is no single primary: the side that last received */
  private redoHostDb(d: DatabaseLinkState): Database {
    const receiver = this.other(d.sourceSide);
    return requireDb(receiver.host, d.name);
  }

  /** connected: each side learns what the other has (progress messages both ways) */
  private report(d: DatabaseLinkState, p: Database, s: Database): void {
    const pv = d.primaryView!;
    pv.lastReceived = d.lastReceived;
    pv.lastHardened = d.lastHardened;
    pv.lastRedone = d.lastRedone;
    pv.endOfLogLsn = d.seeding ? undefined : s.lastLsn;
    pv.hardenedCommitTime = d.secondaryCommitTime;
    pv.redoneCommit = d.redoneCommit;
    pv.redoQueueBytes = d.redoQueueBytes;
    pv.redoRateBytes = rate(d.redone);
    const sv = d.secondaryView!;
    sv.lastSent = d.lastSent;
    sv.endOfLogLsn = p.lastLsn;
    sv.sendQueueBytes = sendQueueBytes(d);
    sv.sendRateBytes = rate(d.sent);
  }

  /** the primary keeps the log its secondary has not hardened (as far as it knows) */
  private holdLog(d: DatabaseLinkState, p: Database, s: Database): void {
    // seeding needs the log from its start on; afterwards, what the secondary hardened
    const hardened = d.seeding ? (d.pending[0]?.fromLsn ?? d.observedLsn) : d.primaryView?.lastHardened?.lsn;
    p.logTruncationHoldLsn = hardened ?? p.logTruncationHoldLsn;
    s.logTruncationHoldLsn = undefined;
  }

  /**
   * Both claim PRIMARY: the new primary's log queues for its (stale) partner, and the old
   * primary's own commits after the fork are what its DMV row shows (end_of_log, last_commit).
   */
  private trackSplitBrain(d: DatabaseLinkState, now: Date): void {
    this.observe(d, requireDb(this.side(d.sourceSide).host, d.name), now);
    const stale = d.divergence;
    if (!stale || this.side(stale.side).role !== 'PRIMARY') return;
    const own = requireDb(this.side(stale.side).host, d.name);
    if (own.lastLsn > (stale.lastCommit?.lsn ?? d.forkLsn ?? 0n)) stale.lastCommit = { lsn: own.lastLsn, time: now };
  }

  /** the primary's end of log moved: the new log becomes a chunk committed now */
  private observe(d: DatabaseLinkState, p: Database, now: Date): void {
    if (p.lastLsn <= d.observedLsn) return;
    const records = recordsBetween(d.observedLsn, p.lastLsn);
    d.pending.push({ fromLsn: d.observedLsn, toLsn: p.lastLsn, bytes: records * this.bytesPerRecord, transactions: transactionsFor(records), committedAt: now, sentBytes: 0 });
    d.observedLsn = p.lastLsn;
    d.primaryCommitTime = now;
  }

  private startSeeding(d: DatabaseLinkState, p: Database, now: Date): void {
    const totalBytes = p.files.reduce((sum, f) => sum + f.sizeBytes, 0);
    d.seeding = { totalBytes, doneBytes: 0 };
    const n = (d.seedingHistory ?? []).length;
    const record: SeedingRecord = {
      operationId: guidFrom(`${this.groupId}/${d.name}/seeding/${n}/local`),
      remoteOperationId: guidFrom(`${this.groupId}/${d.name}/seeding/${n}/remote`),
      startedAt: now,
      state: 'SEEDING',
      attempts: 1,
      totalBytes,
      doneBytes: 0,
    };
    d.seedingHistory = [...(d.seedingHistory ?? []), record];
  }

  /** seeding is not resilient (REFERENCE 3.9): a lost connection starts it over from zero */
  private interruptSeeding(now: Date, number: number, message: string): void {
    for (const d of this.dbs) {
      if (!d.seeding) continue;
      d.seeding.doneBytes = 0;
      const op = currentSeeding(d);
      if (op) {
        op.attempts += 1;
        op.doneBytes = 0;
        op.failureCode = number;
        op.failureMessage = message;
        op.failedAt = now;
      }
    }
  }

  private finishSeeding(d: DatabaseLinkState, s: Database, now: Date): void {
    d.seeding = undefined;
    const op = currentSeeding(d);
    if (op) {
      op.state = 'COMPLETED';
      op.completedAt = now;
      op.doneBytes = op.totalBytes;
    }
    const seedLsn = d.pending[0]?.fromLsn ?? d.observedLsn;
    s.lastLsn = seedLsn;
    const mark = { lsn: seedLsn, time: now };
    d.lastSent = mark;
    d.lastReceived = mark;
    d.lastHardened = mark;
    d.lastRedone = mark;
    d.redoneCommit = mark;
    d.secondaryCommitTime = d.pending[0]?.committedAt ?? d.primaryCommitTime ?? now;
  }

  /** sends up to `budget` bytes of the queue, in order; a chunk is sent when its last byte is */
  private ship(d: DatabaseLinkState, budget: number, start: Date, dtMs: number, t: number): void {
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
    count(d.sent!, t, used);
  }

  /** chunks whose last byte arrived (sent + latency) are hardened on the secondary */
  private harden(d: DatabaseLinkState, s: Database, now: Date): void {
    let bytes = 0;
    let transactions = 0;
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
      d.redo!.push({ toLsn: chunk.toLsn, bytes: chunk.bytes, left: chunk.bytes, committedAt: chunk.committedAt });
      d.redoQueueBytes += chunk.bytes;
      bytes += chunk.bytes;
      transactions += chunk.transactions;
    }
    count(d.received!, now.getTime(), bytes);
    // the secondary flushes the log it receives (its Log Bytes Flushed/sec)
    recordLogWrite(s, bytes, transactions);
  }

  /** the secondary redoes its queue in order, at its redo rate */
  private redo(d: DatabaseLinkState, _s: Database, dtMs: number, now: Date): void {
    let budget = (this.redoBytesPerSecond() * dtMs) / 1000;
    let done = 0;
    const queue = d.redo!;
    while (queue.length > 0 && budget > 0) {
      const item = queue[0];
      const take = Math.min(item.left, budget);
      item.left -= take;
      budget -= take;
      done += take;
      if (item.left <= 0) {
        queue.shift();
        d.lastRedone = { lsn: item.toLsn, time: now };
        d.redoneCommit = { lsn: item.toLsn, time: item.committedAt };
      }
    }
    d.redoQueueBytes = queue.reduce((sum, i) => sum + i.left, 0);
    count(d.redone!, now.getTime(), done);
  }

  // ---- availability mode and role changes ------------------------------------------------------

  /** how the link commits: synchronously only when both sides' settings say so (REFERENCE 3.2, 3.6) */
  get availabilityMode(): AvailabilityMode {
    return this.sideMode('partner') === SYNC && this.sideMode('instance') === SYNC ? SYNC : ASYNC;
  }

  /** one side's own setting: synchronous when it has both members synchronous */
  sideMode(side: LinkSideName): AvailabilityMode {
    const m = this.modes[side];
    return m.partner === SYNC && m.instance === SYNC ? SYNC : ASYNC;
  }

  /**
   * Sets `side`'s own modes for `members` (T-SQL MODIFY ... ON '<member>' WITH (AVAILABILITY_MODE)
   * on that side, or ARM PATCH replicationMode on the managed instance's); without a side, both
   * sides' (an estate file, a test).
   */
  setAvailabilityMode(mode: AvailabilityMode, now: Date, side?: LinkSideName, members: readonly LinkSideName[] = ['partner', 'instance']): void {
    this.onChange?.();
    this.advance(now);
    for (const viewer of side ? [side] : (['partner', 'instance'] as const)) {
      for (const member of members) this.modes[viewer][member] = mode;
    }
  }

  setRequiredSynchronizedSecondaries(n: number, now: Date): void {
    this.onChange?.();
    this.advance(now);
    this.requiredSynchronizedSecondariesToCommit = n;
  }

  setPartnerAgRequiredSynchronizedSecondaries(n: number, now: Date): void {
    this.onChange?.();
    this.advance(now);
    this.partnerAgRequiredSynchronizedSecondariesToCommit = n;
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
    for (const s of this.checkArmFailoverCanRun(now)) {
      if (s.logSendQueueKB > PLANNED_FAILOVER_MAX_SEND_QUEUE_KB) throw new LinkRefusal('sendQueueTooBig', `database '${s.name}' has ${s.logSendQueueKB} KB in its log send queue`);
      if (s.redoQueueKB > PLANNED_FAILOVER_MAX_REDO_QUEUE_KB) throw new LinkRefusal('redoQueueTooBig', `database '${s.name}' has ${s.redoQueueKB} KB in its redo queue`);
    }
  }

  /** one primary, connected, every database synchronizing: what a planned failover needs to run at all */
  private checkArmFailoverCanRun(now: Date): DatabaseLinkSnapshot[] {
    this.advance(now);
    const primary = this.primary();
    if (!primary || !this.isConnected(now)) throw new LinkRefusal('notSynchronized', 'the secondaries are not synchronizing');
    if (primary.name === 'instance' && this.failoverMode === 'None') throw new LinkRefusal('oneWay', 'a one-way link cannot fail over to SQL Server');
    const snapshots = this.snapshots(now);
    for (const s of snapshots) {
      if (s.synchronizationState !== 'SYNCHRONIZING' && s.synchronizationState !== 'SYNCHRONIZED') throw new LinkRefusal('notSynchronized', `database '${s.name}' is not synchronizing`);
    }
    return snapshots;
  }

  /**
   * The accepted ARM planned failover, when it runs: the queues were checked at acceptance; the
   * link must still connect the two. The remaining log is drained, then the roles swap.
   */
  armPlannedFailover(now: Date): void {
    this.checkArmFailoverCanRun(now);
    const primary = this.primary() as LinkSide;
    for (const d of this.dbs) this.drain(d, primary, now);
    this.swapRoles(primary, now);
  }

  /** everything pending reaches the secondary and is redone (the primary stopped taking commits) */
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
    const last = d.redo![d.redo!.length - 1];
    if (last) d.redoneCommit = { lsn: last.toLsn, time: last.committedAt };
    d.redo = [];
    d.redoQueueBytes = 0;
    if (d.lastHardened) d.lastRedone = { lsn: d.lastHardened.lsn, time: now };
  }

  private swapRoles(oldPrimary: LinkSide, now: Date): void {
    this.onChange?.();
    const newPrimary = this.other(oldPrimary.name);
    oldPrimary.role = 'SECONDARY';
    newPrimary.role = 'PRIMARY';
    for (const d of this.dbs) {
      const from = requireDb(oldPrimary.host, d.name);
      const to = requireDb(newPrimary.host, d.name);
      // the application moves with the primary role: what it wrote on the old primary (the admin
      // API's workload, set there), not a copy of it
      d.workloadTps = from.workloadTps;
      to.workloadTps = from.workloadTps;
      from.workloadTps = 0;
      this.restartStream(d, to, now);
    }
    if (this.isReachable(now)) this.partnerRoleSeenByInstance = this.partner.role;
  }

  /** the stream starts again from the new primary's end of log */
  private restartStream(d: DatabaseLinkState, newPrimary: Database, now: Date): void {
    d.sourceSide = this.sideHosting(newPrimary);
    d.pending = [];
    d.observedLsn = newPrimary.lastLsn;
    d.redo = [];
    d.redoQueueBytes = 0;
    d.primaryCommitTime = now;
    d.secondaryCommitTime = now;
    d.recoveryLsn = newPrimary.lastLsn;
    const mark = { lsn: newPrimary.lastLsn, time: now };
    d.lastSent = mark;
    d.lastReceived = mark;
    d.lastHardened = mark;
    d.lastRedone = mark;
    d.redoneCommit = mark;
    const reachable = this.isReachable(now);
    // each side starts over from what it has; a side that cannot hear the other keeps its old view
    if (reachable || !d.primaryView) d.primaryView = { lastReceived: mark, lastHardened: mark, lastRedone: mark, endOfLogLsn: mark.lsn, hardenedCommitTime: now, redoneCommit: mark, redoQueueBytes: 0, redoRateBytes: rate(d.redone) };
    if (reachable || !d.secondaryView) d.secondaryView = { lastSent: mark, endOfLogLsn: mark.lsn, sendQueueBytes: 0, sendRateBytes: rate(d.sent) };
  }

  /**
   * FORCE_FAILOVER_ALLOW_DATA_LOSS on `target` (it must be a secondary): it becomes primary with
   * what it has hardened; the rest is recorded as lost. With demoteOther the old primary, when it
   * can be reached, becomes secondary (ARM's whole-link failover); otherwise it keeps claiming
   * PRIMARY (split-brain) until SET (ROLE = SECONDARY).
   */
  forceFailover(target: LinkSideName, now: Date, demoteOther = false): LostData[] {
    this.advance(now);
    this.onChange?.();
    const newPrimary = this.side(target);
    if (newPrimary.role === 'PRIMARY') throw new LinkRefusal('alreadyPrimary', `the ${target} side is already primary`);
    if (this.dbs.some((d) => d.seeding)) throw new LinkRefusal('notSynchronized', 'a database is still seeding: it cannot become primary');
    const oldPrimary = this.other(target);
    const reachable = this.isReachable(now);
    const lostNow: LostData[] = [];
    for (const d of this.dbs) {
      // it becomes primary with what it has: a suspension or an undo of its own ends here
      if (d.suspended?.side === target) d.suspended = undefined;
      if (d.reverting?.side === target) d.reverting = undefined;
    }
    for (const d of this.dbs) {
      const np = requireDb(newPrimary.host, d.name);
      if (d.sourceSide === target) {
        // the target wrote the pending log itself (it was the last primary): nothing is lost, and
        // the other side still has to receive it
        np.workloadTps = d.workloadTps;
        continue;
      }
      if (oldPrimary.role === 'PRIMARY') {
        const own = requireDb(oldPrimary.host, d.name);
        this.observe(d, own, now);
        // SQL Server: once the old primary is a secondary again, its databases are suspended
        d.suspendOnDemotion = oldPrimary.name;
        d.divergence = { side: oldPrimary.name, recoveryLsn: d.recoveryLsn, lastCommit: { lsn: own.lastLsn, time: d.primaryCommitTime ?? now } };
      }
      // the application's rate as the old primary had it (a split-brain old primary keeps its own)
      if (oldPrimary.role === 'PRIMARY') d.workloadTps = requireDb(oldPrimary.host, d.name).workloadTps;
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
    if (reachable) this.partnerRoleSeenByInstance = this.partner.role;
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
    this.onChange?.();
    const lostNow: LostData[] = [];
    const other = this.other(side.name);
    side.role = 'SECONDARY';
    for (const d of this.dbs) {
      const db = requireDb(side.host, d.name);
      db.workloadTps = 0;
      db.logTruncationHoldLsn = undefined;
      if (other.role !== 'PRIMARY') continue; // both secondary: the log freezes where it is
      if (d.suspendOnDemotion === side.name && d.forkLsn !== undefined) {
        this.suspendAfterForcedFailover(d, side, other, now);
        continue;
      }
      // (a state saved before suspension was emulated: the diverged log goes at once)
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
      d.redo = [];
      d.redoQueueBytes = 0;
      const mark = { lsn: db.lastLsn, time: now };
      d.lastSent = mark;
      d.lastReceived = mark;
      d.lastHardened = mark;
      d.lastRedone = mark;
      d.redoneCommit = mark;
      d.secondaryCommitTime = now;
      if (this.isReachable(now)) {
        d.primaryView = { lastReceived: mark, lastHardened: mark, lastRedone: mark, endOfLogLsn: mark.lsn, hardenedCommitTime: now, redoneCommit: mark, redoQueueBytes: 0, redoRateBytes: rate(d.redone) };
        d.secondaryView = { lastSent: mark, endOfLogLsn: mark.lsn, sendQueueBytes: 0, sendRateBytes: rate(d.sent) };
      }
    }
    this.lost.push(...lostNow);
    if (this.isReachable(now)) this.partnerRoleSeenByInstance = this.partner.role;
    return lostNow;
  }

  /**
   * The demoted old primary after a forced failover: its database is SUSPENDED (SUSPEND_FROM_PARTNER)
   * and keeps its diverged log (end_of_log_lsn past the fork) until ALTER DATABASE ... SET HADR
   * RESUME; the new primary's log queues for it meanwhile.
   */
  private suspendAfterForcedFailover(d: DatabaseLinkState, side: LinkSide, primary: LinkSide, now: Date): void {
    const fork = d.forkLsn as bigint;
    d.suspended = { side: side.name, reason: 'SUSPEND_FROM_PARTNER', at: now };
    d.suspendOnDemotion = undefined;
    d.divergence = undefined;
    d.sourceSide = primary.name;
    d.pending = [];
    d.observedLsn = fork;
    d.redo = [];
    d.redoQueueBytes = 0;
    const mark = { lsn: fork, time: now };
    d.lastSent = mark;
    d.lastReceived = mark;
    d.lastHardened = mark;
    d.lastRedone = mark;
    d.redoneCommit = mark;
    d.secondaryCommitTime = now;
    if (this.isReachable(now)) {
      d.primaryView = { lastReceived: mark, lastHardened: mark, lastRedone: mark, endOfLogLsn: requireDb(side.host, d.name).lastLsn, hardenedCommitTime: now, redoneCommit: mark, redoQueueBytes: 0, redoRateBytes: rate(d.redone) };
      d.secondaryView = { lastSent: mark, endOfLogLsn: requireDb(primary.host, d.name).lastLsn, sendQueueBytes: 0, sendRateBytes: rate(d.sent) };
    }
  }

  /** ALTER DATABASE [db] SET HADR SUSPEND on `side`; false when it already was */
  suspendDatabase(side: LinkSideName, database: string, now: Date): boolean {
    this.advance(now);
    const d = this.requireLinkDb(database);
    if (d.suspended) return false;
    this.onChange?.();
    d.suspended = { side, reason: 'SUSPEND_FROM_USER', at: now };
    return true;
  }

  /**
   * ALTER DATABASE [db] SET HADR RESUME on `side`: a database that diverged after a forced failover
   * first undoes its log back to the fork (REVERTING), then synchronizes. False when it was not
   * suspended there.
   */
  resumeDatabase(side: LinkSideName, database: string, now: Date): boolean {
    this.advance(now);
    const d = this.requireLinkDb(database);
    if (!d.suspended || d.suspended.side !== side) return false;
    this.onChange?.();
    d.suspended = undefined;
    const own = requireDb(this.side(side).host, d.name);
    if (d.forkLsn !== undefined && own.lastLsn > d.forkLsn && this.side(side).role === 'SECONDARY') {
      // undo runs about as fast as redo (INFERRED); at least a second
      const bytes = recordsBetween(d.forkLsn, own.lastLsn) * this.bytesPerRecord;
      const ms = Math.max(MIN_REVERT_MS, Math.ceil((bytes / (this.redoRateKBps * KB)) * 1000));
      d.reverting = { side, until: new Date(now.getTime() + ms) };
    } else if (this.side(side).role === 'SECONDARY') {
      // nothing diverged: it synchronizes from where it is
      d.forkLsn = undefined;
      d.lostThroughLsn = undefined;
    }
    return true;
  }

  /** the revert is done: the diverged log is gone (recorded as lost, with the backups that kept it) */
  private finishRevert(d: DatabaseLinkState, now: Date): void {
    const side = this.side((d.reverting as { side: LinkSideName }).side);
    d.reverting = undefined;
    this.onChange?.();
    const db = requireDb(side.host, d.name);
    const fork = d.forkLsn;
    const countFrom = d.lostThroughLsn ?? fork;
    if (fork !== undefined) {
      // the forced failover's unhardened tail was this side's log too: a backup taken here since holds it
      for (const earlier of this.lost) {
        if (earlier.reason === 'forcedFailover' && earlier.side === side.name && earlier.afterLsn === fork && earlier.preserved === undefined && sameName(earlier.database, d.name)) {
          Object.assign(earlier, preservation(side.host, d.name, earlier.afterLsn, earlier.throughLsn));
        }
      }
    }
    if (fork !== undefined && countFrom !== undefined && db.lastLsn > countFrom) {
      const records = recordsBetween(countFrom, db.lastLsn);
      this.lost.push({
        database: d.name,
        reason: 'divergedPrimaryDemoted',
        side: side.name,
        afterLsn: countFrom,
        throughLsn: db.lastLsn,
        transactions: transactionsFor(records),
        bytes: records * this.bytesPerRecord,
        at: now,
        ...preservation(side.host, d.name, countFrom, db.lastLsn),
      });
    }
    if (fork !== undefined && db.lastLsn > fork) db.lastLsn = fork;
    d.forkLsn = undefined;
    d.lostThroughLsn = undefined;
  }

  /**
   * The side's DAG is dropped (ARM DELETE on the managed instance, DROP AVAILABILITY GROUP on SQL
   * Server): nothing flows any more and the other side sees its partner DISCONNECTED while it keeps
   * its half, until it is dropped there too. Its databases go on on their own.
   */
  dropSide(side: LinkSideName, now: Date): void {
    this.advance(now);
    this.onChange?.();
    this.droppedSide = side;
    for (const d of this.dbs) {
      const db = requireDb(this.side(side).host, d.name);
      db.logTruncationHoldLsn = undefined;
      d.suspended = undefined;
      d.reverting = undefined;
    }
  }

  private requireLinkDb(name: string): DatabaseLinkState {
    const d = this.dbs.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!d) throw new Error(`database '${name}' is not in link '${this.name}'`);
    return d;
  }

  private sideHosting(db: Database): LinkSideName {
    return this.instance.host.findDatabase(db.name) === db ? 'instance' : 'partner';
  }

  // ---- what the primary knows (ARM checks, tests) ------------------------------------------------

  /** per database, from the primary's side: its own log and queue, and what the secondary last reported */
  snapshots(now: Date): DatabaseLinkSnapshot[] {
    this.advance(now);
    const primary = this.primary();
    const connected = this.appearsConnected(now);
    return this.dbs.map((d) => {
      const pHost = primary?.host ?? this.partner.host;
      const endOfLog = requireDb(pHost, d.name).lastLsn;
      const queueBytes = sendQueueBytes(d);
      const state = databaseSyncState(this, d, connected);
      const health = syncHealth(this.availabilityMode, state);
      const pv = d.primaryView ?? emptyPrimaryView();
      const pct = d.seeding ? Math.floor((100 * d.seeding.doneBytes) / Math.max(1, d.seeding.totalBytes)) : 100;
      return {
        name: d.name,
        primarySide: primary?.name,
        synchronizationState: state,
        synchronizationHealth: health,
        connected,
        endOfLogLsn: endOfLog,
        lastSent: d.lastSent,
        lastReceived: pv.lastReceived,
        lastHardened: pv.lastHardened,
        lastRedone: pv.lastRedone,
        primaryCommitTime: d.primaryCommitTime,
        secondaryCommitTime: pv.hardenedCommitTime,
        logSendQueueKB: Math.ceil(queueBytes / KB),
        logSendRateKBps: Math.round(rate(d.sent) / KB),
        redoQueueKB: Math.ceil(pv.redoQueueBytes / KB),
        redoRateKBps: Math.round(pv.redoRateBytes / KB),
        secondaryLagSeconds: lagSeconds(d, connected) ?? 0,
        replicaState: replicaStateOf(this, d, connected),
        seedingPercent: pct,
        mostRecentLinkError: linkErrorText(this, now),
      };
    });
  }
}

// ---- helpers shared with the DMV rows (hadrRows.ts) and ARM (arm/resources.ts) --------------------

export function emptyPrimaryView(): PrimaryView {
  return { redoQueueBytes: 0, redoRateBytes: 0 };
}

export function emptySecondaryView(): SecondaryView {
  return { sendQueueBytes: 0, sendRateBytes: 0 };
}

/** fills what an older state file did not have */
function withDefaults(d: DatabaseLinkState): DatabaseLinkState {
  const mark = d.lastHardened;
  return {
    ...d,
    redo: d.redo ?? (d.redoQueueBytes > 0 && mark ? [{ toLsn: mark.lsn, bytes: d.redoQueueBytes, left: d.redoQueueBytes, committedAt: d.secondaryCommitTime ?? mark.time }] : []),
    redoneCommit: d.redoneCommit ?? d.lastRedone,
    sent: d.sent ?? newMeter(),
    received: d.received ?? newMeter(),
    redone: d.redone ?? newMeter(),
    primaryView: d.primaryView ?? {
      lastReceived: d.lastReceived,
      lastHardened: d.lastHardened,
      lastRedone: d.lastRedone,
      endOfLogLsn: d.lastHardened?.lsn,
      hardenedCommitTime: d.secondaryCommitTime,
      redoneCommit: d.lastRedone,
      redoQueueBytes: d.redoQueueBytes,
      redoRateBytes: 0,
    },
    secondaryView: d.secondaryView ?? { lastSent: d.lastSent, endOfLogLsn: d.observedLsn, sendQueueBytes: 0, sendRateBytes: 0 },
    seedingHistory: d.seedingHistory ?? [],
  };
}

/** the running seeding operation, if any */
export function currentSeeding(d: Readonly<DatabaseLinkState>): SeedingRecord | undefined {
  const last = d.seedingHistory?.[d.seedingHistory.length - 1];
  return last && last.state === 'SEEDING' ? last : undefined;
}

/** bytes of the primary's log not yet sent */
export function sendQueueBytes(d: Readonly<DatabaseLinkState>): number {
  return d.pending.reduce((sum, c) => sum + (c.bytes - c.sentBytes), 0);
}

export function databaseSyncState(link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, connected: boolean): DatabaseLinkSnapshot['synchronizationState'] {
  if (d.reverting) return 'REVERTING';
  if (!connected || d.suspended) return 'NOT SYNCHRONIZING';
  if (d.seeding) return 'INITIALIZING';
  if (link.availabilityMode === 'SYNCHRONOUS_COMMIT' && sendQueueBytes(d) === 0 && !link.redoFault.stalled) return 'SYNCHRONIZED';
  return 'SYNCHRONIZING';
}

/** the docs' rule: synchronous replicas should be SYNCHRONIZED, asynchronous ones SYNCHRONIZING */
export function syncHealth(mode: AvailabilityMode, state: DatabaseLinkSnapshot['synchronizationState']): DatabaseLinkSnapshot['synchronizationHealth'] {
  // REVERTING moves no data either (INFERRED: the docs name NOT_HEALTHY for NOT SYNCHRONIZING)
  if (state === 'NOT SYNCHRONIZING' || state === 'REVERTING') return 'NOT_HEALTHY';
  if (state === 'SYNCHRONIZED' || (mode === 'ASYNCHRONOUS_COMMIT' && state === 'SYNCHRONIZING')) return 'HEALTHY';
  return 'PARTIALLY_HEALTHY';
}

/** seconds the secondary's last hardened commit is behind the primary's last commit (what the primary knows) */
export function lagSeconds(d: Readonly<DatabaseLinkState>, connected: boolean): number | null {
  const hardened = d.primaryView?.hardenedCommitTime;
  if (d.seeding || !hardened || !d.primaryCommitTime) return null;
  if (connected && d.pending.length === 0) return 0;
  return Math.max(0, Math.round((d.primaryCommitTime.getTime() - hardened.getTime()) / 1000));
}

/** ARM's replicaState (values seen in the service's examples and docs; the disconnected ones INFERRED) */
export function replicaStateOf(link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, connected: boolean): string {
  if (link.linkError) return link.linkError.replicaState;
  if (link.isSplitBrain()) return 'LinkSplitBrain';
  if (d.seeding) return 'Seeding';
  return connected ? 'Catchup' : 'Disconnected';
}

/** ARM's mostRecentLinkError: why the link does not replicate now ('' when it does) */
export function linkErrorText(link: ManagedInstanceLink, now: Date): string {
  if (link.linkError) return link.linkError.description;
  if (now.getTime() >= link.partnerCertificate.expiryDate.getTime()) {
    // the endpoint handshake's words in SQL Server's error log (INFERRED as ARM's text)
    return `Connection handshake failed. The certificate used by the peer is invalid due to the following reason: Certificate expired. (certificate '${link.partnerCertificate.name}')`;
  }
  if (link.partitioned && !link.appearsConnected(now)) return link.lastConnectError?.description ?? '';
  if (link.downSide() !== undefined) return link.lastConnectError?.description ?? '';
  return '';
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The backups `host` took of `database` that hold log after `afterLsn` (a backup's LastLSN is past
 * it): a tail-log backup, a COPY_ONLY full. 'all' when one reaches `throughLsn`.
 */
function preservation(host: LinkHost, database: string, afterLsn: bigint, throughLsn: bigint): Pick<LostData, 'preservedIn' | 'preserved'> {
  const kept = (host.backupHistory ?? []).filter((b) => sameName(b.databaseName, database) && b.lastLsn > afterLsn);
  if (kept.length === 0) return { preserved: 'none' };
  const reach = kept.reduce((max, b) => (b.lastLsn > max ? b.lastLsn : max), afterLsn);
  return {
    preservedIn: kept.map((b) => ({ backupSetGuid: b.backupSetGuid, type: b.type, lastLsn: b.lastLsn })),
    preserved: reach >= throughLsn ? 'all' : 'some',
  };
}

function requireDb(host: LinkHost, name: string): Database {
  const db = host.findDatabase(name);
  if (!db) throw new Error(`database '${name}' does not exist on ${host.config.name}`);
  return db;
}
