// A small in-memory EvalContext for the evaluator's tests: a fake master with sys.databases,
// sys.master_files, an empty sys.availability_groups and a dbo.nums table full of edge cases.
import type { ObjectName, TypeRef } from '../../../../emulator/sql/ast';
import type { EvalContext, Variable, VirtualTable } from '../../../../emulator/sql/context';
import type { ColumnSpec, SqlValue } from '../../../../emulator/tds/types';

export const NOW = new Date('2024-03-15T10:20:30.125Z');

const d = (iso: string): Date => new Date(iso);

const DATABASES: VirtualTable = {
  columns: [
    { name: 'name', type: 'nvarchar', length: 128 },
    { name: 'database_id', type: 'int' },
    { name: 'state_desc', type: 'nvarchar', length: 60 },
    { name: 'recovery_model_desc', type: 'nvarchar', length: 60 },
    { name: 'create_date', type: 'datetime' },
    { name: 'compatibility_level', type: 'int' },
    { name: 'is_read_only', type: 'bit' },
  ],
  rows: () => [
    ['master', 1, 'ONLINE', 'SIMPLE', d('2003-04-08T09:13:36.390Z'), 160, false],
    ['tempdb', 2, 'ONLINE', 'SIMPLE', d('2024-03-15T08:00:00.000Z'), 160, false],
    ['model', 3, 'ONLINE', 'FULL', d('2003-04-08T09:13:36.390Z'), 160, false],
    ['msdb', 4, 'ONLINE', 'SIMPLE', d('2022-10-08T06:31:57.550Z'), 160, false],
    ['SalesDb', 5, 'ONLINE', 'FULL', d('2024-01-02T03:04:05.000Z'), 150, false],
    ['HR', 6, 'OFFLINE', 'SIMPLE', d('2024-02-01T00:00:00.000Z'), 160, true],
  ],
};

const MASTER_FILES: VirtualTable = {
  columns: [
    { name: 'database_id', type: 'int' },
    { name: 'file_id', type: 'int' },
    { name: 'type_desc', type: 'nvarchar', length: 60 },
    { name: 'name', type: 'nvarchar', length: 128 },
    { name: 'physical_name', type: 'nvarchar', length: 260 },
    { name: 'size', type: 'int' },
  ],
  rows: () => [
    [1, 1, 'ROWS', 'master', '/var/opt/mssql/data/master.mdf', 512],
    [1, 2, 'LOG', 'mastlog', '/var/opt/mssql/data/mastlog.ldf', 256],
    [5, 1, 'ROWS', 'SalesDb', '/var/opt/mssql/data/SalesDb.mdf', 1024],
    [5, 2, 'LOG', 'SalesDb_log', '/var/opt/mssql/data/SalesDb_log.ldf', 128],
    [5, 3, 'ROWS', 'SalesDb_2', '/var/opt/mssql/data/SalesDb_2.ndf', 2048],
    [6, 1, 'ROWS', 'HR', '/var/opt/mssql/data/HR.mdf', 64],
    [6, 2, 'LOG', 'HR_log', '/var/opt/mssql/data/HR_log.ldf', 64],
  ],
};

const AVAILABILITY_GROUPS: VirtualTable = {
  columns: [
    { name: 'group_id', type: 'uniqueidentifier' },
    { name: 'name', type: 'nvarchar', length: 128 },
    { name: 'is_distributed', type: 'bit' },
  ],
  rows: () => [],
};

const NUMS: VirtualTable = {
  columns: [
    { name: 'n', type: 'int' },
    { name: 'd', type: 'decimal', precision: 10, scale: 2 },
    { name: 'f', type: 'float' },
    { name: 's', type: 'varchar', length: 20 },
    { name: 'g', type: 'nvarchar', length: 20 },
  ],
  rows: () => [
    [1, '1.50', 0.5, 'one', 'Eins'],
    [2, '2.25', 1.25, 'two', null],
    [3, null, null, 'three', 'Drei'],
    [null, '10.00', 2, null, 'Null'],
  ],
};

