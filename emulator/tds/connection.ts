// One client connection: transport (plaintext, TLS inside PRELOGIN, or TDS 8 strict TLS), the
// PRELOGIN -> LOGIN7 -> requests state machine, a sequential request queue, and ATTENTION handled
// out of band. Nothing here may throw out of a socket handler: every failure ends this connection
// only.
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { ByteWriter } from './byteWriter';
import { DEFAULT_COLLATION } from './datatypes/collation';
import { buildLoginFailure, buildLoginSuccess, databaseChangedMessage } from './login/loginResponse';
import { FEDAUTH_LIBRARY_ADAL, FEDAUTH_LIBRARY_SECURITY_TOKEN, type Login7, TdsVersion, negotiateTdsVersion, parseLogin7 } from './login/login7';
import { Encryption, buildPreloginResponse, chooseEncryption, parsePrelogin } from './login/prelogin';
import {
  DEFAULT_PACKET_SIZE,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  PacketReassembler,
  PacketStatus,
  PacketType,
  type TdsMessage,
} from './packets';
import { toClientRequest } from './requests/clientRequest';
import { PreparedStatements } from './requests/preparedStatements';
import { parseRpcRequest } from './requests/rpcRequest';
import { parseSqlBatch } from './requests/sqlBatch';
import { parseTransactionManager } from './requests/transactionManager';
import { messagesFromThrown } from './response/engineErrors';
import { RequestResponder, type ResponderOutcome, type ResponseShape } from './response/requestResponder';
import { ResponseWriter, writeWholeMessage } from './response/responseWriter';
import { TransportDuplex } from './tls/transportDuplex';
import { DoneStatus, doneBytes, writeDone } from './tokens/done';
import { EnvChangeType, writeBinaryEnvChange, writeTextEnvChange } from './tokens/envchange';
import { FeatureId } from './tokens/featureExtAck';
import { readFedAuthToken, writeFedAuthInfo } from './tokens/fedAuthInfo';
import { writeMessage } from './tokens/message';
import { TransactionTracker } from './transactions';
import type { ClientRequest, EngineEndpoint, EngineSession, LoginResult, RequestOutput, SqlMessage } from './types';

const TLS_HANDSHAKE_RECORD = 0x16;
const KEEPALIVE_DELAY_MS = 30_000;
/** The login exchange stays within the pre-login default packet size (tds.md pitfall 1). */
const LOGIN_PACKET_SIZE = 4096;

export interface ConnectionContext {
  endpoint: EngineEndpoint;
  /** TLS 1.2 at most: tedious caps TLS inside PRELOGIN at 1.2 */
  preloginTls: tls.SecureContext;
  strictTls: tls.SecureContext;
  /** who answers sp_prepare/sp_execute/sp_prepexec/sp_unprepare (see TdsServerOptions) */
  preparedStatements: 'protocol' | 'engine';
}

export interface ConnectionSummary {
  encryption: 'none' | 'prelogin' | 'strict';
  loggedIn: boolean;
  spid: number;
  packetSize: number;
}

/** What FEDAUTHINFO tells a client: get a token from Entra for Azure SQL (scope https://database.windows.net/.default). */
const ENTRA_AUTHORITY = 'https://login.microsoftonline.com/common';
const SQL_RESOURCE = 'https://database.windows.net/';

type State = 'new' | 'prelogin' | 'login' | 'fedAuth' | 'loggingIn' | 'loggedIn' | 'closed';

/** SQL Server's error for a malformed RPC/batch payload (e.g. an unknown parameter type). */
function malformedRequest(detail: string): SqlMessage {
  return {
    number: 8016,
    state: 1,
    class: 16,
    message: `The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is incorrect. ${detail}`,
  };
}

async function* failing(error: unknown): AsyncGenerator<RequestOutput> {
  throw error;
}

async function* nothing(): AsyncGenerator<RequestOutput> {
  // a request cancelled before it started: no engine work, just the (empty) response
}

