// The contract between the TDS protocol layer (emulator/tds) and whatever answers the requests
// (emulator/engine). The protocol layer knows bytes and tokens; the engine knows SQL Server.
// Extend freely; do not change the meaning of what is here without updating both sides.

/** Result and parameter types the emulator speaks on the wire. */
export type SqlType =
  | 'nvarchar'
  | 'varchar'
  /** tinyint and smallint travel as INTN of 1 and 2 bytes (catalog columns SQL Server declares so) */
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'bit'
  | 'datetime2'
  | 'datetimeoffset'
  | 'datetime'
  | 'date'
  | 'decimal'
  | 'float'
  | 'uniqueidentifier'
  | 'varbinary';

/**
 * A value as the engine sees it. Integers beyond 2^53 travel as bigint; DECIMAL as a string
 * (exact); UNIQUEIDENTIFIER as its canonical upper-case string; DATETIMEOFFSET as a Date (UTC).
 */
export type SqlValue = string | number | bigint | boolean | Date | Buffer | null;

export interface ColumnSpec {
  name: string;
  type: SqlType;
  nullable?: boolean;
  /** characters for (n)varchar, bytes for varbinary; undefined or -1 = MAX */
  length?: number;
  precision?: number;
  scale?: number;
}

export interface ResultSet {
  columns: ColumnSpec[];
  rows: SqlValue[][];
}

/** An ERROR (class > 10) or INFO (class <= 10) token's content. */
export interface SqlMessage {
  number: number;
  state: number;
  /** severity: <= 10 is INFO, > 10 is ERROR */
  class: number;
  message: string;
  lineNumber?: number;
  procName?: string;
}

export interface RpcParameter {
  /** with the leading @ */
  name: string;
  type: SqlType;
  value: SqlValue;
  output: boolean;
  precision?: number;
  scale?: number;
  length?: number;
}

/** One client request after the protocol layer decoded it. */
export type ClientRequest =
  | { kind: 'batch'; sql: string }
  /** sp_executesql: the statement, the declared parameters (from @params) and their values */
  | { kind: 'executesql'; sql: string; params: RpcParameter[] }
  /** any other RPC by name or special id (e.g. sp_prepare); the engine may refuse it */
  | { kind: 'rpc'; procName: string; params: RpcParameter[] };

/**
 * What the engine produces while running a request, in order. The protocol layer turns each
 * item into tokens and writes them as they come, so progress messages (RESTORE's STATS) reach
 * the client while the statement still runs.
 */
export type RequestOutput =
  | { type: 'resultSet'; resultSet: ResultSet }
  | { type: 'message'; message: SqlMessage }
  /** end of one statement: DONE (batch) or DONEINPROC (RPC); rowCount sets the COUNT bit */
  | { type: 'statementDone'; rowCount?: number; error?: boolean }
  /** an OUTPUT parameter's value for RETURNVALUE */
  | { type: 'returnValue'; name: string; paramType: SqlType; value: SqlValue }
  /** failure injection: drop the TCP connection now, as a network fault would (error 10054 style) */
  | { type: 'resetConnection' }
  /** the session was killed (KILL): finish this response, then the server closes the connection */
  | { type: 'endConnection' }
  /** a procedure's RETURN code (RETURNSTATUS; mssql's result.returnValue); RPCs only, default 0 */
  | { type: 'returnStatus'; value: number };

/** The TCP connection a login arrived on (sys.dm_exec_connections). */
export interface ConnectionDetails {
  clientAddress: string;
  clientPort: number;
  localAddress: string;
  localPort: number;
  /** TLS protects the traffic (PRELOGIN or TDS 8 strict) */
  encrypted: boolean;
  /** the packet size the connection will use */
  packetSize: number;
  /** the negotiated TDS version, as LOGINACK carries it (0x74000004 = 7.4) */
  tdsVersion: number;
}

