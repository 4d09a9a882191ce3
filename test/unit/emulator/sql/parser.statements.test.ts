import type { Statement } from '../../../../emulator/sql/ast';
import { parseBatch, statementLine } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';

function one(sql: string): Statement {
  const { statements } = parseBatch(sql);
  expect(statements).toHaveLength(1);
  return statements[0];
}

function refusal(sql: string): SqlError {
  try {
    parseBatch(sql);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`expected a parse error for: ${sql}`);
}

const str = (value: string, unicode = false) =>
  unicode ? { kind: 'literal', value, unicode: true, sqlType: 'nvarchar' } : { kind: 'literal', value, sqlType: 'varchar' };
const int = (value: number) => ({ kind: 'literal', value, sqlType: 'int' });
const name = (value: string) => ({ kind: 'literal', value, unicode: true, sqlType: 'nvarchar' });

describe('parseBatch: the batch tedious sends after login', () => {
  it('parses every SET of the initial SQL (tds.md 1.6) into setOption statements', () => {
    const initial = [
      'set ansi_nulls on',
      'set ansi_null_dflt_on on',
      'set ansi_padding on',
      'set ansi_warnings on',
      'set arithabort on',
      'set concat_null_yields_null on',
      'set datefirst 7',
      'set dateformat mdy',
      'set implicit_transactions off',
      'set language us_english',
      'set numeric_roundabort off',
      'set quoted_identifier on',
      'set textsize 2147483647',
      'set transaction isolation level read committed',
      'set xact_abort off',
    ].join('\n');
    const { statements } = parseBatch(initial);
    expect(statements.map((s) => (s.kind === 'setOption' ? `${s.option}=${s.value}` : s.kind))).toEqual([
      'ANSI_NULLS=ON',
      'ANSI_NULL_DFLT_ON=ON',
      'ANSI_PADDING=ON',
      'ANSI_WARNINGS=ON',
      'ARITHABORT=ON',
      'CONCAT_NULL_YIELDS_NULL=ON',
      'DATEFIRST=7',
      'DATEFORMAT=mdy',
      'IMPLICIT_TRANSACTIONS=OFF',
      'LANGUAGE=us_english',
      'NUMERIC_ROUNDABORT=OFF',
      'QUOTED_IDENTIFIER=ON',
      'TEXTSIZE=2147483647',
      'TRANSACTION ISOLATION LEVEL=READ COMMITTED',
      'XACT_ABORT=OFF',
    ]);
    expect(statements.map((s) => statementLine(s))).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('splits SET lists with commas and refuses unknown SET options with 195', () => {
    expect(parseBatch('SET ANSI_NULLS, QUOTED_IDENTIFIER ON; SET NOCOUNT ON').statements).toEqual([
      { kind: 'setOption', option: 'ANSI_NULLS', value: 'ON' },
      { kind: 'setOption', option: 'QUOTED_IDENTIFIER', value: 'ON' },
      { kind: 'setOption', option: 'NOCOUNT', value: 'ON' },
    ]);
    expect(one('SET LOCK_TIMEOUT -1')).toEqual({ kind: 'setOption', option: 'LOCK_TIMEOUT', value: '-1' });
    expect(one('SET STATISTICS IO OFF')).toEqual({ kind: 'setOption', option: 'STATISTICS IO', value: 'OFF' });
    expect(one('SET DEADLOCK_PRIORITY LOW')).toEqual({ kind: 'setOption', option: 'DEADLOCK_PRIORITY', value: 'LOW' });
    const e = refusal('SET BOGUS ON');
    expect([e.number, e.severity, e.message]).toEqual([195, 15, "'BOGUS' is not a recognized SET option."]);
  });
});

describe('parseBatch: variables', () => {
  it('parses DECLARE with several variables, initial values, lengths, MAX, precision and sysname', () => {
    expect(one("DECLARE @a int = 1, @b nvarchar(max), @c decimal(10, 2) = 1.5, @d sysname = N'x', @e varchar, @f datetime2(3)")).toEqual({
      kind: 'declare',
      variables: [
        { name: '@a', type: { type: 'int', written: 'INT' }, initial: int(1) },
        { name: '@b', type: { type: 'nvarchar', written: 'NVARCHAR', length: -1 } },
        { name: '@c', type: { type: 'decimal', written: 'DECIMAL', precision: 10, scale: 2 }, initial: { kind: 'literal', value: '1.5', sqlType: 'decimal' } },
        { name: '@d', type: { type: 'nvarchar', written: 'SYSNAME', length: 128 }, initial: str('x', true) },
        { name: '@e', type: { type: 'varchar', written: 'VARCHAR', length: 1 } },
        { name: '@f', type: { type: 'datetime2', written: 'DATETIME2', scale: 3 } },
      ],
    });
  });

  it('refuses unknown types with 2715; DECLARE @t TABLE declares a table variable', () => {
    const e = refusal('DECLARE @x footype');
    expect([e.number, e.message]).toEqual([2715, 'Column, parameter, or variable #1: Cannot find data type footype.']);
    expect(one('DECLARE @t TABLE (a int)')).toMatchObject({ kind: 'declareTable', name: '@t', columns: [expect.objectContaining({ name: 'a' })] });
  });

  it('parses SET @v = / += / -=', () => {
    expect(one("SET @x += N'a'")).toEqual({ kind: 'setVariable', name: '@x', op: '+=', value: str('a', true) });
    expect(one('SET @n = (SELECT COUNT(*) FROM sys.databases)')).toMatchObject({ kind: 'setVariable', op: '=', value: { kind: 'subquery' } });
  });
});

describe('parseBatch: control flow and messages', () => {
  it('parses IF / ELSE with BEGIN ... END blocks and SELECTs inside IF EXISTS', () => {
    const s = one("IF EXISTS (SELECT 1 FROM sys.databases WHERE name = N'db') BEGIN PRINT 'yes'; SELECT 1 END ELSE PRINT 'no'");
    expect(s).toMatchObject({
      kind: 'if',
      condition: { kind: 'exists', query: { kind: 'select', where: { kind: 'binary', op: '=' } } },
      then: { kind: 'block', statements: [{ kind: 'print' }, { kind: 'select' }] },
      else: { kind: 'print', value: str('no') },
    });
  });

  it('accepts a semicolon before ELSE and IF NOT (...) conditions', () => {
    expect(one('IF NOT (1 = 2 OR @x IS NULL) SELECT 1; ELSE SELECT 2;')).toMatchObject({
      kind: 'if',
      condition: { kind: 'unary', op: 'NOT', operand: { kind: 'binary', op: 'OR' } },
      else: { kind: 'select' },
    });
  });

  it('parses RAISERROR with arguments and WITH NOWAIT, and THROW', () => {
    expect(one("RAISERROR('%d percent', 10, 1, 50) WITH NOWAIT")).toEqual({
      kind: 'raiserror',
      message: str('%d percent'),
      severity: int(10),
      state: int(1),
      args: [int(50)],
      withOptions: ['NOWAIT'],
    });
    expect(one("THROW 50001, N'bad', 1")).toEqual({ kind: 'throw', number: int(50001), message: str('bad', true), state: int(1) });
    expect(one('THROW')).toEqual({ kind: 'throw' });
  });

  it('parses WAITFOR, USE and transactions', () => {
    expect(one("WAITFOR DELAY '00:00:01.500'")).toEqual({ kind: 'waitfor', delay: str('00:00:01.500') });
    expect(one('USE [my db]')).toEqual({ kind: 'use', database: 'my db' });
    expect(parseBatch('BEGIN TRAN; BEGIN TRANSACTION t1; SAVE TRAN sp1; COMMIT; ROLLBACK TRANSACTION t1; COMMIT WORK').statements).toEqual([
      { kind: 'transaction', action: 'begin' },
      { kind: 'transaction', action: 'begin', name: 't1' },
      { kind: 'transaction', action: 'save', name: 'sp1' },
      { kind: 'transaction', action: 'commit' },
      { kind: 'transaction', action: 'rollback', name: 't1' },
      { kind: 'transaction', action: 'commit' },
    ]);
  });
});

describe('parseBatch: EXEC', () => {
  it('parses positional, named and OUTPUT arguments, multi-part names and EXEC @rc =', () => {
    expect(one("EXEC @rc = master.dbo.sp_thing 1, N'a', @p = @v OUTPUT, @q = -5, @r = somename")).toEqual({
      kind: 'exec',
      procedure: { database: 'master', schema: 'dbo', name: 'sp_thing' },
      returnVariable: '@rc',
      args: [
        { value: int(1), output: false },
        { value: str('a', true), output: false },
        { name: '@p', value: { kind: 'variable', name: '@v' }, output: true },
        { name: '@q', value: { kind: 'unary', op: '-', operand: int(5) }, output: false },
        { name: '@r', value: name('somename'), output: false },
      ],
    });
  });

  it('treats a bare procedure name at the start of a batch as EXEC', () => {
    expect(parseBatch('sp_who2 active').statements).toEqual([{ kind: 'exec', procedure: { name: 'sp_who2' }, args: [{ value: name('active'), output: false }] }]);
  });

  it('refuses expressions as EXEC arguments', () => {
    const e = refusal('EXEC p @a + 1');
    expect([e.number, e.message]).toEqual([102, "Incorrect syntax near '+'."]);
  });

  it('parses EXEC (dynamic SQL)', () => {
    expect(one("EXECUTE ('SELECT ' + @x)")).toMatchObject({ kind: 'execDynamic', sql: { kind: 'binary', op: '+' } });
    expect(one('EXEC (@sql)')).toEqual({ kind: 'execDynamic', sql: { kind: 'variable', name: '@sql' } });
  });
});

describe('parseBatch: BACKUP and RESTORE', () => {
  it('parses BACKUP DATABASE to several URLs with every WITH option', () => {
    const s = one(
      "BACKUP DATABASE [Sales]]Db] TO URL = N'https://a.blob.core.windows.net/c/1.bak', URL = 'https://a.blob.core.windows.net/c/2.bak' " +
        "WITH COPY_ONLY, COMPRESSION, CHECKSUM, STATS = 10, FORMAT, INIT, NAME = N'full', DESCRIPTION = 'd', MAXTRANSFERSIZE = 4194304, BLOCKSIZE = 65536",
    );
    expect(s).toEqual({
      kind: 'backup',
      target: 'DATABASE',
      database: name('Sales]Db'),
      devices: [
        { kind: 'URL', location: str('https://a.blob.core.windows.net/c/1.bak', true) },
        { kind: 'URL', location: str('https://a.blob.core.windows.net/c/2.bak') },
      ],
      options: [
        { name: 'COPY_ONLY' },
        { name: 'COMPRESSION' },
        { name: 'CHECKSUM' },
        { name: 'STATS', value: int(10) },
        { name: 'FORMAT' },
        { name: 'INIT' },
        { name: 'NAME', value: str('full', true) },
        { name: 'DESCRIPTION', value: str('d') },
        { name: 'MAXTRANSFERSIZE', value: int(4194304) },
        { name: 'BLOCKSIZE', value: int(65536) },
      ],
    });
  });

  it('parses BACKUP LOG @db TO DISK', () => {
    expect(one("BACKUP LOG @db TO DISK = 'C:\\b.trn'")).toEqual({
      kind: 'backup',
      target: 'LOG',
      database: { kind: 'variable', name: '@db' },
      devices: [{ kind: 'DISK', location: str('C:\\b.trn') }],
      options: [],
    });
  });

  it('parses RESTORE DATABASE with repeated MOVE and the other options', () => {
    const s = one(
      "RESTORE DATABASE [T] FROM URL = 'u1', URL = 'u2' WITH MOVE N'data_0' TO N'/d/T.mdf', MOVE 'log' TO '/l/T.ldf', REPLACE, NORECOVERY, STATS, FILE = 2, CHECKSUM, STOPAT = '2024-01-01T00:00:00'",
    );
    expect(s).toEqual({
      kind: 'restore',
      action: 'DATABASE',
      database: name('T'),
      devices: [
        { kind: 'URL', location: str('u1') },
        { kind: 'URL', location: str('u2') },
      ],
      options: [
        { name: 'MOVE', move: { logicalName: str('data_0', true), physicalName: str('/d/T.mdf', true) } },
        { name: 'MOVE', move: { logicalName: str('log'), physicalName: str('/l/T.ldf') } },
        { name: 'REPLACE' },
        { name: 'NORECOVERY' },
        { name: 'STATS' },
        { name: 'FILE', value: int(2) },
        { name: 'CHECKSUM' },
        { name: 'STOPAT', value: str('2024-01-01T00:00:00') },
      ],
    });
    expect(one('RESTORE DATABASE x WITH RECOVERY')).toEqual({ kind: 'restore', action: 'DATABASE', database: name('x'), devices: [], options: [{ name: 'RECOVERY' }] });
    expect(one("RESTORE LOG x FROM URL = 'u' WITH STATS = 5, NORECOVERY")).toMatchObject({ kind: 'restore', action: 'LOG' });
  });

  it.each(['HEADERONLY', 'FILELISTONLY', 'LABELONLY', 'VERIFYONLY'])('parses RESTORE %s FROM URL', (action) => {
    expect(one(`RESTORE ${action} FROM URL = N'https://x/y.bak' WITH CHECKSUM`)).toEqual({
      kind: 'restore',
      action,
      devices: [{ kind: 'URL', location: str('https://x/y.bak', true) }],
      options: [{ name: 'CHECKSUM' }],
    });
  });
});

describe('parseBatch: credentials, databases, DBCC, KILL, availability groups', () => {
  it('parses CREATE / ALTER / DROP CREDENTIAL', () => {
    expect(one("CREATE CREDENTIAL [https://acct.blob.core.windows.net/container] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=2022&sig=a%2Bb'")).toEqual({
      kind: 'createCredential',
      name: 'https://acct.blob.core.windows.net/container',
      identity: str('SHARED ACCESS SIGNATURE'),
      secret: str('sv=2022&sig=a%2Bb'),
    });
    expect(one("ALTER CREDENTIAL [c] WITH IDENTITY = 'MANAGED IDENTITY'")).toEqual({ kind: 'alterCredential', name: 'c', identity: str('MANAGED IDENTITY') });
    expect(one('DROP CREDENTIAL [c]')).toEqual({ kind: 'dropCredential', name: 'c' });
  });

  it('parses CREATE / DROP / ALTER DATABASE forms', () => {
    expect(one('CREATE DATABASE [New]')).toEqual({ kind: 'createDatabase', name: 'New', options: [] });
    expect(one('CREATE DATABASE x COLLATE Latin1_General_CI_AS')).toEqual({ kind: 'createDatabase', name: 'x', options: ['COLLATE Latin1_General_CI_AS'] });
    expect(one('DROP DATABASE IF EXISTS a, [b]')).toEqual({ kind: 'dropDatabase', names: ['a', 'b'], ifExists: true });
    expect(one('DROP DATABASE a')).toEqual({ kind: 'dropDatabase', names: ['a'], ifExists: false });
    expect(one('ALTER DATABASE a MODIFY NAME = [b]')).toEqual({ kind: 'alterDatabaseRename', name: 'a', newName: 'b' });
    expect(one('ALTER DATABASE [a] SET SINGLE_USER WITH ROLLBACK IMMEDIATE')).toEqual({
      kind: 'alterDatabaseSet',
      name: 'a',
      options: ['SINGLE_USER'],
      termination: 'ROLLBACK IMMEDIATE',
    });
    expect(one('ALTER DATABASE a SET RECOVERY SIMPLE, OFFLINE')).toEqual({ kind: 'alterDatabaseSet', name: 'a', options: ['RECOVERY SIMPLE', 'OFFLINE'] });
    expect(parseBatch('ALTER DATABASE a SET MULTI_USER\nSELECT 1').statements.map((s) => s.kind)).toEqual(['alterDatabaseSet', 'select']);
  });

  it('parses DBCC with arguments and WITH options, and KILL', () => {
    expect(one('DBCC CHECKDB ([SalesDb]) WITH NO_INFOMSGS, ALL_ERRORMSGS')).toEqual({
      kind: 'dbcc',
      command: 'CHECKDB',
      args: [name('SalesDb')],
      withOptions: ['NO_INFOMSGS', 'ALL_ERRORMSGS'],
    });
    expect(one('DBCC SQLPERF(LOGSPACE)')).toEqual({ kind: 'dbcc', command: 'SQLPERF', args: [name('LOGSPACE')], withOptions: [] });
    expect(one('KILL 53')).toEqual({ kind: 'kill', spid: int(53) });
  });

  it('captures AVAILABILITY GROUP statements with their name, text and clauses', () => {
    const text = "CREATE AVAILABILITY GROUP [dag] WITH (DISTRIBUTED) AVAILABILITY GROUP ON 'ag1' WITH (LISTENER_URL = 'tcp://a:5022'), 'mi' WITH (LISTENER_URL = 'tcp://b:5022')";
    expect(parseBatch(text + ';\nSELECT 1').statements[0]).toEqual({
      kind: 'availabilityGroup',
      action: 'CREATE',
      name: 'dag',
      text,
      clauses: ["WITH (DISTRIBUTED) AVAILABILITY GROUP ON 'ag1' WITH (LISTENER_URL = 'tcp://a:5022')", "'mi' WITH (LISTENER_URL = 'tcp://b:5022')"],
    });
    expect(one('ALTER AVAILABILITY GROUP [dag] GRANT CREATE ANY DATABASE')).toMatchObject({ action: 'ALTER', name: 'dag', clauses: ['GRANT CREATE ANY DATABASE'] });
    expect(one('DROP AVAILABILITY GROUP dag')).toMatchObject({ action: 'DROP', name: 'dag', clauses: [] });
  });

  it('refuses unimplemented statements by keyword, keeping their text', () => {
    expect(parseBatch("MERGE t USING s ON s.a = ';' WHEN MATCHED THEN DELETE; SELECT 1").statements).toEqual([
      { kind: 'unsupported', keyword: 'MERGE', text: "MERGE t USING s ON s.a = ';' WHEN MATCHED THEN DELETE" },
      { kind: 'select', distinct: false, items: [{ expr: int(1) }] },
    ]);
    expect(one('CREATE TABLE t (a int)')).toMatchObject({ kind: 'unsupported', keyword: 'CREATE TABLE' });
    expect(one('CREATE MASTER KEY ENCRYPTION BY PASSWORD = \'x\'')).toMatchObject({ kind: 'unsupported', keyword: 'CREATE MASTER KEY' });
    expect(one('UPDATE STATISTICS t')).toMatchObject({ kind: 'unsupported', keyword: 'UPDATE STATISTICS' });
    expect(one('BEGIN TRY SELECT 1; END TRY BEGIN CATCH SELECT 2; END CATCH')).toMatchObject({ kind: 'unsupported', keyword: 'BEGIN TRY' });
    expect(one('WITH x AS (SELECT 1 AS a) UPDATE t SET a = 1')).toMatchObject({ kind: 'unsupported', keyword: 'WITH', text: 'WITH x AS (SELECT 1 AS a) UPDATE t SET a = 1' });
    expect(one("WITH XMLNAMESPACES ('uri' AS ns) SELECT 1")).toMatchObject({ kind: 'unsupported', keyword: 'WITH' });
  });
});

describe('parseBatch: GO', () => {
  it('splits batches on GO lines and restarts line numbers per batch', () => {
    const batch = parseBatch('SELECT 1\nGO\n\nSELECT 2\nPRINT 3\ngo 2\nSELECT 4');
    expect(batch.goBatches?.map((b) => b.map((s) => s.kind))).toEqual([['select'], ['select', 'print'], ['select', 'print'], ['select']]);
    expect(batch.statements).toHaveLength(6);
    const second = batch.goBatches?.[1] ?? [];
    expect(second.map((s) => statementLine(s))).toEqual([2, 3]);
    expect(parseBatch('SELECT 1').goBatches).toBeUndefined();
  });

  it('reports syntax errors with the line inside their batch', () => {
    const e = refusal('SELECT 1\nGO\nSELECT 2\nSELECT FROM');
    expect(e.toMessage().lineNumber).toBe(2);
  });
});

describe('parseBatch: the shapes the app sends', () => {
  it('parses parameterized RESTORE and BACKUP (values bound as @parameters)', () => {
    expect(one('RESTORE DATABASE @database FROM URL = @url1, URL = @url2 WITH MOVE @move1from TO @move1to, REPLACE, NORECOVERY, CHECKSUM, STATS = @stats')).toEqual({
      kind: 'restore',
      action: 'DATABASE',
      database: { kind: 'variable', name: '@database' },
      devices: [
        { kind: 'URL', location: { kind: 'variable', name: '@url1' } },
        { kind: 'URL', location: { kind: 'variable', name: '@url2' } },
      ],
      options: [
        { name: 'MOVE', move: { logicalName: { kind: 'variable', name: '@move1from' }, physicalName: { kind: 'variable', name: '@move1to' } } },
        { name: 'REPLACE' },
        { name: 'NORECOVERY' },
        { name: 'CHECKSUM' },
        { name: 'STATS', value: { kind: 'variable', name: '@stats' } },
      ],
    });
    expect(one('BACKUP DATABASE @database TO URL = @url1 WITH FORMAT, COPY_ONLY, COMPRESSION, CHECKSUM, STATS = @stats')).toMatchObject({
      kind: 'backup',
      database: { kind: 'variable', name: '@database' },
      options: [{ name: 'FORMAT' }, { name: 'COPY_ONLY' }, { name: 'COMPRESSION' }, { name: 'CHECKSUM' }, { name: 'STATS' }],
    });
    expect(one('RESTORE FILELISTONLY FROM URL = @url1 WITH CHECKSUM')).toMatchObject({ kind: 'restore', action: 'FILELISTONLY' });
  });

  it('parses the credential refresh batch with a hostile container name', () => {
    const batch =
      "IF EXISTS (SELECT 1 FROM sys.credentials WHERE name = N'https://a.blob.core.windows.net/c'']; DROP DATABASE [x') DROP CREDENTIAL [https://a.blob.core.windows.net/c']]; DROP DATABASE [x];\n" +
      "CREATE CREDENTIAL [https://a.blob.core.windows.net/c']]; DROP DATABASE [x] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=1&sig=x''y';";
    const { statements } = parseBatch(batch);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({ kind: 'if', then: { kind: 'dropCredential', name: "https://a.blob.core.windows.net/c']; DROP DATABASE [x" } });
    expect(statements[1]).toMatchObject({
      kind: 'createCredential',
      name: "https://a.blob.core.windows.net/c']; DROP DATABASE [x",
      secret: { value: "sv=1&sig=x'y" },
    });
  });

  it('parses the connection-pool probe `SELECT 1;`', () => {
    expect(parseBatch('SELECT 1;').statements).toEqual([{ kind: 'select', distinct: false, items: [{ expr: int(1) }] }]);
  });
});

describe('parseBatch: statement boundaries without semicolons', () => {
  it('parses ELSE IF chains, nested blocks and transactions inside IF', () => {
    const s = one("IF @x = 1 PRINT 'a' ELSE IF @x = 2 BEGIN BEGIN TRAN; IF @@TRANCOUNT > 0 COMMIT END ELSE BEGIN PRINT 'c' END");
    expect(s).toMatchObject({
      kind: 'if',
      then: { kind: 'print' },
      else: {
        kind: 'if',
        then: { kind: 'block', statements: [{ kind: 'transaction', action: 'begin' }, { kind: 'if', then: { kind: 'transaction', action: 'commit' } }] },
        else: { kind: 'block', statements: [{ kind: 'print' }] },
      },
    });
  });

  it('ends statements at the next statement keyword', () => {
    expect(parseBatch("EXEC sp_who\nSELECT 1 PRINT 'x' KILL 5 WAITFOR TIME '23:00' USE master DBCC CHECKDB").statements.map((s) => s.kind)).toEqual([
      'exec',
      'select',
      'print',
      'kill',
      'waitfor',
      'use',
      'dbcc',
    ]);
  });

  it('keeps statement lines for nested statements', () => {
    const s = parseBatch('IF 1 = 1\nBEGIN\n  PRINT 1\n  SELECT 2\nEND').statements[0];
    if (s.kind !== 'if' || s.then.kind !== 'block') throw new Error('unexpected tree');
    expect(statementLine(s)).toBe(1);
    expect(s.then.statements.map((x) => statementLine(x))).toEqual([3, 4]);
  });

  it('refuses a stray token between statements', () => {
    const e = refusal('SELECT 1\n)');
    expect([e.number, e.message, e.toMessage().lineNumber]).toEqual([102, "Incorrect syntax near ')'.", 2]);
  });
});

describe('parseBatch: where refused statements end', () => {
  it.each([
    ["INSERT INTO t VALUES (1)\nPRINT 'x'", ['insertTable', 'print']],
    ['INSERT INTO t SELECT a FROM u\nPRINT 1', ['insertTable', 'print']],
    ['UPDATE t SET a = 1 WHERE b IN (SELECT 1)\nSELECT 1', ['update', 'select']],
    ['DELETE FROM t\nSELECT 1', ['delete', 'select']],
    ['UPDATE t SET a = 1 FROM t JOIN u ON u.id = t.id WHERE u.b IN (SELECT 1)\nSELECT 1', ['UPDATE ... FROM', 'select']],
    ['DELETE t FROM t JOIN u ON u.id = t.id\nSELECT 1', ['DELETE ... FROM', 'select']],
    ['MERGE t USING s ON 1 = 1 WHEN MATCHED THEN DELETE;\nSELECT 1', ['MERGE', 'select']],
    ['CREATE TABLE t (a int)\nSELECT 1', ['CREATE TABLE', 'select']],
    ['CREATE LOGIN x WITH PASSWORD = \'p\'\nALTER LOGIN x ENABLE\nSELECT 1', ['createLogin', 'ALTER LOGIN', 'select']],
    ['CREATE LOGIN [d\\x] FROM WINDOWS\nALTER LOGIN x ENABLE\nSELECT 1', ['CREATE LOGIN FROM WINDOWS', 'ALTER LOGIN', 'select']],
    ['ALTER SERVER CONFIGURATION SET HADR CLUSTER CONTEXT = LOCAL\nSELECT 1', ['ALTER SERVER CONFIGURATION', 'select']],
    ['CREATE PROCEDURE p AS SELECT 1\nSELECT 2', ['CREATE PROCEDURE']],
    ['CREATE OR ALTER VIEW v AS SELECT 1', ['CREATE OR ALTER VIEW']],
    ['GRANT SELECT ON t TO u\nSELECT 1', ['GRANT']],
  ])('%s', (sql, expected) => {
    expect(parseBatch(sql).statements.map((s) => (s.kind === 'unsupported' ? s.keyword : s.kind))).toEqual(expected);
  });
});
