// One mssql connection pool per instance, shared by every operation and opened on first use.
// Encryption is always on; the certificate is checked unless the estate says otherwise for a local
// rehearsal instance.
import type { TokenCredential } from '@azure/core-auth';
import { appCredentials } from '../platform/credential';
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

/** What decides a pool: the instance's name and how to reach and log in to it (no secret values). */
export function poolKey(instance: InstanceConfig): string {
  const { host, port, trustServerCertificate } = instance.endpoint;
  return JSON.stringify([instance.name.toLowerCase(), host.toLowerCase(), port, trustServerCertificate, instance.auth]);
}

/**
 * One mssql pool, shared by every operation on its instance. Each request holds a reference for
 * as long as it runs; a pool is closed only when nobody holds it: when it has been idle a while,
 * or when the estate changed how to reach the instance (retired) and its last request is done.
 */
class SharedPool {
  private pool?: Promise<sql.ConnectionPool>;
  private refs = 0;
  private idleTimer?: NodeJS.Timeout;
  retired = false;

  constructor(
    readonly key: string,
    readonly instance: InstanceConfig,
    private readonly config: () => sql.config,
    private readonly hooks: { opened(): void; closed(pool: SharedPool): void; idleMs: number },
  ) {}

  private connect(): Promise<sql.ConnectionPool> {
    if (!this.pool) {
      const pool = new sql.ConnectionPool(this.config());
      this.hooks.opened();
      // a pool whose connection broke is rebuilt on the next call
      pool.on('error', () => {
        if (this.pool === connecting) this.pool = undefined;
      });
      const connecting: Promise<sql.ConnectionPool> = pool.connect().catch((err: unknown) => {
        if (this.pool === connecting) this.pool = undefined;
        void pool.close().catch(() => undefined);
        throw toSqlFailure(this.instance.name, err);
      });
      this.pool = connecting;
    }
    return this.pool;
  }

  /** Runs `use` holding a reference; the pool stays open until the last reference is given back. */
  async use<T>(use: (pool: sql.ConnectionPool) => Promise<T>): Promise<T> {
    this.refs++;
    clearTimeout(this.idleTimer);
    try {
      return await use(await this.connect());
    } finally {
      this.refs--;
      if (this.refs === 0) {
        if (this.retired) void this.close();
        else {
          this.idleTimer = setTimeout(() => void this.close(), this.hooks.idleMs);
          this.idleTimer.unref();
        }
      }
    }
  }

  get inUse(): number {
    return this.refs;
  }

  async close(): Promise<void> {
    if (this.refs > 0) return;
    clearTimeout(this.idleTimer);
    // leave the registry before the first await: no request can pick this pool up any more
    const closing = this.pool;
    this.pool = undefined;
    this.hooks.closed(this);
    const pool = await closing?.catch(() => undefined);
    await pool?.close().catch(() => undefined);
  }
}

class PooledClient implements SqlClient {
  constructor(
    readonly instance: InstanceConfig,
    private readonly shared: () => SharedPool,
  ) {}

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

  private run<T>(execute: (request: sql.Request) => Promise<sql.IResult<T>>, options: QueryOptions): Promise<QueryResult<T>> {
    return this.shared().use(async (pool) => {
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
    });
  }
}

/**
 * The pools of every instance of the estate, keyed by the instance's name and connection
 * settings: an estate reloaded unchanged reuses them; a changed instance gets a new pool and the
 * old one closes once its running requests are done. Pools close when idle.
 */
export class SqlPools {
  private readonly current = new Map<string, SharedPool>();
  /** how many pools were ever opened (tests and the benchmark count them) */
  opened = 0;

  constructor(
    private readonly settings: Settings,
    private readonly credentials: SqlCredentialSource = appCredentials(settings),
    private readonly idleMs = 5 * 60_000,
  ) {}

  client(instance: InstanceConfig): SqlClient {
    return new PooledClient(instance, () => this.poolFor(instance));
  }

  private poolFor(instance: InstanceConfig): SharedPool {
    const name = instance.name.toLowerCase();
    const key = poolKey(instance);
    const existing = this.current.get(name);
    if (existing && existing.key === key) return existing;
    if (existing) {
      existing.retired = true;
      if (existing.inUse === 0) void existing.close();
    }
    const pool = new SharedPool(key, instance, () => connectionConfig(instance, this.settings, this.credentials), {
      idleMs: this.idleMs,
      opened: () => this.opened++,
      closed: (p) => {
        if (this.current.get(name) === p) this.current.delete(name);
      },
    });
    this.current.set(name, pool);
    return pool;
  }

  /** open pools now, by instance (tests) */
  get openPools(): number {
    return this.current.size;
  }

  async closeAll(): Promise<void> {
    const pools = [...this.current.values()];
    this.current.clear();
    for (const p of pools) p.retired = true;
    await Promise.all(pools.map((p) => p.close()));
  }
}

export { SqlFailure };
