// Injected faults as the mssql client sees them, set through the admin HTTP API.
import sql from 'mssql';
import type { RunningEstate } from '../../../../emulator/engine/estateServer';
import { openPool, poolConfig, startTestEstate } from './estateFixture';

async function admin(estate: RunningEstate, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${estate.adminUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('failure injection through the admin API', () => {
  let estate: RunningEstate;
  // the pool's own `SELECT 1` probe on every acquire would consume statement faults; check the socket only
  const noProbe: Partial<sql.config> = { validateConnection: 'socket' } as Partial<sql.config>;

  beforeAll(async () => {
    estate = await startTestEstate();
  });

  afterAll(async () => {
    await estate?.stop();
  });

  afterEach(async () => {
    await admin(estate, 'DELETE', '/instances/sql-onprem/faults');
  });

  it('GET /instances lists each instance with its port; unknown routes are 404', async () => {
    const list = await admin(estate, 'GET', '/instances');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      expect.objectContaining({ name: 'sql-onprem', kind: 'sqlServer', port: estate.find('sql-onprem').port, faults: [] }),
      expect.objectContaining({ name: 'mi-prod', kind: 'managedInstance', updatePolicy: 'SQL Server 2022' }),
    ]);
    const one = await admin(estate, 'GET', '/instances/sql-onprem');
    expect(one.json).toMatchObject({ databases: expect.arrayContaining([expect.objectContaining({ name: 'Sales', state: 'ONLINE' })]) });
    expect((await admin(estate, 'GET', '/instances/nope')).status).toBe(404);
    expect((await admin(estate, 'POST', '/instances/sql-onprem/faults', { kind: 'meteor' })).status).toBe(400);
  });

  it('transient errors reach mssql with their number, then clear', async () => {
    const pool = await openPool(estate.find('sql-onprem'), noProbe);
    try {
      const set = await admin(estate, 'POST', '/instances/sql-onprem/faults', { kind: 'transientErrors', count: 1, errorNumber: 1205 });
      expect(set.status).toBe(201);
      await expect(pool.request().query('SELECT 1 AS one')).rejects.toMatchObject({ number: 1205 });
      expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
      await admin(estate, 'POST', '/instances/sql-onprem/faults', { kind: 'transientErrors', count: 5 });
      await expect(pool.request().query('SELECT 1 AS one')).rejects.toMatchObject({ number: 40613 });
      expect((await admin(estate, 'DELETE', '/instances/sql-onprem/faults/transientErrors')).status).toBe(200);
      expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
    } finally {
      await pool.close();
    }
  });

  it('a socket reset surfaces as ECONNRESET; the next connection works', async () => {
    const pool = await openPool(estate.find('sql-onprem'), noProbe);
    try {
      expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
      await admin(estate, 'POST', '/instances/sql-onprem/faults', { kind: 'socketResets', count: 1 });
      // mssql reports a connection reset by the server as a RequestError carrying the socket error
      await expect(pool.request().query('SELECT 1 AS one')).rejects.toThrow(/ECONNRESET/);
      expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
    } finally {
      await pool.close();
    }
  });

  it('refused logins give 18456 (or the chosen number) until removed', async () => {
    await admin(estate, 'POST', '/instances/sql-onprem/faults', { kind: 'refuseLogins' });
    await expect(new sql.ConnectionPool(poolConfig(estate.find('sql-onprem'))).connect()).rejects.toMatchObject({ code: 'ELOGIN' });
    await admin(estate, 'DELETE', '/instances/sql-onprem/faults/refuseLogins');
    const pool = await openPool(estate.find('sql-onprem'));
    await pool.close();
  });

  it('instance down refuses new connections and resets open ones; it comes back when cleared', async () => {
    const pool = await openPool(estate.find('sql-onprem'), noProbe);
    try {
      // a connection in the pool first, so the next query reuses it
      expect((await pool.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
      await admin(estate, 'POST', '/instances/sql-onprem/faults', { kind: 'instanceDown' });
      await expect(pool.request().query('SELECT 1 AS one')).rejects.toThrow(/ECONNRESET/);
      await expect(new sql.ConnectionPool(poolConfig(estate.find('sql-onprem'), { connectionTimeout: 3000 })).connect()).rejects.toMatchObject({ code: 'ESOCKET' });
      await admin(estate, 'DELETE', '/instances/sql-onprem/faults/instanceDown');
      const again = await openPool(estate.find('sql-onprem'));
      expect((await again.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
      await again.close();
    } finally {
      await pool.close();
    }
  });
});
