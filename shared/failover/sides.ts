// The two sides of one link as the failover playbooks see and change them: each side's own DMVs
// (role, availability modes, per-database state and LSNs, read over TDS), ARM's view of the link,
// and the few actions of REFERENCE 3 (T-SQL on SQL Server, ARM on the managed instance). Reads
// never throw for an instance that does not answer: the observation says it could not be read.
import type { ArmResolver } from '../arm/fromSettings';
import type { PollerState } from '../arm/poller';
import type { DistributedAvailabilityGroupInfo, FailoverType as ArmFailoverType, LinkRole, ReplicationMode, RoleChangeType } from '../arm/types';
import type { InstanceConfig, LinkConfig } from '../config/schema';
import { AppError } from '../errors';
import { within } from '../platform/timeLimit';
import { redactSecrets } from '../redact';
import type { SqlClient } from '../sql/pools';
import { quoteLiteral, quoteName } from '../sql/quote';
import { Statement, str } from '../sql/statement';
import type { LinkSide } from './types';
import { majorVersion } from '../sql/serverVersion';

export type AvailabilityMode = 'SYNCHRONOUS_COMMIT' | 'ASYNCHRONOUS_COMMIT';

export interface DatabaseSideState {
  database: string;
  synchronizationState?: string;
  isSuspended?: boolean;
  suspendReason?: string;
  lastHardenedLsn?: string;
  endOfLogLsn?: string;
  secondaryLagSeconds?: number;
}

/** One side as its own DMVs show it. */
export interface SideState {
  side: LinkSide;
  instance: string;
  /** why it could not be read; the rest is then empty */
  unreachable?: string;
  role?: string;
  /** this side's setting of each member's availability mode (its sys.availability_replicas rows) */
  modes: Partial<Record<LinkSide, AvailabilityMode>>;
  /** the other member's replica name as this side knows it (the MI's name in the DAG, on SQL Server) */
  partnerReplicaName?: string;
  ownReplicaName?: string;
  /** the primary sees whether the other side is connected */
  remoteConnected?: boolean;
  /** no distributed availability group of the link's name on this side */
  missing: boolean;
  databases: DatabaseSideState[];
}

export interface LinkObservation {
  at: string;
  sqlServer: SideState;
  managedInstance: SideState;
  /** ARM's view of the link (the managed instance's control plane); unreachable as a string */
  arm: DistributedAvailabilityGroupInfo | { unreachable: string } | null;
}

export const armUnreachable = (arm: LinkObservation['arm']): arm is { unreachable: string } => arm !== null && 'unreachable' in arm;

export interface LinkSidesDeps {
  sql(instance: InstanceConfig): SqlClient;
  arm?: ArmResolver;
  /** one call's limit (ms) */
  callTimeoutMs: number;
}

const STATE_QUERY = [
  `SELECT ar.replica_server_name AS replica, ar.availability_mode_desc AS mode, ars.is_local, ars.role_desc, ars.connected_state_desc
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id AND ars.group_id = ag.group_id
WHERE ag.is_distributed = 1 AND ag.name = `,
  `;
SELECT DB_NAME(drs.database_id) AS db, drs.is_local, drs.synchronization_state_desc, drs.is_suspended, drs.suspend_reason_desc,
       CAST(drs.last_hardened_lsn AS varchar(30)) AS last_hardened_lsn, CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn,
       drs.secondary_lag_seconds
FROM sys.availability_groups ag
JOIN sys.dm_hadr_database_replica_states drs ON drs.group_id = ag.group_id
WHERE ag.is_distributed = 1 AND ag.name = `,
  ';',
];

type Row = Record<string, unknown>;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const flag = (v: unknown): boolean => v === true || v === 1;
const mode = (v: unknown): AvailabilityMode | undefined => (v === 'SYNCHRONOUS_COMMIT' || v === 'ASYNCHRONOUS_COMMIT' ? v : undefined);

