// The emulated estate's state as plain data: instances, databases, credentials, jobs, requests.
// One source of truth for the TDS sessions, the backup/restore code and (later) the link and ARM
// emulators. Behaviour lives in other modules; this file only says what exists.

export type InstanceKind = 'sqlServer' | 'managedInstance';
/** A managed instance's update policy (ARM `databaseFormat` SQLServer2022 / AlwaysUpToDate). */
export type UpdatePolicy = 'SQL Server 2022' | 'Always-up-to-date';
export type TdeKind = 'none' | 'serviceManaged' | 'customerManaged';
export type DatabaseStateDesc = 'ONLINE' | 'RESTORING' | 'RECOVERING' | 'RECOVERY_PENDING' | 'SUSPECT' | 'EMERGENCY' | 'OFFLINE';
export type RecoveryModel = 'FULL' | 'SIMPLE' | 'BULK_LOGGED';
export type UserAccess = 'MULTI_USER' | 'SINGLE_USER' | 'RESTRICTED_USER';

export interface DatabaseFile {
  fileId: number;
  /** ROWS (data) or LOG */
  type: 'ROWS' | 'LOG';
  logicalName: string;
  physicalName: string;
  sizeBytes: number;
}

export interface TableInfo {
  schema: string;
  name: string;
  rowCount: number;
  /** columns protected by Always Encrypted (sys.columns.encryption_type not null) */
  encryptedColumns?: string[];
  /** no clustered index: sys.partitions.index_id 0 instead of 1 (added by the engine) */
  heap?: boolean;
}

export interface Database {
  databaseId: number;
  name: string;
  state: DatabaseStateDesc;
  recoveryModel: RecoveryModel;
  userAccess: UserAccess;
  compatibilityLevel: number;
  collation: string;
  createDate: Date;
  tde: TdeKind;
  files: DatabaseFile[];
  tables: TableInfo[];
  /** the end of the log: advances with the workload; LSNs are decimal(25,0) in SQL Server */
  lastLsn: bigint;
  /** FirstLSN of the last full backup that is a base for differentials (not copy-only) */
  differentialBaseLsn?: bigint;
  differentialBaseGuid?: string;
  /** LastLSN of the last log backup, where the next log backup's FirstLSN starts */
  lastLogBackupLsn?: bigint;
  /** the database version (e.g. 957 = SQL Server 2022); what HEADERONLY reports as DatabaseVersion */
  databaseVersion: number;
  /** a restore in progress (state RESTORING): what the next RESTORE in the chain must continue from */
  restoreChain?: {
    /** LastLSN of the last restored backup: the next log backup must have FirstLSN <= this < LastLSN */
    lastRestoredLsn: bigint;
    /** the full backup's FirstLSN: a differential must have DatabaseBackupLSN equal to it */
    fullBackupFirstLsn: bigint;
    backupSetGuids: string[];
  };
  /** workload: transactions per second that advance lastLsn (0 = idle) */
  workloadTps: number;
  /** sys.databases.source_database_id style marker; the app compares restored copies with sources */
  familyGuid: string;
  /** the kind of instance that took the backup this database was restored from (set by RESTORE);
   * DBCC CHECKDB on SQL Server 2022 reports the known error 8992 for databases that came from a
   * managed instance (added by the engine) */
  restoredFromKind?: InstanceKind;
  /** READ_ONLY database (sys.databases.is_read_only; added by the engine) */
  readOnly?: boolean;
  /** where the log was last truncated (a log backup; see logSpace.ts); the active log starts here */
  logTruncationLsn?: bigint;
  /** an availability group holds the log from here on (what the secondary has hardened): no truncation past it */
  logTruncationHoldLsn?: bigint;
  /** bytes of log written since the instance started (SQLServer:Databases Log Bytes Flushed/sec, cumulative) */
  logBytesFlushed?: number;
  /** log flushes since the instance started (Log Flushes/sec) */
  logFlushes?: number;
  /** transactions since the instance started (Transactions/sec) */
  transactionCount?: number;
  /** a managed instance's automated backups of this database (engine/automatedBackups.ts) */
  automatedBackup?: AutomatedBackupState;
  /**
   * the database's users (sys.database_principals beside the built-in principals dbo, guest,
   * INFORMATION_SCHEMA, sys and the roles): carried by BACKUP and brought back by RESTORE with
   * their SIDs, so a user whose login has another SID on the restoring instance is orphaned there
   */
  users?: DatabaseUser[];
}

/** A database user (CREATE USER, the estate file's databases[].users). */
export interface DatabaseUser {
  name: string;
  /** sys.database_principals.principal_id: 5 and up, unique in the database */
  principalId: number;
  /** S = SQL user (for a SQL login, or WITHOUT LOGIN), E = external user (for an Entra login) */
  type: 'S' | 'E';
  /** the SID as upper-case hex without 0x: the login's it was created for or last re-mapped to */
  sid: string;
  /** CREATE USER ... WITHOUT LOGIN: authentication_type NONE, and it cannot be re-mapped to a login */
  withoutLogin?: boolean;
  /** sys.database_principals.default_schema_name */
  defaultSchema: string | null;
  createDate: Date;
  modifyDate: Date;
}

