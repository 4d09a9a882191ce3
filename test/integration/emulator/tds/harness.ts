// Starts a TdsServer over the fake engine on 127.0.0.1 (free port) and builds mssql configs for it.
import type * as sql from 'mssql';
import { TdsServer } from '../../../../emulator/tds/server';
import { generateTlsMaterial } from '../../../../emulator/tds/tls/certificate';
import type { TlsMaterial } from '../../../../emulator/tds/types';
import { FakeEndpoint, PASSWORD } from './fakeEngine';

export interface Harness {
  server: TdsServer;
  endpoint: FakeEndpoint;
  port: number;
  tls: TlsMaterial;
}

export async function startHarness(): Promise<Harness> {
  const tls = generateTlsMaterial(['localhost']);
  const endpoint = new FakeEndpoint();
  const server = new TdsServer(endpoint, { tls });
  const port = await server.listen(0);
  return { server, endpoint, port, tls };
}

export function mssqlConfig(port: number, overrides: Partial<sql.config> = {}): sql.config {
  const { options, ...rest } = overrides;
  return {
    server: '127.0.0.1',
    port,
    user: 'sa',
    password: PASSWORD,
    database: 'master',
    connectionTimeout: 10_000,
    requestTimeout: 15_000,
    pool: { max: 4, min: 0 },
    ...rest,
    options: { encrypt: false, trustServerCertificate: true, ...options },
  };
}
