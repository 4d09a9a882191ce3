import { quoteLiteral, quoteName } from '../../../shared/sql/quote';
import { backupToUrl, recoverDatabase, restoreInspect, restoreOnManagedInstance, restoreOnSqlServer } from '../../../shared/sql/restoreStatements';
import { createSasCredential, credentialNameFor, dropCredential } from '../../../shared/sql/credentials';
import { planMoves } from '../../../shared/sql/relocation';
import { toSqlFailure } from '../../../shared/sql/sqlErrors';

const hostile = "x']; DROP DATABASE [y --";

test('quoteName behaves like QUOTENAME', () => {
  expect(quoteName('Sales')).toBe('[Sales]');
  expect(quoteName(hostile)).toBe("[x']]; DROP DATABASE [y --]");
  expect(() => quoteName('a'.repeat(129))).toThrow(/129 characters; SQL Server allows 128/);
  expect(quoteLiteral("it's")).toBe("N'it''s'");
});

test('RESTORE on SQL Server binds every value as a parameter', () => {
  const s = restoreOnSqlServer({
    database: hostile,
    urls: ['https://a/b/Sales_1of2.bak', "https://a/b/it's_2of2.bak"],
    moves: [{ logicalName: 'data_0', physicalName: '/var/opt/mssql/data/x.mdf' }],
    replace: true,
    recovery: false,
    checksum: true,
    stats: 10,
  });
  const { text, params } = s.parameterized();
  expect(text).toBe('RESTORE DATABASE @database FROM URL = @url1, URL = @url2 WITH MOVE @move1from TO @move1to, REPLACE, NORECOVERY, CHECKSUM, STATS = @stats');
  expect(params).toEqual([
    { name: 'database', type: 'nvarchar', value: hostile },
    { name: 'url1', type: 'nvarchar', value: 'https://a/b/Sales_1of2.bak' },
    { name: 'url2', type: 'nvarchar', value: "https://a/b/it's_2of2.bak" },
    { name: 'move1from', type: 'nvarchar', value: 'data_0' },
    { name: 'move1to', type: 'nvarchar', value: '/var/opt/mssql/data/x.mdf' },
    { name: 'stats', type: 'int', value: 10 },
  ]);
  // the literal form (SQL Agent job steps) quotes instead
  expect(s.literal()).toBe(
    "RESTORE DATABASE [x']]; DROP DATABASE [y --] FROM URL = N'https://a/b/Sales_1of2.bak', URL = N'https://a/b/it''s_2of2.bak' WITH MOVE N'data_0' TO N'/var/opt/mssql/data/x.mdf', REPLACE, NORECOVERY, CHECKSUM, STATS = 10",
  );
});

test('a managed instance restore has no WITH clause; inspection and recovery statements', () => {
  expect(restoreOnManagedInstance('Sales', ['https://a/b/s.bak']).parameterized().text).toBe('RESTORE DATABASE @database FROM URL = @url1');
  expect(restoreInspect('LABELONLY', ['https://a/b/s.bak']).literal()).toBe("RESTORE LABELONLY FROM URL = N'https://a/b/s.bak'");
  expect(recoverDatabase('Sales').literal()).toBe('RESTORE DATABASE [Sales] WITH RECOVERY');
  expect(backupToUrl('Sales', ['https://a/b/1.bak', 'https://a/b/2.bak'], { copyOnly: true, compression: true, checksum: true }).parameterized().text).toBe(
    'BACKUP DATABASE @database TO URL = @url1, URL = @url2 WITH FORMAT, COPY_ONLY, COMPRESSION, CHECKSUM',
  );
  expect(() => restoreInspect('HEADERONLY', ['https://a/b/s.bak?sv=1&sig=x'])).toThrow(/must not carry a SAS token/);
  expect(() => restoreInspect('HEADERONLY', [])).toThrow(/at least one URL/);
});

