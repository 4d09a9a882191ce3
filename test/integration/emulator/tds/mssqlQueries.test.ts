// The real mssql client (tedious 19) against the TDS server over plaintext TCP: results, every
// type both ways, batches, OUTPUT parameters, errors, info messages, big payloads, transactions.
import * as sql from 'mssql';
import { ACCESS_TOKEN, PASSWORD, TYPED_COLUMNS, TYPED_ROW } from './fakeEngine';
import { type Harness, mssqlConfig, startHarness } from './harness';

let h: Harness;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  h = await startHarness();
  pool = await new sql.ConnectionPool(mssqlConfig(h.port)).connect();
});

afterAll(async () => {
  await pool?.close();
  await h?.server.close();
});

describe('login', () => {
  it('passes the login fields to the engine and answers SELECT 1;', async () => {
    const result = await pool.request().query('SELECT 1;');
    expect(result.recordset).toEqual([{ '': 1 }]);
    const login = h.endpoint.logins[h.endpoint.logins.length - 1];
    expect(login).toMatchObject({ userName: 'sa', password: PASSWORD, database: 'master', serverName: '127.0.0.1' });
  });

  it('reports a wrong password as ELOGIN with the 18456 text', async () => {
    const bad = new sql.ConnectionPool(mssqlConfig(h.port, { password: 'wrong' }));
    await expect(bad.connect()).rejects.toMatchObject({
      code: 'ELOGIN',
      message: expect.stringContaining("Login failed for user 'sa'."),
    });
    await bad.close();
  });
});

describe('engine failures at login', () => {
  it('refuses the login (instead of dropping the socket) when the engine throws', async () => {
    const bad = new sql.ConnectionPool(mssqlConfig(h.port, { user: 'explode' }));
    await expect(bad.connect()).rejects.toMatchObject({
      code: 'ELOGIN',
      message: expect.stringContaining('engine bug during login'),
    });
    await bad.close();
  });
});

