// BACKUP TO URL and RESTORE FROM URL against a real Azurite: stripes, inspection, restore chains.
import { startStorage, type TestStorage } from './storage';
import { errorNumbers, run, sqlServerConfig, TestHost } from './testHost';

let storage: TestStorage;
let containerUrl: string;

beforeAll(async () => {
  storage = await startStorage();
  containerUrl = (await storage.container('backups')).url;
});
afterAll(async () => {
  await storage?.stop();
});

function sqlHost(): TestHost {
  const host = new TestHost(sqlServerConfig());
  host.addCredential(containerUrl, storage.sas('rwdlc'));
  return host;
}

const tables = () => [
  { schema: 'dbo', name: 'Orders', rowCount: 1200 },
  { schema: 'dbo', name: 'Customers', rowCount: 85 },
  { schema: 'sales', name: 'Invoices', rowCount: 40_000 },
];

describe('striped backup and restore round trip', () => {
  it('writes one blob per URL with the same media set and restores every table with its row count', async () => {
    const host = sqlHost();
    host.createDatabase('Sales', { tables: tables() });
    const urls = [1, 2, 3, 4].map((i) => `${containerUrl}/Sales_${i}of4.bak`);
    const backup = await run(host, `BACKUP DATABASE [Sales] TO ${urls.map((u) => `URL = N'${u}'`).join(', ')} WITH COPY_ONLY, COMPRESSION, CHECKSUM, FORMAT, STATS = 25`);
    expect(backup.error).toBeUndefined();
    expect(backup.messages.filter((x) => x.number === 3211).map((x) => x.message)).toEqual([
      '25 percent processed.', '50 percent processed.', '75 percent processed.', '100 percent processed.',
    ]);
    expect(backup.messages.filter((x) => x.number === 4035).map((x) => x.message)).toEqual([
      "Processed 2048 pages for database 'Sales', file 'Sales' on file 1.",
      "Processed 2 pages for database 'Sales', file 'Sales_log' on file 1.",
    ]);
    const done = backup.messages[backup.messages.length - 1];
    expect(done.number).toBe(3014);
    expect(done.class).toBe(10);
    expect(done.message).toMatch(/^BACKUP DATABASE successfully processed 2050 pages in \d+\.\d{3} seconds \(\d+\.\d{3} MB\/sec\)\.$/);
    expect(host.backupHistory).toHaveLength(1);
    expect(host.backupHistory[0]).toMatchObject({ databaseName: 'Sales', type: 'D', isCopyOnly: true, deviceUrls: urls });

    const labels = await Promise.all(urls.map((u) => run(host, `RESTORE LABELONLY FROM URL = '${u}'`)));
    const labelRows = labels.map((l) => (l.outputs[0].type === 'resultSet' ? l.outputs[0].resultSet : undefined));
    const col = (name: string) => labelRows[0]!.columns.findIndex((c) => c.name === name);
    expect(new Set(labelRows.map((r) => r!.rows[0][col('MediaSetId')])).size).toBe(1);
    expect(labelRows.map((r) => r!.rows[0][col('FamilyCount')])).toEqual([4, 4, 4, 4]);
    expect(labelRows.map((r) => r!.rows[0][col('FamilySequenceNumber')])).toEqual([1, 2, 3, 4]);

    // drop the source, then restore it from the stripes given in another order
    host.removeDatabase('Sales');
    const restore = await run(host, `RESTORE DATABASE [Sales] FROM ${[...urls].reverse().map((u) => `URL = '${u}'`).join(', ')} WITH CHECKSUM, STATS = 50`);
    expect(restore.error).toBeUndefined();
    expect(restore.messages.map((x) => x.number)).toEqual([3211, 3211, 4035, 4035, 3014]);
    expect(restore.messages[4].message).toMatch(/^RESTORE DATABASE successfully processed 2050 pages in /);
    const restored = host.findDatabase('Sales')!;
    expect(restored.state).toBe('ONLINE');
    expect(restored.tables).toEqual(tables());
    expect(host.restoreHistory[0]).toMatchObject({ destinationDatabaseName: 'Sales', restoreType: 'D', recovery: true });
  });

  it('reports HEADERONLY, FILELISTONLY and VERIFYONLY from the blob', async () => {
    const host = sqlHost();
    const db = host.createDatabase('Hr', { tables: [{ schema: 'dbo', name: 'People', rowCount: 12 }] });
    const url = `${containerUrl}/Hr_full.bak`;
    expect((await run(host, `BACKUP DATABASE Hr TO URL = '${url}' WITH CHECKSUM, FORMAT`)).error).toBeUndefined();

    const header = await run(host, `RESTORE HEADERONLY FROM URL = '${url}'`);
    const rs = header.outputs[0].type === 'resultSet' ? header.outputs[0].resultSet : undefined;
    expect(rs?.rows).toHaveLength(1);
    const value = (name: string) => rs!.rows[0][rs!.columns.findIndex((c) => c.name === name)];
    expect(value('BackupType')).toBe(1);
    expect(value('BackupTypeDescription')).toBe('Database');
    expect(value('DatabaseName')).toBe('Hr');
    expect(value('ServerName')).toBe('SQL1');
    expect(value('DatabaseVersion')).toBe(957);
    expect(value('SoftwareVersionMajor')).toBe(16);
    expect(value('HasBackupChecksums')).toBe(true);
    expect(value('IsCopyOnly')).toBe(false);
    expect(value('FirstLSN')).toBe(db.differentialBaseLsn?.toString());
    expect(BigInt(value('LastLSN') as string)).toBeGreaterThan(BigInt(value('FirstLSN') as string));
    expect(value('BackupSetGUID')).toBe(db.differentialBaseGuid);

    const files = await run(host, `RESTORE FILELISTONLY FROM URL = '${url}'`);
    const fl = files.outputs[0].type === 'resultSet' ? files.outputs[0].resultSet : undefined;
    const idx = (name: string) => fl!.columns.findIndex((c) => c.name === name);
    expect(fl!.rows.map((r) => [r[idx('LogicalName')], r[idx('Type')], r[idx('PhysicalName')]])).toEqual([
      ['Hr', 'D', `${host.config.defaultDataPath}\\Hr.mdf`],
      ['Hr_log', 'L', `${host.config.defaultLogPath}\\Hr_log.ldf`],
    ]);

    const verify = await run(host, `RESTORE VERIFYONLY FROM URL = '${url}'`);
    expect(verify.error).toBeUndefined();
    expect(verify.messages).toEqual([{ number: 3262, state: 0, class: 10, message: 'The backup set on file 1 is valid.' }]);
  });
});

