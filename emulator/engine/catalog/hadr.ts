// sys.availability_groups, sys.availability_replicas, sys.dm_hadr_availability_replica_states,
// sys.dm_hadr_database_replica_states, sys.dm_hadr_availability_group_states and the seeding DMVs
// over the instance's HadrState (empty unless a link fills it). Columns, order and types as SQL
// Server documents them (tinyint codes beside their _desc).
import type {
  AutomaticSeedingRow,
  AvailabilityGroupRow,
  AvailabilityGroupStateRow,
  AvailabilityReplicaRow,
  DatabaseReplicaStateRow,
  PhysicalSeedingRow,
  ReplicaStateRow,
  SyncHealth,
} from '../hadr';
import { bit, c, lsnValue, view } from './columns';
import type { CatalogScope } from './scope';
import { STATE_CODES } from './scope';
import type { DatabaseStateDesc } from '../model';

const ROLE_DESC = ['RESOLVING', 'PRIMARY', 'SECONDARY'] as const;
const OPERATIONAL_STATES = ['PENDING_FAILOVER', 'PENDING', 'ONLINE', 'OFFLINE', 'FAILED', 'FAILED_NO_QUORUM'];
const SYNC_STATES = ['NOT SYNCHRONIZING', 'SYNCHRONIZING', 'SYNCHRONIZED', 'REVERTING', 'INITIALIZING'];
const HEALTH: SyncHealth[] = ['NOT_HEALTHY', 'PARTIALLY_HEALTHY', 'HEALTHY'];
const CLUSTER_TYPE_DESC = ['wsfc', 'external', 'none'];
const RECOVERY_HEALTH = ['ONLINE_IN_PROGRESS', 'ONLINE'];
const SUSPEND_REASONS = [
  'SUSPEND_FROM_USER',
  'SUSPEND_FROM_PARTNER',
  'SUSPEND_FROM_REDO',
  'SUSPEND_FROM_CAPTURE',
  'SUSPEND_FROM_APPLY',
  'SUSPEND_FROM_RESTART',
  'SUSPEND_FROM_UNDO',
  'SUSPEND_FROM_REVALIDATION',
  'SUSPEND_FROM_XRF_UPDATE',
];

const code = (list: readonly string[], value: string | null | undefined): number | null => {
  if (value === null || value === undefined) return null;
  const i = list.indexOf(value);
  return i < 0 ? null : i;
};
const lsn = (v: bigint | null | undefined): ReturnType<typeof lsnValue> => (v === null || v === undefined ? null : lsnValue(v));

export function sysAvailabilityGroups(scope: CatalogScope) {
  return view<AvailabilityGroupRow>(
    [
      c.guid('group_id', (g) => g.groupId, false),
      c.sysname('name', (g) => g.name, true),
      c.nvarchar('resource_id', 40, () => null),
      c.nvarchar('resource_group_id', 40, () => null),
      c.int('failure_condition_level', () => null, true),
      c.int('health_check_timeout', () => null, true),
      c.tinyint('automated_backup_preference', () => null, true),
      c.nvarchar('automated_backup_preference_desc', 60, () => null),
      c.smallint('version', () => 1, true),
      c.bit('basic_features', () => 0, true),
      c.bit('dtc_support', () => 0, true),
      c.bit('db_failover', () => 0, true),
      c.bit('is_distributed', (g) => bit(g.isDistributed), true),
      // the documented codes: 0 WSFC, 1 external, 2 none
      c.tinyint('cluster_type', (g) => g.clusterType ?? 2, true),
      c.nvarchar('cluster_type_desc', 60, (g) => CLUSTER_TYPE_DESC[g.clusterType ?? 2]),
      c.int('required_synchronized_secondaries_to_commit', (g) => g.requiredSynchronizedSecondariesToCommit, true),
      c.bigint('sequence_number', () => 1, true),
      c.bit('is_contained', () => 0, true),
    ],
    () => scope.instance.hadr.groups,
  );
}

export function sysAvailabilityReplicas(scope: CatalogScope) {
  return view<AvailabilityReplicaRow>(
    [
      c.guid('replica_id', (r) => r.replicaId),
      c.guid('group_id', (r) => r.groupId),
      c.int('replica_metadata_id', () => null, true),
      c.nvarchar('replica_server_name', 256, (r) => r.replicaServerName),
      c.varbinary('owner_sid', 85, () => null),
      c.nvarchar('endpoint_url', 128, (r) => r.endpointUrl),
      c.tinyint('availability_mode', (r) => (r.availabilityMode === 'SYNCHRONOUS_COMMIT' ? 1 : 0), true),
      c.nvarchar('availability_mode_desc', 60, (r) => r.availabilityMode),
      c.tinyint('failover_mode', (r) => (r.failoverMode === 'AUTOMATIC' ? 0 : 1), true),
      c.nvarchar('failover_mode_desc', 60, (r) => r.failoverMode),
      c.int('session_timeout', () => 10, true),
      c.tinyint('primary_role_allow_connections', () => 2, true),
      c.nvarchar('primary_role_allow_connections_desc', 60, () => 'ALL'),
      c.tinyint('secondary_role_allow_connections', () => 0, true),
      c.nvarchar('secondary_role_allow_connections_desc', 60, () => 'NO'),
      c.datetime('create_date', (r) => r.createDate ?? null),
      c.datetime('modify_date', (r) => r.createDate ?? null),
      c.int('backup_priority', () => 50, true),
      c.nvarchar('read_only_routing_url', 256, () => null),
      c.tinyint('seeding_mode', (r) => (r.seedingMode === 'AUTOMATIC' ? 0 : 1), true),
      c.nvarchar('seeding_mode_desc', 60, (r) => r.seedingMode),
      c.nvarchar('read_write_routing_url', 256, () => null),
    ],
    () => scope.instance.hadr.replicas,
  );
}