test('credentials are named by the container URL; a SAS with a quote is refused', () => {
  expect(credentialNameFor('https://acct.blob.core.windows.net/backups/')).toBe('https://acct.blob.core.windows.net/backups');
  const sql = createSasCredential('https://acct.blob.core.windows.net/backups', '?sv=2022-11-02&sp=rl&se=2026-11-22T10%3A00Z&sig=abc%2B');
  expect(sql).toContain("CREATE CREDENTIAL [https://acct.blob.core.windows.net/backups] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=2022-11-02&sp=rl&se=2026-11-22T10%3A00Z&sig=abc%2B';");
  expect(() => createSasCredential('https://a/b', "sv=1&sig=x'; DROP DATABASE y--")).toThrow(/refusing to put it into T-SQL/);
  expect(dropCredential("https://a/it's")).toBe("IF EXISTS (SELECT 1 FROM sys.credentials WHERE name = N'https://a/it''s') DROP CREDENTIAL [https://a/it's];");
});

test('MOVE targets: every file of a managed-instance backup, named after the target database', () => {
  const files = [
    { logicalName: 'data_0', physicalName: 'C:\\WFRoot\\DB1\\data_0.mdf', type: 'D' as const, fileId: 1 },
    { logicalName: 'log', physicalName: 'C:\\WFRoot\\DB1\\log.ldf', type: 'L' as const, fileId: 2 },
    { logicalName: 'XTP', physicalName: 'C:\\WFRoot\\DB1\\XTP', type: 'S' as const, fileId: 65537 },
    { logicalName: 'data_1', physicalName: 'C:\\WFRoot\\DB1\\data_1.ndf', type: 'D' as const, fileId: 3 },
  ];
  expect(planMoves(files, "Sales copy's", { data: '/var/opt/mssql/data', log: '/var/opt/mssql/log/' })).toEqual([
    { logicalName: 'data_0', physicalName: '/var/opt/mssql/data/Sales_copy_s.mdf' },
    { logicalName: 'log', physicalName: '/var/opt/mssql/log/Sales_copy_s_log.ldf' },
    { logicalName: 'data_1', physicalName: '/var/opt/mssql/data/Sales_copy_s_1.ndf' },
    { logicalName: 'XTP', physicalName: '/var/opt/mssql/data/Sales_copy_s_XTP' },
  ]);
  expect(planMoves(files.slice(0, 1), 'Sales', { data: 'D:\\Data', log: 'L:\\Log' })[0].physicalName).toBe('D:\\Data\\Sales.mdf');
});

test('driver errors become SqlFailures with numbers, preceding errors and transience', () => {
  const restoreFailed = Object.assign(new Error('RESTORE DATABASE is terminating abnormally.'), {
    number: 3013,
    state: 1,
    class: 16,
    precedingErrors: [{ number: 3201, state: 2, class: 16, message: "Cannot open backup device 'https://a/b.bak'. Operating system error 86." }],
  });
  const f = toSqlFailure('sql-dev', restoreFailed);
  expect(f.numbers).toEqual([3201, 3013]);
  expect(f.code).toBe('SQL_3013');
  expect(f.isTransient).toBe(false);
  expect(f.message).toMatch(/^sql-dev: Cannot open backup device .* \(3201\) RESTORE DATABASE is terminating abnormally\. \(error 3013, state 1, class 16\)$/);
  expect(toSqlFailure('mi-prod', Object.assign(new Error('Database not available'), { number: 40613, state: 1, class: 16 })).isTransient).toBe(true);
  expect(toSqlFailure('mi-prod', Object.assign(new Error('Connection lost - read ECONNRESET'), { code: 'ESOCKET' }))).toMatchObject({ isTransient: true, code: 'SQL_ESOCKET' });
  expect(toSqlFailure('mi-prod', Object.assign(new Error("Login failed for user 'x'."), { code: 'ELOGIN' })).isTransient).toBe(false);
});
