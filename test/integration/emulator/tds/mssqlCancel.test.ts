// Cancellation, timeouts and connection faults with the real mssql client: ATTENTION must be
// answered with the cut-short response plus a separate DONE(ATTN) message, so tedious reuses the
// connection at once instead of waiting its 5 s cancelTimeout.
import * as sql from 'mssql';
import { type Harness, mssqlConfig, startHarness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.server.close();
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

async function withPool<T>(config: Partial<sql.config>, use: (pool: sql.ConnectionPool) => Promise<T>): Promise<T> {
  const pool = await new sql.ConnectionPool(mssqlConfig(h.port, { pool: { max: 1, min: 0 }, ...config })).connect();
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

describe('cancel', () => {
  it('cancels a running request quickly and reuses the connection', async () => {
    await withPool({}, async (pool) => {
      await pool.request().query('SELECT 1;');
      const sessionsBefore = h.endpoint.sessions.length;
      const session = h.endpoint.sessions[h.endpoint.sessions.length - 1];
      const request = pool.request();
      const pending = request.query('sleep').then(
        () => undefined,
        (e: sql.RequestError) => e,
      );
      // cancel once the engine is running it (a fixed delay is too short on a loaded machine)
      await waitFor(() => session.requests.some((r) => r.kind === 'executesql' && r.sql === 'sleep'));
      const cancelled = Date.now();
      request.cancel();
      const error = await pending;
      expect(error?.code).toBe('ECANCEL');
      expect(Date.now() - cancelled).toBeLessThan(3000); // tedious's cancelTimeout is 5 s
      expect(session.aborted).toContain('sleep');
      expect((await pool.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
      expect(h.endpoint.sessions.length).toBe(sessionsBefore);
    });
  });

  it('cancels while info messages are streaming', async () => {
    await withPool({}, async (pool) => {
      const request = pool.request();
      request.on('info', () => request.cancel());
      await expect(request.query('progress')).rejects.toMatchObject({ code: 'ECANCEL' });
      expect((await pool.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
    });
  });

  it('answers requestTimeout with ETIMEOUT well under cancelTimeout and keeps the connection', async () => {
    await withPool({ requestTimeout: 300 }, async (pool) => {
      await pool.request().query('SELECT 1;');
      const sessionsBefore = h.endpoint.sessions.length;
      const started = Date.now();
      await expect(pool.request().query('sleep')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await pool.request().batch('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
      expect(h.endpoint.sessions.length).toBe(sessionsBefore);
    });
  });
});

describe('faults', () => {
  it('surfaces a resetConnection output as a socket error, and the pool recovers', async () => {
    await withPool({}, async (pool) => {
      const error = await pool
        .request()
        .query('reset')
        .then(
          () => undefined,
          (e: sql.RequestError) => e,
        );
      expect(error).toBeDefined();
      // mssql wraps the socket error of a running request as EREQUEST "Error: read ECONNRESET"
      expect(error).toBeInstanceOf(sql.RequestError);
      expect(String(error?.message)).toMatch(/ECONNRESET/);
      const sessionsBefore = h.endpoint.sessions.length;
      expect((await pool.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
      expect(h.endpoint.sessions.length).toBe(sessionsBefore + 1);
    });
  });

  it('refuses connections while the endpoint is down', async () => {
    h.endpoint.accepting = false;
    try {
      const pool = new sql.ConnectionPool(mssqlConfig(h.port, { connectionTimeout: 3000 }));
      await expect(pool.connect()).rejects.toMatchObject({ code: 'ESOCKET' });
      await pool.close();
    } finally {
      h.endpoint.accepting = true;
    }
  });

  it('closes the engine session when the client goes away', async () => {
    await withPool({}, async (pool) => {
      await pool.request().query('SELECT 1;');
    });
    const deadline = Date.now() + 5000;
    while (h.server.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.server.connectionCount).toBe(0);
    expect(h.endpoint.sessions.every((s) => s.closed)).toBe(true);
  });
});