export interface LoginRequest {
  userName: string;
  password: string;
  /**
   * Set for Azure AD (Entra) access-token logins (FEDAUTH, security-token library), e.g. mssql's
   * `authentication.type: 'azure-active-directory-access-token'`; userName and password are empty.
   */
  accessToken?: string;
  database: string;
  appName: string;
  hostName: string;
  serverName: string;
  /** where the connection comes from and how it is protected */
  connection?: ConnectionDetails;
}

export type LoginResult =
  | { ok: true; session: EngineSession; database: string }
  | { ok: false; error: SqlMessage };

export type TransactionRequest = 'begin' | 'commit' | 'rollback' | 'save';

/** A change of the outermost transaction caused by T-SQL (see EngineSession.drainTransactionEvents). */
export type TransactionEvent = 'begin' | 'commit' | 'rollback';

/** One connection's server-side state. */
export interface EngineSession {
  readonly spid: number;
  /** Runs one request. `signal` aborts when the client sends ATTENTION. */
  execute(request: ClientRequest, signal: AbortSignal): AsyncIterable<RequestOutput>;
  /** TRANSACTION_MANAGER requests; an error message refuses the request. */
  transaction(request: TransactionRequest, name: string): SqlMessage | undefined;
  /**
   * The database the session is in after the last request. The protocol layer checks it after every
   * statement and, when it changed, sends ENVCHANGE 1 plus INFO 5701 "Changed database context to
   * '…'." itself (so the engine should not emit 5701).
   */
  currentDatabase(): string;
  /** The TCP connection closed (client gone, or reset). */
  close(): void;
  /**
   * Optional: `listener` is called when the session is ended from elsewhere (KILL, ALTER DATABASE
   * ... WITH ROLLBACK IMMEDIATE). SQL Server closes a killed session's connection: an idle one at
   * once; a running request gets its error first (the engine's endConnection).
   */
  onKilled?(listener: () => void): void;
  /**
   * Optional: transaction boundaries that T-SQL statements caused since the last call (BEGIN TRAN
   * from @@TRANCOUNT 0 to 1, COMMIT or ROLLBACK back to 0, including an XACT_ABORT rollback). Not
   * the ones `transaction()` performed. The protocol layer turns them into ENVCHANGE 8/9/10, which
   * is how clients learn that a transaction began or was rolled back under them.
   */
  drainTransactionEvents?(): TransactionEvent[];
  /**
   * Optional: the client asked for RESETCONNECTION (a pooled connection being reused): drop temp
   * tables, SET options, open transactions, and return to the login database.
   */
  reset?(): void;
}

/** What a TDS server serves: one of these per emulated instance. */
export interface EngineEndpoint {
  /** e.g. "SQL Server 2022 (RTM-CU..) 16.0.4135.4"; its 4 LOGINACK version bytes come from `versionBytes` */
  readonly serverName: string;
  readonly versionBytes: [number, number, number, number];
  /** A connection attempt; return an error to refuse it (instance down, 18456 wrong password). */
  login(request: LoginRequest): Promise<LoginResult>;
  /** Injected before any protocol work: refuse the TCP connection outright (instance down). */
  acceptConnections(): boolean;
  /**
   * Every connection must be encrypted (Azure SQL, a managed instance): PRELOGIN answers
   * ENCRYPT_REQ, a client that cannot encrypt (ENCRYPT_NOT_SUP) is refused, and ENCRYPT_OFF means
   * the whole connection is encrypted, not just the login.
   */
  readonly requireEncryption?: boolean;
}

/** PEM material for the emulator's TLS (TLS inside PRELOGIN and TDS 8 strict). */
export interface TlsMaterial {
  /** the server's private key */
  key: string;
  /** the server's certificate (SAN 127.0.0.1 and localhost) */
  cert: string;
  /** the local CA that signed `cert`, for clients that verify it (cryptoCredentialsDetails.ca) */
  ca: string;
}
