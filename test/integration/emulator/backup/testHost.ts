// A small in-memory BackupHost for driving backup/restore without the engine: databases in a Map,
// credentials, requests and dm_operation_status rows kept where tests can look at them, real timers.
import { randomUUID } from 'node:crypto';
import type { ActiveRequest, Credential, Database, InstanceConfig, OperationStatus, TableInfo, TdeKind } from '../../../../emulator/engine/model';
import type { BackupFaults, BackupHistoryRow, BackupHost, RestoreHistoryRow, StatementContext } from '../../../../emulator/backup/host';
import { runBackupStatement } from '../../../../emulator/backup';
import { directoryOf } from '../../../../emulator/backup/relocation';
import { parseBatch } from '../../../../emulator/sql/parser';
import type { Expr } from '../../../../emulator/sql/ast';
import type { RequestOutput, SqlMessage, SqlValue } from '../../../../emulator/tds/types';
import { SqlError } from '../../../../emulator/sqlError';

const MB = 1024 * 1024;

export function sqlServerConfig(overrides: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    name: 'sql1',
    kind: 'sqlServer',
    majorVersion: 16,
    throughputMBps: 10_000,
    freeSpaceBytes: 100 * 1024 * MB,
    defaultDataPath: 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA',
    defaultLogPath: 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA',
    logins: [],
    ...overrides,
  };
}

export function managedInstanceConfig(overrides: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    name: 'mi1',
    kind: 'managedInstance',
    majorVersion: 16,
    updatePolicy: 'SQL Server 2022',
    throughputMBps: 10_000,
    freeSpaceBytes: 100 * 1024 * MB,
    defaultDataPath: 'C:\\WFRoot\\DB16C.2\\Fabric\\work\\Applications\\Worker.CL_App15\\work\\data',
    defaultLogPath: 'C:\\WFRoot\\DB16C.2\\Fabric\\work\\Applications\\Worker.CL_App15\\work\\data',
    logins: [],
    ...overrides,
  };
}

export interface DatabaseSpec {
  tables?: TableInfo[];
  recoveryModel?: Database['recoveryModel'];
  tde?: TdeKind;
  dataBytes?: number;
  databaseVersion?: number;
}

export class TestHost implements BackupHost {
  readonly databases = new Map<string, Database>();
  readonly credentials: Credential[] = [];
  readonly requests: ActiveRequest[] = [];
  readonly operations = new Map<string, OperationStatus>();
  readonly backupHistory: BackupHistoryRow[] = [];
  readonly restoreHistory: RestoreHistoryRow[] = [];
  readonly certificates = new Set<string>();
  readonly sessions = new Map<number, string>();
  faultSwitches: BackupFaults = {};
  /** what the instance's managed identity may do on storage, as a SAS (undefined = no role) */
  identitySas?: string;
  private nextId = 5;

  constructor(
    readonly config: InstanceConfig,
    readonly serverName = config.kind === 'managedInstance' ? `${config.name}.abc123.database.windows.net` : config.name.toUpperCase(),
  ) {}

