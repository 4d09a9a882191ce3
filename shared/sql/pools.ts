// One mssql connection pool per instance, opened on first use. Encryption is always on; the
// certificate is checked unless the estate says otherwise for a local rehearsal instance.
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import sql from 'mssql';
import type { InstanceConfig } from '../config/schema';
import { AppError } from '../errors';
import type { SqlParam } from './statement';
import { Statement } from './statement';
import { ServerMessage, SqlFailure, toSqlFailure } from './sqlErrors';

type Settings = Record<string, string | undefined>;

export interface QueryOptions {
  /** 0 = no timeout (RESTORE on SQL Server must not be cut at tedious's 15 s default) */
  timeoutMs?: number;
  /** progress and success messages (severity <= 10: 3211, 4035, 3014) as they arrive */
  onInfo?: (message: ServerMessage) => void;
}

export interface QueryResult<T = Record<string, unknown>> {
  recordsets: T[][];
  rowsAffected: number[];
  infos: ServerMessage[];
}

export interface SqlClient {
  readonly instance: InstanceConfig;
  /** Runs a statement with bound parameters (sp_executesql). */
  query<T = Record<string, unknown>>(statement: Statement | { text: string; params: SqlParam[] }, options?: QueryOptions): Promise<QueryResult<T>>;
  /** Runs a literal batch (no parameters), for the statements T-SQL takes no variables in. */
  batch<T = Record<string, unknown>>(text: string, options?: QueryOptions): Promise<QueryResult<T>>;
}

function bind(request: sql.Request, params: SqlParam[]): void {
  for (const p of params) {
    const type = p.type === 'int' ? sql.Int : p.type === 'bigint' ? sql.BigInt : p.type === 'bit' ? sql.Bit : sql.NVarChar(sql.MAX);
    request.input(p.name, type, p.value);
  }
}

/** The Entra identity SQL connections use: a user-assigned identity by client id, or the default chain. */
export type SqlCredentialSource = (clientId: string | undefined) => TokenCredential;

function defaultCredentials(): SqlCredentialSource {
  // one credential per identity, so its token cache serves every pool
  const cache = new Map<string, TokenCredential>();
  return (clientId) => {
    let c = cache.get(clientId ?? '');
    if (!c) {
      c = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined);
      cache.set(clientId ?? '', c);
    }
    return c;
  };
}

export function connectionConfig(instance: InstanceConfig, settings: Settings, credentials: SqlCredentialSource): sql.config {
  const base: sql.config = {
    server: instance.endpoint.host,
    port: instance.endpoint.port,
    database: 'master',
    options: { encrypt: true, trustServerCertificate: instance.endpoint.trustServerCertificate, appName: 'mi-autopilot' },
    pool: { max: 4, min: 0, idleTimeoutMillis: 30_000 },
    connectionTimeout: 15_000,
    requestTimeout: 30_000,
  };
  if (instance.auth.type === 'sql') {
    const password = settings[instance.auth.passwordSetting];
    if (!password) {
      throw new AppError('SQL_PASSWORD_MISSING', `app setting ${instance.auth.passwordSetting} (the password of ${instance.auth.user} on ${instance.name}) is not set`);
    }
    return { ...base, user: instance.auth.user, password };
  }
  // Entra ID through the app's managed identity: tedious asks the credential for a token for the
  // resource the server names (FEDAUTHINFO), at every new connection, so tokens never go stale
  return {
    ...base,
    authentication: { type: 'token-credential', options: { credential: credentials(instance.auth.clientId) } },
  } as sql.config;
}

class PooledClient implements SqlClient {
  private pool?: Promise<sql.ConnectionPool>;

  constructor(
    readonly instance: InstanceConfig,
    private readonly settings: Settings,
    private readonly credentials: SqlCredentialSource,
  ) {}

  private connect(): Promise<sql.ConnectionPool> {
    if (!this.pool) {
      const config = connectionConfig(this.instance, this.settings, this.credentials);
      const pool = new sql.ConnectionPool(config);
      // a pool whose connection broke is rebuilt on the next call
      pool.on('error', () => {
        this.pool = undefined;
      });
      this.pool = pool.connect().catch((err: unknown) => {
        this.pool = undefined;
        throw toSqlFailure(this.instance.name, err);
      });
    }
    return this.pool;
  }

  async query<T>(statement: Statement | { text: string; params: SqlParam[] }, options: QueryOptions = {}): Promise<QueryResult<T>> {
    const { text, params } = statement instanceof Statement ? statement.parameterized() : statement;
    return this.run<T>((request) => {
      bind(request, params);
      return request.query<T>(text);
    }, options);
  }

  batch<T>(text: string, options: QueryOptions = {}): Promise<QueryResult<T>> {
    return this.run<T>((request) => request.batch<T>(text), options);
  }

  private async run<T>(execute: (request: sql.Request) => Promise<sql.IResult<T>>, options: QueryOptions): Promise<QueryResult<T>> {
    const pool = await this.connect();
    // mssql's Request takes a per-request timeout override that its type definitions omit
    const RequestWithOverrides = sql.Request as unknown as new (pool: sql.ConnectionPool, overrides: { requestTimeout?: number }) => sql.Request;
    const request = new RequestWithOverrides(pool, options.timeoutMs !== undefined ? { requestTimeout: options.timeoutMs } : {});
    const infos: ServerMessage[] = [];
    request.on('info', (info: { number: number; state: number; class: number; message: string }) => {
      const message = { number: info.number, state: info.state, class: info.class, message: info.message };
      infos.push(message);
      options.onInfo?.(message);
    });
    try {
      const result = await execute(request);
      return { recordsets: (result.recordsets as unknown as T[][]) ?? [], rowsAffected: result.rowsAffected, infos };
    } catch (err) {
      throw toSqlFailure(this.instance.name, err);
    }
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    this.pool = undefined;
    await pool?.close();
  }
}

/** The pools of every instance of the estate. */
export class SqlPools {
  private readonly clients = new Map<string, PooledClient>();

  constructor(
    private readonly settings: Settings,
    private readonly credentials: SqlCredentialSource = defaultCredentials(),
  ) {}

  client(instance: InstanceConfig): SqlClient {
    const key = instance.name.toLowerCase();
    let client = this.clients.get(key);
    if (!client || client.instance !== instance) {
      void client?.close();
      client = new PooledClient(instance, this.settings, this.credentials);
      this.clients.set(key, client);
    }
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}

export { SqlFailure };
