// The T-SQL parser's side of DML on user tables: the trees UPDATE / DELETE / TRUNCATE TABLE /
// INSERT give the engine, where a statement without `;` ends, and the forms refused by name.
import type { Statement } from '../../../emulator/sql/ast';
import { parseBatch } from '../../../emulator/sql/parser';
import { SqlError } from '../../../emulator/sqlError';

const one = (sql: string): Statement => {
  const { statements } = parseBatch(sql);
  expect(statements).toHaveLength(1);
  return statements[0];
};

const refusal = (sql: string): SqlError => {
  try {
    parseBatch(sql);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`expected a syntax error for: ${sql}`);
};

describe('DML trees', () => {
  it('UPDATE: target, SET list (compound, DEFAULT, qualified), WHERE, TOP, hints, OPTION', () => {
    expect(one("UPDATE TOP (10) PERCENT [Sales].[dbo].[Customers] WITH (ROWLOCK, UPDLOCK) SET Email = CONCAT('u', CustomerId), c.Visits += 1, Notes = DEFAULT WHERE Id > 5 OPTION (MAXDOP 1)")).toMatchObject({
      kind: 'update',
      table: { database: 'Sales', schema: 'dbo', name: 'Customers' },
      top: { count: { kind: 'literal', value: 10 }, percent: true },
      hints: ['ROWLOCK', 'UPDLOCK'],
      assignments: [
        { column: 'Email', op: '=', value: { kind: 'call', name: 'CONCAT' } },
        { column: 'Visits', qualifier: 'c', op: '+=', value: { kind: 'literal', value: 1 } },
        { column: 'Notes', op: '=' },
      ],
      where: { kind: 'binary', op: '>' },
      options: ['MAXDOP 1'],
    });
    const update = one('UPDATE t SET a = DEFAULT');
    expect(update.kind === 'update' && update.assignments[0].value).toBeUndefined();
  });

  it('DELETE with and without FROM, TRUNCATE TABLE, and the target as a table variable', () => {
    expect(one('DELETE FROM audit.Events WHERE 1 = 0')).toMatchObject({ kind: 'delete', table: { schema: 'audit', name: 'Events' }, where: { kind: 'binary' } });
    expect(one('DELETE TOP (5) dbo.Orders')).toMatchObject({ kind: 'delete', table: { schema: 'dbo', name: 'Orders' }, top: { percent: false } });
    expect(one('DELETE FROM @t')).toMatchObject({ kind: 'delete', table: { name: '@t' } });
    expect(one('TRUNCATE TABLE Sales..Orders')).toEqual({ kind: 'truncate', table: { database: 'Sales', name: 'Orders' } });
  });

  it('INSERT into a user table: column list, VALUES rows, SELECT, EXEC, DEFAULT VALUES, TOP, a CTE', () => {
    expect(one("INSERT INTO dbo.Staging (Code, Label) VALUES ('a', DEFAULT), ('b', N'x')")).toMatchObject({
      kind: 'insertTable',
      table: { schema: 'dbo', name: 'Staging' },
      columns: ['Code', 'Label'],
      source: { kind: 'values', defaults: [[false, true], [false, false]] },
    });
    expect(one('INSERT Staging SELECT 1')).toMatchObject({ kind: 'insertTable', table: { name: 'Staging' }, source: { kind: 'select' } });
    expect(one("INSERT INTO Staging EXEC ('SELECT 1')")).toMatchObject({ kind: 'insertTable', source: { kind: 'exec' } });
    expect(one('INSERT INTO Staging DEFAULT VALUES')).toMatchObject({ kind: 'insertTable', columns: [], source: { kind: 'values', rows: [[]] } });
    expect(one('INSERT TOP (2) INTO Staging SELECT 1')).toMatchObject({ kind: 'insertTable', top: { count: { value: 2 } } });
    expect(one('WITH x AS (SELECT 1 AS a) INSERT INTO Staging (Code) SELECT a FROM x')).toMatchObject({
      kind: 'insertTable',
      source: { kind: 'select', query: { with: [{ name: 'x' }] } },
    });
    // the table variable INSERT keeps its own tree
    expect(one('INSERT @t VALUES (1)')).toMatchObject({ kind: 'insert', target: '@t' });
  });
});

describe('where DML without ; ends', () => {
  it.each([
    ["UPDATE t SET a = 1\nUPDATE u SET b = 2 WHERE c = 'x'\nPRINT 1", ['update', 'update', 'print']],
    ['DELETE t WHERE a IN (SELECT 1)\nSELECT 2', ['delete', 'select']],
    ['TRUNCATE TABLE t\nINSERT t VALUES (1)\nDELETE FROM t', ['truncate', 'insertTable', 'delete']],
    ['INSERT INTO t SELECT a FROM u WHERE b = 1\nUPDATE t SET a = 2', ['insertTable', 'update']],
  ])('%s', (sql, kinds) => {
    expect(parseBatch(sql).statements.map((s) => s.kind)).toEqual(kinds);
  });
});

describe('DML forms refused by name (40517 when they run)', () => {
  it.each([
    ['UPDATE t SET a = 1 FROM t JOIN u ON u.id = t.id\nSELECT 1', 'UPDATE ... FROM'],
    ['DELETE t FROM t JOIN u ON u.id = t.id WHERE u.x = 1\nSELECT 1', 'DELETE ... FROM'],
    ['UPDATE t SET a = 1 OUTPUT inserted.a\nSELECT 1', 'OUTPUT'],
    ['DELETE FROM t OUTPUT deleted.a\nSELECT 1', 'OUTPUT'],
    ['INSERT INTO t (a) OUTPUT inserted.a VALUES (1)\nPRINT 1', 'OUTPUT'],
    ['UPDATE t SET @v = a = a + 1\nSELECT 1', 'UPDATE ... SET @variable'],
    ['UPDATE t SET doc.WRITE(N\'x\', 0, 1)\nSELECT 1', '.WRITE'],
    ['UPDATE t SET a = 1 WHERE CURRENT OF c\nSELECT 1', 'WHERE CURRENT OF'],
    ['UPDATE STATISTICS dbo.t WITH FULLSCAN\nSELECT 1', 'UPDATE STATISTICS'],
    ['TRUNCATE TABLE t WITH (PARTITIONS (1))\nSELECT 1', 'TRUNCATE TABLE ... WITH (PARTITIONS)'],
    // a refused INSERT may contain SELECT / EXEC, so only another statement ends it without `;`
    ['INSERT TOP (1) INTO @t SELECT 1\nPRINT 1', 'INSERT TOP'],
  ])('%s', (sql, keyword) => {
    const statements = parseBatch(sql).statements;
    expect(statements[0]).toMatchObject({ kind: 'unsupported', keyword });
    expect(statements.slice(1).map((s) => s.kind)).toEqual([sql.endsWith('PRINT 1') ? 'print' : 'select']);
  });

  it('syntax errors name the token, as SQL Server does', () => {
    expect(refusal('UPDATE TOP 5 t SET a = 1')).toMatchObject({ number: 102, message: "Incorrect syntax near '5'." });
    expect(refusal('TRUNCATE TABLE @t')).toMatchObject({ number: 102, message: "Incorrect syntax near '@t'." });
    expect(refusal('UPDATE t WHERE a = 1')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'WHERE'." });
    expect(refusal('UPDATE t SET a')).toMatchObject({ number: 102 });
    expect(refusal('DELETE FROM')).toMatchObject({ number: 156 });
  });
});
