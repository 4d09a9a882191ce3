// The swap of a refresh, as SQL Server answers it through the real clients: a rename while another
// session uses the database fails with 5030; sys.dm_exec_sessions finds the sessions on it (by
// database_id); SET SINGLE_USER WITH ROLLBACK IMMEDIATE ends them (their connection is closed: what
// tedious sees is checked here), the rename then succeeds, and SET MULTI_USER opens it again; KILL
// ends one session, and a request running in a killed session fails with 596.
import { Connection, Request as TdsRequest } from 'tedious';
import { PASSWORD, startRefreshWorld, until, type RefreshWorld } from './refreshWorld';

let world: RefreshWorld;
beforeAll(async () => {
  world = await startRefreshWorld();
});
afterAll(async () => {
  await world?.stop();
});

interface Failure {
  number?: number;
  class?: number;
  state?: number;
  message: string;
  code?: string;
}

const failure = async (p: Promise<unknown>): Promise<Failure> => {
  try {
    await p;
  } catch (e) {
    return e as Failure;
  }
  throw new Error('expected a failure');
};

/** a bare tedious connection into `database`, recording what happens to it */
async function holder(instance: string, database: string): Promise<{ connection: Connection; events: string[]; errors: Error[]; spid: number; run(text: string): Promise<unknown> }> {
  const target = world.estate.find(instance);
  const connection = new Connection({
    server: target.host,
    authentication: { type: 'default', options: { userName: 'sa', password: PASSWORD } },
    options: { port: target.port, database, encrypt: true, trustServerCertificate: true, requestTimeout: 0 },
  });
  const events: string[] = [];
  const errors: Error[] = [];
  connection.on('error', (e: Error) => {
    events.push('error');
    errors.push(e);
  });
  connection.on('end', () => events.push('end'));
  await new Promise<void>((resolve, reject) => connection.connect((e) => (e ? reject(e) : resolve())));
  const run = (text: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const rows: unknown[] = [];
      const r = new TdsRequest(text, (e) => (e ? reject(e) : resolve(rows)));
      r.on('row', (cols: { value: unknown }[]) => rows.push(cols.map((c) => c.value)));
      connection.execSql(r);
    });
  const [[spid]] = (await run('SELECT @@SPID')) as [[number]];
  return { connection, events, errors, spid, run };
}

const sessionsOn = async (instance: string, database: string): Promise<number[]> =>
  (
    await world.query<{ session_id: number }>(
      instance,
      `SELECT session_id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(N'${database}') AND session_id <> @@SPID ORDER BY session_id`,
    )
  ).map((r) => r.session_id);