export function dmHadrAvailabilityReplicaStates(scope: CatalogScope) {
  return view<ReplicaStateRow>(
    [
      c.guid('replica_id', (r) => r.replicaId),
      c.guid('group_id', (r) => r.groupId),
      c.bit('is_local', (r) => bit(r.isLocal), true),
      c.tinyint('role', (r) => r.role, true),
      c.nvarchar('role_desc', 60, (r) => ROLE_DESC[r.role]),
      c.tinyint('operational_state', (r) => code(OPERATIONAL_STATES, r.operationalState), true),
      c.nvarchar('operational_state_desc', 60, (r) => r.operationalState),
      c.tinyint('recovery_health', (r) => code(RECOVERY_HEALTH, r.recoveryHealth), true),
      c.nvarchar('recovery_health_desc', 60, (r) => r.recoveryHealth ?? null),
      c.tinyint('synchronization_health', (r) => HEALTH.indexOf(r.synchronizationHealth), true),
      c.nvarchar('synchronization_health_desc', 60, (r) => r.synchronizationHealth),
      c.tinyint('connected_state', (r) => (r.connectedState === 'CONNECTED' ? 1 : 0), true),
      c.nvarchar('connected_state_desc', 60, (r) => r.connectedState),
      c.int('last_connect_error_number', (r) => r.lastConnectErrorNumber, true),
      c.nvarchar('last_connect_error_description', 1024, (r) => r.lastConnectErrorDescription),
      c.datetime('last_connect_error_timestamp', (r) => r.lastConnectErrorTimestamp),
    ],
    () => scope.instance.hadr.replicaStates,
  );
}

export function dmHadrDatabaseReplicaStates(scope: CatalogScope) {
  return view<DatabaseReplicaStateRow>(
    [
      c.int('database_id', (r) => r.databaseId),
      c.guid('group_id', (r) => r.groupId),
      c.guid('replica_id', (r) => r.replicaId),
      c.guid('group_database_id', (r) => r.groupDatabaseId ?? null),
      c.bit('is_local', (r) => bit(r.isLocal), true),
      c.bit('is_primary_replica', (r) => bit(r.isPrimaryReplica), true),
      c.tinyint('synchronization_state', (r) => SYNC_STATES.indexOf(r.synchronizationState), true),
      c.nvarchar('synchronization_state_desc', 60, (r) => r.synchronizationState),
      // the docs: always 0 on an asynchronous-commit replica
      c.bit('is_commit_participant', () => 0, true),
      c.tinyint('synchronization_health', (r) => HEALTH.indexOf(r.synchronizationHealth), true),
      c.nvarchar('synchronization_health_desc', 60, (r) => r.synchronizationHealth),
      c.tinyint('database_state', (r) => (r.databaseState === null ? null : (STATE_CODES[r.databaseState as DatabaseStateDesc] ?? null)), true),
      c.nvarchar('database_state_desc', 60, (r) => r.databaseState),
      c.bit('is_suspended', (r) => bit(r.isSuspended), true),
      c.tinyint('suspend_reason', (r) => code(SUSPEND_REASONS, r.suspendReason), true),
      c.nvarchar('suspend_reason_desc', 60, (r) => r.suspendReason),
      c.decimal('recovery_lsn', 25, 0, (r) => lsn(r.recoveryLsn)),
      c.decimal('truncation_lsn', 25, 0, (r) => lsn(r.truncationLsn)),
      c.decimal('last_sent_lsn', 25, 0, (r) => lsn(r.lastSentLsn)),
      c.datetime('last_sent_time', (r) => r.lastSentTime),
      c.decimal('last_received_lsn', 25, 0, (r) => lsn(r.lastReceivedLsn)),
      c.datetime('last_received_time', (r) => r.lastReceivedTime),
      c.decimal('last_hardened_lsn', 25, 0, (r) => lsn(r.lastHardenedLsn)),
      c.datetime('last_hardened_time', (r) => r.lastHardenedTime),
      c.decimal('last_redone_lsn', 25, 0, (r) => lsn(r.lastRedoneLsn)),
      c.datetime('last_redone_time', (r) => r.lastRedoneTime),
      c.bigint('log_send_queue_size', (r) => r.logSendQueueSizeKb, true),
      c.bigint('log_send_rate', (r) => r.logSendRateKbps, true),
      c.bigint('redo_queue_size', (r) => r.redoQueueSizeKb, true),
      c.bigint('redo_rate', (r) => r.redoRateKbps, true),
      c.bigint('filestream_send_rate', () => null, true),
      c.decimal('end_of_log_lsn', 25, 0, (r) => lsn(r.endOfLogLsn)),
      c.decimal('last_commit_lsn', 25, 0, (r) => lsn(r.lastCommitLsn)),
      c.datetime('last_commit_time', (r) => r.lastCommitTime),
      c.bigint('low_water_mark_for_ghosts', () => null, true),
      c.bigint('secondary_lag_seconds', (r) => r.secondaryLagSeconds, true),
    ],
    () => scope.instance.hadr.databaseReplicaStates,
  );
}

