// One instance's view of every link it takes part in, read with ONE batch over TDS: the distributed
// availability groups, their replicas and replica states, the database replica states (LSNs cast to
// text: the driver turns decimal(25,0) into a rounded JS number), seeding progress, and on SQL
// Server the mirroring endpoint's certificate and the log space of its databases. The cost of a
// sweep grows with instances, never with links.
import type { SqlClient } from '../sql/pools';
import type { DatabaseReplicaView, ReplicaRole, SideView, SqlServerExtras } from './types';

const REPLICAS = `
SELECT ag.name AS dag, ar.replica_server_name AS replica, ars.is_local, ars.role_desc, ars.connected_state_desc,
       ars.synchronization_health_desc, ars.last_connect_error_number, ars.last_connect_error_description,
       ars.last_connect_error_timestamp
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id AND ars.group_id = ag.group_id
WHERE ag.is_distributed = 1;`;

const DATABASES = `
SELECT ag.name AS dag, DB_NAME(drs.database_id) AS db, drs.is_local, drs.is_primary_replica,
       drs.synchronization_state_desc, drs.synchronization_health_desc, drs.is_suspended,
       drs.log_send_queue_size, drs.log_send_rate, drs.redo_queue_size, drs.redo_rate,
       drs.secondary_lag_seconds, drs.last_commit_time,
       CAST(drs.last_hardened_lsn AS varchar(30)) AS last_hardened_lsn,
       CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn
FROM sys.availability_groups ag
JOIN sys.dm_hadr_database_replica_states drs ON drs.group_id = ag.group_id
WHERE ag.is_distributed = 1;`;

// the seeding DMVs list operations in progress (and recent ones); the join says which have ended
const SEEDING = `
SELECT s.local_database_name AS db, s.database_size_bytes, s.transferred_size_bytes, a.current_state
FROM sys.dm_hadr_physical_seeding_stats s
LEFT JOIN sys.dm_hadr_automatic_seeding a ON a.operation_id = s.local_physical_seeding_id;`;

// SQL Server only: the certificate the mirroring endpoint authenticates with, and each log's fill
const SQL_SERVER_EXTRAS = `
SELECT c.name, c.expiry_date
FROM sys.database_mirroring_endpoints e
JOIN sys.certificates c ON c.certificate_id = e.certificate_id;
DBCC SQLPERF(LOGSPACE);`;

export function snapshotBatch(kind: 'sqlServer' | 'managedInstance'): string {
  return [REPLICAS, DATABASES, SEEDING, kind === 'sqlServer' ? SQL_SERVER_EXTRAS : ''].join('\n');
}

/** Every link one instance takes part in, by distributed availability group name (lower case). */
export interface InstanceSnapshot {
  instance: string;
  links: Map<string, SideView>;
  /** SQL Server only */
  extras?: SqlServerExtras;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
const bool = (v: unknown): boolean => v === true || v === 1;
const role = (v: unknown): ReplicaRole | undefined => (v === 'PRIMARY' || v === 'SECONDARY' || v === 'RESOLVING' ? v : undefined);

export async function readSnapshot(client: SqlClient, timeoutMs: number): Promise<InstanceSnapshot> {
  const kind = client.instance.kind;
  const result = await client.batch<Row>(snapshotBatch(kind), { timeoutMs });
  const [replicas = [], databases = [], seeding = [], certificates = [], logSpace = []] = result.recordsets;
  return parseSnapshot(client.instance.name, kind, { replicas, databases, seeding, certificates, logSpace });
}

export interface SnapshotRows {
  replicas: Row[];
  databases: Row[];
  seeding: Row[];
  certificates: Row[];
  logSpace: Row[];
}

/** Pure: the batch's result sets turned into one side's view per link. */
export function parseSnapshot(instance: string, kind: 'sqlServer' | 'managedInstance', rows: SnapshotRows): InstanceSnapshot {
  const links = new Map<string, SideView>();
  const side = (dag: string): SideView => {
    let v = links.get(dag.toLowerCase());
    if (!v) {
      v = { instance, databases: [] };
      links.set(dag.toLowerCase(), v);
    }
    return v;
  };
  for (const r of rows.replicas) {
    const dag = str(r.dag);
    if (!dag) continue;
    const v = side(dag);
    if (bool(r.is_local)) {
      v.role = role(r.role_desc);
    } else {
      // only a primary sees the other replica
      v.remoteConnected = r.connected_state_desc === 'CONNECTED';
      v.remoteHealth = str(r.synchronization_health_desc);
    }
    const errorNumber = num(r.last_connect_error_number);
    if (errorNumber !== undefined && errorNumber !== 0) {
      v.lastConnectError = { number: errorNumber, description: str(r.last_connect_error_description) ?? '', at: str(r.last_connect_error_timestamp) };
    }
  }
  for (const r of rows.databases) {
    const dag = str(r.dag);
    const database = str(r.db);
    if (!dag || !database) continue;
    const view: DatabaseReplicaView = {
      database,
      local: bool(r.is_local),
      synchronizationState: str(r.synchronization_state_desc),
      synchronizationHealth: str(r.synchronization_health_desc),
      isSuspended: bool(r.is_suspended),
      secondaryLagSeconds: num(r.secondary_lag_seconds),
      logSendQueueKb: num(r.log_send_queue_size),
      logSendRateKbps: num(r.log_send_rate),
      redoQueueKb: num(r.redo_queue_size),
      redoRateKbps: num(r.redo_rate),
      lastCommitTime: str(r.last_commit_time),
      lastHardenedLsn: str(r.last_hardened_lsn),
      endOfLogLsn: str(r.end_of_log_lsn),
    };
    side(dag).databases.push(view);
  }
  // seeding is per database (keys in lower case), and a database being seeded may not have its
  // replica row yet: every link of this instance gets the list, the evaluator picks its databases
  const seeding: Record<string, number> = {};
  for (const r of rows.seeding) {
    const database = str(r.db);
    const state = str(r.current_state)?.toUpperCase();
    if (!database || state === 'COMPLETED' || state === 'FAILED') continue;
    const size = num(r.database_size_bytes);
    const done = num(r.transferred_size_bytes) ?? 0;
    if (size !== undefined && size > 0 && done >= size) continue;
    seeding[database.toLowerCase()] = size ? Math.min(100, (done / size) * 100) : 0;
  }
  if (Object.keys(seeding).length) for (const v of links.values()) v.seeding = seeding;
  if (kind !== 'sqlServer') return { instance, links };
  const logUsedPercent: Record<string, number> = {};
  for (const r of rows.logSpace) {
    const database = str(r['Database Name']);
    const used = num(r['Log Space Used (%)']);
    if (database && used !== undefined) logUsedPercent[database] = used;
  }
  // the soonest-expiring certificate an endpoint uses is the one to rotate first
  const cert = rows.certificates
    .map((r) => ({ name: str(r.name), expiry: str(r.expiry_date) }))
    .filter((c): c is { name: string | undefined; expiry: string } => c.expiry !== undefined)
    .sort((a, b) => a.expiry.localeCompare(b.expiry))[0];
  return { instance, links, extras: { logUsedPercent, certificateExpiry: cert?.expiry, certificateName: cert?.name } };
}
