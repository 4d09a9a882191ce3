// Session-level behaviour seen through tedious directly (mssql hides these events): ENVCHANGE for
// the database, RESETCONNECTION from a pooled reset, and a negotiated 16 KiB packet size.
import { Connection, Request, TYPES } from 'tedious';
import { PASSWORD } from './fakeEngine';
import { type Harness, startHarness } from './harness';

let h: Harness;
const open: Connection[] = [];

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

afterAll(async () => {
  await h?.server.close();
});

function connect(options: { packetSize?: number } = {}, events: string[] = []): Promise<Connection> {
  const connection = new Connection({
    server: '127.0.0.1',
    authentication: { type: 'default', options: { userName: 'sa', password: PASSWORD } },
    options: { port: h.port, encrypt: false, database: 'master', trustServerCertificate: true, ...options },
  });
  connection.on('databaseChange', (db: string) => events.push(`db:${db}`));
  connection.on('resetConnection', () => events.push('reset'));
  open.push(connection);
  return new Promise((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve(connection))));
}

function batch(connection: Connection, text: string): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const rows: unknown[][] = [];
    const request = new Request(text, (err) => (err ? reject(err) : resolve(rows)));
    request.on('row', (columns: Array<{ value: unknown }>) => rows.push(columns.map((c) => c.value)));
    connection.execSqlBatch(request);
  });
}

describe('tedious session', () => {
  it('announces database changes from login, USE and a connection reset', async () => {
    const events: string[] = [];
    const connection = await connect({}, events);
    expect(events).toEqual(['db:master']);
    await batch(connection, 'use otherdb');
    expect(events).toEqual(['db:master', 'db:otherdb']);
    const session = h.endpoint.sessions[h.endpoint.sessions.length - 1];
    await new Promise<void>((resolve, reject) => connection.reset((err) => (err ? reject(err) : resolve())));
    expect(session.resets).toBe(1);
    expect(events).toEqual(['db:master', 'db:otherdb', 'reset', 'db:master']);
    expect(await batch(connection, 'whoami')).toEqual([['sa', 'master', 'Tedious', session.spid]]);
  });

  it('negotiates a 16 KiB packet size and moves a 20,000-character parameter both ways', async () => {
    const connection = await connect({ packetSize: 16384 });
    expect(h.server.connections().some((c) => c.packetSize === 16384)).toBe(true);
    const long = 'é'.repeat(20_000);
    const value = await new Promise<unknown>((resolve, reject) => {
      let got: unknown;
      const request = new Request('echo', (err) => (err ? reject(err) : resolve(got)));
      request.addParameter('s', TYPES.NVarChar, long, { length: Infinity });
      request.on('row', (columns: Array<{ value: unknown }>) => (got = columns[0].value));
      connection.execSql(request);
    });
    expect(value).toBe(long);
  });
});
