// One emulated SQL Server or managed instance: its databases, credentials, logins, Agent jobs,
// sessions, running requests, operation status rows, clock, workload and injected faults. It is
// also the BackupHost emulator/backup runs BACKUP and RESTORE against.
import type { BackupFaults, BackupHistoryRow, BackupHost, RestoreHistoryRow } from '../backup/host';
import { abortReason, ScaledClock, type EngineClock } from './clock';
import { FIRST_USER_DATABASE_ID, newDatabase, systemDatabases, type NewDatabaseOptions } from './databases';
import { emptyHadrState, type HadrState } from './hadr';
import type { LinkRegistry } from '../link/registry';
import type { ManagedInstanceLink } from '../link/link';
import type { LinkRole } from '../link/types';
import { tickAutomatedBackups } from './automatedBackups';
import { FaultSwitches, type FaultKind, type FaultSpec } from './faults';
import { advanceLsn, LOG_BYTES_PER_RECORD, RECORDS_PER_TRANSACTION } from './lsn';
import { logSpace, recordLogWrite } from './logSpace';
import type { ActiveRequest, AgentJob, AgentSession, Credential, Database, InstanceConfig, Login, OperationStatus } from './model';
import { nameKey, sameName } from './names';
import { settleLogins } from './principals';
import type { SessionInfo } from './sessionInfo';
import { productInfo, type ProductInfo } from './versions';

export interface InstanceOptions {
  config: InstanceConfig;
  clock?: EngineClock;
  /** @@SERVERNAME; the instance name by default */
  serverName?: string;
  /** SERVERPROPERTY('MachineName') */
  machineName?: string;
  /** default backup folder (SERVERPROPERTY('InstanceDefaultBackupPath')) */
  defaultBackupPath?: string;
  /** more folders that exist on the host besides the default paths (WITH MOVE targets) */
  directories?: string[];
}

/** the first spid a user connection gets; lower ones belong to system sessions */
export const FIRST_USER_SPID = 51;

export class EmulatedInstance implements BackupHost {
  readonly config: InstanceConfig;
  readonly product: ProductInfo;
  readonly serverName: string;
  readonly machineName: string;
  readonly defaultBackupPath: string;
  readonly clock: EngineClock;
  readonly faultSwitches = new FaultSwitches();
  readonly startTime: Date;
  readonly credentials: Credential[] = [];
  readonly jobs: AgentJob[] = [];
  readonly operations: OperationStatus[] = [];
  readonly backupHistory: BackupHistoryRow[] = [];
  readonly restoreHistory: RestoreHistoryRow[] = [];
  readonly certificateThumbprints = new Set<string>();
  /** what the instance's managed identity may do on storage, as SAS tokens by URL prefix (see managedIdentitySas) */
  readonly identityGrants: { urlPrefix: string; sas: string }[] = [];
  /** where the HADR views come from when a link registry serves this instance (computed on demand) */
  hadrSource?: () => HadrState;
  private readonly ownHadr: HadrState = emptyHadrState();
  /** the estate's Managed Instance links, which answer ALTER AVAILABILITY GROUP (set by the estate server) */
  links?: LinkRegistry;
  /** running Agent jobs by job_id: stopped with the instance */
  readonly agentRuns = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** msdb.dbo.syssessions: the Agent sessions, the last one current (a restored state adds one per start) */
  readonly agentSessions: AgentSession[];
  private readonly extraDirectories: string[];

  private readonly dbs = new Map<string, Database>();
  private readonly sessionMap = new Map<number, SessionInfo>();
  private readonly requests = new Set<ActiveRequest>();
  private nextSpidValue = FIRST_USER_SPID;
  private nextCredentialIdValue = 65536;
  private jobHistorySeq = 0;
  /** the volume the instance's files are on: its size (free space is what the files leave of it) */
  private volumeCapacityBytes = 0;
  private workloadTimer: NodeJS.Timeout | undefined;
  private lastWorkloadTick: number;
  private readonly workloadCarry = new Map<number, number>();
  /** aborted by stop(): simulated waits end (see sleep) */
  private readonly halted = new AbortController();