const describe = (err: unknown): string => redactSecrets(err instanceof Error ? err.message : String(err));

/** Pure: one side's rows turned into its state. */
export function parseSideState(side: LinkSide, instance: string, replicas: Row[], databases: Row[]): SideState {
  const state: SideState = { side, instance, modes: {}, missing: replicas.length === 0, databases: [] };
  const other: LinkSide = side === 'sqlServer' ? 'managedInstance' : 'sqlServer';
  for (const r of replicas) {
    const local = flag(r.is_local);
    const member = local ? side : other;
    state.modes[member] = mode(r.mode);
    if (local) {
      state.role = text(r.role_desc);
      state.ownReplicaName = text(r.replica);
    } else {
      state.partnerReplicaName = text(r.replica);
      if (r.connected_state_desc !== null && r.connected_state_desc !== undefined) state.remoteConnected = r.connected_state_desc === 'CONNECTED';
    }
  }
  for (const r of databases) {
    if (!flag(r.is_local)) continue;
    const database = text(r.db);
    if (!database) continue;
    state.databases.push({
      database,
      synchronizationState: text(r.synchronization_state_desc),
      isSuspended: flag(r.is_suspended),
      suspendReason: text(r.suspend_reason_desc),
      lastHardenedLsn: text(r.last_hardened_lsn),
      endOfLogLsn: text(r.end_of_log_lsn),
      secondaryLagSeconds: typeof r.secondary_lag_seconds === 'number' ? r.secondary_lag_seconds : undefined,
    });
  }
  return state;
}

/** The link's two sides, for one playbook run. */
export class LinkSides {
  readonly sqlServerInstance: InstanceConfig;
  readonly managedInstance: InstanceConfig;

