// Availability group state an instance exposes through sys.availability_groups, the sys.dm_hadr_*
// views, the mirroring endpoint and the link's certificates. Empty unless something (the Managed
// Instance link emulation) fills it: on SQL Server with HADR off these views exist and return no
// rows, as here.

export type SyncState = 'NOT SYNCHRONIZING' | 'SYNCHRONIZING' | 'SYNCHRONIZED' | 'REVERTING' | 'INITIALIZING';
export type SyncHealth = 'NOT_HEALTHY' | 'PARTIALLY_HEALTHY' | 'HEALTHY';

export interface AvailabilityGroupRow {
  groupId: string;
  name: string;
  isDistributed: boolean;
  requiredSynchronizedSecondariesToCommit: number;
  /** 0 WSFC, 1 external, 2 none (the link's AG is created WITH (CLUSTER_TYPE = NONE)) */
  clusterType?: 0 | 1 | 2;
}

export interface AvailabilityReplicaRow {
  replicaId: string;
  groupId: string;
  replicaServerName: string;
  endpointUrl: string;
  availabilityMode: 'ASYNCHRONOUS_COMMIT' | 'SYNCHRONOUS_COMMIT';
  failoverMode: 'AUTOMATIC' | 'MANUAL';
  seedingMode: 'AUTOMATIC' | 'MANUAL';
  createDate?: Date;
}

export interface ReplicaStateRow {
  replicaId: string;
  groupId: string;
  isLocal: boolean;
  role: 0 | 1 | 2;
  operationalState: string | null;
  /** ONLINE when every joined database is online; NULL for remote replicas */
  recoveryHealth?: 'ONLINE' | 'ONLINE_IN_PROGRESS' | null;
  connectedState: 'CONNECTED' | 'DISCONNECTED';
  synchronizationHealth: SyncHealth;
  lastConnectErrorNumber: number | null;
  lastConnectErrorDescription: string | null;
  lastConnectErrorTimestamp: Date | null;
}

export interface DatabaseReplicaStateRow {
  databaseId: number;
  groupId: string;
  replicaId: string;
  /** the same on every replica the database is joined to */
  groupDatabaseId?: string | null;
  isLocal: boolean;
  isPrimaryReplica: boolean;
  synchronizationState: SyncState;
  synchronizationHealth: SyncHealth;
  databaseState: string | null;
  isSuspended: boolean;
  suspendReason: string | null;
  recoveryLsn?: bigint | null;
  truncationLsn?: bigint | null;
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

/** sys.dm_hadr_availability_group_states */
export interface AvailabilityGroupStateRow {
  groupId: string;
  primaryReplica: string | null;
  primaryRecoveryHealth: 'ONLINE' | 'ONLINE_IN_PROGRESS' | null;
  secondaryRecoveryHealth: 'ONLINE' | 'ONLINE_IN_PROGRESS' | null;
  synchronizationHealth: SyncHealth;
}

/** sys.dm_hadr_automatic_seeding */
export interface AutomaticSeedingRow {
  startTime: Date;
  completionTime: Date | null;
  agId: string;
  agDbId: string;
  agRemoteReplicaId: string;
  operationId: string;
  isSource: boolean;
  currentState: string;
  performedSeeding: boolean;
  failureState: number | null;
  failureStateDesc: string | null;
  errorCode: number;
  numberOfAttempts: number;
}

/** sys.dm_hadr_physical_seeding_stats */
export interface PhysicalSeedingRow {
  localPhysicalSeedingId: string;
  remotePhysicalSeedingId: string;
  localDatabaseId: number;
  localDatabaseName: string;
  remoteMachineName: string;
  roleDesc: 'Source' | 'Destination';
  internalStateDesc: string;
  transferRateBytesPerSecond: number;
  transferredSizeBytes: number;
  databaseSizeBytes: number;
  startTimeUtc: Date;
  endTimeUtc: Date | null;
  estimateTimeCompleteUtc: Date | null;
  failureCode: number | null;
  failureMessage: string | null;
  failureTimeUtc: Date | null;
}

/** sys.certificates (in master) */
export interface CertificateRow {
  name: string;
  certificateId: number;
  principalId: number;
  /** NA (no private key), MK (encrypted by the database master key), PW, SK */
  pvtKeyEncryptionType: 'NA' | 'MK' | 'PW' | 'SK';
  issuerName: string;
  serialNumber: string;
  sid: Buffer;
  stringSid: string;
  subject: string;
  startDate: Date;
  expiryDate: Date;
  thumbprint: Buffer;
  keyLength: number;
}

/** the database mirroring endpoint a link uses (sys.endpoints, sys.database_mirroring_endpoints, sys.tcp_endpoints) */
export interface MirroringEndpointRow {
  name: string;
  endpointId: number;
  port: number;
  /** the certificate it authenticates with (sys.certificates.certificate_id) */
  certificateId: number;
}

/** PERF_COUNTER_BULK_COUNT: a cumulative count, read twice to get a rate */
export const BULK_COUNT = 272696576;
/** PERF_COUNTER_LARGE_RAWCOUNT: the value as it is */
export const LARGE_RAWCOUNT = 65792;

/** a row of sys.dm_os_performance_counters the HADR state adds (object without its SQLServer: prefix) */
export interface PerfCounterRow {
  object: string;
  counter: string;
  instance: string;
  value: number;
  type: number;
}

/** a database joined to an availability group (sys.databases.group_database_id / replica_id) */
export interface AvailabilityDatabaseRow {
  databaseId: number;
  groupDatabaseId: string;
  replicaId: string;
}

export interface HadrState {
  groups: AvailabilityGroupRow[];
  replicas: AvailabilityReplicaRow[];
  replicaStates: ReplicaStateRow[];
  databaseReplicaStates: DatabaseReplicaStateRow[];
  groupStates?: AvailabilityGroupStateRow[];
  automaticSeeding?: AutomaticSeedingRow[];
  physicalSeeding?: PhysicalSeedingRow[];
  certificates?: CertificateRow[];
  mirroringEndpoint?: MirroringEndpointRow;
  counters?: PerfCounterRow[];
  availabilityDatabases?: AvailabilityDatabaseRow[];
}

export function emptyHadrState(): HadrState {
  return { groups: [], replicas: [], replicaStates: [], databaseReplicaStates: [] };
}