  constructor(options: InstanceOptions) {
    this.config = options.config;
    this.product = productInfo(options.config);
    this.serverName = options.serverName ?? options.config.name;
    this.machineName = options.machineName ?? options.config.name;
    this.defaultBackupPath = options.defaultBackupPath ?? options.config.defaultDataPath;
    this.clock = options.clock ?? new ScaledClock();
    this.extraDirectories = options.directories ?? [];
    this.startTime = this.clock.now();
    this.agentSessions = [{ sessionId: 1, agentStartDate: this.startTime }];
    this.lastWorkloadTick = this.startTime.getTime();
    for (const db of systemDatabases(this.config, this.startTime, this.product.databaseVersion)) this.dbs.set(nameKey(db.name), db);
    // config.freeSpaceBytes becomes live: what the volume has left (see the volume section below)
    const declaredFree = this.config.freeSpaceBytes;
    Object.defineProperty(this.config, 'freeSpaceBytes', {
      get: (): number => this.freeSpaceBytes(),
      set: (bytes: number): void => this.setFreeSpaceBytes(bytes),
      enumerable: true,
      configurable: true,
    });
    this.settleVolume(declaredFree);
    settleLogins(this.config.name, this.config.logins, this.startTime);
  }

  /** availability groups, replica states, the mirroring endpoint and its certificates: empty unless a link serves them */
  get hadr(): HadrState {
    return this.hadrSource?.() ?? this.ownHadr;
  }

  /** SERVERPROPERTY('IsHadrEnabled'): always on a managed instance; on SQL Server once it hosts an availability group */
  isHadrEnabled(): boolean {
    return this.config.kind === 'managedInstance' || this.hadr.groups.length > 0;
  }

  // ---- databases -------------------------------------------------------------------------------

  /** every database ordered by database_id, as sys.databases lists them */
  databases(): Database[] {
    return [...this.dbs.values()].sort((a, b) => a.databaseId - b.databaseId);
  }

  findDatabase(name: string): Database | undefined {
    return this.dbs.get(nameKey(name));
  }

  findDatabaseById(id: number): Database | undefined {
    // no sort: DB_ID/DB_NAME run per row of the DMVs
    for (const d of this.dbs.values()) if (d.databaseId === id) return d;
    return undefined;
  }

  addDatabase(db: Database): void {
    if (this.dbs.has(nameKey(db.name))) throw new Error(`database '${db.name}' already exists on ${this.config.name}`);
    this.dbs.set(nameKey(db.name), db);
  }

  removeDatabase(name: string): void {
    const db = this.findDatabase(name);
    if (!db) return;
    this.dbs.delete(nameKey(name));
    this.workloadCarry.delete(db.databaseId);
  }

  renameDatabase(oldName: string, newName: string): void {
    const db = this.findDatabase(oldName);
    if (!db) throw new Error(`database '${oldName}' does not exist on ${this.config.name}`);
    const clash = this.findDatabase(newName);
    if (clash && clash !== db) throw new Error(`database '${newName}' already exists on ${this.config.name}`);
    this.dbs.delete(nameKey(oldName));
    db.name = newName;
    this.dbs.set(nameKey(newName), db);
  }

  /** the lowest free database_id from 5 up, as SQL Server reuses dropped ids */
  nextDatabaseId(): number {
    const used = new Set([...this.dbs.values()].map((d) => d.databaseId));
    let id = FIRST_USER_DATABASE_ID;
    while (used.has(id)) id++;
    return id;
  }

  /** CREATE DATABASE: a new empty database with this instance's defaults */
  createDatabase(name: string, options: Partial<Omit<NewDatabaseOptions, 'name' | 'databaseId'>> = {}): Database {
    const db = newDatabase(this.config, {
      databaseId: this.nextDatabaseId(),
      name,
      createDate: this.clock.now(),
      databaseVersion: this.product.databaseVersion,
      ...options,
    });
    this.addDatabase(db);
    return db;
  }

