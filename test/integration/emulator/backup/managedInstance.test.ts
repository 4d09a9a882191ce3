// Managed-instance backup and restore rules, and backup portability to SQL Server, over Azurite.
import { startStorage, type TestStorage } from './storage';
import { errorNumbers, managedInstanceConfig, run, sqlServerConfig, TestHost } from './testHost';

let storage: TestStorage;
let containerUrl: string;
const DATA = 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA';

beforeAll(async () => {
  storage = await startStorage();
  containerUrl = (await storage.container('mi-exports')).url;
});
afterAll(async () => {
  await storage?.stop();
});

function withCredential(host: TestHost): TestHost {
  host.addCredential(containerUrl, storage.sas('rwdlc'));
  return host;
}
const mi = (overrides: Parameters<typeof managedInstanceConfig>[0] = {}) => withCredential(new TestHost(managedInstanceConfig(overrides)));
const sql = (overrides: Parameters<typeof sqlServerConfig>[0] = {}) => withCredential(new TestHost(sqlServerConfig(overrides)));

let n = 0;
const fresh = (stem: string) => `${containerUrl}/${stem}_${++n}.bak`;
const tables = [{ schema: 'dbo', name: 'Orders', rowCount: 321 }];

describe('BACKUP on a managed instance', () => {
  it('requires COPY_ONLY (41904) and refuses service-managed TDE (41922)', async () => {
    const host = mi();
    host.createDatabase('Prod', { tables });
    const plain = await run(host, `BACKUP DATABASE Prod TO URL = '${fresh('prod')}'`);
    expect(errorNumbers(plain.error)).toEqual([41904, 3013]);
    expect(plain.error?.preceding[0].message).toBe(
      'BACKUP DATABASE failed. SQL Database Managed Instance supports only COPY_ONLY full database backups which are initiated by user.',
    );
    expect(errorNumbers((await run(host, `BACKUP LOG Prod TO URL = '${fresh('prod')}' WITH COPY_ONLY`)).error)).toEqual([41904, 3013]);
    host.createDatabase('Tde', { tde: 'serviceManaged' });
    const tde = await run(host, `BACKUP DATABASE Tde TO URL = '${fresh('tde')}' WITH COPY_ONLY`);
    expect(errorNumbers(tde.error)).toEqual([41922, 3013]);
    expect(tde.error?.preceding[0].message).toBe(
      'The backup operation for a database with service-managed transparent data encryption is not supported on SQL Database Managed Instance.',
    );
    expect((await run(host, `BACKUP DATABASE Prod TO URL = '${fresh('prod')}' WITH COPY_ONLY, COMPRESSION`)).error).toBeUndefined();
  });
});

describe('credentials on a managed instance', () => {
  it('a MANAGED IDENTITY credential works when the identity has a role, 3201 with OS error 5 when not', async () => {
    const host = new TestHost(managedInstanceConfig());
    host.addManagedIdentityCredential(containerUrl);
    host.createDatabase('Ident', { tables });
    const url = fresh('ident');
    const denied = await run(host, `BACKUP DATABASE Ident TO URL = '${url}' WITH COPY_ONLY`);
    expect(errorNumbers(denied.error)).toEqual([3201, 3013]);
    expect(denied.error?.preceding[0].message).toBe(`Cannot open backup device '${url}'. Operating system error 5(Access is denied.).`);
    host.identitySas = storage.sas('rwdlc');
    expect((await run(host, `BACKUP DATABASE Ident TO URL = '${url}' WITH COPY_ONLY`)).error).toBeUndefined();
  });

  it('prefers the credential with the longest matching name', async () => {
    const host = new TestHost(managedInstanceConfig());
    host.addCredential(containerUrl, storage.sas('rl'));
    host.addCredential(`${containerUrl}/deep`, storage.sas('rwdlc'));
    host.createDatabase('Deep');
    expect((await run(host, `BACKUP DATABASE Deep TO URL = '${containerUrl}/deep/Deep_${++n}.bak' WITH COPY_ONLY`)).error).toBeUndefined();
    expect(errorNumbers((await run(host, `BACKUP DATABASE Deep TO URL = '${fresh('shallow')}' WITH COPY_ONLY`)).error)).toEqual([3201, 3013]);
  });
});