  findDatabase(name: string): Database | undefined {
    return this.databases.get(name.toLowerCase());
  }
  addDatabase(db: Database): void {
    this.databases.set(db.name.toLowerCase(), db);
  }
  removeDatabase(name: string): void {
    this.databases.delete(name.toLowerCase());
  }
  renameDatabase(oldName: string, newName: string): void {
    const db = this.findDatabase(oldName);
    if (!db) return;
    this.databases.delete(oldName.toLowerCase());
    db.name = newName;
    this.databases.set(newName.toLowerCase(), db);
  }
  nextDatabaseId(): number {
    return this.nextId++;
  }
  findCredential(url: string): Credential | undefined {
    const matches = this.credentials.filter((c) => url.toLowerCase().startsWith(c.name.toLowerCase()));
    return matches.sort((a, b) => b.name.length - a.name.length)[0];
  }
  managedIdentitySas(): string | undefined {
    return this.identitySas;
  }
  sessionsUsing(dbName: string, exceptSpid: number): number[] {
    return [...this.sessions].filter(([spid, db]) => spid !== exceptSpid && db.toLowerCase() === dbName.toLowerCase()).map(([spid]) => spid);
  }
  registerRequest(req: ActiveRequest): () => void {
    this.requests.push(req);
    return () => {
      const i = this.requests.indexOf(req);
      if (i >= 0) this.requests.splice(i, 1);
    };
  }
  upsertOperationStatus(row: OperationStatus): void {
    this.operations.set(row.operationId, { ...row });
  }
  recordBackupHistory(row: BackupHistoryRow): void {
    this.backupHistory.push(row);
  }
  recordRestoreHistory(row: RestoreHistoryRow): void {
    this.restoreHistory.push(row);
  }
  directoryExists(directory: string): boolean {
    const known = [this.config.defaultDataPath, this.config.defaultLogPath, ...[...this.databases.values()].flatMap((d) => d.files.map((f) => directoryOf(f.physicalName)))];
    return known.some((k) => k.toLowerCase() === directory.toLowerCase());
  }
  findFileOwner(physicalName: string): string | undefined {
    for (const db of this.databases.values()) {
      if (db.files.some((f) => f.physicalName.toLowerCase() === physicalName.toLowerCase())) return db.name;
    }
    return undefined;
  }
  hasCertificate(thumbprint: string): boolean {
    return this.certificates.has(thumbprint);
  }
  now(): Date {
    return new Date();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
  faults(): BackupFaults {
    return this.faultSwitches;
  }

  addCredential(name: string, sas: string): void {
    this.credentials.push({ credentialId: this.credentials.length + 1, name, identity: 'SHARED ACCESS SIGNATURE', secret: sas, createDate: new Date() });
  }

  addManagedIdentityCredential(name: string): void {
    this.credentials.push({ credentialId: this.credentials.length + 1, name, identity: 'MANAGED IDENTITY', createDate: new Date() });
  }

  /** A user database laid out as this instance would create it. */
  createDatabase(name: string, spec: DatabaseSpec = {}): Database {
    const mi = this.config.kind === 'managedInstance';
    const familyGuid = randomUUID().toUpperCase();
    const dataDir = mi ? `${this.config.defaultDataPath}\\${familyGuid.toLowerCase()}` : this.config.defaultDataPath;
    const db: Database = {
      databaseId: this.nextDatabaseId(),
      name,
      state: 'ONLINE',
      recoveryModel: spec.recoveryModel ?? 'FULL',
      userAccess: 'MULTI_USER',
      compatibilityLevel: 160,
      collation: 'SQL_Latin1_General_CP1_CI_AS',
      createDate: new Date(),
      tde: spec.tde ?? 'none',
      files: mi
        ? [
            { fileId: 1, type: 'ROWS', logicalName: 'data_0', physicalName: `${dataDir}\\data_0.mdf`, sizeBytes: spec.dataBytes ?? 16 * MB },
            { fileId: 2, type: 'LOG', logicalName: 'log', physicalName: `${dataDir}\\log.ldf`, sizeBytes: 8 * MB },
            { fileId: 65537, type: 'ROWS', logicalName: 'XTP', physicalName: `${dataDir}\\xtp`, sizeBytes: 0 },
          ]
        : [
            { fileId: 1, type: 'ROWS', logicalName: name, physicalName: `${dataDir}\\${name}.mdf`, sizeBytes: spec.dataBytes ?? 16 * MB },
            { fileId: 2, type: 'LOG', logicalName: `${name}_log`, physicalName: `${this.config.defaultLogPath}\\${name}_log.ldf`, sizeBytes: 8 * MB },
          ],
      tables: spec.tables ?? [],
      lastLsn: 37000000013600001n,
      databaseVersion: spec.databaseVersion ?? (this.config.kind === 'managedInstance' && this.config.updatePolicy === 'Always-up-to-date' ? 1000 : 957),
      workloadTps: 0,
      familyGuid,
    };
    this.addDatabase(db);
    return db;
  }

  /** Simulates workload on a database: the log grows and row counts change. */
  touch(name: string, rowsAdded: number): void {
    const db = this.findDatabase(name);
    if (!db) throw new Error(`no database ${name}`);
    db.lastLsn += 400_000n;
    if (db.tables[0]) db.tables[0].rowCount += rowsAdded;
  }
}

function evaluate(expr: Expr): SqlValue {
  if (expr.kind === 'literal') return expr.value;
  throw new Error(`the test host evaluates literals only, not ${expr.kind}`);
}

export interface RunResult {
  outputs: RequestOutput[];
  messages: SqlMessage[];
  error?: SqlError;
}

/** Parses and runs a batch of BACKUP/RESTORE statements, collecting what the client would see. */
export async function run(host: BackupHost, sql: string, opts: { spid?: number; signal?: AbortSignal; onOutput?: (o: RequestOutput) => void } = {}): Promise<RunResult> {
  const ctx: StatementContext = { spid: opts.spid ?? 51, abortSignal: opts.signal ?? new AbortController().signal, evaluate };
  const outputs: RequestOutput[] = [];
  for (const stmt of parseBatch(sql).statements) {
    if (stmt.kind !== 'backup' && stmt.kind !== 'restore') throw new Error(`not a backup statement: ${stmt.kind}`);
    try {
      for await (const out of runBackupStatement(host, ctx, stmt)) {
        outputs.push(out);
        opts.onOutput?.(out);
      }
    } catch (error) {
      if (error instanceof SqlError) return { outputs, messages: messagesOf(outputs), error };
      throw error;
    }
  }
  return { outputs, messages: messagesOf(outputs) };
}

function messagesOf(outputs: RequestOutput[]): SqlMessage[] {
  return outputs.flatMap((o) => (o.type === 'message' ? [o.message] : []));
}

/** The error numbers a client sees, in order: preceding errors, then the last one. */
export function errorNumbers(error: SqlError | undefined): number[] {
  if (!error) return [];
  return [...error.preceding.map((p) => p.number), error.number];
}

export function allErrorText(error: SqlError | undefined): string {
  if (!error) return '';
  return [...error.preceding.map((p) => p.message), error.message].join('\n');
}
