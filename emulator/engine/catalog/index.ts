// Name resolution for the evaluator: system views (sys.*), DMVs, msdb tables and user tables,
// with database and schema parts (master.sys.databases, msdb..sysjobs, [sys].[databases]),
// case-insensitively. Unknown names return undefined so the evaluator raises 208.
import type { TableFunction, VirtualTable } from '../../sql/context';
import type { ObjectName } from '../../sql/ast';
import { accessError } from '../access';
import type { EmulatedInstance } from '../instance';
import { sysCredentials } from './credentials';
import { sysDatabases } from './databases';
import { dmExecRequests, dmExecSessions } from './dmExec';
import { dmDatabaseEncryptionKeys, dmOperationStatus } from './dmOther';
import { sysDatabaseFiles, sysMasterFiles } from './files';
import { msdbBackupMediaFamily, msdbBackupSet, msdbRestoreHistory } from './msdbBackups';
import { sysJobActivity, sysJobHistory, sysJobs, sysJobSteps, sysSessions } from './msdbJobs';
import { sysColumns, sysPartitions, sysSchemas, sysTables } from './objects';
import type { CatalogScope } from './scope';
import { userTable } from './userTable';
import { findTable } from './userObjects';
import { informationSchemaTables } from './informationSchema';
import { dmDbPartitionStats, sysIndexes, sysObjects } from './objectsExtra';
import {
  dmHadrAutomaticSeeding,
  dmHadrAvailabilityGroupStates,
  dmHadrAvailabilityReplicaStates,
  dmHadrDatabaseReplicaStates,
  dmHadrPhysicalSeedingStats,
  sysAvailabilityGroups,
  sysAvailabilityReplicas,
} from './hadr';
import { sysCertificates, sysDatabaseMirroringEndpoints, sysEndpoints, sysTcpEndpoints } from './endpoints';
import { dmExecConnections, dmOsPerformanceCounters } from './dmOs';
import { sysDatabasePrincipals, sysServerPrincipals, sysSqlLogins } from './principals';
import { dmOsVolumeStats } from './volumeStats';
import { SqlError } from '../../sqlError';
import { formatObjectName } from '../../sql/parseNames';

type ViewBuilder = (scope: CatalogScope) => VirtualTable;

interface SystemView {
  build: ViewBuilder;
  /** server-scoped views read the same in every database; database-scoped ones need it online */
  databaseScoped: boolean;
  managedInstanceOnly?: boolean;
}

const SYS_VIEWS: Record<string, SystemView> = {
  databases: { build: sysDatabases, databaseScoped: false },
  master_files: { build: sysMasterFiles, databaseScoped: false },
  credentials: { build: sysCredentials, databaseScoped: false },
  dm_exec_requests: { build: dmExecRequests, databaseScoped: false },
  dm_exec_sessions: { build: dmExecSessions, databaseScoped: false },
  dm_operation_status: { build: dmOperationStatus, databaseScoped: false, managedInstanceOnly: true },
  dm_database_encryption_keys: { build: dmDatabaseEncryptionKeys, databaseScoped: false },
  database_files: { build: sysDatabaseFiles, databaseScoped: true },
  tables: { build: sysTables, databaseScoped: true },
  schemas: { build: sysSchemas, databaseScoped: true },
  partitions: { build: sysPartitions, databaseScoped: true },
  columns: { build: sysColumns, databaseScoped: true },
  objects: { build: sysObjects, databaseScoped: true },
  indexes: { build: sysIndexes, databaseScoped: true },
  dm_db_partition_stats: { build: dmDbPartitionStats, databaseScoped: true },
  availability_groups: { build: sysAvailabilityGroups, databaseScoped: false },
  availability_replicas: { build: sysAvailabilityReplicas, databaseScoped: false },
  dm_hadr_availability_replica_states: { build: dmHadrAvailabilityReplicaStates, databaseScoped: false },
  dm_hadr_database_replica_states: { build: dmHadrDatabaseReplicaStates, databaseScoped: false },
  dm_hadr_availability_group_states: { build: dmHadrAvailabilityGroupStates, databaseScoped: false },
  dm_hadr_automatic_seeding: { build: dmHadrAutomaticSeeding, databaseScoped: false },
  dm_hadr_physical_seeding_stats: { build: dmHadrPhysicalSeedingStats, databaseScoped: false },
  certificates: { build: sysCertificates, databaseScoped: true },
  endpoints: { build: sysEndpoints, databaseScoped: false },
  tcp_endpoints: { build: sysTcpEndpoints, databaseScoped: false },
  database_mirroring_endpoints: { build: sysDatabaseMirroringEndpoints, databaseScoped: false },
  dm_os_performance_counters: { build: dmOsPerformanceCounters, databaseScoped: false },
  dm_exec_connections: { build: dmExecConnections, databaseScoped: false },
  server_principals: { build: sysServerPrincipals, databaseScoped: false },
  sql_logins: { build: sysSqlLogins, databaseScoped: false },
  database_principals: { build: sysDatabasePrincipals, databaseScoped: true },
};

