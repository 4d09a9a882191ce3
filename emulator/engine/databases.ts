// Building Database records: the four system databases and user databases, with files placed where
// the instance puts them (default paths on SQL Server; per-database folders on a managed instance).
import { initialLsn } from './lsn';
import type { Database, DatabaseFile, InstanceConfig, RecoveryModel, TableInfo, TdeKind } from './model';
import { newGuid } from './names';

export const DEFAULT_COLLATION = 'SQL_Latin1_General_CP1_CI_AS';
export const SYSTEM_DATABASES = ['master', 'tempdb', 'model', 'msdb'] as const;
/** the first database_id a user database gets */
export const FIRST_USER_DATABASE_ID = 5;

const MB = 1024 * 1024;

export interface NewDatabaseOptions {
  databaseId: number;
  name: string;
  createDate: Date;
  databaseVersion: number;
  recoveryModel?: RecoveryModel;
  tde?: TdeKind;
  tables?: TableInfo[];
  workloadTps?: number;
  dataSizeBytes?: number;
  logSizeBytes?: number;
  compatibilityLevel?: number;
  collation?: string;
}

/** the compatibility level a new database gets on this instance (160 on SQL Server 2022) */
export function defaultCompatibilityLevel(config: InstanceConfig): number {
  if (config.kind === 'managedInstance') return config.updatePolicy === 'Always-up-to-date' ? 170 : 160;
  return Math.min(config.majorVersion, 17) * 10;
}

/** joins a folder and a file name with the folder's own separator */
export function joinPath(folder: string, file: string): string {
  const sep = folder.includes('\\') ? '\\' : '/';
  return folder.endsWith(sep) ? `${folder}${file}` : `${folder}${sep}${file}`;
}

/** the files a new database gets: <name>.mdf / <name>_log.ldf, or data_0 / log on a managed instance */
export function filesFor(config: InstanceConfig, name: string, familyGuid: string, dataBytes: number, logBytes: number): DatabaseFile[] {
  if (config.kind === 'managedInstance') {
    const folder = joinPath(config.defaultDataPath, familyGuid.toLowerCase());
    return [
      { fileId: 1, type: 'ROWS', logicalName: 'data_0', physicalName: joinPath(folder, 'data_0.mdf'), sizeBytes: dataBytes },
      { fileId: 2, type: 'LOG', logicalName: 'log', physicalName: joinPath(folder, 'log.ldf'), sizeBytes: logBytes },
    ];
  }
  return [
    { fileId: 1, type: 'ROWS', logicalName: name, physicalName: joinPath(config.defaultDataPath, `${name}.mdf`), sizeBytes: dataBytes },
    { fileId: 2, type: 'LOG', logicalName: `${name}_log`, physicalName: joinPath(config.defaultLogPath, `${name}_log.ldf`), sizeBytes: logBytes },
  ];
}

/** a rough data size for the given tables: 8 MB plus 200 bytes a row, rounded up to whole MB */
export function estimatedDataBytes(tables: TableInfo[]): number {
  const rows = tables.reduce((sum, t) => sum + t.rowCount, 0);
  return Math.ceil((8 * MB + rows * 200) / MB) * MB;
}

export function newDatabase(config: InstanceConfig, opts: NewDatabaseOptions): Database {
  const tables = opts.tables ?? [];
  const familyGuid = newGuid();
  return {
    databaseId: opts.databaseId,
    name: opts.name,
    state: 'ONLINE',
    recoveryModel: opts.recoveryModel ?? 'FULL',
    userAccess: 'MULTI_USER',
    compatibilityLevel: opts.compatibilityLevel ?? defaultCompatibilityLevel(config),
    collation: opts.collation ?? DEFAULT_COLLATION,
    createDate: opts.createDate,
    tde: opts.tde ?? 'none',
    files: filesFor(config, opts.name, familyGuid, opts.dataSizeBytes ?? estimatedDataBytes(tables), opts.logSizeBytes ?? 8 * MB),
    tables,
    lastLsn: initialLsn(),
    databaseVersion: opts.databaseVersion,
    workloadTps: opts.workloadTps ?? 0,
    familyGuid,
  };
}

const SYSTEM_FILES: Record<(typeof SYSTEM_DATABASES)[number], [string, string, string, string]> = {
  master: ['master', 'master.mdf', 'mastlog', 'mastlog.ldf'],
  tempdb: ['tempdev', 'tempdb.mdf', 'templog', 'templog.ldf'],
  model: ['modeldev', 'model.mdf', 'modellog', 'modellog.ldf'],
  msdb: ['MSDBData', 'MSDBData.mdf', 'MSDBLog', 'MSDBLog.ldf'],
};

export function systemDatabases(config: InstanceConfig, createDate: Date, databaseVersion: number): Database[] {
  return SYSTEM_DATABASES.map((name, i) => {
    const [dataName, dataFile, logName, logFile] = SYSTEM_FILES[name];
    const db = newDatabase(config, {
      databaseId: i + 1,
      name,
      createDate,
      databaseVersion,
      recoveryModel: name === 'model' ? 'FULL' : 'SIMPLE',
    });
    db.files = [
      { fileId: 1, type: 'ROWS', logicalName: dataName, physicalName: joinPath(config.defaultDataPath, dataFile), sizeBytes: 8 * MB },
      { fileId: 2, type: 'LOG', logicalName: logName, physicalName: joinPath(config.defaultLogPath, logFile), sizeBytes: 8 * MB },
    ];
    return db;
  });
}

export function isSystemDatabase(name: string): boolean {
  return SYSTEM_DATABASES.some((s) => s === name.toLowerCase());
}
