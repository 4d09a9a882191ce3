// Encryption with the real mssql client: TLS inside PRELOGIN (encrypt: true), trusted either with
// trustServerCertificate or with the generated CA, and TDS 8 strict (TLS first, ALPN tds/8.0).
import * as sql from 'mssql';
import { type Harness, mssqlConfig, startHarness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.server.close();
});

async function exercise(config: sql.config, expectedEncryption: 'none' | 'prelogin' | 'strict'): Promise<void> {
  const pool = await new sql.ConnectionPool({ ...config, pool: { max: 1, min: 0 } }).connect();
  try {
    const typed = await pool.request().query('typed');
    expect(typed.recordset[0].i).toBe(-123456);
    const big = await pool.request().query('big');
    expect(big.recordset).toHaveLength(3000);
    const long = 'z'.repeat(20_000);
    const echoed = await pool.request().input('s', sql.NVarChar(sql.MAX), long).query('echo');
    expect(echoed.recordset[0].s).toBe(long);
    const summaries = h.server.connections().filter((c) => c.loggedIn);
    expect(summaries.map((c) => c.encryption)).toContain(expectedEncryption);
  } finally {
    await pool.close();
  }
}

describe('TLS', () => {
  it('serves plaintext when the client does not encrypt', async () => {
    await exercise(mssqlConfig(h.port, { options: { encrypt: false } }), 'none');
  });

  it('negotiates TLS inside PRELOGIN with trustServerCertificate', async () => {
    await exercise(mssqlConfig(h.port, { options: { encrypt: true, trustServerCertificate: true } }), 'prelogin');
  });

  it('negotiates TLS inside PRELOGIN trusting the generated CA', async () => {
    const config = mssqlConfig(h.port, {
      options: { encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca: h.tls.ca } },
    });
    await exercise(config, 'prelogin');
  });

  it('rejects the certificate when the client trusts neither it nor the CA', async () => {
    const pool = new sql.ConnectionPool(
      mssqlConfig(h.port, { connectionTimeout: 5000, options: { encrypt: true, trustServerCertificate: false } }),
    );
    await expect(pool.connect()).rejects.toMatchObject({ code: 'ESOCKET' });
    await pool.close();
  });

  it('speaks TDS 8 strict with the CA', async () => {
    const config = mssqlConfig(h.port, {
      options: { encrypt: 'strict', cryptoCredentialsDetails: { ca: h.tls.ca } },
    });
    await exercise(config, 'strict');
  });
});
