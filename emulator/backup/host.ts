// What BACKUP / RESTORE need from the engine that runs them. The engine (emulator/engine) implements
// BackupHost once per instance and passes a StatementContext per statement; this folder never
// reaches into engine state any other way, so it can be tested against a plain in-memory host.
import type { ActiveRequest, Credential, Database, InstanceConfig, OperationStatus } from '../engine/model';
import type { Expr } from '../sql/ast';
import type { SqlValue } from '../tds/types';

/** msdb.dbo.backupset (+ backupmediafamily) row for one finished backup. */
export interface BackupHistoryRow {
  backupSetGuid: string;
  mediaSetGuid: string;
  databaseName: string;
  /** msdb type: D = full, I = differential, L = log */
  type: 'D' | 'I' | 'L';
  isCopyOnly: boolean;
  firstLsn: bigint;
  lastLsn: bigint;
  checkpointLsn: bigint;
  databaseBackupLsn: bigint;
  backupStartDate: Date;
  backupFinishDate: Date;
  /** nominal bytes */
  backupSize: number;
  compressedBackupSize: number;
  serverName: string;
  /** null: not populated (a managed instance's automated backups: "Backup transparency") */
  machineName: string | null;
  recoveryModel: string;
  /** one per stripe, in family order (backupmediafamily.physical_device_name) */
  deviceUrls: string[];
  // ---- added later (absent in older state files) ----
  /** WITH NAME (backupset.name) */
  name?: string | null;
  /** WITH DESCRIPTION */
  description?: string | null;
  /** the login that ran it (backupset.user_name); null when not populated */
  userName?: string | null;
  /** WITH CHECKSUM (backupset.has_backup_checksums) */
  hasChecksums?: boolean;
  /**
   * taken by a managed instance's automated backups: one media family whose physical_device_name is
   * not populated (the service's storage is not the customer's), device_type 9 (UNCONFIRMED)
   */
  automated?: boolean;
}

/** msdb.dbo.restorehistory row for one finished RESTORE DATABASE / LOG. */
export interface RestoreHistoryRow {
  restoreDate: Date;
  destinationDatabaseName: string;
  sourceDatabaseName: string;
  backupSetGuid: string;
  /** msdb restore_type: D = database, I = differential, L = log */
  restoreType: 'D' | 'I' | 'L';
  replace: boolean;
  recovery: boolean;
  deviceUrls: string[];
  /**
   * the restored backup set as its header describes it, for its msdb.dbo.backupset row (SQL Server
   * fills that row from the media's header: LSNs, dates, COPY_ONLY, the source server); absent in
   * older state files
   */
  backupSet?: Omit<BackupHistoryRow, 'backupSetGuid' | 'databaseName' | 'type' | 'deviceUrls' | 'automated'>;
}

/** Failure injection the engine's fault switches expose to backup/restore. */
export interface BackupFaults {
  /** a running restore fails when it reaches this percent (3203 then 3013) */
  restoreFailAtPercent?: number;
  /** any restore fails with 3257 as if the volume were full */
  diskFull?: boolean;
}

export interface BackupHost {
  readonly config: InstanceConfig;
  /** @@SERVERNAME; written to backup headers as ServerName */
  readonly serverName: string;
  /** case-insensitive lookup by name */
  findDatabase(name: string): Database | undefined;
  addDatabase(db: Database): void;
  removeDatabase(name: string): void;
  renameDatabase(oldName: string, newName: string): void;
  nextDatabaseId(): number;
  /** the credential whose name is the longest prefix of `url` (case-insensitive), if any */
  findCredential(url: string): Credential | undefined;
  /**
   * A credential WITH IDENTITY = 'MANAGED IDENTITY' cannot be checked by the local storage
   * emulator; the engine may answer with a SAS standing for what the instance's identity is
   * granted on `url` (undefined = no role assignment: the device cannot be opened).
   */
  managedIdentitySas?(url: string): string | undefined;
  /** spids of other sessions whose current database is `dbName` (3101 when non-empty) */
  sessionsUsing(dbName: string, exceptSpid: number): number[];
  /** shows the request in sys.dm_exec_requests; the returned function removes it */
  registerRequest(req: ActiveRequest): () => void;
  /** managed instance: inserts or replaces (by operationId) a sys.dm_operation_status row */
  upsertOperationStatus(row: OperationStatus): void;
  recordBackupHistory(row: BackupHistoryRow): void;
  recordRestoreHistory(row: RestoreHistoryRow): void;
  /** SQL Server: whether a directory exists on the host (5133 when a restored file's folder does not) */
  directoryExists(directory: string): boolean;
  /** the database whose file has this physical name (case-insensitive), if any (1834) */
  findFileOwner(physicalName: string): string | undefined;
  /** true when sys.certificates holds a certificate with this thumbprint ('0x...' upper-case hex) */
  hasCertificate(thumbprint: string): boolean;
  /** the engine's clock */
  now(): Date;
  /** resolves after `ms` of (possibly simulated) time; rejects with the signal's reason when aborted */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  faults(): BackupFaults;
}

/** Per statement: who runs it and how to read its expressions. */
export interface StatementContext {
  spid: number;
  /** the login running the statement (HEADERONLY UserName); 'sa' when not given */
  loginName?: string;
  /** aborts when the client sends ATTENTION or the session closes */
  abortSignal: AbortSignal;
  /** evaluates an option value, a URL or the database name (identifiers arrive as string literals) */
  evaluate(expr: Expr): SqlValue;
}
