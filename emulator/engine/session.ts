// One connection's server-side state (EngineSession): login, current database, SET options,
// @@SPID / @@ROWCOUNT / @@TRANCOUNT / @@ERROR, the statement running now. Variables live per batch,
// as in SQL Server. Closing the connection or KILL aborts what the session runs.
import type { Statement, TypeRef } from '../sql/ast';
import type { Variable } from '../sql/context';
import { SqlError } from '../sqlError';
import type { ClientRequest, ConnectionDetails, EngineSession, RequestOutput, RpcParameter, SqlMessage, SqlValue, TransactionEvent, TransactionRequest } from '../tds/types';
import { transactionError, nextTranCount } from './exec/control';
import type { BackgroundSession, BackgroundSessionOptions, ExecSession } from './exec/env';
import { errorOutputs, toSqlError } from './exec/errors';
import { newEnv, runBatch } from './executor';
import type { EmulatedInstance } from './instance';
import type { Login } from './model';
import { newGuid, splitMultipartName } from './names';
import { bindArguments, findProcedure, procedureNotFound } from './procedures';
import type { EngineServices } from './services';
import type { RunningStatement, SessionConnection } from './sessionInfo';

export interface SessionOptions {
  instance: EmulatedInstance;
  services: EngineServices;
  login: Login;
  database: string;
  hostName: string;
  programName: string;
  connection?: ConnectionDetails;
}

/** the defaults a new connection has before its client's SET statements */
const DEFAULT_OPTIONS: [string, string][] = [
  ['ANSI_NULLS', 'ON'],
  ['ANSI_PADDING', 'ON'],
  ['ANSI_WARNINGS', 'ON'],
  ['QUOTED_IDENTIFIER', 'ON'],
  ['CONCAT_NULL_YIELDS_NULL', 'ON'],
  ['NOCOUNT', 'OFF'],
  ['XACT_ABORT', 'OFF'],
];

/** how a session ended: KILL / ROLLBACK IMMEDIATE, or its connection lost (instance down, fatal error, reset) */
export type KillKind = 'kill' | 'lost';

/** what the request of a killed session gets (sys.messages 596, severity 21) */
const KILL_STATE = { number: 596, state: 1, class: 21, message: 'Cannot continue the execution because the session is in the kill state.' };

export class Session implements EngineSession, ExecSession {
  readonly spid: number;
  readonly instance: EmulatedInstance;
  readonly services: EngineServices;
  readonly login: Login;
  readonly loginName: string;
  readonly hostName: string;
  readonly programName: string;
  readonly loginTime: Date;
  readonly isUserProcess = true;
  readonly connection?: SessionConnection;
  readonly options = new Map<string, string>(DEFAULT_OPTIONS);
  rowCount = 0;
  lastError = 0;
  /** called when KILL or ROLLBACK IMMEDIATE ends the session: the protocol layer closes an idle connection at once */
  private onKill?: () => void;

  private database: string;
  private readonly loginDatabase: string;
  private trancount = 0;
  private transactionEvents: TransactionEvent[] = [];
  /** what a rollback of the open transaction undoes, in the order it was done */
  private undoLog: (() => void)[] = [];
  /** SAVE TRANSACTION points: the undo log's length when each was taken */
  private savepoints: { name: string; undoLength: number }[] = [];
  private statement: RunningStatement | undefined;
  private requestStart: Date | undefined;
  private requestEnd: Date | undefined;
  private killed = false;
  private killedBy: KillKind = 'kill';
  private closed = false;
  private readonly lifetime = new AbortController();

  constructor(options: SessionOptions) {
    this.instance = options.instance;
    this.services = options.services;
    this.login = options.login;
    this.loginName = options.login.name;
    this.hostName = options.hostName;
    this.programName = options.programName;
    this.database = options.database;
    this.loginDatabase = options.database;
    this.spid = options.instance.allocateSpid();
    this.loginTime = options.instance.now();
    if (options.connection) this.connection = { ...options.connection, connectTime: this.loginTime, connectionId: newGuid(), reads: 1, writes: 1 };
    options.instance.addSession(this);
  }

  // ---- SessionInfo / ExecSession ---------------------------------------------------------------

  currentDatabase(): string {
    return this.database;
  }

  setCurrentDatabase(name: string): void {
    this.database = name;
  }

  currentStatement(): RunningStatement | undefined {
    return this.statement;
  }

  setCurrentStatement(statement: RunningStatement | undefined): void {
    this.statement = statement;
  }

  lastRequestStart(): Date | undefined {
    return this.requestStart;
  }

  lastRequestEnd(): Date | undefined {
    return this.requestEnd;
  }