  // ---- the volume ------------------------------------------------------------------------------
  //
  // One volume holds every file of the instance (the emulator does not model several disks): its
  // capacity is fixed, so free space is what the databases' files leave of it. Creating, restoring
  // (from its start: SQL Server allocates the files first), seeding or growing a database consumes
  // it; dropping one, or replacing it by a restore, frees it. The diskFull fault leaves none.

  /** bytes every database's data and log files take */
  usedBytes(): number {
    let used = 0;
    for (const db of this.dbs.values()) for (const f of db.files) used += f.sizeBytes;
    return used;
  }

  /** the volume's size: sys.dm_os_volume_stats.total_bytes (a managed instance: its reserved storage) */
  volumeTotalBytes(): number {
    return this.volumeCapacityBytes;
  }

  /** what the files leave of the volume (0 while the diskFull fault is on): sys.dm_os_volume_stats.available_bytes */
  freeSpaceBytes(): number {
    if (this.faultSwitches.backupFaults().diskFull) return 0;
    return Math.max(0, this.volumeCapacityBytes - this.usedBytes());
  }

  /** sets the volume's size so that `bytes` are free now */
  setFreeSpaceBytes(bytes: number): void {
    this.volumeCapacityBytes = Math.max(0, bytes) + this.usedBytes();
  }

  /**
   * Fixes the volume's size once the estate's databases exist: the reserved storage when the
   * config sets one (a managed instance's storageSizeGB), else what leaves `declaredFreeBytes` free.
   */
  settleVolume(declaredFreeBytes: number): void {
    if (this.config.storageBytes !== undefined) this.volumeCapacityBytes = this.config.storageBytes;
    else this.setFreeSpaceBytes(declaredFreeBytes);
  }

  // ---- logins and credentials ------------------------------------------------------------------

  findLogin(name: string): Login | undefined {
    return this.config.logins.find((l) => sameName(l.name, name));
  }

  findCredentialByName(name: string): Credential | undefined {
    return this.credentials.find((c) => sameName(c.name, name));
  }

  /** the credential whose name is the longest case-insensitive prefix of `url` */
  findCredential(url: string): Credential | undefined {
    const lower = url.toLowerCase();
    let best: Credential | undefined;
    for (const c of this.credentials) {
      const prefix = c.name.toLowerCase();
      if (lower.startsWith(prefix) && (!best || prefix.length > best.name.length)) best = c;
    }
    return best;
  }

  /** CREDENTIAL ... IDENTITY = 'MANAGED IDENTITY': the SAS of the longest granted prefix of `url` */
  managedIdentitySas(url: string): string | undefined {
    const lower = url.toLowerCase();
    let best: { urlPrefix: string; sas: string } | undefined;
    for (const g of this.identityGrants) {
      if (lower.startsWith(g.urlPrefix.toLowerCase()) && (!best || g.urlPrefix.length > best.urlPrefix.length)) best = g;
    }
    return best?.sas;
  }

  /** grants the managed identity access to storage under `urlPrefix` (replaces an earlier grant for it) */
  grantIdentity(urlPrefix: string, sas: string): void {
    const i = this.identityGrants.findIndex((g) => g.urlPrefix.toLowerCase() === urlPrefix.toLowerCase());
    if (i >= 0) this.identityGrants.splice(i, 1);
    this.identityGrants.push({ urlPrefix, sas: sas.replace(/^\?/, '') });
  }

  nextCredentialId(): number {
    return this.nextCredentialIdValue++;
  }

  /** the default data/log/backup folders, the folders of existing files, and any configured ones */
  directoryExists(directory: string): boolean {
    const norm = (d: string): string => d.replace(/[\\/]+$/, '').toLowerCase();
    const wanted = norm(directory);
    const known = [
      this.config.defaultDataPath,
      this.config.defaultLogPath,
      this.defaultBackupPath,
      ...this.extraDirectories,
      ...this.databases().flatMap((d) => d.files.map((f) => f.physicalName.replace(/[\\/][^\\/]*$/, ''))),
    ];
    return known.some((k) => norm(k) === wanted);
  }

