import { resolveTable } from '../../../../emulator/engine/catalog';
import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import type { ObjectName } from '../../../../emulator/sql/ast';
import type { VirtualTable } from '../../../../emulator/sql/context';
import { SqlError } from '../../../../emulator/sqlError';
import { fixture } from './fixtures';

function scan(inst: EmulatedInstance, name: ObjectName, currentDatabase = 'master'): Record<string, unknown>[] {
  const table = resolveTable({ instance: inst, spid: 51, currentDatabase }, name) as VirtualTable;
  expect(table).toBeDefined();
  return [...table.rows()].map((r) => Object.fromEntries(table.columns.map((c, i) => [c.name, r[i]])));
}

describe('catalog views', () => {
  const f = fixture();

  it('sys.databases lists system databases 1-4 then user databases from 5, with SQL Server codes', () => {
    const rows = scan(f.sql, { schema: 'sys', name: 'databases' });
    expect(rows.map((r) => [r.name, r.database_id])).toEqual([
      ['master', 1],
      ['tempdb', 2],
      ['model', 3],
      ['msdb', 4],
      ['Sales', 5],
      ['Archive', 6],
    ]);
    const sales = rows[4];
    expect(sales).toMatchObject({ state: 0, state_desc: 'ONLINE', recovery_model: 1, recovery_model_desc: 'FULL', user_access_desc: 'MULTI_USER', compatibility_level: 160, is_encrypted: 0 });
    expect(rows[5]).toMatchObject({ recovery_model: 3, recovery_model_desc: 'SIMPLE', is_encrypted: 1 });
  });

  it('types the columns as SQL Server does (sysname = nvarchar(128), int ids, datetime dates)', () => {
    const table = resolveTable({ instance: f.sql, spid: 51, currentDatabase: 'master' }, { schema: 'sys', name: 'databases' }) as VirtualTable;
    const byName = Object.fromEntries(table.columns.map((c) => [c.name, c]));
    expect(byName.name).toMatchObject({ type: 'nvarchar', length: 128, nullable: false });
    expect(byName.database_id.type).toBe('int');
    expect(byName.create_date.type).toBe('datetime');
    expect(byName.is_encrypted.type).toBe('bit');
  });

  it('resolves database and schema parts case-insensitively', () => {
    expect(scan(f.sql, { database: 'MASTER', schema: 'SYS', name: 'Databases' })).toHaveLength(6);
    expect(scan(f.sql, { database: 'msdb', name: 'sysjobs' })).toEqual([]);
    expect(resolveTable({ instance: f.sql, spid: 51, currentDatabase: 'master' }, { schema: 'dbo', name: 'sysjobs' })).toBeUndefined();
    expect(resolveTable({ instance: f.sql, spid: 51, currentDatabase: 'master' }, { database: 'nope', schema: 'sys', name: 'databases' })).toBeUndefined();
  });

  it('sys.dm_operation_status exists only on a managed instance', () => {
    expect(resolveTable({ instance: f.sql, spid: 51, currentDatabase: 'master' }, { schema: 'sys', name: 'dm_operation_status' })).toBeUndefined();
    f.mi.upsertOperationStatus({
      operationId: '11111111-2222-3333-4444-555555555555',
      operation: 'RESTORE DATABASE',
      majorResourceId: 'Billing2',
      state: 1,
      percentComplete: 50,
      errorCode: 0,
      errorDesc: '',
      startTime: new Date(0),
      lastModifyTime: new Date(0),
    });
    expect(scan(f.mi, { database: 'master', schema: 'sys', name: 'dm_operation_status' })).toEqual([
      expect.objectContaining({ operation: 'RESTORE DATABASE', major_resource_id: 'Billing2', state: 1, state_desc: 'IN_PROGRESS', percent_complete: 50 }),
    ]);
  });

  it('database-scoped views read the named or current database', () => {
    const tables = scan(f.sql, { database: 'Sales', schema: 'sys', name: 'tables' });
    expect(tables.map((t) => t.name).sort()).toEqual(['Customers', 'Events', 'Orders']);
    const schemas = scan(f.sql, { schema: 'sys', name: 'schemas' }, 'Sales');
    expect(schemas.find((s) => s.name === 'audit')).toMatchObject({ schema_id: 5 });
    expect(schemas.find((s) => s.name === 'dbo')).toMatchObject({ schema_id: 1 });
    const partitions = scan(f.sql, { schema: 'sys', name: 'partitions' }, 'Sales');
    const orders = tables.find((t) => t.name === 'Orders');
    expect(partitions.find((p) => p.object_id === orders?.object_id)).toMatchObject({ index_id: 1, rows: 1200 });
    const events = tables.find((t) => t.name === 'Events');
    expect(partitions.find((p) => p.object_id === events?.object_id)).toMatchObject({ index_id: 0, rows: 5 });
    expect(scan(f.sql, { schema: 'sys', name: 'database_files' }, 'Sales').map((r) => r.name)).toEqual(['Sales', 'Sales_log']);
  });

  it('sys.columns marks Always Encrypted columns', () => {
    const cols = scan(f.sql, { database: 'Sales', schema: 'sys', name: 'columns' });
    expect(cols.find((c) => c.name === 'TaxId')).toMatchObject({ encryption_type: 2, encryption_type_desc: 'RANDOMIZED' });
    expect(cols.find((c) => c.name === 'Id')).toMatchObject({ encryption_type: null });
  });

  it('user tables scan with their row counts; an offline database refuses with 942', () => {
    expect(scan(f.sql, { database: 'Sales', schema: 'dbo', name: 'Orders' })).toHaveLength(1200);
    const archive = f.sql.findDatabase('Archive');
    if (!archive) throw new Error('no Archive');
    archive.state = 'OFFLINE';
    try {
      expect(() => resolveTable({ instance: f.sql, spid: 51, currentDatabase: 'master' }, { database: 'Archive', schema: 'sys', name: 'tables' })).toThrow(
        expect.objectContaining({ number: 942 }) as SqlError,
      );
    } finally {
      archive.state = 'ONLINE';
    }
  });

  it('sys.master_files and sys.credentials (no secret column)', () => {
    const files = scan(f.sql, { schema: 'sys', name: 'master_files' });
    expect(files.filter((r) => r.database_id === 5).map((r) => [r.name, r.type_desc, r.physical_name])).toEqual([
      ['Sales', 'ROWS', '/var/opt/mssql/data/Sales.mdf'],
      ['Sales_log', 'LOG', '/var/opt/mssql/data/Sales_log.ldf'],
    ]);
    f.sql.credentials.push({ credentialId: 65536, name: 'https://acct/c', identity: 'SHARED ACCESS SIGNATURE', secret: 'sv=secret', createDate: new Date() });
    const creds = scan(f.sql, { schema: 'sys', name: 'credentials' });
    expect(creds).toEqual([expect.objectContaining({ name: 'https://acct/c', credential_identity: 'SHARED ACCESS SIGNATURE' })]);
    expect(JSON.stringify(creds)).not.toContain('sv=secret');
  });

  it('sys.dm_database_encryption_keys shows TDE databases and tempdb', () => {
    const rows = scan(f.mi, { schema: 'sys', name: 'dm_database_encryption_keys' });
    expect(rows.map((r) => [r.database_id, r.encryption_state])).toEqual([
      [2, 3],
      [5, 3],
    ]);
    expect(rows[1]).toMatchObject({ encryptor_type: 'CERTIFICATE' });
  });

  it('msdb backupset and restorehistory reflect what backup/restore recorded', () => {
    f.sql.recordRestoreHistory({
      restoreDate: new Date(0),
      destinationDatabaseName: 'Sales_copy',
      sourceDatabaseName: 'Sales',
      backupSetGuid: 'AAAAAAAA-0000-0000-0000-000000000001',
      restoreType: 'D',
      replace: true,
      recovery: true,
      deviceUrls: ['https://a/b/1.bak', 'https://a/b/2.bak'],
    });
    const history = scan(f.sql, { database: 'msdb', schema: 'dbo', name: 'restorehistory' });
    expect(history).toEqual([expect.objectContaining({ destination_database_name: 'Sales_copy', restore_type: 'D', replace: 1, device_count: 2, backup_set_id: 1 })]);
    const sets = scan(f.sql, { database: 'msdb', name: 'backupset' });
    expect(sets[0]).toMatchObject({ backup_set_id: 1, database_name: 'Sales', type: 'D' });
    expect(scan(f.sql, { database: 'msdb', name: 'backupmediafamily' }).map((r) => r.physical_device_name)).toEqual(['https://a/b/1.bak', 'https://a/b/2.bak']);
  });
});
