// The domain types the playbooks use for what Azure Resource Manager reports about managed
// instances, their databases, Log Replay Service restores, the TDE protector and the link
// (distributed availability groups, 2025-01-01 schema). LSNs stay decimal strings: they exceed 2^53.

export type DatabaseFormat = 'SQLServer2022' | 'SQLServer2025' | 'AlwaysUpToDate';

export interface ManagedInstanceInfo {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  state?: string;
  provisioningState?: string;
  fullyQualifiedDomainName?: string;
  /** the update policy: SQLServer2022 / SQLServer2025 or AlwaysUpToDate (absent on old api-versions) */
  databaseFormat?: DatabaseFormat | string;
  storageSizeInGB?: number;
  vCores?: number;
  skuName?: string;
}

export interface ManagedDatabaseInfo {
  id: string;
  name: string;
  status?: string;
  collation?: string;
  creationDate?: Date;
}

export interface BackupSetInfo {
  status?: string;
  firstStripeName?: string;
  numberOfStripes?: number;
  backupSizeMB?: number;
  restoreStartedTimestampUtc?: Date;
  restoreFinishedTimestampUtc?: Date;
}

export interface RestoreDetails {
  type?: string;
  status?: string;
  blockReason?: string;
  currentRestoringFileName?: string;
  lastRestoredFileName?: string;
  lastRestoredFileTime?: Date;
  lastUploadedFileName?: string;
  lastUploadedFileTime?: Date;
  percentCompleted?: number;
  currentBackupType?: string;
  numberOfFilesDetected?: number;
  numberOfFilesQueued?: number;
  numberOfFilesRestored?: number;
  numberOfFilesRestoring?: number;
  numberOfFilesSkipped?: number;
  numberOfFilesUnrestorable?: number;
  fullBackupSets: BackupSetInfo[];
  diffBackupSets: BackupSetInfo[];
  logBackupSets: BackupSetInfo[];
  unrestorableFiles: string[];
}

export type ServerKeyType = 'ServiceManaged' | 'AzureKeyVault';

export interface EncryptionProtectorInfo {
  serverKeyType: ServerKeyType;
  serverKeyName?: string;
  uri?: string;
  autoRotationEnabled?: boolean;
}

export type LinkRole = 'Primary' | 'Secondary';
export type ReplicationMode = 'Async' | 'Sync';
export type FailoverType = 'Planned' | 'ForcedAllowDataLoss';
export type RoleChangeType = 'Planned' | 'Forced';

export interface LinkDatabaseState {
  databaseName: string;
  instanceReplicaId?: string;
  partnerReplicaId?: string;
  replicaState?: string;
  seedingProgress?: string;
  synchronizationHealth?: string;
  connectedState?: string;
  lastReceivedLsn?: string;
  lastReceivedTime?: Date;
  lastSentLsn?: string;
  lastSentTime?: Date;
  lastCommitLsn?: string;
  lastCommitTime?: Date;
  lastHardenedLsn?: string;
  lastHardenedTime?: Date;
  lastBackupLsn?: string;
  lastBackupTime?: Date;
  mostRecentLinkError?: string;
  partnerAuthCertValidity?: { certificateName?: string; expiryDate?: Date };
  instanceSendReplicationLagSeconds?: number;
  instanceRedoReplicationLagSeconds?: number;
}

export interface DistributedAvailabilityGroupInfo {
  id: string;
  name: string;
  distributedAvailabilityGroupName?: string;
  distributedAvailabilityGroupId?: string;
  replicationMode?: ReplicationMode | string;
  partnerLinkRole?: LinkRole | string;
  partnerAvailabilityGroupName?: string;
  partnerEndpoint?: string;
  instanceLinkRole?: LinkRole | string;
  instanceAvailabilityGroupName?: string;
  failoverMode?: string;
  seedingMode?: string;
  linkMode?: string;
  mostRecentError?: string;
  mostRecentErrorTime?: Date;
  mostRecentErrorMessage?: string;
  databases: LinkDatabaseState[];
}

export interface CreateLinkRequest {
  databases: string[];
  instanceAvailabilityGroupName: string;
  partnerAvailabilityGroupName: string;
  partnerEndpoint: string;
  instanceLinkRole: LinkRole;
  failoverMode: 'Manual' | 'None';
  seedingMode?: 'Automatic' | 'Manual';
  replicationMode?: ReplicationMode;
}

/** Log Replay Service start: SAS or managed identity, never both */
export type LrsAuth = { kind: 'sas'; sasToken: string } | { kind: 'managedIdentity' };

export interface StartLrsRequest {
  location: string;
  storageContainerUri: string;
  auth: LrsAuth;
  collation?: string;
  /** autoComplete needs the last backup's file name */
  autoComplete?: { lastBackupName: string };
}

/** An asynchronous operation's status body ({name,status,startTime,endTime,error}) */
export interface OperationStatusBody {
  name?: string;
  status: string;
  startTime?: Date;
  endTime?: Date;
  error?: { code: string; message: string };
}
