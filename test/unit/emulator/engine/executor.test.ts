import { connect, errors, firstRows, fixture, infos, messages, PASSWORD, resultSets, run } from './fixtures';

describe('login', () => {
  const f = fixture();

  it('accepts SQL logins and opens the requested database', async () => {
    const result = await f.endpoint(f.sql).login({ userName: 'SA', password: PASSWORD, database: 'sales', appName: 'a', hostName: 'h', serverName: 's' });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.database).toBe('Sales');
      expect(result.session.spid).toBeGreaterThanOrEqual(51);
      result.session.close();
    }
  });

  it('refuses a wrong password with 18456 class 14 and an unknown database with 4060', async () => {
    const bad = await f.endpoint(f.sql).login({ userName: 'sa', password: 'nope', database: '', appName: 'a', hostName: 'h', serverName: 's' });
    expect(bad).toEqual({ ok: false, error: expect.objectContaining({ number: 18456, class: 14, message: "Login failed for user 'sa'." }) });
    const nodb = await f.endpoint(f.sql).login({ userName: 'sa', password: PASSWORD, database: 'Nope', appName: 'a', hostName: 'h', serverName: 's' });
    expect(nodb).toEqual({ ok: false, error: expect.objectContaining({ number: 4060, message: 'Cannot open database "Nope" requested by the login. The login failed.' }) });
  });
});