export function dmHadrAvailabilityGroupStates(scope: CatalogScope) {
  return view<AvailabilityGroupStateRow>(
    [
      c.guid('group_id', (r) => r.groupId),
      c.varchar('primary_replica', 128, (r) => r.primaryReplica),
      c.tinyint('primary_recovery_health', (r) => code(RECOVERY_HEALTH, r.primaryRecoveryHealth), true),
      c.nvarchar('primary_recovery_health_desc', 60, (r) => r.primaryRecoveryHealth),
      c.tinyint('secondary_recovery_health', (r) => code(RECOVERY_HEALTH, r.secondaryRecoveryHealth), true),
      c.nvarchar('secondary_recovery_health_desc', 60, (r) => r.secondaryRecoveryHealth),
      c.tinyint('synchronization_health', (r) => HEALTH.indexOf(r.synchronizationHealth), true),
      c.nvarchar('synchronization_health_desc', 60, (r) => r.synchronizationHealth),
    ],
    () => scope.instance.hadr.groupStates ?? [],
  );
}

export function dmHadrAutomaticSeeding(scope: CatalogScope) {
  return view<AutomaticSeedingRow>(
    [
      c.datetime('start_time', (r) => r.startTime),
      c.datetime('completion_time', (r) => r.completionTime),
      c.guid('ag_id', (r) => r.agId),
      c.guid('ag_db_id', (r) => r.agDbId),
      c.guid('ag_remote_replica_id', (r) => r.agRemoteReplicaId),
      c.guid('operation_id', (r) => r.operationId),
      c.bit('is_source', (r) => bit(r.isSource), true),
      // documented as bit, shown by SQL Server as text (SEEDING, COMPLETED, FAILED): UNCONFIRMED
      c.nvarchar('current_state', 32, (r) => r.currentState),
      c.bit('performed_seeding', (r) => bit(r.performedSeeding), true),
      c.int('failure_state', (r) => r.failureState, true),
      c.nvarchar('failure_state_desc', 32, (r) => r.failureStateDesc),
      c.int('error_code', (r) => r.errorCode, true),
      c.int('number_of_attempts', (r) => r.numberOfAttempts, true),
    ],
    () => scope.instance.hadr.automaticSeeding ?? [],
  );
}

export function dmHadrPhysicalSeedingStats(scope: CatalogScope) {
  return view<PhysicalSeedingRow>(
    [
      c.guid('local_physical_seeding_id', (r) => r.localPhysicalSeedingId),
      c.guid('remote_physical_seeding_id', (r) => r.remotePhysicalSeedingId),
      c.int('local_database_id', (r) => r.localDatabaseId, true),
      c.nvarchar('local_database_name', 128, (r) => r.localDatabaseName),
      c.nvarchar('remote_machine_name', 128, (r) => r.remoteMachineName),
      c.nvarchar('role_desc', 60, (r) => r.roleDesc),
      c.nvarchar('internal_state_desc', 60, (r) => r.internalStateDesc),
      c.bigint('transfer_rate_bytes_per_second', (r) => r.transferRateBytesPerSecond, true),
      // the DMV reference page spells it transfered_; the engine's column, which the docs' own example
      // queries (automatic seeding, link troubleshooting) and scripts in use read, is transferred_ (INFERRED)
      c.bigint('transferred_size_bytes', (r) => r.transferredSizeBytes, true),
      c.bigint('database_size_bytes', (r) => r.databaseSizeBytes, true),
      c.datetime('start_time_utc', (r) => r.startTimeUtc),
      c.datetime('end_time_utc', (r) => r.endTimeUtc),
      c.datetime('estimate_time_complete_utc', (r) => r.estimateTimeCompleteUtc),
      c.bigint('total_disk_io_wait_time_ms', () => 0, true),
      c.bigint('total_network_wait_time_ms', () => 0, true),
      c.int('failure_code', (r) => r.failureCode, true),
      c.nvarchar('failure_message', -1, (r) => r.failureMessage),
      c.datetime('failure_time_utc', (r) => r.failureTimeUtc),
      // the link compresses seeding traffic (REFERENCE 4.1)
      c.bit('is_compression_enabled', () => 1, true),
    ],
    () => scope.instance.hadr.physicalSeeding ?? [],
  );
}