  tranCount(): number {
    return this.trancount;
  }

  /** T-SQL changed @@TRANCOUNT: the outermost begin / commit / rollback is reported to the protocol layer */
  setTranCount(n: number, cause: 'commit' | 'rollback' = 'rollback'): void {
    if (this.trancount === 0 && n > 0) this.transactionEvents.push('begin');
    if (this.trancount > 0 && n === 0) {
      this.transactionEvents.push(cause);
      this.endTransaction(cause);
    }
    this.trancount = n;
  }

  recordUndo(undo: () => void): void {
    if (this.trancount > 0) this.undoLog.push(undo);
  }

  saveTransaction(name: string): void {
    this.savepoints.push({ name, undoLength: this.undoLog.length });
  }

  /** savepoint names compare as written (SQL Server compares transaction names case-sensitively) */
  rollbackToSavepoint(name: string): boolean {
    const index = this.savepoints.map((s) => s.name).lastIndexOf(name);
    if (index < 0) return false;
    this.undo(this.savepoints[index].undoLength);
    this.savepoints.length = index + 1;
    return true;
  }

  /** the outermost transaction ended: a rollback undoes what it did (newest first) */
  private endTransaction(cause: 'commit' | 'rollback'): void {
    if (cause === 'rollback') this.undo(0);
    this.undoLog = [];
    this.savepoints = [];
  }

  private undo(downTo: number): void {
    while (this.undoLog.length > downTo) this.undoLog.pop()?.();
  }

  drainTransactionEvents(): TransactionEvent[] {
    const events = this.transactionEvents;
    this.transactionEvents = [];
    return events;
  }

  /** RESETCONNECTION: a pooled connection reused starts like a new one (transactions are rolled back) */
  reset(): void {
    this.options.clear();
    for (const [k, v] of DEFAULT_OPTIONS) this.options.set(k, v);
    if (this.trancount > 0) this.endTransaction('rollback');
    this.trancount = 0;
    this.transactionEvents = [];
    this.rowCount = 0;
    this.lastError = 0;
    const db = this.instance.findDatabase(this.loginDatabase);
    this.database = db && db.state === 'ONLINE' ? db.name : 'master';
  }

  isKilled(): boolean {
    return this.killed;
  }

  /**
   * Ends the session. `kill` (KILL, ROLLBACK IMMEDIATE): a request it was running fails with 596 and
   * the server closes the connection after that response; an idle session's connection is closed at
   * once (onKill), as SQL Server drops a killed session's connection. `lost` (the instance went down,
   * a fatal error or an injected reset): the connection is reset when it is next used.
   */
  kill(how: KillKind = 'kill'): void {
    if (this.killed) return;
    this.killed = true;
    this.killedBy = how;
    // a killed session's open transaction is rolled back
    if (this.trancount > 0) this.endTransaction('rollback');
    this.trancount = 0;
    this.lifetime.abort(new SqlError(0, 1, 20, 'The session was killed.'));
    this.instance.removeSession(this.spid);
    if (how === 'kill') this.onKill?.();
  }

  /** the protocol layer's hook: told when KILL or ROLLBACK IMMEDIATE ends the session */
  onKilled(listener: () => void): void {
    this.onKill = listener;
  }

  spawnBackgroundSession(options: BackgroundSessionOptions): BackgroundSession {
    const login = this.instance.findLogin(options.loginName) ?? { name: options.loginName, password: '', sysadmin: true };
    const session = new Session({
      instance: this.instance,
      services: this.services,
      login,
      database: options.database,
      hostName: this.instance.machineName,
      programName: options.programName,
    });
    return {
      spid: session.spid,
      runBatch: (sql, signal) => session.execute({ kind: 'batch', sql }, signal),
      kill: (how?: KillKind) => session.kill(how),
      close: () => session.close(),
    };
  }

  // ---- EngineSession ---------------------------------------------------------------------------

  async *execute(request: ClientRequest, signal: AbortSignal): AsyncGenerator<RequestOutput, void> {
    if (this.killed || this.closed) {
      yield { type: 'resetConnection' };
      return;
    }
    const combined = AbortSignal.any([signal, this.lifetime.signal]);
    this.requestStart = this.instance.now();
    if (this.connection) this.connection.reads += 1;
    let reset = false;
    try {
      for await (const out of this.dispatch(request, combined)) {
        if (out.type === 'resetConnection') reset = true;
        yield out;
        if (reset) return;
      }
    } finally {
      this.statement = undefined;
      this.requestEnd = this.instance.now();
      if (this.connection) this.connection.writes += 1;
    }
    // killed while it ran: KILL and ROLLBACK IMMEDIATE end the request with 596 and the server
    // closes the connection after the response; a lost instance just drops it
    if (this.killed && this.killedBy === 'kill') {
      yield { type: 'message', message: KILL_STATE };
      yield { type: 'statementDone', error: true };
      yield { type: 'endConnection' };
    } else if (this.killed) {
      yield { type: 'resetConnection' };
    }
  }