describe('batches', () => {
  const f = fixture();

  it('answers @@VERSION, @@SPID, SERVERPROPERTY like SQL Server 2022 and a managed instance', async () => {
    const s = await connect(f, f.sql);
    const rows = firstRows(await run(s, "SELECT @@VERSION AS v, @@SPID AS spid, SERVERPROPERTY('ProductVersion') AS pv, CAST(SERVERPROPERTY('EngineEdition') AS int) AS ee"));
    expect(rows[0].v).toMatch(/^Microsoft SQL Server 2022 \(RTM-CU\d+\) .* - 16\.0\.\d+\.\d+ \(X64\)/);
    expect(rows[0]).toMatchObject({ spid: s.spid, ee: 3 });
    expect(rows[0].pv).toMatch(/^16\.0\./);
    const m = await connect(f, f.mi);
    const miRows = firstRows(await run(m, "SELECT @@VERSION AS v, CAST(SERVERPROPERTY('EngineEdition') AS int) AS ee, SERVERPROPERTY('Edition') AS ed"));
    expect(miRows[0]).toMatchObject({ ee: 8, ed: 'SQL Azure' });
    expect(miRows[0].v).toMatch(/^Microsoft SQL Azure \(RTM\) - 12\.0\.2000\.8/);
  });

  it('keeps variables per batch, PRINT is an INFO of class 0, @@ROWCOUNT follows statements', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "DECLARE @n int = 2; SET @n = @n + 3; PRINT 'n=' + CAST(@n AS nvarchar(10)); SELECT @n AS n, @@ROWCOUNT AS rc");
    expect(infos(out)).toEqual([{ number: 0, state: 1, class: 0, message: 'n=5' }]);
    expect(firstRows(out)).toEqual([{ n: 5, rc: 0 }]);
    const next = await run(s, 'SELECT @n');
    expect(errors(next)).toEqual([expect.objectContaining({ number: 137 })]);
  });

  it('an ordinary error ends the statement and the batch goes on; 208 ends the batch', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "DROP DATABASE Nope; PRINT 'after drop'; SELECT * FROM dbo.NoSuchTable; PRINT 'after select'");
    expect(messages(out).map((m) => m.number)).toEqual([3701, 0, 208]);
    expect(errors(out)[0]).toMatchObject({ class: 11, message: "Cannot drop the database 'Nope', because it does not exist or you do not have permission." });
    expect(out.filter((o) => o.type === 'statementDone' && o.error)).toHaveLength(2);
  });

  it('RAISERROR severity 16 continues the batch; THROW ends it; severity 10 is informational', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "RAISERROR('bad %s #%d', 16, 2, 'thing', 7); RAISERROR('fyi', 10, 1); SELECT @@ERROR AS e; THROW 50001, 'thrown', 3; PRINT 'never'");
    expect(messages(out)).toEqual([
      expect.objectContaining({ number: 50000, class: 16, state: 2, message: 'bad thing #7' }),
      expect.objectContaining({ number: 50000, class: 0, message: 'fyi' }),
      expect.objectContaining({ number: 50001, class: 16, state: 3, message: 'thrown' }),
    ]);
    expect(firstRows(out)).toEqual([{ e: 0 }]);
  });

  it('XACT_ABORT ON makes a statement error end the batch', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "SET XACT_ABORT ON; BEGIN TRAN; USE Nope; PRINT 'never'");
    expect(messages(out).map((m) => m.number)).toEqual([911]);
    expect(firstRows(await run(s, 'SELECT @@TRANCOUNT AS t'))).toEqual([{ t: 0 }]);
  });

  it('IF / ELSE and BEGIN ... END', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "IF DB_ID('Sales') IS NOT NULL BEGIN PRINT 'yes'; PRINT 'twice' END ELSE PRINT 'no'; IF 1 = 2 PRINT 'x' ELSE PRINT 'else'");
    expect(infos(out).map((m) => m.message)).toEqual(['yes', 'twice', 'else']);
  });

  it('USE changes the database; unknown databases give 911', async () => {
    const s = await connect(f, f.sql);
    await run(s, 'USE Sales');
    expect(s.currentDatabase()).toBe('Sales');
    expect(firstRows(await run(s, 'SELECT DB_NAME() AS d'))).toEqual([{ d: 'Sales' }]);
    const out = await run(s, 'USE Nope');
    expect(errors(out)).toEqual([expect.objectContaining({ number: 911, message: "Database 'Nope' does not exist. Make sure that the name is entered correctly." })]);
    expect(s.currentDatabase()).toBe('Sales');
  });

  it('transactions: @@TRANCOUNT and 3902 for a COMMIT without BEGIN', async () => {
    const s = await connect(f, f.sql);
    expect(firstRows(await run(s, 'BEGIN TRAN; BEGIN TRAN; SELECT @@TRANCOUNT AS t'))).toEqual([{ t: 2 }]);
    await run(s, 'ROLLBACK');
    expect(errors(await run(s, 'COMMIT'))).toEqual([expect.objectContaining({ number: 3902 })]);
    expect(s.transaction('commit', '')).toMatchObject({ number: 3902 });
    expect(s.transaction('begin', '')).toBeUndefined();
  });

  it('reports T-SQL transaction boundaries to the protocol layer, and RESETCONNECTION starts afresh', async () => {
    const s = await connect(f, f.sql, 'Sales');
    await run(s, 'BEGIN TRAN; BEGIN TRAN; COMMIT');
    expect(s.drainTransactionEvents?.()).toEqual(['begin']);
    await run(s, 'COMMIT');
    expect(s.drainTransactionEvents?.()).toEqual(['commit']);
    await run(s, 'SET XACT_ABORT ON; BEGIN TRAN; USE Nope');
    expect(s.drainTransactionEvents?.()).toEqual(['begin', 'rollback']);
    await run(s, 'USE master; SET NOCOUNT ON; BEGIN TRAN');
    s.reset?.();
    expect(s.currentDatabase()).toBe('Sales');
    expect(firstRows(await run(s, 'SELECT @@TRANCOUNT AS t, @@OPTIONS AS o'))).toEqual([{ t: 0, o: 4408 }]); // no NOCOUNT (512) after the reset
  });

  it('a syntax error fails the whole batch before anything runs', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "PRINT 'first'; SELECT FROM WHERE");
    expect(messages(out).map((m) => m.number)).toEqual([156]);
  });

  it('refuses statements it does not implement, naming them', async () => {
    const m = await connect(f, f.mi);
    expect(errors(await run(m, 'ALTER AVAILABILITY GROUP [dag] FAILOVER'))).toEqual([
      expect.objectContaining({ number: 40517, message: "Keyword or statement option 'ALTER AVAILABILITY GROUP' is not supported in this version of SQL Server." }),
    ]);
    const s = await connect(f, f.sql);
    expect(errors(await run(s, 'ALTER AVAILABILITY GROUP [dag] FAILOVER'))[0].number).toBe(35221);
    expect(errors(await run(s, 'UPDATE STATISTICS t'))).toEqual([expect.objectContaining({ number: 40517, message: "Keyword or statement option 'UPDATE STATISTICS' is not supported in this version of SQL Server." })]);
  });

  it('WAITFOR DELAY stops when the request is cancelled', async () => {
    const s = await connect(f, f.sql);
    const controller = new AbortController();
    const pending = run(s, "WAITFOR DELAY '23:00:00'; PRINT 'never'", controller.signal);
    setTimeout(() => controller.abort(), 20);
    const out = await pending;
    expect(messages(out)).toEqual([]);
    expect(firstRows(await run(s, 'SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('EXEC sp_executesql binds typed parameters and OUTPUT values', async () => {
    const s = await connect(f, f.sql);
    const out = await run(
      s,
      "DECLARE @r int; EXEC sp_executesql N'SET @out = @a + 1; SELECT @a AS a', N'@a int, @out int OUTPUT', @a = 41, @out = @r OUTPUT; SELECT @r AS r",
    );
    const sets = resultSets(out);
    expect(sets.map((rs) => rs.rows)).toEqual([[[41]], [[42]]]);
  });

  it('db.sys.sp_executesql runs in db; a database change inside EXEC lasts until the EXEC ends', async () => {
    const s = await connect(f, f.sql);
    const inSales = firstRows(await run(s, "EXEC Sales.sys.sp_executesql N'SELECT DB_NAME() AS db'; SELECT DB_NAME() AS after"));
    expect(inSales).toEqual([{ db: 'Sales' }]);
    expect(resultSets(await run(s, "EXEC [Sales].sys.sp_executesql N'SELECT DB_NAME() AS db'; SELECT DB_NAME() AS after")).map((rs) => rs.rows)).toEqual([[['Sales']], [['master']]]);
    expect(resultSets(await run(s, "EXEC (N'USE Sales; SELECT DB_NAME() AS db'); SELECT DB_NAME() AS after")).map((rs) => rs.rows)).toEqual([[['Sales']], [['master']]]);
    const missing = await run(s, "EXEC Nope.sys.sp_executesql N'SELECT 1'");
    expect(errors(missing)).toEqual([expect.objectContaining({ number: 911 })]);
    expect(firstRows(await run(s, 'SELECT DB_NAME() AS db'))).toEqual([{ db: 'master' }]);
  });

  it('executesql requests take RPC parameters and return OUTPUT values', async () => {
    const s = await connect(f, f.sql);
    const out: unknown[] = [];
    for await (const o of s.execute(
      {
        kind: 'executesql',
        sql: 'SELECT name FROM sys.databases WHERE database_id = @id; SET @n = DB_NAME(@id)',
        params: [
          { name: '@id', type: 'int', value: 5, output: false },
          { name: '@n', type: 'nvarchar', value: null, output: true, length: 128 },
        ],
      },
      new AbortController().signal,
    ))
      out.push(o);
    expect(out).toContainEqual({ type: 'returnValue', name: '@n', paramType: 'nvarchar', value: 'Sales' });
    expect(out).toContainEqual({ type: 'resultSet', resultSet: expect.objectContaining({ rows: [['Sales']] }) });
  });
});

describe('database and credential DDL', () => {
  it('CREATE DATABASE / DROP DATABASE with 1801, 3701, 3702 and 3708', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    expect(errors(await run(s, 'CREATE DATABASE Scratch'))).toEqual([]);
    expect(f.sql.findDatabase('scratch')?.databaseId).toBe(7);
    expect(errors(await run(s, 'CREATE DATABASE Scratch'))).toEqual([expect.objectContaining({ number: 1801 })]);
    const other = await connect(f, f.sql, 'Scratch');
    expect(errors(await run(s, 'DROP DATABASE Scratch'))).toEqual([
      expect.objectContaining({ number: 3702, message: 'Cannot drop database "Scratch" because it is currently in use.' }),
    ]);
    other.close();
    expect(errors(await run(s, 'DROP DATABASE Scratch; DROP DATABASE IF EXISTS Scratch'))).toEqual([]);
    expect(f.sql.findDatabase('Scratch')).toBeUndefined();
    expect(errors(await run(s, 'DROP DATABASE msdb'))[0].number).toBe(3708);
  });

  it('ALTER DATABASE MODIFY NAME: 5030 while in use, then renamed with message 5022', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const other = await connect(f, f.sql, 'Sales');
    expect(errors(await run(s, 'ALTER DATABASE Sales MODIFY NAME = Sales_old'))).toEqual([
      expect.objectContaining({ number: 5030, message: 'The database could not be exclusively locked to perform the operation.' }),
    ]);
    other.close();
    const out = await run(s, 'ALTER DATABASE Sales MODIFY NAME = Sales_old');
    expect(infos(out)).toEqual([expect.objectContaining({ number: 5022, message: "The database name 'Sales_old' has been set." })]);
    expect(f.sql.findDatabase('Sales_old')?.databaseId).toBe(5);
  });

  it('SET SINGLE_USER WITH ROLLBACK IMMEDIATE kills the other sessions in the database', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const other = await connect(f, f.sql, 'Sales');
    const waiting = run(other, "WAITFOR DELAY '01:00:00'");
    const out = await run(s, 'ALTER DATABASE Sales SET SINGLE_USER WITH ROLLBACK IMMEDIATE');
    expect(errors(out)).toEqual([]);
    expect(f.sql.findDatabase('Sales')?.userAccess).toBe('SINGLE_USER');
    // the killed request fails with 596 and the server closes its connection after the response
    expect(await waiting).toContainEqual({ type: 'message', message: expect.objectContaining({ number: 596, class: 21 }) });
    expect(await waiting).toContainEqual({ type: 'endConnection' });
    expect(await run(other, 'SELECT 1')).toEqual([{ type: 'resetConnection' }]);
    await run(s, 'USE Sales');
    const third = await connect(f, f.sql);
    expect(errors(await run(third, 'USE Sales'))).toEqual([expect.objectContaining({ number: 924 })]);
    await run(s, 'ALTER DATABASE Sales SET MULTI_USER');
    expect(errors(await run(third, 'USE Sales'))).toEqual([]);
  });

  it('OFFLINE / ONLINE and RECOVERY', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    await run(s, 'ALTER DATABASE Archive SET OFFLINE');
    expect(firstRows(await run(s, "SELECT state_desc FROM sys.databases WHERE name = 'Archive'"))).toEqual([{ state_desc: 'OFFLINE' }]);
    expect(errors(await run(s, 'USE Archive'))).toEqual([expect.objectContaining({ number: 942 })]);
    await run(s, 'ALTER DATABASE Archive SET ONLINE; ALTER DATABASE Archive SET RECOVERY FULL');
    expect(firstRows(await run(s, "SELECT state_desc, recovery_model_desc FROM sys.databases WHERE name = 'Archive'"))).toEqual([
      { state_desc: 'ONLINE', recovery_model_desc: 'FULL' },
    ]);
  });

  it('credentials: create, 15025 when it exists, alter, drop, 15151 when missing', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const url = 'http://127.0.0.1:10000/devstoreaccount1/backups';
    await run(s, `CREATE CREDENTIAL [${url}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=1&sig=x'`);
    expect(f.sql.findCredential(`${url}/Sales.bak`)?.secret).toBe('sv=1&sig=x');
    expect(errors(await run(s, `CREATE CREDENTIAL [${url}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'y'`))).toEqual([
      expect.objectContaining({ number: 15025 }),
    ]);
    await run(s, `ALTER CREDENTIAL [${url}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=2'`);
    expect(f.sql.findCredentialByName(url)?.secret).toBe('sv=2');
    await run(s, `DROP CREDENTIAL [${url}]`);
    expect(errors(await run(s, `DROP CREDENTIAL [${url}]`))).toEqual([
      expect.objectContaining({ number: 15151, message: `Cannot drop the credential '${url}', because it does not exist or you do not have permission.` }),
    ]);
  });

  it('DBCC CHECKDB reports a clean database, and 8992 for one that came from a managed instance', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const clean = await run(s, "DBCC CHECKDB('Sales')");
    expect(errors(clean)).toEqual([]);
    expect(infos(clean).map((m) => m.number)).toEqual(expect.arrayContaining([8989, 2528]));
    expect(infos(await run(s, "DBCC CHECKDB('Sales') WITH NO_INFOMSGS"))).toEqual([]);
    const sales = f.sql.findDatabase('Sales');
    if (sales) sales.restoredFromKind = 'managedInstance';
    const broken = await run(s, "DBCC CHECKDB(N'Sales') WITH NO_INFOMSGS");
    expect(errors(broken)).toEqual([expect.objectContaining({ number: 8992, class: 16 })]);
    expect(errors(await run(s, "DBCC CHECKDB('Nope')"))[0].number).toBe(2520);
  });

  it('KILL: 6104 for yourself, 6106 for unknown spids, resets the victim', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const victim = await connect(f, f.sql);
    expect(errors(await run(s, `KILL ${s.spid}`))[0].number).toBe(6104);
    expect(errors(await run(s, 'KILL 999'))[0]).toMatchObject({ number: 6106, message: 'Process ID 999 is not an active process ID.' });
    expect(errors(await run(s, `KILL ${victim.spid}`))).toEqual([]);
    expect(await run(victim, 'SELECT 1')).toEqual([{ type: 'resetConnection' }]);
    expect(firstRows(await run(s, `SELECT session_id FROM sys.dm_exec_sessions WHERE session_id = ${victim.spid}`))).toEqual([]);
  });

  it('sys.dm_exec_requests shows the running statement of every session', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const other = await connect(f, f.sql, 'Sales');
    const controller = new AbortController();
    const waiting = run(other, "WAITFOR DELAY '00:30:00'", controller.signal);
    await new Promise((r) => setTimeout(r, 5));
    const rows = firstRows(await run(s, 'SELECT session_id, command, status, wait_type, database_id FROM sys.dm_exec_requests'));
    expect(rows).toEqual([
      { session_id: s.spid, command: 'SELECT', status: 'running', wait_type: null, database_id: 1 },
      { session_id: other.spid, command: 'WAITFOR', status: 'suspended', wait_type: 'WAITFOR', database_id: 5 },
    ]);
    controller.abort();
    await waiting;
  });
});
