// ArmBackend over the engine's EmulatedInstances and the LinkRegistry: ARM and T-SQL read and
// change the same instances, databases and links.
import type { EmulatedInstance } from '../engine/instance';
import type { ManagedInstanceLink } from '../link/link';
import type { LinkRegistry } from '../link/registry';
import { checkLrsStart, DEFAULT_SCAN_INTERVAL_MS, LogReplay, type LrsOptions } from '../lrs';
import type { ArmBackend, ArmManagedDatabase, ArmManagedInstance, EncryptionProtector, LinkCreate, LrsStart, LrsState, PointInTimeRestoreStart, PointInTimeRestoreState } from './backend';
import { ArmHttpError } from './errors';
import { checkPointInTimeRestore, createRestoringCopy, DEFAULT_RETENTION_DAYS, earliestRestorePoint, PointInTimeRestoreJob } from './pointInTimeRestore';
import { copyUsers } from '../engine/principals';

const GB = 1024 * 1024 * 1024;
const SYSTEM = new Set(['master', 'tempdb', 'model', 'msdb']);

/** Where the backend keeps its state between runs: the estate's state file (RunningEstate.persistence). */
export interface BackendPersistence {
  section(name: string, save: () => unknown): unknown;
}

/** The backend's saved state: encryption protectors set through ARM, the Log Replay jobs and the point-in-time restores. */
interface SavedBackend {
  protectors: [string, EncryptionProtector][];
  /** start holds the SAS: the state file is the user's only (mode 0600) */
  lrs: { instance: string; database: string; start: LrsStart; state: LrsState }[];
  /** absent in older state files; dates as ISO text */
  pitr?: { instance: string; database: string; state: Record<string, unknown> }[];
}

export interface EngineBackendOptions {
  instances: EmulatedInstance[];
  links: LinkRegistry;
  /**
   * keeps the protectors and the Log Replay jobs across runs: a job that was restoring goes on
   * (the service survives a restart; it scans the folder again and continues the restore chain of
   * its RESTORING database), a finished or failed one still answers restoreDetails
   */
  persistence?: BackendPersistence;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  /** the Log Replay Service's knobs (scan interval) */
  lrs?: LrsOptions;
  /** how far back a point-in-time restore may go (a managed instance's short-term retention; default 7 days) */
  retentionDays?: number;
}

export class EngineArmBackend implements ArmBackend {
  readonly subscriptionId: string;
  private readonly resourceGroup: string;
  private readonly location: string;
  private readonly protectors = new Map<string, EncryptionProtector>();
  private readonly restores = new Map<string, LogReplay>();
  /** Log Replay jobs that had ended when the last run stopped: restoreDetails as they ended */
  private readonly ended = new Map<string, LrsState>();
  /** point-in-time restores by target instance/database, running or ended */
  private readonly pitrs = new Map<string, PointInTimeRestoreJob>();

  constructor(private readonly options: EngineBackendOptions) {
    this.subscriptionId = options.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    this.resourceGroup = options.resourceGroup ?? 'rg-emulator';
    this.location = options.location ?? 'westeurope';
    const saved = options.persistence?.section('arm', () => this.saved());
    if (saved !== undefined) this.restoreSaved(saved);
  }

  private saved(): SavedBackend {
    return {
      protectors: [...this.protectors],
      lrs: [
        ...[...this.restores].map(([k, replay]) => {
          const [instance, database] = k.split('/');
          return { instance, database, start: replay.startRequest(), state: replay.state() };
        }),
        ...[...this.ended].map(([k, state]) => {
          const [instance, database] = k.split('/');
          return { instance, database, start: { ...state.start }, state };
        }),
      ],
      pitr: [...this.pitrs].map(([k, job]) => {
        const [instance, database] = k.split('/');
        const st = job.state;
        return {
          instance,
          database,
          state: { ...st, restorePointInTime: st.restorePointInTime.toISOString(), startedAt: st.startedAt.toISOString(), finishAt: st.finishAt.toISOString() },
        };
      }),
    };
  }