describe('access-token login', () => {
  it('passes an Azure AD access token (FEDAUTH) to the engine', async () => {
    const config = mssqlConfig(h.port);
    delete config.user;
    delete config.password;
    config.authentication = { type: 'azure-active-directory-access-token', options: { token: ACCESS_TOKEN } };
    const tokenPool = await new sql.ConnectionPool(config).connect();
    try {
      expect((await tokenPool.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
      const login = h.endpoint.logins[h.endpoint.logins.length - 1];
      expect(login).toMatchObject({ accessToken: ACCESS_TOKEN, userName: '', password: '' });
    } finally {
      await tokenPool.close();
    }
  });

  it('refuses a wrong token with ELOGIN', async () => {
    const config = mssqlConfig(h.port);
    delete config.user;
    delete config.password;
    config.authentication = { type: 'azure-active-directory-access-token', options: { token: 'other' } };
    const tokenPool = new sql.ConnectionPool(config);
    await expect(tokenPool.connect()).rejects.toMatchObject({ code: 'ELOGIN' });
    await tokenPool.close();
  });
});

describe('result sets', () => {
  it('decodes a row with every type', async () => {
    const result = await pool.request().query('typed');
    const row = result.recordset[0];
    expect(row.nv).toBe(TYPED_ROW[0]);
    expect(row.nvmax).toBe(TYPED_ROW[1]);
    expect(row.v).toBe('café');
    expect(row.i).toBe(-123456);
    expect(row.bi).toBe('9007199254740993'); // tedious returns BIGINT as a string
    expect(row.b).toBe(true);
    expect(row.dt2).toEqual(new Date('2024-02-29T13:14:15.123Z'));
    expect(row.dto).toEqual(new Date('2024-02-29T13:14:15.123Z'));
    expect(row.dt).toEqual(new Date('2024-02-29T13:14:15.123Z'));
    expect(row.d).toEqual(new Date('2024-02-29T00:00:00.000Z'));
    expect(row.dec).toBe(12345.6789);
    expect(row.f).toBeCloseTo(3.14159, 10);
    expect(row.g).toBe('6F9619FF-8B86-D011-B42D-00C04FD430C8');
    expect(row.vb).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(row.vbmax).toEqual(Buffer.alloc(10_000, 7));
    expect(result.rowsAffected).toEqual([1]);
    const columns = result.recordset.columns;
    expect(columns.nv.type).toBe(sql.NVarChar);
    expect(columns.nv.length).toBe(100); // mssql reports the TYPE_INFO length, in bytes
    expect(columns.dec.precision).toBe(18);
    expect(columns.dec.scale).toBe(4);
    expect(columns.g.type).toBe(sql.UniqueIdentifier);
    expect(Object.keys(row)).toEqual(TYPED_COLUMNS.map((c) => c.name));
  });

  it('decodes NULL in every type', async () => {
    const result = await pool.request().query('nulls');
    expect(Object.values(result.recordset[0]).every((v) => v === null)).toBe(true);
  });

  it('returns several result sets and row counts from a batch', async () => {
    const result = await pool.request().batch('multi');
    const recordsets = result.recordsets as sql.IRecordSet<Record<string, unknown>>[];
    expect(recordsets).toHaveLength(3);
    expect(recordsets[0]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(recordsets[1]).toEqual([{ s: 'a' }]);
    expect(recordsets[2]).toEqual([{ x: false }]);
    expect(result.rowsAffected).toEqual([2, 1, 5, 1]);
  });

  it('streams a 3,000-row result over many packets', async () => {
    const result = await pool.request().query('big');
    expect(result.recordset).toHaveLength(3000);
    expect(result.recordset[2999]).toEqual({ id: 3000, name: `row 3000 ${'.'.repeat(0)}` });
    expect(result.recordset[1234].name).toBe(`row 1235 ${'.'.repeat(1235 % 50)}`);
  });
});

describe('parameters', () => {
  it('round-trips typed inputs of every type through sp_executesql', async () => {
    const guid = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
    const when = new Date('2023-07-04T05:06:07.891Z');
    const result = await pool
      .request()
      .input('nv', sql.NVarChar(40), 'ünïcödé 😀')
      .input('v', sql.VarChar(30), 'plain €')
      .input('i', sql.Int, -7)
      .input('bi', sql.BigInt, '-9007199254740993')
      .input('b', sql.Bit, false)
      .input('dt2', sql.DateTime2(7), when)
      .input('dto', sql.DateTimeOffset(7), when)
      .input('dt', sql.DateTime, when)
      .input('d', sql.Date, new Date('2023-07-04T00:00:00Z'))
      .input('dec', sql.Decimal(18, 4), 98765.4321)
      .input('f', sql.Float, -2.5e-10)
      .input('g', sql.UniqueIdentifier, guid)
      .input('vb', sql.VarBinary(50), Buffer.from('binary!'))
      .input('vbmax', sql.VarBinary(sql.MAX), Buffer.alloc(9000, 0xab))
      .input('n', sql.Int, null)
      .input('inferred', 'text by inference')
      .query('echo');
    const row = result.recordset[0];
    expect(row).toMatchObject({
      nv: 'ünïcödé 😀',
      v: 'plain €',
      i: -7,
      bi: '-9007199254740993',
      b: false,
      dec: 98765.4321,
      f: -2.5e-10,
      g: guid,
      n: null,
      inferred: 'text by inference',
    });
    expect(row.dt2).toEqual(when);
    expect(row.dto).toEqual(when);
    expect(row.dt.getTime()).toBeCloseTo(when.getTime(), -1); // DATETIME ticks are 1/300 s
    expect(row.d).toEqual(new Date('2023-07-04T00:00:00Z'));
    expect(row.vb).toEqual(Buffer.from('binary!'));
    expect(row.vbmax).toEqual(Buffer.alloc(9000, 0xab));
  });

  it('maps the other parameter types mssql can send onto the emulator types', async () => {
    const result = await pool
      .request()
      .input('ti', sql.TinyInt, 200)
      .input('si', sql.SmallInt, -300)
      .input('r', sql.Real, 1.5)
      .input('m', sql.Money, 12.3475) // exact in binary after x10000, tedious floors the product
      .input('sm', sql.SmallMoney, -1.25)
      .input('t', sql.Time(0), new Date('1970-01-01T01:02:03Z'))
      .input('sdt', sql.SmallDateTime, new Date('2020-05-06T07:08:00Z'))
      .input('num', sql.Numeric(10, 2), 5.25)
      .input('c', sql.Char(5), 'ab')
      .input('nc', sql.NChar(3), 'xy')
      .input('bin', sql.Binary, Buffer.from([1, 2, 3, 4]))
      .input('txt', sql.Text, 'legacy text')
      .input('ntxt', sql.NText, 'legacy ntext ✓')
      .input('img', sql.Image, Buffer.from([9, 8, 7]))
      .query('echo');
    expect(result.recordset[0]).toEqual({
      ti: 200,
      si: -300,
      r: 1.5,
      m: 12.3475,
      sm: -1.25,
      t: new Date('1900-01-01T01:02:03Z'),
      sdt: new Date('2020-05-06T07:08:00Z'),
      num: 5.25,
      c: 'ab',
      nc: 'xy',
      bin: Buffer.from([1, 2, 3, 4]),
      txt: 'legacy text',
      ntxt: 'legacy ntext ✓',
      img: Buffer.from([9, 8, 7]),
    });
    const session = h.endpoint.sessions.find((s) => s.requests.some((r) => r.kind === 'executesql' && r.params.some((p) => p.name === '@ti')));
    const request = session?.requests.find((r) => r.kind === 'executesql' && r.params.some((p) => p.name === '@ti'));
    expect(request?.kind === 'executesql' && request.params.map((p) => p.type)).toEqual([
      'int', 'int', 'float', 'decimal', 'decimal', 'datetime2', 'datetime', 'decimal', 'varchar', 'nvarchar', 'varbinary',
      'varchar', 'nvarchar', 'varbinary',
    ]);
  });

  it('tells the engine the declared parameter types', async () => {
    const result = await pool
      .request()
      .input('a', sql.NVarChar(20), 'x')
      .input('m', sql.NVarChar(sql.MAX), 'y')
      .input('dec', sql.Decimal(10, 3), 1.5)
      .output('o', sql.Int)
      .query('describe');
    expect(result.recordset).toEqual([
      { name: '@a', type: 'nvarchar', output: false, length: 20, precision: null, scale: null },
      { name: '@m', type: 'nvarchar', output: false, length: -1, precision: null, scale: null },
      { name: '@dec', type: 'decimal', output: false, length: null, precision: 10, scale: 3 },
      { name: '@o', type: 'int', output: true, length: null, precision: null, scale: null },
    ]);
  });

  it('carries a 20,000-character parameter over several packets and back', async () => {
    const long = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(0x41 + (i % 26))).join('');
    const result = await pool.request().input('s', sql.NVarChar(sql.MAX), long).query('echo');
    expect(result.recordset[0].s).toBe(long);
  });

  it('returns OUTPUT parameters and the return status', async () => {
    const result = await pool
      .request()
      .input('in', sql.Int, 5)
      .output('o', sql.Int, 1)
      .output('t', sql.NVarChar(50), 'abc')
      .query('output');
    expect(result.output).toEqual({ o: 42, t: 'out:abc' });
  });

  it('runs a stored procedure by name with its return value', async () => {
    const result = await pool.request().output('o', sql.Int, 2).execute('output');
    expect(result.output).toEqual({ o: 43 });
    expect(result.returnValue).toBe(7);
    const session = h.endpoint.sessions.find((s) => s.requests.some((r) => r.kind === 'rpc'));
    expect(session?.requests.find((r) => r.kind === 'rpc')).toMatchObject({ kind: 'rpc', procName: 'output' });
  });
});

describe('prepared statements', () => {
  it('prepares once and executes through sp_executesql on the engine', async () => {
    const single = await new sql.ConnectionPool(mssqlConfig(h.port, { pool: { max: 1, min: 0 } })).connect();
    try {
      const ps = new sql.PreparedStatement(single);
      ps.input('n', sql.Int);
      ps.input('s', sql.NVarChar(20));
      await ps.prepare('echo');
      const first = await ps.execute({ n: 1, s: 'one' });
      const second = await ps.execute({ n: 2, s: 'two' });
      await ps.unprepare();
      expect(first.recordset).toEqual([{ n: 1, s: 'one' }]);
      expect(second.recordset).toEqual([{ n: 2, s: 'two' }]);
      const session = h.endpoint.sessions[h.endpoint.sessions.length - 1];
      const executed = session.requests.filter((r) => r.kind === 'executesql' && r.sql === 'echo');
      expect(executed).toHaveLength(2);
      expect(session.requests.some((r) => r.kind === 'rpc')).toBe(false);
    } finally {
      await single.close();
    }
  });

  it('refuses an unknown handle with error 8179', async () => {
    await expect(pool.request().input('handle', sql.Int, 999).execute('sp_execute')).rejects.toMatchObject({
      number: 8179,
    });
  });
});

describe('errors and messages', () => {
  it('reports the last error with the earlier ones as precedingErrors (3201 then 3013)', async () => {
    const error = await pool
      .request()
      .query('fail')
      .then(
        () => undefined,
        (e: sql.RequestError & { precedingErrors?: sql.RequestError[] }) => e,
      );
    expect(error).toBeInstanceOf(sql.RequestError);
    expect(error?.number).toBe(3013);
    expect(error?.class).toBe(16);
    expect(error?.precedingErrors?.[0]?.number).toBe(3201);
    expect(error?.serverName).toBe('EMUHOST\\SQL2022');
    // the connection is still usable
    expect((await pool.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
  });

  it('turns an engine exception into an error with its number', async () => {
    await expect(pool.request().batch('throw')).rejects.toMatchObject({ number: 208, class: 16 });
  });

  it('delivers info messages while the request is still running', async () => {
    const request = pool.request();
    const arrivals: number[] = [];
    const texts: string[] = [];
    request.on('info', (info: { message: string }) => {
      arrivals.push(Date.now());
      texts.push(info.message);
    });
    const started = Date.now();
    await request.query('progress');
    const ended = Date.now();
    expect(texts[0]).toBe('10 percent processed.');
    expect(texts).toHaveLength(11);
    expect(texts[10]).toContain('successfully processed');
    // 10 messages 50 ms apart: the first must have arrived long before the response ended
    expect(ended - arrivals[0]).toBeGreaterThanOrEqual(300);
    expect(arrivals[0] - started).toBeLessThan(ended - started - 300);
  });
});

describe('databases and transactions', () => {
  it('follows USE through ENVCHANGE', async () => {
    const single = await new sql.ConnectionPool(mssqlConfig(h.port, { pool: { max: 1, min: 0 } })).connect();
    try {
      const tx = new sql.Transaction(single);
      await tx.begin();
      const request = new sql.Request(tx);
      const infos: Array<{ number: number; message: string }> = [];
      request.on('info', (info: { number: number; message: string }) => infos.push(info));
      await request.batch('use otherdb');
      expect(infos).toEqual([expect.objectContaining({ number: 5701, message: "Changed database context to 'otherdb'." })]);
      const who = await new sql.Request(tx).query('whoami');
      expect(who.recordset[0].db).toBe('otherdb');
      await tx.commit();
    } finally {
      await single.close();
    }
  });

  it('aborts an mssql Transaction when the engine rolls it back (ENVCHANGE 10)', async () => {
    const single = await new sql.ConnectionPool(mssqlConfig(h.port, { pool: { max: 1, min: 0 } })).connect();
    try {
      const tx = new sql.Transaction(single);
      await tx.begin();
      await expect(new sql.Request(tx).query('deadlock')).rejects.toMatchObject({ number: 1205 });
      await expect(tx.commit()).rejects.toMatchObject({ code: 'EABORT' });
      expect((await single.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
    } finally {
      await single.close();
    }
  });

  it('begins, commits and rolls back through TRANSACTION_MANAGER requests', async () => {
    const single = await new sql.ConnectionPool(mssqlConfig(h.port, { pool: { max: 1, min: 0 } })).connect();
    try {
      const tx = new sql.Transaction(single);
      await tx.begin();
      await new sql.Request(tx).query('SELECT 1;');
      await tx.commit();
      const tx2 = new sql.Transaction(single);
      await tx2.begin();
      await tx2.rollback();
      const session = h.endpoint.sessions[h.endpoint.sessions.length - 1];
      expect(session.transactions.map((t) => t.kind)).toEqual(['begin', 'commit', 'begin', 'rollback']);
    } finally {
      await single.close();
    }
  });
});