describe('portability to SQL Server', () => {
  it('a SQL Server 2022 policy backup needs MOVE for every file (5133), then restores with its tables', async () => {
    const source = mi();
    source.createDatabase('Prod', { tables });
    const url = fresh('portable');
    expect((await run(source, `BACKUP DATABASE Prod TO URL = '${url}' WITH COPY_ONLY, COMPRESSION, CHECKSUM`)).error).toBeUndefined();
    const target = sql();
    const noMove = await run(target, `RESTORE DATABASE Prod FROM URL = '${url}'`);
    expect(errorNumbers(noMove.error)).toEqual([5133, 3156, 5133, 3156, 5133, 3156, 3119, 3013]);
    expect(noMove.error?.preceding[0].message).toMatch(/^Directory lookup for the file "C:\\WFRoot\\.*\\data_0\.mdf" failed with the operating system error 2\(The system cannot find the file specified\.\)\.$/);
    const moved = await run(
      target,
      `RESTORE DATABASE Prod FROM URL = '${url}' WITH MOVE 'data_0' TO '${DATA}\\Prod_data_0.mdf', MOVE 'log' TO '${DATA}\\Prod_log.ldf', MOVE 'XTP' TO '${DATA}\\Prod_xtp', CHECKSUM`,
    );
    expect(moved.error).toBeUndefined();
    const db = target.findDatabase('Prod')!;
    expect(db.state).toBe('ONLINE');
    expect(db.tables).toEqual(tables);
    expect(db.databaseVersion).toBe(957);
  });

  it('an Always-up-to-date backup fails with 3169 on SQL Server and on a SQL Server 2022 policy instance', async () => {
    const source = mi({ updatePolicy: 'Always-up-to-date' });
    source.createDatabase('Modern', { tables });
    const url = fresh('autd');
    expect((await run(source, `BACKUP DATABASE Modern TO URL = '${url}' WITH COPY_ONLY`)).error).toBeUndefined();
    const onSql = await run(sql({ majorVersion: 17 }), `RESTORE DATABASE Modern FROM URL = '${url}' WITH MOVE 'data_0' TO '${DATA}\\m.mdf', MOVE 'log' TO '${DATA}\\m.ldf', MOVE 'XTP' TO '${DATA}\\m_xtp'`);
    expect(errorNumbers(onSql.error)).toEqual([3169, 3013]);
    const on2022Mi = await run(mi(), `RESTORE DATABASE Modern FROM URL = '${url}'`);
    expect(errorNumbers(on2022Mi.error)).toEqual([3169, 3013]);
    const onAutd = mi({ updatePolicy: 'Always-up-to-date', throughputMBps: 10_000 });
    expect((await run(onAutd, `RESTORE DATABASE Modern FROM URL = '${url}'`)).error).toBeUndefined();
    expect(onAutd.findDatabase('Modern')?.state).toBe('ONLINE');
  });
});

describe('RESTORE on a managed instance', () => {
  it('refuses every WITH option (41901), RESTORE LOG (41906) and an existing database (1801)', async () => {
    const sqlSource = sql();
    sqlSource.createDatabase('App', { tables });
    const url = fresh('app');
    await run(sqlSource, `BACKUP DATABASE App TO URL = '${url}'`);
    const host = mi();
    const withOptions = await run(host, `RESTORE DATABASE App FROM URL = '${url}' WITH REPLACE, STATS = 10, MOVE 'App' TO 'x'`);
    expect(errorNumbers(withOptions.error)).toEqual([41901, 3013]);
    expect(withOptions.error?.preceding[0].message).toBe(
      'One or more of the options (REPLACE, STATS, MOVE) are not supported for this statement in SQL Database Managed Instance. Review the documentation for supported options.',
    );
    const log = await run(host, `RESTORE LOG App FROM URL = '${url}'`);
    expect(errorNumbers(log.error)).toEqual([41906, 3013]);
    expect(log.error?.preceding[0].message).toBe("Statement 'RESTORE LOG' is not supported in SQL Database Managed Instance.");
    host.createDatabase('App');
    const exists = await run(host, `RESTORE DATABASE App FROM URL = '${url}'`);
    expect(errorNumbers(exists.error)).toEqual([1801, 3013]);
    expect(exists.error?.preceding[0].message).toBe("Database 'App' already exists. Choose a different database name.");
  });

  it('restores under a GUID name with dm_operation_status 0/50/100, then renames the database', async () => {
    const sqlSource = sql();
    sqlSource.createDatabase('Shop', { tables, dataBytes: 64 * 1024 * 1024 });
    const url = fresh('shop');
    await run(sqlSource, `BACKUP DATABASE Shop TO URL = '${url}'`);
    // 72 MB at 120 MB/s: about 600 ms of restore to watch
    const host = mi({ throughputMBps: 120 });
    const names: string[][] = [];
    const percents = new Set<number>();
    const watcher = setInterval(() => {
      names.push([...host.databases.values()].map((d) => `${d.name}:${d.state}`));
      for (const op of host.operations.values()) percents.add(op.percentComplete);
    }, 20);
    const r = await run(host, `RESTORE DATABASE Shop FROM URL = '${url}'`);
    clearInterval(watcher);
    expect(r.error).toBeUndefined();
    expect(r.messages.map((x) => x.number)).toEqual([4035, 4035, 3014]);
    const during = names.filter((s) => s.length > 0);
    expect(during.length).toBeGreaterThan(3);
    expect(during[0][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:RESTORING$/);
    expect(during.some((s) => s.includes('Shop:RESTORING'))).toBe(false);
    expect([...percents]).toEqual(expect.arrayContaining([0, 50]));
    const op = [...host.operations.values()][0];
    expect(op).toMatchObject({ operation: 'RESTORE DATABASE', majorResourceId: 'Shop', state: 2, percentComplete: 100, errorCode: 0 });
    const db = host.findDatabase('Shop')!;
    expect(db.state).toBe('ONLINE');
    expect(db.recoveryModel).toBe('FULL');
    expect(db.tables).toEqual(tables);
    expect(db.files.every((f) => f.physicalName.startsWith(host.config.defaultDataPath))).toBe(true);
  });
});
