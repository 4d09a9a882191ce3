// mssql pools to an emulated instance, opened the way the app opens them (encrypt, and trust the
// emulator's certificate), as the instance's first SQL login unless told otherwise.
import sql from 'mssql';
import type { RunningInstance } from '../../emulator/engine/estateServer';

export function poolConfig(target: Pick<RunningInstance, 'host' | 'port' | 'user' | 'password'>, overrides: Partial<sql.config> = {}): sql.config {
  return {
    server: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: 'master',
    options: { encrypt: true, trustServerCertificate: true },
    pool: { max: 4, min: 0 },
    connectionTimeout: 10000,
    requestTimeout: 15000,
    ...overrides,
  };
}

export async function openPool(target: Pick<RunningInstance, 'host' | 'port' | 'user' | 'password'>, overrides: Partial<sql.config> = {}): Promise<sql.ConnectionPool> {
  return new sql.ConnectionPool(poolConfig(target, overrides)).connect();
}