  findFileOwner(physicalName: string): string | undefined {
    const wanted = physicalName.toLowerCase();
    return this.databases().find((d) => d.files.some((f) => f.physicalName.toLowerCase() === wanted))?.name;
  }

  /** msdb.dbo.sysjobhistory.instance_id: one sequence across all jobs */
  nextJobHistoryId(): number {
    return ++this.jobHistorySeq;
  }

  /** the Agent session of this start (sysjobactivity.session_id) */
  currentAgentSession(): number {
    return this.agentSessions[this.agentSessions.length - 1].sessionId;
  }

  /** the id counters a saved state carries, so ids never repeat after a restart (persistence.ts) */
  counters(): { nextCredentialId: number; jobHistorySeq: number } {
    return { nextCredentialId: this.nextCredentialIdValue, jobHistorySeq: this.jobHistorySeq };
  }

  restoreCounters(counters: { nextCredentialId: number; jobHistorySeq: number }): void {
    this.nextCredentialIdValue = Math.max(this.nextCredentialIdValue, counters.nextCredentialId);
    this.jobHistorySeq = Math.max(this.jobHistorySeq, counters.jobHistorySeq);
  }

  hasCertificate(thumbprint: string): boolean {
    return this.certificateThumbprints.has(thumbprint.toUpperCase());
  }

  // ---- sessions and requests -------------------------------------------------------------------

  allocateSpid(): number {
    let spid = this.nextSpidValue;
    while (this.sessionMap.has(spid)) spid++;
    this.nextSpidValue = spid + 1;
    if (this.nextSpidValue > 32767) this.nextSpidValue = FIRST_USER_SPID;
    return spid;
  }

  addSession(session: SessionInfo): void {
    this.sessionMap.set(session.spid, session);
  }

  removeSession(spid: number): void {
    this.sessionMap.delete(spid);
  }

  session(spid: number): SessionInfo | undefined {
    return this.sessionMap.get(spid);
  }

  sessions(): SessionInfo[] {
    return [...this.sessionMap.values()].sort((a, b) => a.spid - b.spid);
  }

  sessionsUsing(dbName: string, exceptSpid: number): number[] {
    return this.sessions()
      .filter((s) => s.spid !== exceptSpid && sameName(s.currentDatabase(), dbName))
      .map((s) => s.spid);
  }

  registerRequest(req: ActiveRequest): () => void {
    this.requests.add(req);
    return () => {
      this.requests.delete(req);
    };
  }

  activeRequests(): ActiveRequest[] {
    return [...this.requests];
  }

  upsertOperationStatus(row: OperationStatus): void {
    const i = this.operations.findIndex((o) => o.operationId === row.operationId);
    if (i >= 0) this.operations[i] = { ...row };
    else this.operations.push({ ...row });
  }

  recordBackupHistory(row: BackupHistoryRow): void {
    this.backupHistory.push(row);
  }

  recordRestoreHistory(row: RestoreHistoryRow): void {
    this.restoreHistory.push(row);
  }

  // ---- time, faults, workload ------------------------------------------------------------------