  private restoreSaved(raw: unknown): void {
    const saved = raw as Partial<SavedBackend>;
    for (const job of Array.isArray(saved.pitr) ? saved.pitr : []) {
      const host = this.managed().find((i) => i.config.name.toLowerCase() === job.instance);
      const st = job.state;
      const dates = [st.restorePointInTime, st.startedAt, st.finishAt].map((d) => new Date(String(d)));
      if (!host || dates.some((d) => Number.isNaN(d.getTime()))) continue;
      const state: PointInTimeRestoreState = {
        status: st.status === 'Succeeded' || st.status === 'Failed' ? st.status : 'Restoring',
        sourceDatabaseId: String(st.sourceDatabaseId),
        restorePointInTime: dates[0],
        startedAt: dates[1],
        finishAt: dates[2],
        error: st.error as PointInTimeRestoreState['error'],
      };
      // the service survives a restart: a restore still running goes on (its database is RESTORING)
      const db = host.findDatabase(job.database);
      if (state.status === 'Restoring' && db?.state !== 'RESTORING') continue;
      const restored = new PointInTimeRestoreJob(host, db?.name ?? job.database, state);
      this.pitrs.set(key(job.instance, job.database), restored);
      if (state.status === 'Restoring') restored.start();
    }
    for (const [name, protector] of Array.isArray(saved.protectors) ? saved.protectors : []) this.protectors.set(name, protector);
    for (const job of Array.isArray(saved.lrs) ? saved.lrs : []) {
      const host = this.managed().find((i) => i.config.name.toLowerCase() === job.instance);
      const db = host?.findDatabase(job.database);
      if (!host || !db) continue; // the database was deleted (or the instance is gone): so is its job
      if (job.state.status === 'Restoring' && db.state === 'RESTORING') {
        try {
          const replay = new LogReplay({ host, database: db.name, start: job.start, location: checkLrsStart(job.start), scanIntervalMs: this.options.lrs?.scanIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS });
          this.restores.set(key(job.instance, job.database), replay);
          replay.start();
          continue;
        } catch {
          // a start that no longer checks: keep its last state
        }
      }
      this.ended.set(key(job.instance, job.database), job.state);
    }
  }

  now(): Date {
    return this.options.links.clock.now();
  }

  refresh(): void {
    // the views recompute from the links on their next read; the links move on their own ticker
    this.options.links.touch();
  }

  private managed(): EmulatedInstance[] {
    return this.options.instances.filter((i) => i.config.kind === 'managedInstance');
  }

  private host(name: string): EmulatedInstance {
    const inst = this.managed().find((i) => i.config.name.toLowerCase() === name.toLowerCase());
    if (!inst) throw new ArmHttpError(404, 'ResourceNotFound', `The Resource 'Microsoft.Sql/managedInstances/${name}' under resource group '${this.resourceGroup}' was not found.`);
    return inst;
  }

  private toArm(i: EmulatedInstance): ArmManagedInstance {
    return {
      name: i.config.name,
      resourceGroup: this.resourceGroup,
      location: this.location,
      databaseFormat: i.config.updatePolicy === 'Always-up-to-date' ? 'AlwaysUpToDate' : 'SQLServer2022',
      // the volume's capacity (engine/instance.ts): the reserved storage, in 32-GB steps
      storageSizeInGB: Math.max(32, Math.ceil(i.volumeTotalBytes() / GB / 32) * 32),
      vCores: 8,
      fullyQualifiedDomainName: `${i.config.name}.emulator.database.windows.net`,
      state: i.faultSwitches.isDown() ? 'Stopped' : 'Ready',
    };
  }

  instances(): ArmManagedInstance[] {
    return this.managed().map((i) => this.toArm(i));
  }

  instance(resourceGroup: string, name: string): ArmManagedInstance | undefined {
    if (resourceGroup.toLowerCase() !== this.resourceGroup.toLowerCase()) return undefined;
    const i = this.managed().find((m) => m.config.name.toLowerCase() === name.toLowerCase());
    return i ? this.toArm(i) : undefined;
  }

