// Availability group state an instance exposes through sys.availability_groups and the
// sys.dm_hadr_* views. Empty unless something (the Managed Instance link emulation) fills it: on
// SQL Server with HADR off these views exist and return no rows, as here.

export interface AvailabilityGroupRow {
  groupId: string;
  name: string;
  isDistributed: boolean;
  requiredSynchronizedSecondariesToCommit: number;
}

export interface AvailabilityReplicaRow {
  replicaId: string;
  groupId: string;
  replicaServerName: string;
  endpointUrl: string;
  availabilityMode: 'ASYNCHRONOUS_COMMIT' | 'SYNCHRONOUS_COMMIT';
  failoverMode: 'AUTOMATIC' | 'MANUAL';
  seedingMode: 'AUTOMATIC' | 'MANUAL';
}

export interface ReplicaStateRow {
  replicaId: string;
  groupId: string;
  isLocal: boolean;
  role: 0 | 1 | 2;
  operationalState: string | null;
  connectedState: 'CONNECTED' | 'DISCONNECTED';
  synchronizationHealth: 'NOT_HEALTHY' | 'PARTIALLY_HEALTHY' | 'HEALTHY';
  lastConnectErrorNumber: number | null;
  lastConnectErrorDescription: string | null;
  lastConnectErrorTimestamp: Date | null;
}

export interface DatabaseReplicaStateRow {
  databaseId: number;
  groupId: string;
  replicaId: string;
  isLocal: boolean;
  isPrimaryReplica: boolean;
  synchronizationState: 'NOT SYNCHRONIZING' | 'SYNCHRONIZING' | 'SYNCHRONIZED' | 'REVERTING' | 'INITIALIZING';
  synchronizationHealth: 'NOT_HEALTHY' | 'PARTIALLY_HEALTHY' | 'HEALTHY';
  databaseState: string | null;
  isSuspended: boolean;
  suspendReason: string | null;
  lastSentLsn: bigint | null;
  lastSentTime: Date | null;
  lastReceivedLsn: bigint | null;
  lastReceivedTime: Date | null;
  lastHardenedLsn: bigint | null;
  lastHardenedTime: Date | null;
  lastRedoneLsn: bigint | null;
  lastRedoneTime: Date | null;
  logSendQueueSizeKb: number | null;
  logSendRateKbps: number | null;
  redoQueueSizeKb: number | null;
  redoRateKbps: number | null;
  endOfLogLsn: bigint | null;
  lastCommitLsn: bigint | null;
  lastCommitTime: Date | null;
  secondaryLagSeconds: number | null;
}

export interface HadrState {
  groups: AvailabilityGroupRow[];
  replicas: AvailabilityReplicaRow[];
  replicaStates: ReplicaStateRow[];
  databaseReplicaStates: DatabaseReplicaStateRow[];
}

export function emptyHadrState(): HadrState {
  return { groups: [], replicas: [], replicaStates: [], databaseReplicaStates: [] };
}