describe.each(['sql-prod', 'mi-prod'])('renames and sessions on %s', (instance) => {
  it('5030 while another session uses the database; SINGLE_USER WITH ROLLBACK IMMEDIATE ends it; the rename then succeeds; MULTI_USER after', async () => {
    const h = await holder(instance, 'Shop');
    // an app finds the sessions on a database through sys.dm_exec_sessions.database_id
    expect(await sessionsOn(instance, 'Shop')).toEqual([h.spid]);
    const p = await world.pool(instance);

    const busy = await failure(p.request().batch('ALTER DATABASE [Shop] MODIFY NAME = [Shop_20260101]'));
    expect(busy).toMatchObject({ number: 5030, class: 16, message: 'The database could not be exclusively locked to perform the operation.' });

    const infos: { number: number; message: string }[] = [];
    const single = p.request();
    single.on('info', (m: { number: number; message: string }) => infos.push(m));
    await single.batch('ALTER DATABASE [Shop] SET SINGLE_USER WITH ROLLBACK IMMEDIATE');
    // the server closed the killed session's connection: tedious reports the lost socket at once, then ends
    await until('the killed connection to end', () => (h.events.includes('end') ? true : undefined), 5000);
    expect(h.errors[0]).toMatchObject({ code: 'ESOCKET', message: 'Connection lost - socket hang up' });
    const next = await failure(h.run('SELECT 1'));
    expect(next).toMatchObject({ code: 'EINVALIDSTATE' });
    expect(await sessionsOn(instance, 'Shop')).toEqual([]);

    const renamed: { number: number; message: string }[] = [];
    const rename = p.request();
    rename.on('info', (m: { number: number; message: string }) => renamed.push(m));
    await rename.batch('ALTER DATABASE [Shop] MODIFY NAME = [Shop_20260101]');
    expect(renamed).toEqual([expect.objectContaining({ number: 5022, message: "The database name 'Shop_20260101' has been set." })]);
    expect(await world.query<{ user_access_desc: string }>(instance, "SELECT user_access_desc FROM sys.databases WHERE name = N'Shop_20260101'")).toEqual([{ user_access_desc: 'SINGLE_USER' }]);
    await p.request().batch('ALTER DATABASE [Shop_20260101] SET MULTI_USER');
    expect(await world.query<{ user_access_desc: string }>(instance, "SELECT user_access_desc FROM sys.databases WHERE name = N'Shop_20260101'")).toEqual([{ user_access_desc: 'MULTI_USER' }]);
    // the name is free again: put it back for the next test
    await p.request().batch('ALTER DATABASE [Shop_20260101] MODIFY NAME = [Shop]');
  });

  it('a pooled client whose session was killed gets a new connection on its next request', async () => {
    const app = await world.pool(instance, { database: 'Shop', pool: { max: 1, min: 0 } });
    const [first] = (await app.request().query<{ spid: number }>('SELECT @@SPID AS spid')).recordset;
    await (await world.pool(instance)).request().batch('ALTER DATABASE [Shop] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; ALTER DATABASE [Shop] SET MULTI_USER');
    await until('the pooled connection to be closed', async () => ((await sessionsOn(instance, 'Shop')).includes(first.spid) ? undefined : true));
    const [second] = (await app.request().query<{ spid: number; db: string }>('SELECT @@SPID AS spid, DB_NAME() AS db')).recordset;
    expect(second.spid).not.toBe(first.spid);
    expect(second.db).toBe('Shop');
    await app.close();
  });

  it('KILL ends another session; 6106 for one that is gone, 6104 for its own', async () => {
    const h = await holder(instance, 'Shop');
    const p = await world.pool(instance);
    await p.request().batch(`KILL ${h.spid}`);
    await until('the killed connection to end', () => (h.events.includes('end') ? true : undefined), 5000);
    expect(await sessionsOn(instance, 'Shop')).toEqual([]);
    expect(await failure(p.request().batch(`KILL ${h.spid}`))).toMatchObject({ number: 6106, message: `Process ID ${h.spid} is not an active process ID.` });
    const [{ spid }] = (await p.request().query<{ spid: number }>('SELECT @@SPID AS spid')).recordset;
    expect(await failure(p.request().batch(`KILL ${spid}`))).toMatchObject({ number: 6104, message: 'Cannot use KILL to kill your own process.' });
  });

  it('a request running in a session that is killed fails with 596, and the connection is closed after it', async () => {
    const h = await holder(instance, 'Shop');
    const running = failure(h.run("WAITFOR DELAY '01:00:00'"));
    await until('the WAITFOR to run', async () => {
      const r = await world.query<{ n: number }>(instance, `SELECT COUNT(*) AS n FROM sys.dm_exec_requests WHERE session_id = ${h.spid}`);
      return r[0].n > 0 ? true : undefined;
    });
    await (await world.pool(instance)).request().batch('ALTER DATABASE [Shop] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; ALTER DATABASE [Shop] SET MULTI_USER');
    const e = await running;
    expect(e).toMatchObject({ number: 596, class: 21, message: 'Cannot continue the execution because the session is in the kill state.' });
    await until('the connection to end', () => (h.events.includes('end') ? true : undefined), 5000);
  });

  it('mssql: the killed running request rejects with 596', async () => {
    const app = await world.pool(instance, { database: 'Shop', pool: { max: 1, min: 0 } });
    const [{ spid }] = (await app.request().query<{ spid: number }>('SELECT @@SPID AS spid')).recordset;
    const running = failure(app.request().batch("WAITFOR DELAY '01:00:00'"));
    await until('the WAITFOR to run', async () => {
      const r = await world.query<{ n: number }>(instance, `SELECT COUNT(*) AS n FROM sys.dm_exec_requests WHERE session_id = ${spid}`);
      return r[0].n > 0 ? true : undefined;
    });
    await (await world.pool(instance)).request().batch(`KILL ${spid}`);
    expect(await running).toMatchObject({ number: 596, class: 21 });
    // the pool gets a new connection for the next request
    expect((await app.request().query<{ one: number }>('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
    await app.close();
  });
});