  databases(instance: string): ArmManagedDatabase[] {
    const host = this.host(instance);
    // a point-in-time restore whose time has come is finished before it is shown
    for (const d of host.databases()) this.pitrs.get(key(host.config.name, d.name))?.settle();
    const now = this.now();
    return host
      .databases()
      .filter((d) => !SYSTEM.has(d.name.toLowerCase()))
      .map((d) => ({
        name: d.name,
        status: d.state === 'ONLINE' ? 'Online' : d.state === 'RESTORING' ? 'Restoring' : d.state === 'OFFLINE' ? 'Offline' : 'Inaccessible',
        collation: d.collation,
        creationDate: d.createDate,
        earliestRestorePoint: earliestRestorePoint(d, now, this.retentionDays),
      }));
  }

  private get retentionDays(): number {
    return this.options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }

  startPointInTimeRestore(instance: string, database: string, start: PointInTimeRestoreStart): PointInTimeRestoreState {
    const target = this.host(instance);
    const src = start.source;
    // one subscription and one resource group are served here: a source elsewhere is not found
    const sourceInstance =
      src.subscriptionId.toLowerCase() === this.subscriptionId.toLowerCase() && src.resourceGroup.toLowerCase() === this.resourceGroup.toLowerCase()
        ? this.managed().find((i) => i.config.name.toLowerCase() === src.instance.toLowerCase())
        : undefined;
    const now = this.now();
    const source = checkPointInTimeRestore({ target, database, sourceInstance, start, now, retentionDays: this.retentionDays });
    const { db, ms } = createRestoringCopy(target, database, source, 'managedInstance');
    const state: PointInTimeRestoreState = {
      status: 'Restoring',
      sourceDatabaseId: start.sourceDatabaseId,
      restorePointInTime: start.restorePointInTime,
      startedAt: now,
      finishAt: new Date(now.getTime() + ms),
    };
    this.pitrs.get(key(instance, database))?.stop();
    const job = new PointInTimeRestoreJob(target, db.name, state);
    this.pitrs.set(key(instance, database), job);
    job.start();
    return job.settle();
  }

  pointInTimeRestore(instance: string, database: string): PointInTimeRestoreState | undefined {
    return this.pitrs.get(key(instance, database))?.settle();
  }

  deleteDatabase(instance: string, database: string): boolean {
    const host = this.host(instance);
    if (!host.findDatabase(database) || SYSTEM.has(database.toLowerCase())) return false;
    // deleting the database is how LRS is stopped
    this.restores.get(key(instance, database))?.stop();
    this.restores.delete(key(instance, database));
    this.ended.delete(key(instance, database));
    host.removeDatabase(database);
    // a point-in-time restore into it ends as cancelled (settled when next looked at)
    this.pitrs.get(key(instance, database))?.settle();
    return true;
  }

  encryptionProtector(instance: string): EncryptionProtector {
    const host = this.host(instance);
    const set = this.protectors.get(host.config.name.toLowerCase());
    if (set) return set;
    // customer-managed TDE on any database means the instance protector is a Key Vault key
    const cmk = host.databases().some((d) => d.tde === 'customerManaged');
    return cmk
      ? { serverKeyType: 'AzureKeyVault', serverKeyName: 'emulatorVault_tde_0123456789abcdef0123456789abcdef', uri: 'https://emulatorvault.vault.azure.net/keys/tde/0123456789abcdef0123456789abcdef' }
      : { serverKeyType: 'ServiceManaged', serverKeyName: 'ServiceManaged' };
  }

  setEncryptionProtector(instance: string, protector: EncryptionProtector): void {
    this.protectors.set(this.host(instance).config.name.toLowerCase(), protector);
  }

  links(instance: string): ManagedInstanceLink[] {
    const host = this.host(instance);
    // only this instance's links move to now: a list of a hundred links costs a hundred, not the estate
    this.options.links.refreshHost(host.config.name);
    return this.options.links.linksOf(host.config.name).filter((l) => l.instance.host === host);
  }