  private dispatch(request: ClientRequest, signal: AbortSignal): AsyncGenerator<RequestOutput, void> {
    switch (request.kind) {
      case 'batch':
        return this.runText(request.sql, new Map(), signal);
      case 'executesql':
        return this.runExecuteSql(request.sql, request.params, signal);
      case 'rpc':
        return this.runRpc(request.procName, request.params, signal);
    }
  }

  transaction(request: TransactionRequest, _name: string): SqlMessage | undefined {
    const error = transactionError(this.trancount, request);
    if (error) return error.toMessage();
    const next = nextTranCount(this.trancount, request);
    if (this.trancount > 0 && next === 0) this.endTransaction(request === 'commit' ? 'commit' : 'rollback');
    this.trancount = next;
    return undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // a connection that closes with a transaction open has it rolled back
    if (this.trancount > 0) this.endTransaction('rollback');
    this.trancount = 0;
    // a SQL Server RESTORE dies with its session; emulator/backup detaches a managed instance's
    this.lifetime.abort(new Error('connection closed'));
    this.instance.removeSession(this.spid);
  }

  // ---- requests --------------------------------------------------------------------------------

  /** parses and runs text; GO-separated batches run one after the other, each with its own variables */
  private async *runText(sql: string, variables: Map<string, Variable>, signal: AbortSignal): AsyncGenerator<RequestOutput, void> {
    let batches: Statement[][];
    try {
      const parsed = this.services.language.parseBatch(sql);
      batches = parsed.goBatches ?? [parsed.statements];
    } catch (e) {
      const error = toSqlError(e);
      this.lastError = error.number;
      yield* errorOutputs(error, error.toMessage().lineNumber ?? 1);
      return;
    }
    for (const [i, statements] of batches.entries()) {
      if (signal.aborted || this.killed) return;
      yield* runBatch(newEnv(this, i === 0 ? variables : new Map(), signal), statements);
    }
  }

  private async *runExecuteSql(sql: string, params: RpcParameter[], signal: AbortSignal): AsyncGenerator<RequestOutput, void> {
    const variables = new Map<string, Variable>();
    for (const p of params) variables.set(p.name.toLowerCase(), { type: typeRefOf(p), value: p.value });
    yield* this.runText(sql, variables, signal);
    for (const p of params) {
      if (!p.output) continue;
      yield { type: 'returnValue', name: p.name, paramType: p.type, value: variables.get(p.name.toLowerCase())?.value ?? null };
    }
  }

  /** an RPC by name: sp_executesql spelled out, or a system procedure such as msdb.dbo.sp_start_job */
  private async *runRpc(procName: string, params: RpcParameter[], signal: AbortSignal): AsyncGenerator<RequestOutput, void> {
    const parts = splitMultipartName(procName);
    const name = { name: parts[parts.length - 1], schema: parts.length >= 2 ? parts[parts.length - 2] || undefined : undefined, database: parts.length >= 3 ? parts[parts.length - 3] || undefined : undefined };
    try {
      if (name.name.toLowerCase() === 'sp_executesql') {
        const [stmt, , ...rest] = params;
        yield* this.runExecuteSql(String(stmt?.value ?? ''), rest, signal);
        return;
      }
      const def = findProcedure(name, this.database);
      if (!def) throw procedureNotFound(name);
      const bound = bindArguments(def, params.map((p) => ({ name: p.name, value: p.value, output: p.output })));
      const outputs = new Map<string, SqlValue>();
      const env = newEnv(this, new Map(), signal);
      yield* def.run({ env, args: bound, outputs });
      // as SQL Server orders them: the procedure's DONEINPROC, then RETURNVALUE tokens
      yield { type: 'statementDone' };
      for (const p of params) {
        if (p.output) yield { type: 'returnValue', name: p.name, paramType: p.type, value: outputs.get(p.name.toLowerCase()) ?? p.value };
      }
    } catch (e) {
      const error = toSqlError(e);
      this.lastError = error.number;
      yield* errorOutputs(error, 1);
    }
  }
}

function typeRefOf(p: RpcParameter): TypeRef {
  return { type: p.type, written: p.type.toUpperCase(), length: p.length, precision: p.precision, scale: p.scale };
}