export class TdsConnection {
  private state: State = 'new';
  /** a refused login: the answer is on its way, nothing more is read */
  private closing = false;
  private transport: TransportDuplex | undefined;
  private tlsSocket: tls.TLSSocket | undefined;
  /** how this connection's traffic is protected */
  private encryption: ConnectionSummary['encryption'] = 'none';
  private readonly reassembler = new PacketReassembler();
  private readonly queue: TdsMessage[] = [];
  private readonly cancelledBeforeStart = new WeakSet<TdsMessage>();
  private busy = false;
  private current: { controller: AbortController; attention: boolean } | undefined;
  private packetSize = DEFAULT_PACKET_SIZE;
  private session: EngineSession | undefined;
  /** a LOGIN7 that asked for the ADAL workflow, waiting for its FEDAUTH_TOKEN */
  private pendingLogin: { login: Login7; tdsVersion: number } | undefined;
  private database = '';
  private spid = 0;
  private tdsVersion = 0;
  private readonly transactions = new TransactionTracker();
  private readonly prepared = new PreparedStatements();

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    private readonly onClosed: (connection: TdsConnection) => void,
  ) {}

  /** What diagnostics and tests may look at. */
  get summary(): ConnectionSummary {
    return { encryption: this.encryption, loggedIn: this.state === 'loggedIn', spid: this.spid, packetSize: this.packetSize };
  }

  start(): void {
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    this.socket.on('error', () => this.destroy());
    this.socket.on('close', () => this.destroy());
    this.socket.on('data', (chunk: Buffer) => this.guard(() => this.onSocketData(chunk)));
  }

  /** Closes the connection at once (server shutdown, protocol errors, client gone). */
  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.current?.controller.abort();
    this.tlsSocket?.destroy();
    this.transport?.destroy();
    this.socket.destroy();
    const session = this.session;
    this.session = undefined;
    try {
      session?.close();
    } catch {
      // the engine's cleanup failing must not take the server down
    }
    this.onClosed(this);
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch {
      this.destroy();
    }
  }

  private onSocketData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (this.state === 'new') {
      this.state = 'prelogin';
      // TDS 8 (strict): the client starts with a TLS ClientHello instead of PRELOGIN.
      if (chunk[0] === TLS_HANDSHAKE_RECORD) {
        this.transport = new TransportDuplex(this.socket, 'raw');
        this.attachTls('strict', this.ctx.strictTls, ['tds/8.0']);
      }
    }
    if (this.transport) this.transport.receive(chunk);
    else this.onTdsBytes(chunk);
  }

  private attachTls(mode: 'prelogin' | 'strict', context: tls.SecureContext, alpn?: string[]): void {
    if (!this.transport) return;
    this.transport.on('error', () => this.destroy());
    const secure = new tls.TLSSocket(this.transport, {
      isServer: true,
      secureContext: context,
      ALPNProtocols: alpn,
    });
    secure.on('data', (chunk: Buffer) => this.guard(() => this.onTdsBytes(chunk)));
    secure.on('error', () => this.destroy());
    secure.on('close', () => this.destroy());
    this.tlsSocket = secure;
    this.encryption = mode;
  }

  private send(packet: Buffer): void {
    if (this.state === 'closed') return;
    const out = this.tlsSocket ?? this.socket;
    if (!out.destroyed) out.write(packet);
  }

  private readonly sink = (packet: Buffer): void => this.send(packet);

  private onTdsBytes(chunk: Buffer): void {
    for (const message of this.reassembler.push(chunk)) {
      if (message.type === PacketType.ATTENTION) this.onAttention();
      else this.queue.push(message);
      // Start each request before looking at the next packet, so an ATTENTION right behind it
      // finds the request running.
      this.pump();
    }
  }

  private pump(): void {
    while (!this.busy && this.queue.length > 0 && this.state !== 'closed') {
      const message = this.queue.shift() as TdsMessage;
      const work = this.dispatch(message);
      if (work) {
        this.busy = true;
        work
          .catch(() => this.destroy())
          .finally(() => {
            this.busy = false;
            this.pump();
          });
      }
    }
  }

  private dispatch(message: TdsMessage): Promise<void> | undefined {
    if (this.closing) return undefined;
    switch (this.state) {
      case 'prelogin':
        if (message.type === PacketType.PRELOGIN) {
          this.onPrelogin(message);
          return undefined;
        }
        if (message.type === PacketType.LOGIN7) return this.onLogin(message);
        break;
      case 'login':
        if (message.type === PacketType.LOGIN7) return this.onLogin(message);
        break;
      case 'fedAuth':
        if (message.type === PacketType.FEDAUTH_TOKEN) return this.onFedAuthToken(message);
        break;
      case 'loggedIn':
        if (
          message.type === PacketType.SQL_BATCH ||
          message.type === PacketType.RPC_REQUEST ||
          message.type === PacketType.TRANSACTION_MANAGER
        ) {
          return this.onRequest(message);
        }
        if (message.type === PacketType.BULK_LOAD) {
          this.onUnsupportedRequest('BULK_LOAD (bulk insert)');
          return undefined;
        }
        break;
      default:
        break;
    }
    this.destroy();
    return undefined;
  }

  private onPrelogin(message: TdsMessage): void {
    const request = parsePrelogin(message.payload);
    const required = this.ctx.endpoint.requireEncryption === true;
    const encryption = chooseEncryption(request.encryption, this.encryption !== 'none', required);
    const response = buildPreloginResponse(this.ctx.endpoint.versionBytes, encryption);
    writeWholeMessage(this.sink, response, LOGIN_PACKET_SIZE);
    if (required && this.encryption === 'none' && (request.encryption === undefined || request.encryption === Encryption.NOT_SUP)) {
      // the server requires encryption and the client cannot do it: ENCRYPT_REQ, then the server
      // ends the connection (MS-TDS; Azure SQL refuses unencrypted clients)
      this.closing = true;
      this.state = 'login';
      const out = this.tlsSocket ?? this.socket;
      out.end(() => this.destroy());
      setTimeout(() => this.destroy(), 1000).unref();
      return;
    }
    if (encryption === Encryption.ON || encryption === Encryption.REQ) {
      // From here the client wraps its TLS handshake in PRELOGIN packets.
      this.transport = new TransportDuplex(this.socket, 'prelogin');
      this.attachTls('prelogin', this.ctx.preloginTls);
    }
    this.state = 'login';
  }

  private async onLogin(message: TdsMessage): Promise<void> {
    this.state = 'loggingIn';
    const login = parseLogin7(message.payload);
    const tdsVersion = negotiateTdsVersion(login.tdsVersion);
    if (tdsVersion === undefined) {
      const error: SqlMessage = {
        number: 18456,
        state: 1,
        class: 14,
        message: `Login failed: TDS version 0x${login.tdsVersion.toString(16)} is not supported (7.2 or later is required).`,
      };
      this.refuseLogin(error);
      return;
    }
    if (login.fedAuth?.library === FEDAUTH_LIBRARY_ADAL) {
      // the client gets its Entra token once told where from (tedious's token-credential and
      // azure-active-directory-* methods): FEDAUTHINFO now, the token in a FEDAUTH_TOKEN message
      this.pendingLogin = { login, tdsVersion };
      const w = new ByteWriter(256);
      writeFedAuthInfo(w, { stsUrl: ENTRA_AUTHORITY, spn: SQL_RESOURCE });
      writeWholeMessage(this.sink, w.toBuffer(), LOGIN_PACKET_SIZE);
      this.state = 'fedAuth';
      return;
    }
    if (login.fedAuth && login.fedAuth.library !== FEDAUTH_LIBRARY_SECURITY_TOKEN) {
      this.refuseLogin({ number: 18456, state: 1, class: 14, message: `Login failed: federated authentication library ${login.fedAuth.library} is not supported by this server.` });
      return;
    }
    await this.completeLogin(login, tdsVersion, login.fedAuth?.token);
  }

  private async onFedAuthToken(message: TdsMessage): Promise<void> {
    const pending = this.pendingLogin;
    this.pendingLogin = undefined;
    this.state = 'loggingIn';
    let token: string;
    try {
      if (!pending) throw new Error('no login is waiting for a token');
      token = readFedAuthToken(message.payload);
    } catch {
      this.refuseLogin({ number: 18456, state: 1, class: 14, message: "Login failed for user '<token-identified principal>'." });
      return;
    }
    await this.completeLogin(pending.login, pending.tdsVersion, token);
  }

  private async completeLogin(login: Login7, tdsVersion: number, accessToken: string | undefined): Promise<void> {
    const endpoint = this.ctx.endpoint;
    const requested = login.packetSize === 0 ? DEFAULT_PACKET_SIZE : login.packetSize;
    let result: LoginResult;
    try {
      result = await endpoint.login({
        userName: login.userName,
        password: login.password,
        accessToken,
        database: login.database,
        appName: login.appName,
        hostName: login.hostName,
        serverName: login.serverName,
        connection: {
          clientAddress: (this.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
          clientPort: this.socket.remotePort ?? 0,
          localAddress: (this.socket.localAddress ?? '').replace(/^::ffff:/, ''),
          localPort: this.socket.localPort ?? 0,
          encrypted: this.encryption !== 'none',
          packetSize: Math.min(MAX_PACKET_SIZE, Math.max(MIN_PACKET_SIZE, requested)),
          tdsVersion,
        },
      });
    } catch (e) {
      const messages = messagesFromThrown(e);
      result = { ok: false, error: messages[messages.length - 1] };
    }
    if ((this.state as State) === 'closed') {
      if (result.ok) result.session.close();
      return;
    }
    if (!result.ok) {
      this.refuseLogin(result.error);
      return;
    }
    this.session = result.session;
    this.spid = result.session.spid;
    result.session.onKilled?.(() => this.onSessionKilled());
    this.tdsVersion = tdsVersion;
    this.database = result.database;
    this.packetSize = Math.min(MAX_PACKET_SIZE, Math.max(MIN_PACKET_SIZE, requested));
    const response = buildLoginSuccess({
      database: result.database,
      collation: DEFAULT_COLLATION,
      tdsVersion,
      versionBytes: endpoint.versionBytes,
      packetSize: this.packetSize,
      previousPacketSize: DEFAULT_PACKET_SIZE,
      serverName: endpoint.serverName,
      acknowledgeUtf8: login.features.has(FeatureId.UTF8_SUPPORT),
      acknowledgeFedAuth: login.fedAuth !== undefined,
    });
    writeWholeMessage(this.sink, response, LOGIN_PACKET_SIZE, this.spid);
    this.state = 'loggedIn';
  }

  /**
   * KILL or ROLLBACK IMMEDIATE ended the session: SQL Server closes its connection. A request that
   * is running (or waiting to) gets its 596 first and closes the connection after its response.
   */
  private onSessionKilled(): void {
    if (this.state !== 'loggedIn' || this.current || this.busy || this.queue.length > 0) return;
    this.closeAfterWrites();
  }

  /** Lets what was written reach the client, then closes the connection (FIN, not a reset). */
  private closeAfterWrites(): void {
    if (this.state === 'closed' || this.closing) return;
    this.closing = true;
    const out = this.tlsSocket ?? this.socket;
    out.end(() => this.destroy());
    setTimeout(() => this.destroy(), 1000).unref();
  }

  private refuseLogin(error: SqlMessage): void {
    writeWholeMessage(this.sink, buildLoginFailure(error, this.ctx.endpoint.serverName), LOGIN_PACKET_SIZE);
    this.state = 'login';
    this.closing = true;
    // Let the response reach the client, then close (SQL Server closes after a failed login).
    const out = this.tlsSocket ?? this.socket;
    out.end(() => this.destroy());
    setTimeout(() => this.destroy(), 1000).unref();
  }

  private onAttention(): void {
    if (this.state !== 'loggedIn') return;
    if (this.current) {
      this.current.attention = true;
      this.current.controller.abort();
      return;
    }
    const queued = this.queue[this.queue.length - 1];
    if (queued) {
      this.cancelledBeforeStart.add(queued);
      return;
    }
    // The response already went out: acknowledge on its own (MS-TDS 3.3.5.9).
    this.sendAttentionAck();
  }

  private sendAttentionAck(): void {
    writeWholeMessage(this.sink, doneBytes({ kind: 'done', status: DoneStatus.ATTN }), this.packetSize, this.spid);
  }

  private async onRequest(message: TdsMessage): Promise<void> {
    const controller = new AbortController();
    const current = { controller, attention: false };
    this.current = current;
    if (this.cancelledBeforeStart.has(message)) {
      current.attention = true;
      controller.abort();
    }
    const writer = new ResponseWriter(this.sink, this.packetSize, this.spid);
    try {
      if (message.lastStatus & PacketStatus.IGNORE) {
        // The client gave up while still sending: a lone DONE(ERROR), no attention ack (MS-TDS 2.2.1.7).
        writer.write(doneBytes({ kind: 'done', status: DoneStatus.ERROR }));
        writer.end();
        return;
      }
      if (message.firstStatus & (PacketStatus.RESET_CONNECTION | PacketStatus.RESET_CONNECTION_SKIP_TRAN)) {
        this.resetSession(writer, (message.firstStatus & PacketStatus.RESET_CONNECTION_SKIP_TRAN) !== 0);
      }
      const outcome = await this.runRequest(message, writer, controller.signal);
      if (outcome === 'reset') return;
      writer.end();
      if (outcome === 'close') this.closeAfterWrites();
    } finally {
      if (this.current === current) this.current = undefined;
      if (current.attention && this.state === 'loggedIn' && !this.closing) this.sendAttentionAck();
    }
  }

  /** A well-formed request the emulator does not implement: an error, and the connection lives on. */
  private onUnsupportedRequest(what: string): void {
    const w = new ByteWriter(128);
    writeMessage(
      w,
      { number: 40517, state: 1, class: 16, message: `Keyword or statement option '${what}' is not supported in this version of SQL Server.` },
      this.ctx.endpoint.serverName,
    );
    writeDone(w, { kind: 'done', status: DoneStatus.ERROR });
    writeWholeMessage(this.sink, w.toBuffer(), this.packetSize, this.spid);
  }

  private resetSession(writer: ResponseWriter, keepTransaction: boolean): void {
    this.session?.reset?.();
    if (!keepTransaction) this.transactions.reset();
    const w = new ByteWriter(16);
    writeBinaryEnvChange(w, EnvChangeType.RESET_CONNECTION_ACK, Buffer.alloc(0), Buffer.alloc(0));
    this.writeStateChanges(w);
    writer.write(w.toBuffer());
  }

  private async runRequest(message: TdsMessage, writer: ResponseWriter, signal: AbortSignal): Promise<ResponderOutcome> {
    switch (message.type) {
      case PacketType.SQL_BATCH: {
        let sql: string;
        try {
          sql = parseSqlBatch(message.payload);
        } catch (e) {
          return this.respond(writer, failing(malformedRequest(String(e))), { kind: 'batch' }, signal);
        }
        return this.execute(writer, { kind: 'batch', sql }, { kind: 'batch' }, signal);
      }
      case PacketType.RPC_REQUEST: {
        let requests: ClientRequest[];
        try {
          requests = parseRpcRequest(message.payload).map(toClientRequest);
        } catch (e) {
          const detail = e instanceof Error ? e.message : String(e);
          return this.respond(writer, failing(malformedRequest(detail)), { kind: 'rpc', params: [], last: true }, signal);
        }
        let outcome: ResponderOutcome = 'completed';
        for (let i = 0; i < requests.length && outcome === 'completed'; i++) {
          const request = requests[i];
          const params = request.kind === 'batch' ? [] : request.params;
          outcome = await this.execute(writer, request, { kind: 'rpc', params, last: i === requests.length - 1 }, signal);
        }
        return outcome;
      }
      default:
        this.onTransactionManager(message, writer);
        return 'completed';
    }
  }

  private execute(
    writer: ResponseWriter,
    request: ClientRequest,
    shape: ResponseShape,
    signal: AbortSignal,
  ): Promise<ResponderOutcome> {
    const run = (r: ClientRequest): AsyncIterable<RequestOutput> => {
      try {
        if (signal.aborted) return nothing();
        if (!this.session) throw new Error('no session');
        return this.session.execute(r, signal);
      } catch (e) {
        return failing(e);
      }
    };
    const outputs =
      this.ctx.preparedStatements === 'protocol' && this.prepared.handles(request)
        ? this.prepared.run(request, run)
        : run(request);
    return this.respond(writer, outputs, shape, signal);
  }

  private respond(
    writer: ResponseWriter,
    outputs: AsyncIterable<RequestOutput>,
    shape: ResponseShape,
    signal: AbortSignal,
  ): Promise<ResponderOutcome> {
    const responder = new RequestResponder(
      {
        writer,
        collation: DEFAULT_COLLATION,
        serverName: this.ctx.endpoint.serverName,
        writeStateChanges: (w) => this.writeStateChanges(w),
        inTransaction: () => this.transactions.active,
        waitWritable: () => this.waitWritable(),
        downlevelDates: this.tdsVersion < TdsVersion.V7_3A,
        resetConnection: () => this.resetTransport(),
      },
      shape,
    );
    return responder.run(outputs, signal);
  }

  /**
   * ENVCHANGE 1 + INFO 5701 when the session's database changed since the client last heard, and ENVCHANGE
   * 8/9/10 for transactions T-SQL began or ended.
   */
  private writeStateChanges(w: ByteWriter): void {
    const session = this.session;
    if (!session) return;
    const database = session.currentDatabase();
    if (database !== this.database) {
      writeTextEnvChange(w, EnvChangeType.DATABASE, database, this.database);
      writeMessage(w, databaseChangedMessage(database), this.ctx.endpoint.serverName);
      this.database = database;
    }
    for (const event of session.drainTransactionEvents?.() ?? []) this.transactions.applyEngineEvent(w, event);
  }

  private onTransactionManager(message: TdsMessage, writer: ResponseWriter): void {
    const w = new ByteWriter(64);
    const serverName = this.ctx.endpoint.serverName;
    let error: SqlMessage | undefined;
    try {
      const request = parseTransactionManager(message.payload);
      error = this.session?.transaction(request.kind, request.name);
      if (!error) this.transactions.apply(w, request.kind, request.name);
    } catch (e) {
      error = messageForTransactionFailure(e);
    }
    if (error) {
      writeMessage(w, error, serverName);
      writeDone(w, { kind: 'done', status: DoneStatus.ERROR });
    } else {
      writeDone(w, { kind: 'done', status: DoneStatus.FINAL });
    }
    writer.write(w.toBuffer());
  }

  /** Resolves once the client has taken what was written (backpressure for huge results). */
  private waitWritable(): Promise<void> {
    const out = this.tlsSocket ?? this.socket;
    if (!out.writableNeedDrain || out.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        out.off('close', done);
        resolve();
      };
      out.on('drain', done);
      out.on('close', done);
    });
  }

  /** Failure injection: drop the TCP connection with a reset, as a network fault would. */
  private resetTransport(): void {
    if (typeof this.socket.resetAndDestroy === 'function' && !this.socket.destroyed) this.socket.resetAndDestroy();
    this.destroy();
  }
}

function messageForTransactionFailure(e: unknown): SqlMessage {
  const detail = e instanceof Error ? e.message : String(e);
  return { number: 8016, state: 2, class: 16, message: `The transaction manager request is incorrect. ${detail}` };
}