/** Where a managed instance's automated backups of one database stand. */
export interface AutomatedBackupState {
  /** when the database came to exist on the instance (created, restored, seeded, or the estate's start) */
  existsSince: Date;
  /** when the next automated full backup starts */
  nextFullAt: Date;
  /** a full backup under way: its start, the end of the log then, and when it finishes */
  running?: { startedAt: Date; firstLsn: bigint; finishAt: Date };
  firstFullAt?: Date;
  lastFullAt?: Date;
  /** the estate file's databases[].automatedFullBackupAt: recorded in msdb at the first look */
  declaredFullAt?: Date;
}

/** A managed instance's automated backup schedule (the estate file's automatedBackups). */
export interface AutomatedBackupSchedule {
  /** seconds from the database coming to exist to the start of its first automated full backup */
  firstFullAfterSeconds: number;
  /** hours from one automated full backup to the next */
  fullIntervalHours: number;
}

export interface Credential {
  credentialId: number;
  /** usually the container URL, e.g. http://127.0.0.1:10000/devstoreaccount1/backups */
  name: string;
  /** 'SHARED ACCESS SIGNATURE' or 'MANAGED IDENTITY' */
  identity: string;
  /** the SAS token without the leading '?'; never shown by any catalog view */
  secret?: string;
  createDate: Date;
}

export interface AgentJobStep {
  stepId: number;
  stepName: string;
  subsystem: string;
  command: string;
  databaseName: string;
}

export interface AgentJobHistory {
  instanceId: number;
  stepId: number;
  runStatus: 0 | 1 | 2 | 3 | 4; // 0 failed, 1 succeeded, 2 retry, 3 canceled, 4 in progress
  message: string;
  sqlMessageId: number;
  sqlSeverity: number;
  runDate: Date;
  runDurationSeconds: number;
}

export interface AgentJob {
  jobId: string;
  name: string;
  enabled: boolean;
  description: string;
  /** delete_level 1 = delete when it succeeds, 3 = always: one-time jobs clean themselves up */
  deleteLevel: number;
  steps: AgentJobStep[];
  servers: string[];
  history: AgentJobHistory[];
  running?: { startedAt: Date; sessionId: number };
  dateCreated: Date;
  /** the login that created the job; its steps run as this login (added by the engine) */
  ownerLogin?: string;
  /**
   * runs cut off by a restart of the instance (emulator/engine/persistence.ts): SQL Agent writes no
   * history for them, and their sysjobactivity row of that Agent session keeps a start and no stop
   */
  abandonedRuns?: { agentSessionId: number; startedAt: Date }[];
}

/** An SQL Agent session (msdb.dbo.syssessions): one per start of the instance's Agent. */
export interface AgentSession {
  sessionId: number;
  agentStartDate: Date;
}

/** A row of sys.dm_exec_requests (and, on a managed instance, the matching dm_operation_status row). */
export interface ActiveRequest {
  sessionId: number;
  requestId: number;
  command: string; // 'RESTORE DATABASE', 'BACKUP DATABASE', 'SELECT', ...
  databaseName: string;
  startTime: Date;
  status: 'running' | 'suspended' | 'background' | 'runnable';
  percentComplete: number;
  /** milliseconds */
  estimatedCompletionTime: number;
  /** aborted when the session closes (SQL Server) or never (managed instance background restores) */
  cancel?: () => void;
}

/** A row of sys.dm_operation_status (managed instance). */
export interface OperationStatus {
  operationId: string;
  operation: string; // 'RESTORE DATABASE'
  majorResourceId: string; // the database name
  state: 0 | 1 | 2 | 3 | 4; // pending, in progress, completed, failed, cancelled
  percentComplete: number;
  errorCode: number;
  errorDesc: string;
  startTime: Date;
  lastModifyTime: Date;
}

export interface Login {
  name: string;
  /** a SQL login's password; '' for an Entra login, which never takes a password */
  password: string;
  /** CREATE LOGIN … FROM EXTERNAL PROVIDER: the Entra object id (the token's oid) it stands for */
  entraObjectId?: string;
  sysadmin: boolean;
  // ---- added later (absent in older state files; engine/principals.ts fills them in) ----
  /** the SID as upper-case hex without 0x (sa: 01; a SQL login: 16 bytes; an Entra login: its object id's bytes) */
  sid?: string;
  /** sys.server_principals.principal_id */
  principalId?: number;
  createDate?: Date;
  modifyDate?: Date;
  /** DEFAULT_DATABASE (master when absent) */
  defaultDatabase?: string;
  /** CHECK_POLICY (ON when absent) and CHECK_EXPIRATION (OFF when absent): sys.sql_logins */
  checkPolicy?: boolean;
  checkExpiration?: boolean;
}

export interface InstanceConfig {
  name: string;
  kind: InstanceKind;
  /** SQL Server major version (16 = 2022, 17 = 2025); a managed instance reports per update policy */
  majorVersion: number;
  updatePolicy?: UpdatePolicy;
  /** restore and backup throughput, MB per second of backup size (simulated time) */
  throughputMBps: number;
  /**
   * free space for data and log files; restores needing more fail with 3257. On an instance this is
   * live: the volume's capacity less what every database's files take (engine/instance.ts), so
   * creating, restoring or growing a database consumes it and dropping one frees it
   */
  freeSpaceBytes: number;
  /** a managed instance's reserved storage (ARM storageSizeInGB) when the estate file sets it: the volume's capacity */
  storageBytes?: number;
  defaultDataPath: string;
  defaultLogPath: string;
  logins: Login[];
  /** a managed instance's automated backups (absent on SQL Server, which takes none) */
  automatedBackups?: AutomatedBackupSchedule;
}