  createLink(instance: string, spec: LinkCreate): ManagedInstanceLink {
    const host = this.host(instance);
    const partnerName = /^TCP:\/\/([^:/]+)/i.exec(spec.partnerEndpoint)?.[1]?.split('.')[0];
    const partner = this.options.instances.find((i) => i.config.kind === 'sqlServer' && (i.config.name.toLowerCase() === partnerName?.toLowerCase() || i.serverName.toLowerCase() === partnerName?.toLowerCase()));
    if (!partner) throw new ArmHttpError(400, 'ManagedInstanceLinkConnectivityIsNotEstablished', `Connectivity between the managed instance and the SQL Server at '${spec.partnerEndpoint}' is not established.`);
    if (spec.failoverMode === 'Manual' && host.config.updatePolicy === 'Always-up-to-date') {
      // a two-way link needs the MI's database format to match SQL Server's
      throw new ArmHttpError(
        400,
        'CloudLifterChimeraBoxAndMiOnDifferentDbVersionsFailoverModeManual',
        `Failover mode Manual requires the managed instance '${host.config.name}' and SQL Server to be on the same database version; the instance uses the Always-up-to-date update policy.`,
      );
    }
    const source = spec.instanceLinkRole === 'Primary' ? host : partner;
    const target = source === host ? partner : host;
    for (const db of spec.databases) {
      const s = source.findDatabase(db);
      if (!s) throw new ArmHttpError(400, 'InvalidParameterValue', `Database '${db}' does not exist on '${source.config.name}'.`);
      // the secondary is a physical copy of the primary: its users come with it
      if (!target.findDatabase(db)) target.createDatabase(db, { recoveryModel: 'FULL', dataSizeBytes: s.files.find((f) => f.type === 'ROWS')?.sizeBytes }).users = copyUsers(s.users);
    }
    const link = this.options.links.create({
      name: spec.name,
      partner: { host: partner, availabilityGroupName: spec.partnerAvailabilityGroupName, endpointUrl: spec.partnerEndpoint },
      instance: { host, availabilityGroupName: spec.instanceAvailabilityGroupName, endpointUrl: `TCP://${host.config.name}.emulator.database.windows.net:5022` },
      databases: spec.databases,
      primary: spec.instanceLinkRole === 'Primary' ? 'instance' : 'partner',
      availabilityMode: spec.replicationMode === 'Sync' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT',
      failoverMode: spec.failoverMode,
      seedingMode: spec.seedingMode,
      seeded: false,
    });
    return link;
  }

  deleteLink(_instance: string, link: ManagedInstanceLink): void {
    this.options.links.dropSide(link, 'instance');
  }

  onTick(listener: () => void): () => void {
    return this.options.links.onRefresh(listener);
  }

  startLrs(instance: string, database: string, start: LrsStart): LrsState {
    const host = this.host(instance);
    if (host.findDatabase(database)) throw new ArmHttpError(409, 'DatabaseAlreadyExists', `Database '${database}' already exists on managed instance '${host.config.name}'.`);
    const location = checkLrsStart(start);
    const db = host.createDatabase(database, { recoveryModel: 'FULL', collation: start.collation });
    db.state = 'RESTORING';
    const replay = new LogReplay({ host, database: db.name, start: { ...start }, location, scanIntervalMs: this.options.lrs?.scanIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS });
    this.restores.get(key(instance, database))?.stop();
    this.ended.delete(key(instance, database));
    this.restores.set(key(instance, database), replay);
    replay.start();
    return replay.state();
  }

  lrs(instance: string, database: string): LrsState | undefined {
    return this.restores.get(key(instance, database))?.state() ?? this.ended.get(key(instance, database));
  }

  completeLrs(instance: string, database: string, lastBackupName: string): LrsState {
    const replay = this.restores.get(key(instance, database));
    if (!replay || !this.host(instance).findDatabase(database)) throw new ArmHttpError(404, 'ResourceNotFound', `No log replay restore for database '${database}'.`);
    replay.complete(lastBackupName);
    return replay.state();
  }

  /** stops every LRS loop (the ARM endpoint is closing) */
  close(): void {
    for (const replay of this.restores.values()) replay.stop();
    for (const job of this.pitrs.values()) job.stop();
  }
}

function key(instance: string, database: string): string {
  return `${instance}/${database}`.toLowerCase();
}