/** table-valued system functions: sys.dm_os_volume_stats(database_id, file_id) */
const SYS_FUNCTIONS: Record<string, (inst: EmulatedInstance, writtenName: string) => TableFunction> = {
  dm_os_volume_stats: dmOsVolumeStats,
};

const MSDB_TABLES: Record<string, ViewBuilder> = {
  sysjobs: sysJobs,
  sysjobsteps: sysJobSteps,
  sysjobhistory: sysJobHistory,
  sysjobactivity: sysJobActivity,
  syssessions: sysSessions,
  backupset: msdbBackupSet,
  backupmediafamily: msdbBackupMediaFamily,
  restorehistory: msdbRestoreHistory,
};

export interface ResolveContext {
  instance: EmulatedInstance;
  spid: number;
  currentDatabase: string;
}

/** a table-valued system function called with arguments (FROM / APPLY sys.fn(...)); undefined: not one */
export function resolveTableFunction(ctx: ResolveContext, name: ObjectName): TableFunction | undefined {
  const inst = ctx.instance;
  if ((name.schema ?? '').toLowerCase() !== 'sys') return undefined;
  if (name.server !== undefined && name.server.toLowerCase() !== inst.serverName.toLowerCase()) return undefined;
  if (name.database !== undefined && !inst.findDatabase(name.database)) return undefined;
  const build = SYS_FUNCTIONS[name.name.toLowerCase()];
  return build?.(inst, formatObjectName(name));
}

export function resolveTable(ctx: ResolveContext, name: ObjectName): VirtualTable | undefined {
  const inst = ctx.instance;
  if (name.server !== undefined && name.server.toLowerCase() !== inst.serverName.toLowerCase()) return undefined;
  const db = inst.findDatabase(name.database ?? ctx.currentDatabase);
  if (!db) return undefined;
  if ((name.schema ?? '').toLowerCase() === 'sys' && SYS_FUNCTIONS[name.name.toLowerCase()]) {
    // a table-valued function named without its arguments
    throw new SqlError(216, 1, 16, `Parameters were not supplied for the function '${formatObjectName(name)}'.`);
  }
  const scope: CatalogScope = { instance: inst, database: db, spid: ctx.spid };
  const schema = (name.schema ?? '').toLowerCase();
  const object = name.name.toLowerCase();
  const mustBeOpen = (): void => {
    const error = accessError(inst, db, ctx.spid);
    if (error) throw error;
  };

  if (schema === 'sys') {
    const v = SYS_VIEWS[object];
    if (!v || (v.managedInstanceOnly && inst.config.kind !== 'managedInstance')) return undefined;
    if (v.databaseScoped) mustBeOpen();
    return v.build(scope);
  }
  if (schema === 'information_schema') {
    if (object !== 'tables') return undefined;
    mustBeOpen();
    return informationSchemaTables(scope);
  }
  if (db.name.toLowerCase() === 'msdb' && (schema === '' || schema === 'dbo')) {
    const build = MSDB_TABLES[object];
    if (build) return build(scope);
  }
  const table = findTable(db, name.schema ?? 'dbo', name.name);
  if (!table) return undefined;
  mustBeOpen();
  return userTable(table);
}
