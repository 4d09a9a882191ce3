// sys.availability_groups, sys.availability_replicas, sys.dm_hadr_availability_replica_states and
// sys.dm_hadr_database_replica_states over the instance's HadrState (empty unless a link fills it).
import type { AvailabilityGroupRow, AvailabilityReplicaRow, DatabaseReplicaStateRow, ReplicaStateRow } from '../hadr';
import { bit, c, lsnValue, view } from './columns';
import type { CatalogScope } from './scope';

const ROLE_DESC = ['RESOLVING', 'PRIMARY', 'SECONDARY'] as const;

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
      c.tinyint('cluster_type', () => 1, true),
      c.nvarchar('cluster_type_desc', 60, () => 'none'),
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
      c.nvarchar('replica_metadata_id', 10, () => null),
      c.nvarchar('replica_server_name', 256, (r) => r.replicaServerName),
      c.varbinary('owner_sid', 85, () => null),
      c.nvarchar('endpoint_url', 128, (r) => r.endpointUrl),
      c.tinyint('availability_mode', (r) => (r.availabilityMode === 'SYNCHRONOUS_COMMIT' ? 1 : 0), true),
      c.nvarchar('availability_mode_desc', 60, (r) => r.availabilityMode),
      c.tinyint('failover_mode', (r) => (r.failoverMode === 'AUTOMATIC' ? 0 : 1), true),
      c.nvarchar('failover_mode_desc', 60, (r) => r.failoverMode),
      c.tinyint('seeding_mode', (r) => (r.seedingMode === 'AUTOMATIC' ? 0 : 1), true),
      c.nvarchar('seeding_mode_desc', 60, (r) => r.seedingMode),
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
      c.tinyint('operational_state', () => null, true),
      c.nvarchar('operational_state_desc', 60, (r) => r.operationalState),
      c.tinyint('connected_state', (r) => (r.connectedState === 'CONNECTED' ? 1 : 0), true),
      c.nvarchar('connected_state_desc', 60, (r) => r.connectedState),
      c.tinyint('synchronization_health', (r) => ['NOT_HEALTHY', 'PARTIALLY_HEALTHY', 'HEALTHY'].indexOf(r.synchronizationHealth), true),
      c.nvarchar('synchronization_health_desc', 60, (r) => r.synchronizationHealth),
      c.int('last_connect_error_number', (r) => r.lastConnectErrorNumber, true),
      c.nvarchar('last_connect_error_description', 1024, (r) => r.lastConnectErrorDescription),
      c.datetime('last_connect_error_timestamp', (r) => r.lastConnectErrorTimestamp),
    ],
    () => scope.instance.hadr.replicaStates,
  );
}

export function dmHadrDatabaseReplicaStates(scope: CatalogScope) {
  const lsn = (v: bigint | null): ReturnType<typeof lsnValue> => (v === null ? null : lsnValue(v));
  return view<DatabaseReplicaStateRow>(
    [
      c.int('database_id', (r) => r.databaseId),
      c.guid('group_id', (r) => r.groupId),
      c.guid('replica_id', (r) => r.replicaId),
      c.guid('group_database_id', () => null),
      c.bit('is_local', (r) => bit(r.isLocal), true),
      c.bit('is_primary_replica', (r) => bit(r.isPrimaryReplica), true),
      c.tinyint('synchronization_state', (r) => ['NOT SYNCHRONIZING', 'SYNCHRONIZING', 'SYNCHRONIZED', 'REVERTING', 'INITIALIZING'].indexOf(r.synchronizationState), true),
      c.nvarchar('synchronization_state_desc', 60, (r) => r.synchronizationState),
      c.bit('is_commit_participant', (r) => bit(r.isPrimaryReplica), true),
      c.tinyint('synchronization_health', (r) => ['NOT_HEALTHY', 'PARTIALLY_HEALTHY', 'HEALTHY'].indexOf(r.synchronizationHealth), true),
      c.nvarchar('synchronization_health_desc', 60, (r) => r.synchronizationHealth),
      c.tinyint('database_state', () => null, true),
      c.nvarchar('database_state_desc', 60, (r) => r.databaseState),
      c.bit('is_suspended', (r) => bit(r.isSuspended), true),
      c.tinyint('suspend_reason', () => null, true),
      c.nvarchar('suspend_reason_desc', 60, (r) => r.suspendReason),
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