  now(): Date {
    return this.clock.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.clock.sleep(ms, AbortSignal.any(signal ? [signal, this.halted.signal] : [this.halted.signal])).catch((e: unknown) => {
      if (signal?.aborted || !this.halted.signal.aborted) throw e;
      // a stopped instance's time stands still (its state was saved as it stopped): work that
      // carries on by itself (a managed instance's restore) waits for ever, holding no timer;
      // only the caller's own abort still ends the wait
      return new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(abortReason(signal)), { once: true }));
    });
  }

  faults(): BackupFaults {
    return this.faultSwitches.backupFaults();
  }

  /** the instance is down (instanceDown): no connections, no workload, no part in its links */
  isDown(): boolean {
    return this.faultSwitches.isDown();
  }

  /** turns a fault on: instance down also drops every session and cuts its links; disk full leaves no free space */
  injectFault(spec: FaultSpec): void {
    if (spec.kind === 'instanceDown' && !this.isDown() && this.links) {
      // its links ship what they can up to now, then lose it (link.noteHostAvailability)
      this.links.hostAvailabilityChanged(this.config.name, () => this.faultSwitches.set(spec));
    } else this.faultSwitches.set(spec);
    if (spec.kind === 'instanceDown') this.killAllSessions();
  }

  /** turns one fault off; false when it was not on */
  removeFault(kind: FaultKind): boolean {
    let removed = false;
    if (kind === 'instanceDown' && this.isDown() && this.links) {
      // back up: the workload picks up from now, its links reconnect
      this.lastWorkloadTick = this.clock.now().getTime();
      this.links.hostAvailabilityChanged(this.config.name, () => (removed = this.faultSwitches.remove(kind)));
      return removed;
    }
    return this.faultSwitches.remove(kind);
  }

  clearFaults(): void {
    for (const f of this.faultSwitches.list()) this.removeFault(f.kind);
  }

  /** instance down: refuse new connections and drop every open one */
  killAllSessions(): void {
    for (const s of this.sessions()) s.kill('lost');
  }

  /** advances every online database's log by its workload since the last tick */
  tickWorkload(): void {
    const now = this.clock.now().getTime();
    const elapsedSeconds = Math.max(0, now - this.lastWorkloadTick) / 1000;
    this.lastWorkloadTick = now;
    for (const db of this.dbs.values()) {
      if (db.workloadTps <= 0 || db.state !== 'ONLINE' || this.faultSwitches.isDown()) continue;
      const exact = db.workloadTps * elapsedSeconds + (this.workloadCarry.get(db.databaseId) ?? 0);
      const transactions = Math.floor(exact);
      this.workloadCarry.set(db.databaseId, exact - transactions);
      if (transactions === 0) continue;
      db.lastLsn = advanceLsn(db.lastLsn, transactions * RECORDS_PER_TRANSACTION);
      recordLogWrite(db, transactions * RECORDS_PER_TRANSACTION * LOG_BYTES_PER_RECORD, transactions);
      // the log file autogrows as the active log outgrows it
      logSpace(db, this.config.kind);
    }
    // a managed instance backs its databases up itself (not while it is down)
    if (!this.faultSwitches.isDown()) tickAutomatedBackups(this, this.clock.now());
  }

  // ---- the database's part in a Managed Instance link ------------------------------------------

  /** the link `db` takes part in on this instance, with this side's role, if any (a dropped side takes none) */
  linkReplicaOf(dbName: string): { link: ManagedInstanceLink; role: LinkRole } | undefined {
    for (const link of this.links?.linksOf(this.config.name) ?? []) {
      const side = link.sideOf(this.config.name);
      if (!side || side.name === link.droppedSide || !link.database(dbName)) continue;
      return { link, role: side.role };
    }
    return undefined;
  }

  /** a link secondary whose seeding has not finished: it does not exist yet for the managed instance service */
  isBeingSeeded(db: Database): boolean {
    const r = this.linkReplicaOf(db.name);
    return r !== undefined && r.role === 'SECONDARY' && r.link.database(db.name)?.seeding !== undefined;
  }

  isLinkSecondary(db: Database): boolean {
    return this.linkReplicaOf(db.name)?.role === 'SECONDARY';
  }

  /** starts the workload ticker (unref'd: it never keeps the process alive) */
  start(tickMs = 250): void {
    if (this.workloadTimer) return;
    this.lastWorkloadTick = this.clock.now().getTime();
    this.workloadTimer = setInterval(() => this.tickWorkload(), tickMs);
    this.workloadTimer.unref();
  }

  /** stops the ticker and drops every session */
  stop(): void {
    if (this.workloadTimer) clearInterval(this.workloadTimer);
    this.workloadTimer = undefined;
    for (const run of this.agentRuns.values()) run.controller.abort(new Error('instance stopped'));
    this.killAllSessions();
    this.halted.abort(new Error('instance stopped'));
  }
}
