import type { SelectStatement } from '../../../../emulator/sql/ast';
import { errorLineNumber, parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';

function select(sql: string): SelectStatement {
  const { statements } = parseBatch(sql);
  expect(statements).toHaveLength(1);
  const s = statements[0];
  if (s.kind !== 'select') throw new Error(`not a select: ${s.kind}`);
  return s;
}

function syntaxError(sql: string): { number: number; state: number; severity: number; message: string; line?: number } {
  try {
    parseBatch(sql);
  } catch (e) {
    if (e instanceof SqlError) return { number: e.number, state: e.state, severity: e.severity, message: e.message, line: errorLineNumber(e) };
    throw e;
  }
  throw new Error(`expected a syntax error for: ${sql}`);
}

const col = (name: string, table?: string) => (table === undefined ? { kind: 'column', name } : { kind: 'column', table, name });
const int = (value: number) => ({ kind: 'literal', value, sqlType: 'int' });

describe('SELECT parsing', () => {
  it('parses the select list: *, t.*, aliases with AS, = and strings, and assignments', () => {
    const s = select("SELECT *, d.*, name AS n, x = 1, 2 'two', 3 AS [three], 4 four FROM sys.databases d");
    expect(s.items).toEqual([
      { expr: { kind: 'star' } },
      { expr: { kind: 'star', table: 'd' } },
      { expr: col('name'), alias: 'n' },
      { expr: int(1), alias: 'x' },
      { expr: int(2), alias: 'two' },
      { expr: int(3), alias: 'three' },
      { expr: int(4), alias: 'four' },
    ]);
    expect(select('SELECT @v = name, @w = 2 FROM t').items).toEqual([
      { expr: col('name'), assignTo: '@v' },
      { expr: int(2), assignTo: '@w' },
    ]);
  });

  it('parses DISTINCT, TOP n, TOP (expr) and TOP n PERCENT', () => {
    expect(select('SELECT DISTINCT TOP 5 a FROM t')).toMatchObject({ distinct: true, top: { count: int(5), percent: false } });
    expect(select('SELECT TOP (@n + 1) a FROM t').top).toEqual({
      count: { kind: 'binary', op: '+', left: { kind: 'variable', name: '@n' }, right: int(1) },
      percent: false,
    });
    expect(select('SELECT TOP 10 PERCENT * FROM t').top).toEqual({ count: int(10), percent: true });
  });

  it('parses multi-part names, db..object, table aliases and hints', () => {
    expect(select('SELECT 1 FROM srv.master.sys.databases AS d WITH (NOLOCK, READUNCOMMITTED)').from).toEqual({
      kind: 'table',
      name: { server: 'srv', database: 'master', schema: 'sys', name: 'databases' },
      alias: 'd',
      hints: ['NOLOCK', 'READUNCOMMITTED'],
    });
    expect(select('SELECT 1 FROM msdb..backupset b').from).toEqual({ kind: 'table', name: { database: 'msdb', name: 'backupset' }, alias: 'b' });
    expect(select('SELECT [sys].[databases].[name] FROM [sys].[databases]').items[0].expr).toEqual(col('name', 'databases'));
  });

  it('parses every join kind, comma joins and derived tables', () => {
    const s = select(
      'SELECT 1 FROM a INNER JOIN b ON a.id = b.id LEFT OUTER JOIN c ON c.id = b.id RIGHT JOIN d ON 1 = 1 FULL JOIN e ON 1 = 1 CROSS JOIN f CROSS APPLY h OUTER APPLY i, (SELECT 1 AS x) AS g',
    );
    const kinds: string[] = [];
    let from = s.from;
    while (from && from.kind === 'join') {
      kinds.unshift(from.type);
      from = from.left;
    }
    expect(kinds).toEqual(['INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'CROSS APPLY', 'OUTER APPLY', 'CROSS']);
    expect(s.from).toMatchObject({ right: { kind: 'derived', alias: 'g' } });
    expect(select('SELECT x FROM (SELECT 1 AS x) d').from).toMatchObject({ kind: 'derived', alias: 'd', query: { kind: 'select' } });
  });

  it('parses WHERE predicates, GROUP BY, HAVING and ORDER BY by expression, alias and ordinal', () => {
    const s = select(
      "SELECT state_desc, COUNT(*) AS c FROM sys.databases WHERE name NOT LIKE 'm%' ESCAPE '!' AND database_id NOT IN (1, 2) AND database_id BETWEEN 1 AND 10 AND x IS NOT NULL GROUP BY state_desc HAVING COUNT(*) > 1 ORDER BY c DESC, 1, LEN(state_desc) ASC",
    );
    expect(s.where).toMatchObject({
      kind: 'binary',
      op: 'AND',
      right: { kind: 'isNull', not: true },
      left: { right: { kind: 'between', not: false }, left: { right: { kind: 'in', not: true, list: [int(1), int(2)] }, left: { kind: 'like', not: true } } },
    });
    expect(s.groupBy).toEqual([col('state_desc')]);
    expect(s.having).toMatchObject({ kind: 'binary', op: '>', left: { kind: 'call', name: 'COUNT', args: [{ kind: 'star' }] } });
    expect(s.orderBy).toEqual([
      { expr: col('c'), descending: true },
      { expr: int(1), descending: false },
      { expr: { kind: 'call', name: 'LEN', args: [col('state_desc')] }, descending: false },
    ]);
  });

  it('parses EXCEPT and INTERSECT links', () => {
    expect(select('SELECT 1 EXCEPT SELECT 2 INTERSECT SELECT 3').union).toMatchObject({ op: 'EXCEPT', all: false, query: { union: { op: 'INTERSECT' } } });
  });

  it('parses UNION / UNION ALL chains with a final ORDER BY on the head', () => {
    const s = select('SELECT 1 AS a UNION SELECT 2 UNION ALL SELECT 3 ORDER BY a');
    expect(s.union).toMatchObject({ all: false, query: { items: [{ expr: int(2) }], union: { all: true, query: { items: [{ expr: int(3) }] } } } });
    expect(s.orderBy).toEqual([{ expr: col('a'), descending: false }]);
  });

  it('parses expressions: precedence, unary minus, CASE, CAST/CONVERT, subqueries, COUNT(DISTINCT), literals', () => {
    const [a, b, c, d, e, f, g] = select(
      "SELECT 1 + 2 * 3, -x, CASE WHEN a = 1 THEN 'x' ELSE 'y' END, CASE a WHEN 1 THEN 2 END, CONVERT(varchar(20), GETDATE(), 126), (SELECT MAX(n) FROM t), COUNT(DISTINCT a)",
    ).items.map((i) => i.expr);
    expect(a).toEqual({ kind: 'binary', op: '+', left: int(1), right: { kind: 'binary', op: '*', left: int(2), right: int(3) } });
    expect(b).toEqual({ kind: 'unary', op: '-', operand: col('x') });
    expect(c).toMatchObject({ kind: 'case', whens: [{ when: { kind: 'binary', op: '=' } }], else: { value: 'y' } });
    expect(d).toMatchObject({ kind: 'case', operand: col('a'), whens: [{ when: int(1), then: int(2) }] });
    expect(e).toEqual({
      kind: 'cast',
      syntax: 'CONVERT',
      to: { type: 'varchar', written: 'VARCHAR', length: 20 },
      operand: { kind: 'call', name: 'GETDATE', args: [] },
      style: int(126),
    });
    expect(f).toMatchObject({ kind: 'subquery', query: { kind: 'select' } });
    expect(g).toEqual({ kind: 'call', name: 'COUNT', args: [col('a')], distinct: true });
    expect(select("SELECT 2147483648, 1.50, 1e2, 0xFF, N'n', NULL, CURRENT_TIMESTAMP").items.map((i) => i.expr)).toEqual([
      { kind: 'literal', value: '2147483648', sqlType: 'decimal' },
      { kind: 'literal', value: '1.50', sqlType: 'decimal' },
      { kind: 'literal', value: 100, sqlType: 'float' },
      { kind: 'literal', value: Buffer.from([255]), sqlType: 'varbinary' },
      { kind: 'literal', value: 'n', unicode: true, sqlType: 'nvarchar' },
      { kind: 'literal', value: null },
      { kind: 'call', name: 'CURRENT_TIMESTAMP', args: [] },
    ]);
  });

  it('tells a parenthesised predicate from a parenthesised value', () => {
    expect(select('SELECT 1 WHERE (a + 1) * 2 > 3').where).toMatchObject({ kind: 'binary', op: '>', left: { op: '*' } });
    expect(select('SELECT 1 WHERE (a = 1 OR b = 2) AND (SELECT COUNT(*) FROM t) > 0').where).toMatchObject({
      op: 'AND',
      left: { op: 'OR' },
      right: { op: '>', left: { kind: 'subquery' } },
    });
  });

  it('keeps hostile names and strings intact (injection safety)', () => {
    const s = select("SELECT [x']]; DROP DATABASE [y] AS [a]]b], N'x'']; DROP DATABASE [y' AS c FROM [db;--].[dbo].[t]");
    expect(s.items).toEqual([
      { expr: col("x']; DROP DATABASE [y"), alias: 'a]b' },
      { expr: { kind: 'literal', value: "x']; DROP DATABASE [y", unicode: true, sqlType: 'nvarchar' }, alias: 'c' },
    ]);
    expect(s.from).toEqual({ kind: 'table', name: { database: 'db;--', schema: 'dbo', name: 't' } });
    expect(parseBatch("SELECT 'a--b', '/*' -- real comment ;\n, 2").statements).toHaveLength(1);
  });
});

describe('syntax errors', () => {
  it('words 102 for tokens and 156 for reserved keywords, with state 1, severity 15', () => {
    expect(syntaxError('SELECT * FROM')).toEqual({ number: 156, state: 1, severity: 15, message: "Incorrect syntax near the keyword 'FROM'.", line: 1 });
    expect(syntaxError('SELECT 1 +')).toMatchObject({ number: 102, message: "Incorrect syntax near '+'." });
    expect(syntaxError('SELECT a b c')).toMatchObject({ number: 102, message: "Incorrect syntax near 'c'." });
    expect(syntaxError("SELECT 'a' 'b' 'c'")).toMatchObject({ number: 102, message: "Incorrect syntax near 'c'." });
    expect(syntaxError('select name from')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'from'." });
  });

  it('reports the line of the offending token', () => {
    expect(syntaxError('SELECT 1\nSELECT 2\n\nSELECT name FROM sys.databases WHERE')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'WHERE'.", line: 4 });
    expect(syntaxError('SELECT 1,\n  2,\n  3 4 5')).toMatchObject({ line: 3 });
  });

  it('names the token of SELECT features the emulator does not evaluate', () => {
    expect(syntaxError('SELECT ROW_NUMBER() OVER (ORDER BY name) FROM sys.databases')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'OVER'." });
    expect(syntaxError('SELECT name INTO #t FROM sys.databases')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'INTO'." });
    expect(syntaxError('SELECT name FROM sys.databases FOR JSON PATH')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'FOR'." });
    expect(syntaxError('SELECT 1 EXCEPT ALL SELECT 2')).toMatchObject({ number: 156, message: "Incorrect syntax near the keyword 'ALL'." });
  });

  it('names the furthest token when a parenthesised condition is broken', () => {
    expect(syntaxError('IF (1 = ) PRINT 1')).toMatchObject({ number: 102, message: "Incorrect syntax near ')'." });
    expect(syntaxError('SELECT 1 WHERE (a + ) > 1')).toMatchObject({ number: 102, message: "Incorrect syntax near ')'." });
  });

  it('refuses comparisons in value positions (SELECT 1 = 1)', () => {
    expect(syntaxError('SELECT 1 = 1')).toMatchObject({ number: 102, message: "Incorrect syntax near '='." });
  });

  it('refuses an IF without a statement and unbalanced parentheses', () => {
    expect(syntaxError('IF 1 = 1')).toMatchObject({ number: 102, message: "Incorrect syntax near '1'." });
    expect(syntaxError('SELECT (1 + 2')).toMatchObject({ number: 102, message: "Incorrect syntax near '2'." });
  });
});

describe('common table expressions and OFFSET / FETCH', () => {
  it('parses WITH a (x) AS (...), b AS (...) SELECT', () => {
    const s = select(';WITH a (x) AS (SELECT 1), b AS (SELECT x FROM a) SELECT x FROM b');
    expect(s.with?.map((c) => [c.name, c.columns])).toEqual([
      ['a', ['x']],
      ['b', undefined],
    ]);
    expect(s.from).toEqual({ kind: 'table', name: { name: 'b' } });
  });

  it('parses ORDER BY ... OFFSET n ROWS FETCH NEXT m ROWS ONLY', () => {
    expect(select('SELECT name FROM t ORDER BY name OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY').offset).toEqual({ skip: int(2), fetch: int(3) });
    expect(select('SELECT name FROM t ORDER BY name OFFSET 1 ROW').offset).toEqual({ skip: int(1) });
  });
});
