// Parsing table variables: DECLARE @t TABLE (...), INSERT [INTO] @t ... VALUES / SELECT / EXEC, and
// @t in FROM.
import type { Statement } from '../../../../emulator/sql/ast';
import { parseBatch } from '../../../../emulator/sql/parser';
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

const int = (value: number) => ({ kind: 'literal', value, sqlType: 'int' });

describe('DECLARE @t TABLE', () => {
  it('parses columns with their types and nullability', () => {
    expect(one('DECLARE @h TABLE (BackupName nvarchar(128), FirstLSN numeric(25,0) NOT NULL, Flags int NULL, Name sysname, Thumb varbinary(max), D datetime2)')).toEqual({
      kind: 'declareTable',
      name: '@h',
      columns: [
        { name: 'BackupName', type: { type: 'nvarchar', written: 'NVARCHAR', length: 128 }, nullable: true },
        { name: 'FirstLSN', type: { type: 'decimal', written: 'NUMERIC', precision: 25, scale: 0 }, nullable: false },
        { name: 'Flags', type: { type: 'int', written: 'INT' }, nullable: true },
        { name: 'Name', type: { type: 'nvarchar', written: 'SYSNAME', length: 128 }, nullable: true },
        { name: 'Thumb', type: { type: 'varbinary', written: 'VARBINARY', length: -1 }, nullable: true },
        { name: 'D', type: { type: 'datetime2', written: 'DATETIME2', scale: 7 }, nullable: true },
      ],
    });
  });

  it('accepts AS, quoted column names, COLLATE, DEFAULT and IDENTITY', () => {
    expect(one("DECLARE @t AS TABLE ([my col] varchar(10) COLLATE Latin1_General_CI_AS DEFAULT 'x', id int IDENTITY(100, -2))")).toEqual({
      kind: 'declareTable',
      name: '@t',
      columns: [
        { name: 'my col', type: { type: 'varchar', written: 'VARCHAR', length: 10 }, nullable: true, default: { kind: 'literal', value: 'x', sqlType: 'varchar' } },
        { name: 'id', type: { type: 'int', written: 'INT' }, nullable: false, identity: { seed: 100, increment: -2 } },
      ],
    });
  });

  it('PRIMARY KEY and UNIQUE on a column or the table, and unique indexes, become keys; PRIMARY KEY columns NOT NULL', () => {
    const stmt = one('DECLARE @t TABLE (a int PRIMARY KEY CLUSTERED, b varchar(5) UNIQUE, c int NULL, d int, UNIQUE NONCLUSTERED (c DESC, d), INDEX ix UNIQUE (d), INDEX plain (b))');
    expect(stmt).toMatchObject({
      kind: 'declareTable',
      keys: [
        { kind: 'PRIMARY KEY', columns: ['a'] },
        { kind: 'UNIQUE', columns: ['b'] },
        { kind: 'UNIQUE', columns: ['c', 'd'] },
        { kind: 'UNIQUE INDEX', name: 'ix', columns: ['d'] },
      ],
    });
    expect(stmt.kind === 'declareTable' && stmt.columns.map((c) => c.nullable)).toEqual([false, true, true, true]);
    expect(one('DECLARE @t TABLE (a int, b int, PRIMARY KEY (b, a))')).toMatchObject({ columns: [{ nullable: false }, { nullable: false }], keys: [{ kind: 'PRIMARY KEY', columns: ['b', 'a'] }] });
  });

  it('mixes scalar and table variables in one DECLARE, in order', () => {
    const { statements } = parseBatch('DECLARE @a int = 1, @t TABLE (x int), @b bit, @c bit');
    expect(statements.map((s) => s.kind)).toEqual(['declare', 'declareTable', 'declare']);
    expect(statements[0]).toMatchObject({ variables: [{ name: '@a', initial: int(1) }] });
    expect(statements[2]).toMatchObject({ variables: [{ name: '@b' }, { name: '@c' }] });
  });

  it('refuses duplicate columns (2705), unknown types (2715), constraints it does not model (40517) and bad syntax', () => {
    expect(refusal('DECLARE @t TABLE (a int, A int)')).toMatchObject({ number: 2705, severity: 16 });
    expect(refusal('DECLARE @t TABLE (a nope)')).toMatchObject({ number: 2715 });
    expect(refusal('DECLARE @t TABLE (a int CHECK (a > 0))')).toMatchObject({ number: 40517 });
    expect(refusal('DECLARE @t TABLE (a int, CONSTRAINT pk PRIMARY KEY (a))')).toMatchObject({ number: 40517 });
    expect(refusal('DECLARE @t TABLE (a int PRIMARY KEY, b int, PRIMARY KEY (b))')).toMatchObject({ number: 8110, message: "Cannot add multiple PRIMARY KEY constraints to table '@t'." });
    expect(refusal('DECLARE @t TABLE (a int, UNIQUE (nope))')).toMatchObject({ number: 1911, message: "Column name 'nope' does not exist in the target table or view." });
    expect(refusal('DECLARE @t TABLE ()')).toMatchObject({ number: 102 });
    expect(refusal('DECLARE @t TABLE (a int')).toMatchObject({ number: 102 });
  });
});