const REQUESTS: VirtualTable = {
  columns: [
    { name: 'session_id', type: 'int' },
    { name: 'command', type: 'nvarchar', length: 32 },
    { name: 'sql_handle', type: 'varbinary', length: 64 },
  ],
  rows: () => [
    [55, 'SELECT', Buffer.from([1])],
    [61, 'RESTORE DATABASE', Buffer.from([2])],
  ],
};

const SQL_TEXTS: Record<number, string> = { 1: 'SELECT * FROM sys.dm_exec_requests', 2: 'RESTORE DATABASE [x] FROM URL = @u' };

const TABLES: Record<string, VirtualTable> = {
  'sys.dm_exec_requests': REQUESTS,
  'sys.databases': DATABASES,
  'sys.master_files': MASTER_FILES,
  'sys.availability_groups': AVAILABILITY_GROUPS,
  'dbo.nums': NUMS,
};

export interface FakeContext extends EvalContext {
  calls: { name: string; args: SqlValue[] }[];
  tableScans: number;
}

export function fakeContext(overrides: Partial<EvalContext> = {}): FakeContext {
  const variables = new Map<string, Variable>();
  const calls: { name: string; args: SqlValue[] }[] = [];
  const dbRows = [...DATABASES.rows()];
  const ctx: FakeContext = {
    calls,
    tableScans: 0,
    resolveTable(name: ObjectName) {
      const key = `${(name.schema ?? 'dbo').toLowerCase()}.${name.name.toLowerCase()}`;
      const table = TABLES[key];
      if (!table) return undefined;
      return {
        columns: table.columns,
        rows: () => {
          ctx.tableScans++;
          return table.rows();
        },
      };
    },
    tableFunction(name: ObjectName) {
      if (name.name.toLowerCase() !== 'dm_exec_sql_text') return undefined;
      return {
        columns: [{ name: 'text', type: 'nvarchar', length: -1 }],
        rows: (args: SqlValue[]) => {
          const handle = args[0];
          const text = Buffer.isBuffer(handle) ? SQL_TEXTS[handle[0]] : undefined;
          return text === undefined ? [] : [[text]];
        },
      };
    },
    variables,
    global(name: string) {
      const globals: Record<string, SqlValue> = {
        VERSION: 'Microsoft SQL Server 2022 (RTM-CU16) - 16.0.4165.4 (X64)',
        SERVERNAME: 'sql1',
        SPID: 55,
        ROWCOUNT: 3,
        TRANCOUNT: 0,
        ERROR: 0,
      };
      return globals[name];
    },
    serverProperty(name: string) {
      const props: Record<string, SqlValue> = {
        productversion: '16.0.4165.4',
        engineedition: 3,
        edition: 'Developer Edition (64-bit)',
        instancedefaultdatapath: '/var/opt/mssql/data/',
      };
      return props[name.toLowerCase()] ?? null;
    },
    dbId(name?: string) {
      if (name === undefined) return 1;
      const row = dbRows.find((r) => String(r[0]).toLowerCase() === name.toLowerCase());
      return row ? (row[1] as number) : null;
    },
    dbName(id?: number) {
      if (id === undefined) return 'master';
      const row = dbRows.find((r) => r[1] === id);
      return row ? (row[0] as string) : null;
    },
    currentDatabase: () => 'master',
    now: () => NOW,
    callFunction(name: string, args: SqlValue[]) {
      calls.push({ name, args });
      if (name === 'SUSER_SNAME') return 'sa';
      if (name === 'USER_NAME') return 'dbo';
      if (name === 'HAS_DBACCESS') return 1;
      if (name === 'OBJECT_ID') return null;
      return undefined;
    },
    ...overrides,
  };
  return ctx;
}

export function declare(ctx: EvalContext, name: string, type: TypeRef, value: SqlValue = null): void {
  ctx.variables.set(name.toLowerCase(), { type, value });
}

export const INT_REF: TypeRef = { type: 'int', written: 'INT' };
export const SYSNAME_REF: TypeRef = { type: 'nvarchar', written: 'SYSNAME', length: 128 };

export type { ColumnSpec };
