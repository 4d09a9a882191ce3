import type { SelectStatement } from '../../../../emulator/sql/ast';
import { executeSelect, type SelectResult } from '../../../../emulator/sql/evaluate';
import { parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';
import type { SqlValue } from '../../../../emulator/tds/types';
import { declare, fakeContext, INT_REF, SYSNAME_REF, type FakeContext } from './fakeContext';

function run(sql: string, ctx: FakeContext = fakeContext()): SelectResult {
  const stmt = parseBatch(sql).statements[0];
  if (stmt.kind !== 'select') throw new Error('not a select');
  return executeSelect(stmt as SelectStatement, ctx);
}

const rows = (sql: string, ctx?: FakeContext): SqlValue[][] => run(sql, ctx).resultSet?.rows ?? [];
const column = (sql: string, ctx?: FakeContext): SqlValue[] => rows(sql, ctx).map((r) => r[0]);

function failure(sql: string, ctx: FakeContext = fakeContext()): { number: number; state: number; severity: number; message: string } {
  try {
    run(sql, ctx);
  } catch (e) {
    if (e instanceof SqlError) return { number: e.number, state: e.state, severity: e.severity, message: e.message };
    throw e;
  }
  throw new Error(`expected an error from: ${sql}`);
}

describe('executeSelect: projections and result columns', () => {
  it('returns the table columns for * with their types', () => {
    const r = run('SELECT * FROM sys.databases WHERE database_id = 5');
    expect(r.rowCount).toBe(1);
    expect(r.resultSet?.columns.map((c) => [c.name, c.type, c.length])).toEqual([
      ['name', 'nvarchar', 128],
      ['database_id', 'int', undefined],
      ['state_desc', 'nvarchar', 60],
      ['recovery_model_desc', 'nvarchar', 60],
      ['create_date', 'datetime', undefined],
      ['compatibility_level', 'int', undefined],
      ['is_read_only', 'bit', undefined],
    ]);
    expect(r.resultSet?.rows[0].slice(0, 4)).toEqual(['SalesDb', 5, 'ONLINE', 'FULL']);
  });

  it('names columns by alias, by column name as written, and leaves expressions unnamed', () => {
    const r = run("SELECT NAME, database_id AS id, n2 = database_id * 2, 'lit' 'l', database_id + 0, COUNT(*) OVER_NOT_USED FROM sys.databases GROUP BY NAME, database_id");
    expect(r.resultSet?.columns.map((c) => c.name)).toEqual(['NAME', 'id', 'n2', 'l', '', 'OVER_NOT_USED']);
  });

  it('types literal and function columns like SQL Server', () => {
    const r = run("SELECT 1, 'ab', N'abc', 1.50, 1e0, GETUTCDATE(), SYSUTCDATETIME(), SYSDATETIMEOFFSET(), DB_ID(), SERVERPROPERTY('Edition'), COUNT(*), NEWID(), CAST(1 AS bigint)");
    expect(r.resultSet?.columns.map((c) => ({ type: c.type, length: c.length, precision: c.precision, scale: c.scale }))).toEqual([
      { type: 'int', length: undefined, precision: undefined, scale: undefined },
      { type: 'varchar', length: 2, precision: undefined, scale: undefined },
      { type: 'nvarchar', length: 3, precision: undefined, scale: undefined },
      { type: 'decimal', length: undefined, precision: 3, scale: 2 },
      { type: 'float', length: undefined, precision: undefined, scale: undefined },
      { type: 'datetime', length: undefined, precision: undefined, scale: undefined },
      { type: 'datetime2', length: undefined, precision: undefined, scale: 7 },
      { type: 'datetimeoffset', length: undefined, precision: undefined, scale: 7 },
      { type: 'int', length: undefined, precision: undefined, scale: undefined },
      { type: 'nvarchar', length: 4000, precision: undefined, scale: undefined },
      { type: 'int', length: undefined, precision: undefined, scale: undefined },
      { type: 'uniqueidentifier', length: undefined, precision: undefined, scale: undefined },
      { type: 'bigint', length: undefined, precision: undefined, scale: undefined },
    ]);
  });

  it('types columns of an empty result from the tables, without reading rows', () => {
    const ctx = fakeContext();
    const r = run('SELECT name, is_distributed FROM sys.availability_groups WHERE is_distributed = 1', ctx);
    expect(r.rowCount).toBe(0);
    expect(r.resultSet?.columns.map((c) => [c.name, c.type])).toEqual([
      ['name', 'nvarchar'],
      ['is_distributed', 'bit'],
    ]);
  });

  it('selects t.* for one table of a join', () => {
    const r = run('SELECT f.*, d.name FROM sys.databases d JOIN sys.master_files f ON f.database_id = d.database_id WHERE d.database_id = 6 ORDER BY f.file_id');
    expect(r.resultSet?.columns.map((c) => c.name)).toEqual(['database_id', 'file_id', 'type_desc', 'name', 'physical_name', 'size', 'name']);
    expect(r.resultSet?.rows.map((row) => row[3])).toEqual(['HR', 'HR_log']);
  });
});

describe('executeSelect: WHERE, JOIN, GROUP BY, ORDER BY, TOP, UNION', () => {
  it('filters with WHERE and string comparison that ignores case and trailing spaces', () => {
    expect(column("SELECT database_id FROM sys.databases WHERE name = 'SALESDB  '")).toEqual([5]);
    expect(column("SELECT name FROM sys.databases WHERE name LIKE 'M%' AND state_desc <> 'OFFLINE' ORDER BY name")).toEqual(['master', 'model', 'msdb']);
  });

  it('joins INNER, LEFT, RIGHT, FULL and CROSS', () => {
    expect(rows('SELECT d.name, f.name FROM sys.databases d INNER JOIN sys.master_files f ON f.database_id = d.database_id AND f.type_desc = \'LOG\' ORDER BY d.database_id')).toEqual([
      ['master', 'mastlog'],
      ['SalesDb', 'SalesDb_log'],
      ['HR', 'HR_log'],
    ]);
    expect(rows("SELECT d.name, f.file_id FROM sys.databases d LEFT JOIN sys.master_files f ON f.database_id = d.database_id AND f.type_desc = 'LOG' WHERE d.database_id <= 3 ORDER BY d.database_id")).toEqual([
      ['master', 2],
      ['tempdb', null],
      ['model', null],
    ]);
    expect(rows('SELECT d.name, f.name FROM (SELECT * FROM sys.databases WHERE database_id = 5) d RIGHT JOIN sys.master_files f ON f.database_id = d.database_id WHERE f.file_id = 1 ORDER BY f.name')).toEqual([
      [null, 'HR'],
      [null, 'master'],
      ['SalesDb', 'SalesDb'],
    ]);
    expect(rows('SELECT a.n, b.database_id FROM dbo.nums a FULL JOIN (SELECT database_id FROM sys.databases WHERE database_id IN (3, 6)) b ON a.n = b.database_id ORDER BY a.n, b.database_id')).toEqual([
      [null, null],
      [null, 6],
      [1, null],
      [2, null],
      [3, 3],
    ]);
    expect(column('SELECT COUNT(*) FROM sys.databases CROSS JOIN dbo.nums')).toEqual([24]);
    expect(column('SELECT COUNT(*) FROM sys.databases, dbo.nums WHERE nums.n = databases.database_id')).toEqual([3]);
  });

  it('runs CROSS APPLY and OUTER APPLY with a correlated derived table', () => {
    expect(
      rows(
        "SELECT d.name, x.c FROM sys.databases d OUTER APPLY (SELECT COUNT(*) AS c FROM sys.master_files f WHERE f.database_id = d.database_id HAVING COUNT(*) > 0) x WHERE d.database_id IN (1, 2) ORDER BY d.database_id",
      ),
    ).toEqual([
      ['master', 2],
      ['tempdb', null],
    ]);
  });

  it('groups with GROUP BY and HAVING and aggregates the whole input without GROUP BY', () => {
    expect(rows("SELECT recovery_model_desc, COUNT(*) AS c, MIN(database_id), MAX(name) FROM sys.databases GROUP BY recovery_model_desc HAVING COUNT(*) > 1 ORDER BY c DESC")).toEqual([
      ['SIMPLE', 4, 1, 'tempdb'],
      ['FULL', 2, 3, 'SalesDb'],
    ]);
    expect(rows('SELECT COUNT(*), COUNT(n), COUNT(DISTINCT s), SUM(n), AVG(n), SUM(d), AVG(d), MIN(f), MAX(f) FROM dbo.nums')).toEqual([
      [4, 3, 3, 6, 2, '13.75', '4.583333', 0.5, 2],
    ]);
    expect(rows('SELECT COUNT(*), SUM(n), MAX(name) FROM sys.availability_groups, dbo.nums')).toEqual([[0, null, null]]);
    expect(rows('SELECT COUNT(*) FROM sys.availability_groups GROUP BY name')).toEqual([]);
  });

  it('groups strings case-insensitively and groups NULLs together', () => {
    expect(rows("SELECT UPPER(x), COUNT(*) FROM (SELECT 'a' AS x UNION ALL SELECT 'A' UNION ALL SELECT NULL UNION ALL SELECT NULL) t GROUP BY UPPER(x) ORDER BY 1")).toEqual([
      [null, 2],
      ['A', 2],
    ]);
  });

  it('orders by alias, ordinal, expressions not selected, several keys and NULLs first', () => {
    expect(column('SELECT name AS n FROM sys.databases ORDER BY n DESC')).toEqual(['tempdb', 'SalesDb', 'msdb', 'model', 'master', 'HR']);
    expect(column('SELECT name FROM sys.databases ORDER BY compatibility_level, 1')).toEqual(['SalesDb', 'HR', 'master', 'model', 'msdb', 'tempdb']);
    expect(column('SELECT n FROM dbo.nums ORDER BY n')).toEqual([null, 1, 2, 3]);
    expect(column('SELECT s FROM dbo.nums ORDER BY LEN(s) DESC, s')).toEqual(['three', 'one', 'two', null]);
  });

  it('applies TOP, TOP (expr) and TOP PERCENT after ORDER BY', () => {
    const ctx = fakeContext();
    declare(ctx, '@n', INT_REF, 2);
    expect(column('SELECT TOP 2 name FROM sys.databases ORDER BY database_id DESC')).toEqual(['HR', 'SalesDb']);
    expect(column('SELECT TOP (@n + 1) database_id FROM sys.databases ORDER BY database_id', ctx)).toEqual([1, 2, 3]);
    expect(column('SELECT TOP 50 PERCENT database_id FROM sys.databases ORDER BY database_id')).toEqual([1, 2, 3]);
    expect(column('SELECT TOP 0 name FROM sys.databases')).toEqual([]);
  });

  it('removes duplicates with DISTINCT', () => {
    expect(column('SELECT DISTINCT recovery_model_desc FROM sys.databases ORDER BY recovery_model_desc')).toEqual(['FULL', 'SIMPLE']);
  });

  it('combines UNION (distinct) and UNION ALL, typed over all parts', () => {
    const r = run("SELECT 1 AS x UNION SELECT 1 UNION ALL SELECT 2.5 UNION ALL SELECT 2.5 ORDER BY x DESC");
    expect(r.resultSet?.rows).toEqual([['2.5'], ['2.5'], ['1.0']]);
    expect(r.resultSet?.columns[0]).toMatchObject({ name: 'x', type: 'decimal', precision: 11, scale: 1 });
    expect(column("SELECT name FROM sys.databases WHERE database_id = 1 UNION SELECT 'MASTER'")).toHaveLength(1);
  });

  it('evaluates scalar, IN and EXISTS subqueries, correlated ones too', () => {
    expect(column('SELECT (SELECT COUNT(*) FROM sys.master_files f WHERE f.database_id = d.database_id) FROM sys.databases d ORDER BY d.database_id')).toEqual([2, 0, 0, 0, 3, 2]);
    expect(column("SELECT name FROM sys.databases WHERE database_id IN (SELECT database_id FROM sys.master_files WHERE physical_name LIKE '%.ndf') ")).toEqual(['SalesDb']);
    expect(column('SELECT name FROM sys.databases d WHERE NOT EXISTS (SELECT 1 FROM sys.master_files f WHERE f.database_id = d.database_id) ORDER BY 1')).toEqual(['model', 'msdb', 'tempdb']);
    expect(column('SELECT (SELECT name FROM sys.databases WHERE database_id = 99)')).toEqual([null]);
  });

  it('runs the link-health query shape of REFERENCE.md 4.3 on an empty DMV', () => {
    const ctx = fakeContext();
    declare(ctx, '@link_name', SYSNAME_REF, 'dag');
    const r = run(
      'SELECT ag.name AS link_name, ag.is_distributed FROM sys.availability_groups ag JOIN sys.databases d ON 1 = 1 WHERE ag.is_distributed = 1 AND ag.name = @link_name',
      ctx,
    );
    expect(r.rowCount).toBe(0);
    expect(r.resultSet?.columns.map((c) => c.name)).toEqual(['link_name', 'is_distributed']);
  });
});

describe('executeSelect: SELECT @v = ...', () => {
  it('assigns the last row and converts to the variable type', () => {
    const ctx = fakeContext();
    declare(ctx, '@name', SYSNAME_REF);
    declare(ctx, '@id', { type: 'varchar', written: 'VARCHAR', length: 10 });
    const r = run('SELECT @name = name, @id = database_id FROM sys.databases ORDER BY database_id', ctx);
    expect(r).toEqual({ assigned: 6, rowCount: 6 });
    expect(ctx.variables.get('@name')?.value).toBe('HR');
    expect(ctx.variables.get('@id')?.value).toBe('6');
  });

  it('keeps variables when no row qualifies', () => {
    const ctx = fakeContext();
    declare(ctx, '@name', SYSNAME_REF, 'before');
    expect(run('SELECT @name = name FROM sys.databases WHERE 1 = 0', ctx)).toEqual({ assigned: 0, rowCount: 0 });
    expect(ctx.variables.get('@name')?.value).toBe('before');
  });

  it('refuses mixing assignment and retrieval with 141', () => {
    const ctx = fakeContext();
    declare(ctx, '@v', INT_REF);
    expect(failure('SELECT @v = 1, 2', ctx)).toEqual({
      number: 141,
      state: 1,
      severity: 15,
      message: 'A SELECT statement that assigns a value to a variable must not be combined with data-retrieval operations.',
    });
  });
});

describe('executeSelect: errors with SQL Server numbers and texts', () => {
  it.each([
    ['SELECT nope FROM sys.databases', 207, 1, 16, "Invalid column name 'nope'."],
    ['SELECT 1 FROM sys.nope', 208, 1, 16, "Invalid object name 'sys.nope'."],
    ['SELECT 1 FROM master.sys.nope', 208, 1, 16, "Invalid object name 'master.sys.nope'."],
    ['SELECT name FROM sys.databases d JOIN sys.master_files f ON 1 = 1', 209, 1, 16, "Ambiguous column name 'name'."],
    ['SELECT x.name FROM sys.databases d', 4104, 1, 16, 'The multi-part identifier "x.name" could not be bound.'],
    ['SELECT @nope', 137, 2, 15, 'Must declare the scalar variable "@nope".'],
    ['SELECT @@NOPE', 137, 2, 15, 'Must declare the scalar variable "@@NOPE".'],
    ['SELECT name, COUNT(*) FROM sys.databases', 8120, 1, 16, "Column 'sys.databases.name' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."],
    ['SELECT d.name FROM sys.databases d GROUP BY d.state_desc', 8120, 1, 16, "Column 'd.name' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."],
    ['SELECT COUNT(*) FROM sys.databases HAVING name > 1', 8121, 1, 16, "Column 'sys.databases.name' is invalid in the HAVING clause because it is not contained in either an aggregate function or the GROUP BY clause."],
    ['SELECT name FROM sys.databases WHERE COUNT(*) > 1', 147, 1, 15, 'An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference.'],
    ['SELECT (SELECT name FROM sys.databases)', 512, 1, 16, 'Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used as an expression.'],
    ['SELECT (SELECT name, database_id FROM sys.databases)', 116, 1, 16, 'Only one expression can be specified in the select list when the subquery is not introduced with EXISTS.'],
    ['SELECT 1 UNION SELECT 1, 2', 205, 1, 16, 'All queries combined using a UNION, INTERSECT or EXCEPT operator must have an equal number of expressions in their target lists.'],
    ['SELECT *', 263, 1, 16, 'Must specify table to select from.'],
    ['SELECT name FROM sys.databases ORDER BY 2', 108, 1, 15, 'The ORDER BY position number 2 is out of range of the number of items in the select list.'],
    ['SELECT DISTINCT name FROM sys.databases ORDER BY database_id', 145, 1, 15, 'ORDER BY items must appear in the select list if SELECT DISTINCT is specified.'],
    ['SELECT name FROM sys.databases UNION SELECT name FROM sys.databases ORDER BY database_id', 104, 1, 16, 'ORDER BY items must appear in the select list if the statement contains a UNION, INTERSECT or EXCEPT operator.'],
    ['SELECT x FROM (SELECT 1) d', 8155, 2, 16, "No column name was specified for column 1 of 'd'."],
    ['SELECT q.* FROM sys.databases d', 107, 1, 15, "The column prefix 'q' does not match with a table name or alias name used in the query."],
    ['SELECT SUM(COUNT(*)) FROM sys.databases', 130, 1, 16, 'Cannot perform an aggregate function on an expression containing an aggregate or a subquery.'],
    ['SELECT MAX((SELECT 1)) FROM sys.databases', 130, 1, 16, 'Cannot perform an aggregate function on an expression containing an aggregate or a subquery.'],
  ])('%s -> %i', (sql, number, state, severity, message) => {
    expect(failure(sql)).toEqual({ number, state, severity, message });
  });

  it('raises name errors even when the table is empty', () => {
    expect(failure('SELECT nope FROM sys.availability_groups').number).toBe(207);
    expect(failure('SELECT name FROM sys.availability_groups WHERE nope = 1').number).toBe(207);
  });
});

describe('executeSelect: derived column lists and query hints', () => {
  it('names derived table columns from AS d (a, b) and ignores OPTION hints', () => {
    const r = run('SELECT d.a, d.b FROM (SELECT name, database_id FROM sys.databases) AS d (a, b) WHERE d.b = 1 OPTION (RECOMPILE, MAXDOP 1)');
    expect(r.resultSet?.rows).toEqual([['master', 1]]);
    expect(failure('SELECT 1 FROM (SELECT 1 AS x, 2 AS y) d (a)')).toMatchObject({ number: 8158 });
    const stmt = parseBatch('SELECT 1 OPTION (RECOMPILE)').statements[0];
    expect(stmt).toMatchObject({ kind: 'select', options: ['RECOMPILE'] });
  });
});

describe('executeSelect: table-valued functions', () => {
  it('calls the function once per outer row under CROSS APPLY', () => {
    expect(rows("SELECT r.session_id, t.text FROM sys.dm_exec_requests r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t WHERE r.command LIKE 'RESTORE%'")).toEqual([
      [61, 'RESTORE DATABASE [x] FROM URL = @u'],
    ]);
    expect(column('SELECT text FROM sys.dm_exec_sql_text(0x01)')).toEqual(['SELECT * FROM sys.dm_exec_requests']);
  });

  it('refuses unknown functions in FROM with 208', () => {
    expect(failure('SELECT * FROM sys.fn_nope(1)')).toMatchObject({ number: 208, message: "Invalid object name 'sys.fn_nope'." });
  });
});

describe('executeSelect: CTEs and OFFSET / FETCH', () => {
  it('reads common table expressions, chained and referenced twice', () => {
    const sql =
      'WITH files (db, n) AS (SELECT database_id, COUNT(*) FROM sys.master_files GROUP BY database_id), ' +
      'big AS (SELECT db FROM files WHERE n > 2) ' +
      'SELECT d.name, f.n FROM sys.databases d JOIN files f ON f.db = d.database_id WHERE d.database_id NOT IN (SELECT db FROM big) ORDER BY d.name';
    expect(rows(sql)).toEqual([
      ['HR', 2],
      ['master', 2],
    ]);
  });

  it('refuses recursive CTEs by name', () => {
    expect(failure('WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r')).toMatchObject({ number: 40517 });
  });

  it('pages with OFFSET / FETCH after ORDER BY', () => {
    expect(column('SELECT database_id FROM sys.databases ORDER BY database_id OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY')).toEqual([3, 4]);
    expect(column('SELECT database_id FROM sys.databases ORDER BY database_id DESC OFFSET 4 ROWS')).toEqual([2, 1]);
    expect(failure('SELECT TOP 1 name FROM sys.databases ORDER BY name OFFSET 1 ROWS')).toMatchObject({ number: 10741 });
    expect(failure('SELECT name FROM sys.databases ORDER BY name OFFSET -1 ROWS')).toMatchObject({ number: 10742 });
  });
});

describe('executeSelect: EXCEPT and INTERSECT', () => {
  it('removes and keeps rows, distinct, with INTERSECT before UNION / EXCEPT', () => {
    expect(column('SELECT database_id FROM sys.databases EXCEPT SELECT database_id FROM sys.master_files ORDER BY 1')).toEqual([2, 3, 4]);
    expect(column('SELECT database_id FROM sys.master_files INTERSECT SELECT database_id FROM sys.databases ORDER BY 1')).toEqual([1, 5, 6]);
    // 1 UNION (5 INTERSECT 6) = {1}; left-to-right would give {}
    expect(column('SELECT 1 UNION SELECT 5 INTERSECT SELECT 6')).toEqual([1]);
    expect(column('SELECT 1 UNION SELECT 2 EXCEPT SELECT 1')).toEqual([2]);
  });
});

describe('executeSelect: bit values from engines (0/1) and from the evaluator (true/false)', () => {
  it('compares and groups them alike', () => {
    const ctx = fakeContext({
      resolveTable: (name) =>
        name.name === 'flags'
          ? { columns: [{ name: 'f', type: 'bit' }], rows: () => [[1], [0], [1], [null]] }
          : undefined,
    });
    expect(rows('SELECT f, COUNT(*) FROM flags GROUP BY f ORDER BY f', ctx)).toEqual([
      [null, 1],
      [0, 1],
      [1, 2],
    ]);
    expect(rows('SELECT f FROM flags WHERE f = 1 UNION SELECT CAST(1 AS bit)', ctx)).toEqual([[1]]);
    expect(column("SELECT COUNT(*) FROM flags WHERE f = 'true'", ctx)).toEqual([2]);
  });
});

describe('executeSelect: VALUES tables', () => {
  it('reads a table value constructor typed over all its rows', () => {
    const r = run("SELECT v.id, v.label FROM (VALUES (1, 'a'), (2.5, NULL), (3, 'ccc')) AS v (id, label) WHERE v.id > 1 ORDER BY v.id");
    expect(r.resultSet?.rows).toEqual([
      ['2.5', null],
      ['3.0', 'ccc'],
    ]);
    expect(r.resultSet?.columns.map((c) => [c.type, c.precision, c.scale, c.length])).toEqual([
      ['decimal', 11, 1, undefined],
      ['varchar', undefined, undefined, 3],
    ]);
    expect(column('SELECT d.name FROM sys.databases d JOIN (VALUES (5), (6)) AS w (id) ON w.id = d.database_id ORDER BY 1')).toEqual(['HR', 'SalesDb']);
    expect(failure('SELECT 1 FROM (VALUES (1), (2, 3)) AS v (a)')).toMatchObject({ number: 10709 });
  });
});

describe('executeSelect: decimal scales across rows', () => {
  it('rescales decimals to the column scale in UNION, VALUES and CASE', () => {
    expect(column('SELECT 1.5 UNION ALL SELECT 2.25')).toEqual(['1.50', '2.25']);
    expect(column('SELECT x FROM (VALUES (1.5), (2.25)) AS v (x)')).toEqual(['1.50', '2.25']);
    expect(column('SELECT CASE WHEN n = 1 THEN 1.5 ELSE 2.25 END FROM dbo.nums WHERE n IN (1, 2) ORDER BY n')).toEqual(['1.50', '2.25']);
  });
});
