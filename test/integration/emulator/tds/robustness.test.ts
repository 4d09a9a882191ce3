// Load and abuse: concurrent queries over a pool, clients vanishing mid-response, and a client that
// stops reading (the server must stop pulling from the engine instead of buffering everything).
import * as sql from 'mssql';
import { PASSWORD } from './fakeEngine';
import { type Harness, mssqlConfig, startHarness } from './harness';
import { RawTdsClient, TYPE, batchPayload } from './rawClient';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.server.close();
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

describe('robustness', () => {
  it('serves 40 concurrent queries over a pool of 4', async () => {
    const pool = await new sql.ConnectionPool(mssqlConfig(h.port, { pool: { max: 4, min: 0 } })).connect();
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          pool
            .request()
            .input('i', sql.Int, i)
            .query(i % 2 === 0 ? 'echo' : 'typed'),
        ),
      );
      results.forEach((result, i) => {
        if (i % 2 === 0) expect(result.recordset).toEqual([{ i }]);
        else expect(result.recordset[0].i).toBe(-123456);
      });
      expect(h.server.connectionCount).toBeLessThanOrEqual(4);
    } finally {
      await pool.close();
    }
  });

  it('survives clients that vanish in the middle of a large response', async () => {
    for (let i = 0; i < 5; i++) {
      const c = await RawTdsClient.connect(h.port);
      await c.login(PASSWORD);
      c.send(TYPE.SQL_BATCH, batchPayload(i % 2 === 0 ? 'big' : 'huge'));
      await new Promise((r) => setTimeout(r, 5));
      c.socket.resetAndDestroy();
    }
    expect(await waitFor(() => h.server.connectionCount === 0)).toBe(true);
    expect(h.endpoint.sessions.every((s) => s.closed)).toBe(true);
    const pool = await new sql.ConnectionPool(mssqlConfig(h.port)).connect();
    expect((await pool.request().query('SELECT 1;')).recordset).toEqual([{ '': 1 }]);
    await pool.close();
  });

  it('stops pulling from the engine while the client does not read', async () => {
    const c = await RawTdsClient.connect(h.port);
    try {
      await c.login(PASSWORD);
      const session = h.endpoint.sessions[h.endpoint.sessions.length - 1];
      c.socket.pause();
      c.send(TYPE.SQL_BATCH, batchPayload('huge'));
      await waitFor(() => session.hugeYielded > 0);
      await new Promise((r) => setTimeout(r, 500));
      // ~100 MB in total; socket buffers hold a few MB, so a server without backpressure would be done
      expect(session.hugeYielded).toBeLessThan(25);
      c.socket.resume();
      expect(await waitFor(() => session.hugeYielded === 50, 20_000)).toBe(true);
    } finally {
      c.close();
    }
  });
});