describe('INSERT into a table variable', () => {
  it('VALUES with and without INTO and a column list', () => {
    expect(one('INSERT INTO @t (a, [b]) VALUES (1, 2), (3, @x)')).toEqual({
      kind: 'insert',
      target: '@t',
      columns: ['a', 'b'],
      source: { kind: 'values', rows: [[int(1), int(2)], [int(3), { kind: 'variable', name: '@x' }]] },
    });
    expect(one('INSERT @t VALUES (1)')).toEqual({ kind: 'insert', target: '@t', source: { kind: 'values', rows: [[int(1)]] } });
    expect(one('INSERT @t DEFAULT VALUES')).toEqual({ kind: 'insert', target: '@t', columns: [], source: { kind: 'values', rows: [[]] } });
  });

  it('DEFAULT in VALUES: an untyped NULL in its place, marked in defaults', () => {
    expect(one('INSERT @t VALUES (DEFAULT, 1), (2, 3)')).toEqual({
      kind: 'insert',
      target: '@t',
      source: { kind: 'values', rows: [[{ kind: 'literal', value: null }, int(1)], [int(2), int(3)]], defaults: [[true, false], [false, false]] },
    });
  });

  it('SELECT, also parenthesised, and followed by another statement without a semicolon', () => {
    const { statements } = parseBatch('INSERT INTO @t SELECT name FROM sys.databases WHERE database_id > 4\nSELECT * FROM @t');
    expect(statements.map((s) => s.kind)).toEqual(['insert', 'select']);
    expect(statements[0]).toMatchObject({ source: { kind: 'select', query: { from: { kind: 'table', name: { schema: 'sys', name: 'databases' } } } } });
    expect(one('INSERT @t (a) (SELECT 1)')).toMatchObject({ columns: ['a'], source: { kind: 'select' } });
  });

  it('EXEC sp_executesql with parameters, as headerOnlyExact sends it', () => {
    expect(one("INSERT INTO @h EXEC sp_executesql N'RESTORE HEADERONLY FROM URL = @u', N'@u nvarchar(max)', @u = @url")).toEqual({
      kind: 'insert',
      target: '@h',
      source: {
        kind: 'exec',
        statement: {
          kind: 'exec',
          procedure: { name: 'sp_executesql' },
          args: [
            { value: { kind: 'literal', value: 'RESTORE HEADERONLY FROM URL = @u', unicode: true, sqlType: 'nvarchar' }, output: false },
            { value: { kind: 'literal', value: '@u nvarchar(max)', unicode: true, sqlType: 'nvarchar' }, output: false },
            { name: '@u', value: { kind: 'variable', name: '@url' }, output: false },
          ],
        },
      },
    });
  });

  it("EXECUTE ('dynamic sql') and EXEC of a procedure with a column list", () => {
    expect(one("INSERT @t EXECUTE ('SELECT 1')")).toEqual({
      kind: 'insert',
      target: '@t',
      source: { kind: 'exec', statement: { kind: 'execDynamic', sql: { kind: 'literal', value: 'SELECT 1', sqlType: 'varchar' } } },
    });
    expect(one('INSERT @t (a) EXEC msdb.dbo.sp_help_job @job_name = N\'x\'')).toMatchObject({
      columns: ['a'],
      source: { kind: 'exec', statement: { kind: 'exec', procedure: { database: 'msdb', schema: 'dbo', name: 'sp_help_job' } } },
    });
  });

  it('WITH cte ... INSERT INTO @t SELECT: the CTEs go with the query; with VALUES or EXEC it stays refused', () => {
    expect(one('WITH x (n) AS (SELECT 1) INSERT INTO @t SELECT n FROM x')).toMatchObject({
      kind: 'insert',
      target: '@t',
      source: { kind: 'select', query: { with: [{ name: 'x', columns: ['n'] }], from: { kind: 'table', name: { name: 'x' } } } },
    });
    expect(one('WITH x AS (SELECT 1 AS n) INSERT INTO @t VALUES (1)')).toMatchObject({ kind: 'unsupported', keyword: 'WITH' });
  });

  it('other INSERT targets are user tables (insertTable)', () => {
    expect(one('INSERT INTO dbo.t VALUES (1)')).toMatchObject({ kind: 'insertTable', table: { schema: 'dbo', name: 't' } });
    expect(one('INSERT INTO @t OUTPUT inserted.a VALUES (1)')).toMatchObject({ kind: 'unsupported', keyword: 'OUTPUT' });
  });

  it('syntax errors name the token', () => {
    expect(refusal('INSERT INTO @t')).toMatchObject({ number: 102, message: "Incorrect syntax near '@t'." });
    expect(refusal('INSERT INTO @t VALUES 1')).toMatchObject({ number: 102 });
    expect(refusal('INSERT INTO @t EXEC AS USER = \'x\'')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'AS'." });
    // EXEC (...) AS USER / AT server: parsed, but not modelled
    expect(refusal("INSERT INTO @t EXEC ('SELECT 1') AS USER = 'x'")).toMatchObject({ number: 40517 });
  });
});

describe('@t in FROM', () => {
  it('is a one-part table name with the @, with or without an alias, also in joins', () => {
    expect(one('SELECT a FROM @t')).toMatchObject({ from: { kind: 'table', name: { name: '@t' } } });
    expect(one('SELECT x.a FROM @t AS x')).toMatchObject({ from: { kind: 'table', name: { name: '@t' }, alias: 'x' } });
    expect(one('SELECT x.a FROM @t x JOIN sys.databases d ON d.name = x.a WHERE x.a > 1')).toMatchObject({
      from: { kind: 'join', type: 'INNER', left: { kind: 'table', name: { name: '@t' }, alias: 'x' }, right: { kind: 'table', alias: 'd' } },
      where: { kind: 'binary', op: '>' },
    });
  });
});