describe('restore chains', () => {
  it('restores full + differential + three logs WITH NORECOVERY, then recovers', async () => {
    const host = sqlHost();
    host.createDatabase('Ledger', { tables: [{ schema: 'dbo', name: 'Entries', rowCount: 100 }] });
    const u = (n: string) => `${containerUrl}/Ledger_${n}.bak`;
    expect((await run(host, `BACKUP DATABASE Ledger TO URL = '${u('full')}' WITH FORMAT`)).error).toBeUndefined();
    host.touch('Ledger', 10);
    expect((await run(host, `BACKUP DATABASE Ledger TO URL = '${u('diff')}' WITH DIFFERENTIAL, FORMAT`)).error).toBeUndefined();
    for (const i of [1, 2, 3]) {
      host.touch('Ledger', i * 100);
      const log = await run(host, `BACKUP LOG Ledger TO URL = '${u(`log${i}`)}' WITH FORMAT`);
      expect(log.error).toBeUndefined();
      expect(log.messages[log.messages.length - 1].message).toMatch(/^BACKUP LOG successfully processed/);
    }
    const expectedRows = host.findDatabase('Ledger')!.tables[0].rowCount;
    expect(expectedRows).toBe(100 + 10 + 100 + 200 + 300);

    const full = await run(host, `RESTORE DATABASE Ledger_copy FROM URL = '${u('full')}' WITH NORECOVERY,
      MOVE 'Ledger' TO 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\Ledger_copy.mdf',
      MOVE 'Ledger_log' TO 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\Ledger_copy_log.ldf'`);
    expect(full.error).toBeUndefined();
    const copy = host.findDatabase('Ledger_copy')!;
    expect(copy.state).toBe('RESTORING');
    expect(copy.restoreChain?.backupSetGuids).toHaveLength(1);

    expect((await run(host, `RESTORE DATABASE Ledger_copy FROM URL = '${u('diff')}' WITH NORECOVERY`)).error).toBeUndefined();
    for (const i of [1, 2, 3]) {
      const log = await run(host, `RESTORE LOG Ledger_copy FROM URL = '${u(`log${i}`)}' WITH NORECOVERY`);
      expect(log.error).toBeUndefined();
      expect(log.messages[log.messages.length - 1].message).toMatch(/^RESTORE LOG successfully processed/);
    }
    expect(copy.state).toBe('RESTORING');
    expect(copy.restoreChain?.backupSetGuids).toHaveLength(5);

    const recover = await run(host, 'RESTORE DATABASE Ledger_copy WITH RECOVERY');
    expect(recover.error).toBeUndefined();
    expect(recover.messages.map((x) => x.number)).toEqual([3014]);
    expect(copy.state).toBe('ONLINE');
    expect(copy.restoreChain).toBeUndefined();
    expect(copy.tables[0].rowCount).toBe(expectedRows);
    expect(copy.files.map((f) => f.physicalName)).toEqual([
      'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\Ledger_copy.mdf',
      'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\Ledger_copy_log.ldf',
    ]);

    const again = await run(host, 'RESTORE DATABASE Ledger_copy WITH RECOVERY');
    expect(errorNumbers(again.error)).toEqual([3153, 3013]);
  });

  it('refuses a log that skips one (4305), one already applied (4326) and a differential of another base (3136)', async () => {
    const host = sqlHost();
    host.createDatabase('Chain', { tables: [{ schema: 'dbo', name: 'T', rowCount: 1 }] });
    const u = (n: string) => `${containerUrl}/Chain_${n}.bak`;
    await run(host, `BACKUP DATABASE Chain TO URL = '${u('full1')}' WITH FORMAT`);
    host.touch('Chain', 1);
    await run(host, `BACKUP LOG Chain TO URL = '${u('log1')}' WITH FORMAT`);
    host.touch('Chain', 1);
    await run(host, `BACKUP LOG Chain TO URL = '${u('log2')}' WITH FORMAT`);
    host.touch('Chain', 1);
    await run(host, `BACKUP DATABASE Chain TO URL = '${u('full2')}' WITH FORMAT`);
    host.touch('Chain', 1);
    await run(host, `BACKUP DATABASE Chain TO URL = '${u('diff2')}' WITH DIFFERENTIAL, FORMAT`);

    const moves = `MOVE 'Chain' TO 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\c2.mdf', MOVE 'Chain_log' TO 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\c2.ldf'`;
    expect((await run(host, `RESTORE DATABASE C2 FROM URL = '${u('full1')}' WITH NORECOVERY, ${moves}`)).error).toBeUndefined();
    const skipped = await run(host, `RESTORE LOG C2 FROM URL = '${u('log2')}' WITH NORECOVERY`);
    expect(errorNumbers(skipped.error)).toEqual([4305, 3013]);
    expect(skipped.error?.message).toBe('RESTORE LOG is terminating abnormally.');
    expect(skipped.error?.preceding[0].message).toMatch(/^The log in this backup set begins at LSN \d+, which is too recent to apply to the database\. An earlier log backup that includes LSN \d+ can be restored\.$/);

    const diff = await run(host, `RESTORE DATABASE C2 FROM URL = '${u('diff2')}' WITH NORECOVERY`);
    expect(errorNumbers(diff.error)).toEqual([3136, 3013]);

    expect((await run(host, `RESTORE LOG C2 FROM URL = '${u('log1')}' WITH NORECOVERY`)).error).toBeUndefined();
    const twice = await run(host, `RESTORE LOG C2 FROM URL = '${u('log1')}' WITH NORECOVERY`);
    expect(errorNumbers(twice.error)).toEqual([4326, 3013]);
    expect((await run(host, `RESTORE LOG C2 FROM URL = '${u('log2')}' WITH RECOVERY`)).error).toBeUndefined();
    expect(host.findDatabase('C2')?.state).toBe('ONLINE');

    const logOnline = await run(host, `RESTORE LOG C2 FROM URL = '${u('log2')}'`);
    expect(errorNumbers(logOnline.error)).toEqual([3117, 3013]);
    const logAsDatabase = await run(host, `RESTORE DATABASE C3 FROM URL = '${u('log1')}'`);
    expect(errorNumbers(logAsDatabase.error)).toEqual([3135, 3013]);
  });
});
