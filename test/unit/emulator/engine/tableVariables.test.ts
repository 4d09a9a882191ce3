// Table variables and INSERT ... VALUES / SELECT / EXEC through the engine with the real
// emulator/sql evaluator: capture of EXEC result sets, typed columns, conversions, the errors.
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import type { EngineSession, RequestOutput } from '../../../../emulator/tds/types';
import { connect, errors, firstRows, fixture, infos, resultSets, run } from './fixtures';

const done = (out: RequestOutput[]) => out.flatMap((o) => (o.type === 'statementDone' ? [o] : []));

describe('table variables', () => {
  const f = fixture(defaultServices());
  let s: EngineSession;

  beforeEach(async () => {
    s = await connect(f, f.sql);
  });

  afterEach(() => s.close());

  it('INSERT ... VALUES with several rows, then SELECT with an alias, typed as declared', async () => {
    const out = await run(
      s,
      `DECLARE @t TABLE (id int NOT NULL, name nvarchar(20), amount numeric(25,0), seen datetime);
       INSERT INTO @t VALUES (1, N'a', 12345678901234567890123, '2024-03-15 10:20:30'), (2, N'b', NULL, NULL);
       SELECT x.id, x.name, CAST(x.amount AS varchar(25)) AS amount, x.seen FROM @t AS x ORDER BY x.id DESC`,
    );
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { id: 2, name: 'b', amount: null, seen: null },
      { id: 1, name: 'a', amount: '12345678901234567890123', seen: new Date(Date.UTC(2024, 2, 15, 10, 20, 30)) },
    ]);
    expect(resultSets(out)[0].columns.map((c) => [c.name, c.type, c.length ?? null])).toEqual([
      ['id', 'int', null],
      ['name', 'nvarchar', 20],
      ['amount', 'varchar', 25],
      ['seen', 'datetime', null],
    ]);
    // the INSERT reports its rows (NOCOUNT is off)
    expect(done(out).map((d) => d.rowCount)).toEqual([2, 2]);
  });

  it('numeric(25,0) columns keep every digit: decimal stays exact through INSERT ... EXEC', async () => {
    const out = await run(
      s,
      `SET NOCOUNT ON;
       DECLARE @h TABLE (FirstLSN numeric(25,0), LastLSN numeric(25,0), BackupType smallint);
       INSERT INTO @h EXEC sp_executesql N'SELECT CAST(@a AS numeric(25,0)), CAST(''98000000123456700001'' AS numeric(25,0)), 1', N'@a nvarchar(30)', @a = N'37000000012345600037';
       SELECT CAST(FirstLSN AS varchar(25)) AS FirstLSN, CAST(LastLSN AS varchar(25)) AS LastLSN, BackupType FROM @h`,
    );
    expect(errors(out)).toEqual([]);
    // the EXEC's own result set is captured, not sent: only the final SELECT reaches the client
    expect(resultSets(out)).toHaveLength(1);
    expect(firstRows(out)).toEqual([{ FirstLSN: '37000000012345600037', LastLSN: '98000000123456700001', BackupType: 1 }]);
    expect(done(out).every((d) => d.rowCount === undefined)).toBe(true);
  });

  it('INSERT ... EXEC (dynamic SQL) captures every result set; messages still reach the client', async () => {
    const out = await run(
      s,
      `DECLARE @t TABLE (n int, label varchar(10));
       INSERT @t EXEC ('PRINT ''inside''; SELECT 1, ''one''; SELECT 2, ''two''');
       SELECT n, label FROM @t ORDER BY n`,
    );
    expect(errors(out)).toEqual([]);
    expect(infos(out).map((m) => m.message)).toEqual(['inside']);
    expect(resultSets(out)).toHaveLength(1);
    expect(firstRows(out)).toEqual([
      { n: 1, label: 'one' },
      { n: 2, label: 'two' },
    ]);
    expect(done(out).map((d) => d.rowCount).filter((n) => n !== undefined)).toEqual([2, 2]);
  });

  it('INSERT ... EXEC of a missing procedure fails as the EXEC does; one without result sets inserts nothing', async () => {
    const missing = await run(s, 'DECLARE @t TABLE (a int); INSERT INTO @t EXEC dbo.nope; SELECT COUNT(*) AS n FROM @t');
    expect(errors(missing).map((e) => e.number)).toEqual([2812]);
    expect(firstRows(missing)).toEqual([{ n: 0 }]);
    const quiet = await run(s, "DECLARE @t TABLE (a int); INSERT INTO @t EXEC ('PRINT 1'); SELECT COUNT(*) AS n FROM @t");
    expect(errors(quiet)).toEqual([]);
    expect(firstRows(quiet)).toEqual([{ n: 0 }]);
  });

  it('INSERT ... EXEC cannot be nested: 8164, and the outer INSERT inserts nothing', async () => {
    const out = await run(
      s,
      `DECLARE @t TABLE (a int);
       INSERT @t EXEC ('DECLARE @u TABLE (a int); INSERT @u EXEC (''SELECT 1''); SELECT a FROM @u');
       SELECT COUNT(*) AS n FROM @t;
       INSERT @t EXEC ('SELECT 2');
       SELECT a FROM @t`,
    );
    expect(errors(out)).toMatchObject([{ number: 8164, class: 16, message: 'An INSERT EXEC statement cannot be nested.' }]);
    const sets = resultSets(out);
    expect(sets.map((r) => r.rows)).toEqual([[[0]], [[2]]]);
  });

  it('INSERT ... SELECT from a catalog view, with a column list, joined back to the catalog', async () => {
    const out = await run(
      s,
      `DECLARE @d TABLE (db_name sysname, id int, note varchar(5) DEFAULT 'none', seq int IDENTITY(10, 5));
       INSERT INTO @d (id, db_name) SELECT database_id, name FROM sys.databases WHERE database_id > 4;
       SELECT d.seq, d.db_name, d.note, s.state_desc FROM @d d JOIN sys.databases s ON s.database_id = d.id ORDER BY d.seq`,
    );
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { seq: 10, db_name: 'Sales', note: 'none', state_desc: 'ONLINE' },
      { seq: 15, db_name: 'Archive', note: 'none', state_desc: 'ONLINE' },
    ]);
  });

  it('WITH cte ... INSERT INTO @t SELECT reads the CTE', async () => {
    const out = await run(s, `DECLARE @t TABLE (n int); WITH x (n) AS (SELECT database_id FROM sys.databases WHERE name = N'Sales') INSERT INTO @t SELECT n * 10 FROM x; SELECT n FROM @t`);
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([{ n: 50 }]);
  });

  it('mixes scalar and table variables in one DECLARE', async () => {
    const out = await run(s, `DECLARE @a int = 5, @t TABLE (x int), @b varchar(3) = 'abc'; INSERT @t VALUES (@a); SELECT x, @b AS b FROM @t`);
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([{ x: 5, b: 'abc' }]);
  });

  it('DEFAULT in a VALUES row takes the column default (or NULL)', async () => {
    const out = await run(s, `DECLARE @t TABLE (a int DEFAULT 42, b varchar(3)); INSERT @t (b, a) VALUES ('x', DEFAULT), (DEFAULT, 1); SELECT a, b FROM @t`);
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { a: 42, b: 'x' },
      { a: 1, b: null },
    ]);
  });

  it('@@IDENTITY and SCOPE_IDENTITY() after inserting into an IDENTITY column; SCOPE_IDENTITY() stays in its batch', async () => {
    const before = await run(s, 'SELECT @@IDENTITY AS i, SCOPE_IDENTITY() AS s');
    expect(firstRows(before)).toEqual([{ i: null, s: null }]);
    const out = await run(s, `DECLARE @t TABLE (id bigint IDENTITY(5, 5), v int); INSERT @t (v) VALUES (1), (2); SELECT @@IDENTITY AS i, SCOPE_IDENTITY() AS s, MAX(id) AS m FROM @t`);
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([{ i: '10', s: '10', m: 10 }]);
    const later = await run(s, 'SELECT @@IDENTITY AS i, SCOPE_IDENTITY() AS s');
    expect(firstRows(later)).toEqual([{ i: '10', s: null }]);
  });

  it('DEFAULT VALUES and NOT NULL', async () => {
    const out = await run(s, `DECLARE @t TABLE (id int IDENTITY, v int NOT NULL DEFAULT 7); INSERT @t DEFAULT VALUES; INSERT @t DEFAULT VALUES; SELECT id, v FROM @t`);
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { id: 1, v: 7 },
      { id: 2, v: 7 },
    ]);
  });

  it('column count mismatch: 213 (EXEC and no column list), 109/110 (VALUES with a list), 120/121 (SELECT with a list)', async () => {
    const cases: [string, number, number][] = [
      ["INSERT INTO @t EXEC ('SELECT 1')", 213, 16],
      ['INSERT INTO @t VALUES (1)', 213, 16],
      ['INSERT INTO @t SELECT 1, 2, 3', 213, 16],
      ['INSERT INTO @t (a, b) VALUES (1)', 109, 15],
      ['INSERT INTO @t (a) VALUES (1, 2)', 110, 15],
      ['INSERT INTO @t (a, b) SELECT 1', 120, 15],
      ['INSERT INTO @t (a) SELECT 1, 2', 121, 15],
    ];
    for (const [insert, number, severity] of cases) {
      const out = await run(s, `DECLARE @t TABLE (a int, b int); ${insert}; SELECT COUNT(*) AS n FROM @t`);
      expect(errors(out).map((e) => [e.number, e.class])).toEqual([[number, severity]]);
      if (number === 213) expect(errors(out)[0]).toMatchObject({ state: 1, message: 'Column name or number of supplied values does not match table definition.' });
      expect(firstRows(out)).toEqual([{ n: 0 }]);
    }
  });

  it('a conversion failure is the evaluator\'s CAST error and inserts nothing', async () => {
    const cast = await run(s, `SELECT CAST('abc' AS int)`);
    const out = await run(s, `DECLARE @t TABLE (a int); INSERT INTO @t EXEC ('SELECT ''1'' UNION ALL SELECT ''abc''')`);
    expect(errors(out).map((e) => [e.number, e.message])).toEqual(errors(cast).map((e) => [e.number, e.message]));
    expect(errors(out)[0].number).toBe(245);
  });

  it('NULL into NOT NULL: 515 then 3621, the batch goes on and nothing was inserted', async () => {
    const out = await run(s, `DECLARE @t TABLE (a int NOT NULL); INSERT @t VALUES (1), (NULL); SELECT COUNT(*) AS n FROM @t`);
    expect(errors(out)).toMatchObject([{ number: 515, state: 2, class: 16, message: "Cannot insert the value NULL into column 'a', table '@t'; column does not allow nulls. INSERT fails." }]);
    expect(infos(out).map((m) => m.number)).toEqual([3621]);
    expect(firstRows(out)).toEqual([{ n: 0 }]);
  });

  it('XACT_ABORT ON: a NOT NULL violation ends the batch, and @@ERROR shows it otherwise', async () => {
    const off = await run(s, `DECLARE @t TABLE (a int NOT NULL); INSERT @t VALUES (NULL); SELECT @@ERROR AS e`);
    expect(firstRows(off)).toEqual([{ e: 515 }]);
    const on = await run(s, `SET XACT_ABORT ON; DECLARE @t TABLE (a int NOT NULL); INSERT @t VALUES (NULL); SELECT 1 AS after`);
    expect(errors(on).map((e) => e.number)).toEqual([515]);
    expect(resultSets(on)).toEqual([]);
  });

  it('too long for the column: 2628 naming the column and the truncated value; trailing blanks are cut quietly', async () => {
    const out = await run(s, `DECLARE @t TABLE (code varchar(3)); INSERT @t VALUES ('ab  '); INSERT @t VALUES ('abcdef'); SELECT code FROM @t`);
    expect(errors(out)).toHaveLength(1);
    expect(errors(out)[0]).toMatchObject({ number: 2628, class: 16 });
    expect(errors(out)[0].message).toMatch(/^String or binary data would be truncated in table 'tempdb\.dbo\.#[0-9A-F]{8}', column 'code'\. Truncated value: 'abc'\.$/);
    expect(firstRows(out)).toEqual([{ code: 'ab ' }]);
  });

  it('PRIMARY KEY and UNIQUE: 2627 / 2601 (severity 14) then 3621, nothing of that INSERT stored', async () => {
    const out = await run(
      s,
      `DECLARE @t TABLE (id int PRIMARY KEY, code varchar(5) UNIQUE, n int, INDEX ix UNIQUE (n));
       INSERT @t VALUES (1, 'a', 10);
       INSERT @t VALUES (2, 'b', 20), (1, 'c', 30);
       INSERT @t VALUES (3, 'A ', 40);
       INSERT @t VALUES (4, 'd', 10);
       INSERT @t VALUES (5, NULL, NULL), (6, 'e', 60);
       SELECT id FROM @t ORDER BY id`,
    );
    const errs = errors(out);
    expect(errs.map((e) => [e.number, e.class, e.state])).toEqual([
      [2627, 14, 1],
      [2627, 14, 1],
      [2601, 14, 1],
    ]);
    expect(errs[0].message).toMatch(/^Violation of PRIMARY KEY constraint 'PK__#[0-9A-F]{7}__[0-9A-F]{8}'\. Cannot insert duplicate key in object 'dbo\.@t'\. The duplicate key value is \(1\)\.$/);
    // the default collation is case-insensitive and ignores trailing blanks
    expect(errs[1].message).toMatch(/^Violation of UNIQUE KEY constraint 'UQ__#.*'\. Cannot insert duplicate key in object 'dbo\.@t'\. The duplicate key value is \(A \)\.$/);
    expect(errs[2].message).toBe("Cannot insert duplicate key row in object 'dbo.@t' with unique index 'ix'. The duplicate key value is (10).");
    expect(infos(out).map((m) => m.number)).toEqual([3621, 3621, 3621]);
    expect(firstRows(out)).toEqual([{ id: 1 }, { id: 5 }, { id: 6 }]);
  });

  it('smallint and tinyint columns keep their ranges', async () => {
    const out = await run(s, `DECLARE @t TABLE (a tinyint); INSERT @t VALUES (256)`);
    expect(errors(out)).toMatchObject([{ number: 8115, message: 'Arithmetic overflow error converting expression to data type tinyint.' }]);
  });

  it('unknown, repeated and identity columns in the column list', async () => {
    const unknown = await run(s, `DECLARE @t TABLE (a int, id int IDENTITY); INSERT @t (nope) VALUES (1)`);
    expect(errors(unknown).map((e) => [e.number, e.message])).toEqual([[207, "Invalid column name 'nope'."]]);
    const twice = await run(s, `DECLARE @t TABLE (a int); INSERT @t (a, A) VALUES (1, 2)`);
    expect(errors(twice).map((e) => e.number)).toEqual([264]);
    const identity = await run(s, `DECLARE @t TABLE (a int, id int IDENTITY); INSERT @t (a, id) VALUES (1, 2)`);
    expect(errors(identity).map((e) => e.number)).toEqual([8101]);
  });

  it('134 for a second DECLARE of the name (table or scalar), 1087 for an undeclared table variable', async () => {
    const message134 = "The variable name '@t' has already been declared. Variable names must be unique within a query batch or stored procedure.";
    for (const sql of ['DECLARE @t TABLE (a int); DECLARE @t TABLE (b int)', 'DECLARE @t TABLE (a int); DECLARE @t int', 'DECLARE @t int; DECLARE @t TABLE (a int)']) {
      const out = await run(s, sql);
      expect(errors(out)).toMatchObject([{ number: 134, class: 15, message: message134 }]);
    }
    const select = await run(s, 'SELECT * FROM @nope');
    expect(errors(select)).toMatchObject([{ number: 1087, class: 15, message: 'Must declare the table variable "@nope".' }]);
    const insert = await run(s, 'INSERT INTO @nope VALUES (1)');
    expect(errors(insert)).toMatchObject([{ number: 1087, message: 'Must declare the table variable "@nope".' }]);
  });

  it('a table variable lives for its batch: not in the next batch, not inside EXEC (\'...\')', async () => {
    await run(s, 'DECLARE @t TABLE (a int); INSERT @t VALUES (1)');
    const next = await run(s, 'SELECT a FROM @t');
    expect(errors(next).map((e) => e.number)).toEqual([1087]);
    const nested = await run(s, "DECLARE @t TABLE (a int); EXEC ('SELECT a FROM @t')");
    expect(errors(nested).map((e) => e.number)).toEqual([1087]);
  });

  it('inside sp_executesql the table variable belongs to that call', async () => {
    const out: RequestOutput[] = [];
    const sql = 'DECLARE @t TABLE (v nvarchar(10)); INSERT @t VALUES (@p); INSERT @t SELECT UPPER(v) FROM @t; SELECT v FROM @t ORDER BY v';
    for await (const o of s.execute({ kind: 'executesql', sql, params: [{ name: '@p', type: 'nvarchar', value: 'abc', output: false }] }, new AbortController().signal)) out.push(o);
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([{ v: 'abc' }, { v: 'ABC' }]);
  });

  it('INSERT into anything but a table variable goes to a user table (208 when there is none)', async () => {
    const out = await run(s, 'INSERT INTO dbo.t VALUES (1)');
    expect(errors(out)).toHaveLength(1);
    expect(errors(out)[0]).toMatchObject({ number: 208, message: "Invalid object name 'dbo.t'." });
  });
});