  constructor(
    readonly link: LinkConfig,
    instances: InstanceConfig[],
    private readonly deps: LinkSidesDeps,
  ) {
    const find = (name: string): InstanceConfig => {
      const i = instances.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!i) throw new AppError('CONFIGURATION_INVALID', `link ${link.name} names instance ${name}, which is not in the estate`);
      return i;
    };
    this.sqlServerInstance = find(link.sqlServer.instance);
    this.managedInstance = find(link.managedInstance.instance);
  }

  instanceOf(side: LinkSide): InstanceConfig {
    return side === 'sqlServer' ? this.sqlServerInstance : this.managedInstance;
  }

  sql(side: LinkSide): SqlClient {
    return this.deps.sql(this.instanceOf(side));
  }

  /** One side's state; `unreachable` when it does not answer within the call limit. */
  async side(side: LinkSide): Promise<SideState> {
    const instance = this.instanceOf(side);
    const dag = quoteLiteral(this.link.distributedAvailabilityGroup);
    try {
      const result = await within(this.sql(side).batch<Row>(STATE_QUERY[0] + dag + STATE_QUERY[1] + dag + STATE_QUERY[2], { timeoutMs: this.deps.callTimeoutMs }), this.deps.callTimeoutMs, instance.name);
      const [replicas = [], databases = []] = result.recordsets;
      return parseSideState(side, instance.name, replicas, databases);
    } catch (err) {
      return { side, instance: instance.name, unreachable: describe(err), modes: {}, missing: false, databases: [] };
    }
  }

  /** ARM's view of the link; null when ARM knows no such link; undefined when the app has no ARM. */
  async armLink(): Promise<LinkObservation['arm']> {
    const ref = this.armRef();
    try {
      return await within(ref.client.getLink(ref.resourceGroup, ref.name, this.link.distributedAvailabilityGroup), this.deps.callTimeoutMs, 'ARM');
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      return { unreachable: describe(err) };
    }
  }

  /** SQL Server first, then the managed instance, then ARM: a secondary read after its primary has what the primary had. */
  async observe(): Promise<LinkObservation> {
    const at = new Date().toISOString();
    const sqlServer = await this.side('sqlServer');
    const managedInstance = await this.side('managedInstance');
    const arm = this.deps.arm ? await this.armLink() : { unreachable: 'the app has no ARM endpoint (ARM_ENDPOINT)' };
    return { at, sqlServer, managedInstance, arm };
  }

  private armRef(): ReturnType<ArmResolver> {
    if (!this.deps.arm) throw new AppError('CONFIGURATION_INVALID', `the app has no ARM to ask about ${this.managedInstance.name} (set ARM_ENDPOINT, or run in Azure)`);
    if (!this.managedInstance.armResourceId) throw new AppError('CONFIGURATION_INVALID', `instance ${this.managedInstance.name} has no armResourceId in the estate`);
    return this.deps.arm(this.managedInstance.armResourceId);
  }

  // ---- actions: T-SQL on SQL Server ---------------------------------------------------------------

  /** SQL Server's own setting for both members (REFERENCE 3.2 step 2); the MI's is set through ARM. */
  async setSqlServerModes(target: AvailabilityMode, sqlReplica: string, miReplica: string): Promise<void> {
    const dag = quoteName(this.link.distributedAvailabilityGroup);
    await this.sql('sqlServer').batch(
      `ALTER AVAILABILITY GROUP ${dag} MODIFY AVAILABILITY GROUP ON ${quoteLiteral(sqlReplica)} WITH (AVAILABILITY_MODE = ${target}), ${quoteLiteral(miReplica)} WITH (AVAILABILITY_MODE = ${target});`,
      { timeoutMs: this.deps.callTimeoutMs },
    );
  }

  /** FORCE_FAILOVER_ALLOW_DATA_LOSS on SQL Server (it is the secondary; the managed instance is down) */
  async forceFailoverOnSqlServer(): Promise<void> {
    await this.sql('sqlServer').batch(`ALTER AVAILABILITY GROUP ${quoteName(this.link.distributedAvailabilityGroup)} FORCE_FAILOVER_ALLOW_DATA_LOSS;`, { timeoutMs: 0 });
  }

  /** SET (ROLE = SECONDARY) on SQL Server: the old primary of a split brain steps down */
  async demoteSqlServer(): Promise<void> {
    await this.sql('sqlServer').batch(`ALTER AVAILABILITY GROUP ${quoteName(this.link.distributedAvailabilityGroup)} SET (ROLE = SECONDARY);`, { timeoutMs: this.deps.callTimeoutMs });
  }

  /** ALTER DATABASE ... SET HADR RESUME on SQL Server: a suspended secondary database synchronizes again */
  async resumeOnSqlServer(database: string): Promise<void> {
    await this.sql('sqlServer').batch(`ALTER DATABASE ${quoteName(database)} SET HADR RESUME;`, { timeoutMs: this.deps.callTimeoutMs });
  }

  /** DROP AVAILABILITY GROUP on SQL Server (after ARM removed the managed instance's side) */
  async dropOnSqlServer(): Promise<void> {
    const dag = this.link.distributedAvailabilityGroup;
    await this.sql('sqlServer').batch(
      `IF EXISTS (SELECT 1 FROM sys.availability_groups WHERE name = ${quoteLiteral(dag)}) DROP AVAILABILITY GROUP ${quoteName(dag)};`,
      { timeoutMs: this.deps.callTimeoutMs },
    );
  }

  /** msdb's full backups of a database on one side, finished after `after` (the MI's automated ones) */
  async fullBackupsAfter(side: LinkSide, database: string, after: Date): Promise<Array<{ finishedAt: string; copyOnly: boolean }>> {
    const r = await this.sql(side).query<{ backup_finish_date: Date; is_copy_only: boolean | number }>(
      Statement.build([
        'SELECT backup_finish_date, is_copy_only FROM msdb.dbo.backupset WHERE type = ',
        str('type', 'D'),
        ' AND database_name = ',
        str('db', database),
        ' ORDER BY backup_finish_date;',
      ]),
      { timeoutMs: this.deps.callTimeoutMs },
    );
    return (r.recordsets[0] ?? [])
      .filter((x) => x.backup_finish_date instanceof Date && x.backup_finish_date.getTime() > after.getTime())
      .map((x) => ({ finishedAt: x.backup_finish_date.toISOString(), copyOnly: flag(x.is_copy_only) }));
  }

  sqlServerMajorVersion(): Promise<number | undefined> {
    return majorVersion(this.sql('sqlServer'), { timeoutMs: this.deps.callTimeoutMs });
  }

  /** the LSN range of the backup written to `url` (msdb), as decimal strings */
  async backupLsns(side: LinkSide, url: string): Promise<{ firstLsn: string; lastLsn: string } | undefined> {
    const r = await this.sql(side).query<{ first_lsn: string | null; last_lsn: string | null }>(
      Statement.build([
        'SELECT TOP (1) CAST(bs.first_lsn AS varchar(30)) AS first_lsn, CAST(bs.last_lsn AS varchar(30)) AS last_lsn FROM msdb.dbo.backupset bs ',
        'JOIN msdb.dbo.backupmediafamily mf ON mf.media_set_id = bs.media_set_id WHERE mf.physical_device_name = ',
        str('url', url),
        ' ORDER BY bs.backup_finish_date DESC;',
      ]),
      { timeoutMs: this.deps.callTimeoutMs },
    );
    const row = r.recordsets[0]?.[0];
    return row?.first_lsn && row.last_lsn ? { firstLsn: row.first_lsn, lastLsn: row.last_lsn } : undefined;
  }

  // ---- actions: ARM on the managed instance -------------------------------------------------------

  startReplicationMode(modeWanted: ReplicationMode): Promise<PollerState> {
    const ref = this.armRef();
    return ref.client.startUpdateReplicationMode(ref.resourceGroup, ref.name, this.link.distributedAvailabilityGroup, modeWanted);
  }

  startFailover(type: ArmFailoverType): Promise<PollerState> {
    const ref = this.armRef();
    return ref.client.startFailover(ref.resourceGroup, ref.name, this.link.distributedAvailabilityGroup, type);
  }

  startSetRole(role: LinkRole, change: RoleChangeType): Promise<PollerState> {
    const ref = this.armRef();
    return ref.client.startSetRole(ref.resourceGroup, ref.name, this.link.distributedAvailabilityGroup, role, change);
  }

  startDelete(): Promise<PollerState> {
    const ref = this.armRef();
    return ref.client.startDeleteLink(ref.resourceGroup, ref.name, this.link.distributedAvailabilityGroup);
  }

  poll(state: PollerState): ReturnType<ReturnType<ArmResolver>['client']['pollOnce']> {
    return this.armRef().client.pollOnce(state);
  }

  /** the managed instance's update policy and TDE protector, for a failback to SQL Server (REFERENCE 7) */
  async managedInstanceFacts(): Promise<{ databaseFormat?: string; protector?: string; encryptedDatabases: string[] }> {
    const ref = this.armRef();
    const [mi, protector, encrypted] = await Promise.all([
      ref.client.getManagedInstance(ref.resourceGroup, ref.name),
      ref.client.getEncryptionProtector(ref.resourceGroup, ref.name),
      this.sql('managedInstance').batch<{ name: string }>('SELECT name FROM sys.databases WHERE is_encrypted = 1;', { timeoutMs: this.deps.callTimeoutMs }),
    ]);
    const linked = new Set(this.link.databases.map((d) => d.toLowerCase()));
    const encryptedDatabases = (encrypted.recordsets[0] ?? []).map((r) => r.name).filter((n) => linked.has(n.toLowerCase()));
    return { databaseFormat: mi.databaseFormat, protector: protector.serverKeyType, encryptedDatabases };
  }
}
