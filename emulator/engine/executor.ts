// Runs parsed T-SQL the way SQL Server runs a batch: statement by statement, each ending in DONE;
// an error ends its statement and, depending on the error (and XACT_ABORT), the batch; severity 20+
// ends the connection. Injected statement faults (transient errors, socket resets) strike here.
import type { Statement } from '../sql/ast';
import type { Variable } from '../sql/context';
import { SqlError } from '../sqlError';
import type { RequestOutput } from '../tds/types';
import { buildEvalContext } from './evalContext';
import type { ExecEnv, ExecSession } from './exec/env';
import { abortsBatch, BatchAborted, BatchAbortingError, endsConnection, errorOutputs, toSqlError } from './exec/errors';
import { infoOutput, printMessage, raiserror, runDeclare, runSetOption, runSetVariable, runTransaction, throwError, waitMilliseconds } from './exec/control';
import { runAlterCredential, runCreateCredential, runDropCredential } from './exec/credentials';
import { runAlterDatabaseSet, runCreateDatabase, runDropDatabase, runRenameDatabase, runUse } from './exec/databaseDdl';
import { runDbcc } from './exec/dbcc';
import { runAlterUser, runCreateLogin, runCreateUser, runDropLogin, runDropUser } from './exec/principals';
import { runAvailabilityGroup, runKill, runUnsupported } from './exec/refusals';
import { runExec } from './exec/procedureCall';
import { asText, evaluate, isTrue } from './exec/values';
import { runDeclareTable, runInsert } from './exec/insert';
import { runDelete, runInsertTable, runTruncate, runUpdate } from './exec/dml';
import { TableVariables } from './tableVariable';

/** stops the batch without an error of its own (ATTENTION, KILL, connection ended) */
export class BatchStopped extends Error {
  constructor() {
    super('batch stopped');
    this.name = 'BatchStopped';
  }
}

export function newEnv(session: ExecSession, variables: Map<string, Variable>, signal: AbortSignal): ExecEnv {
  const tables = new TableVariables();
  const env: ExecEnv = {
    session,
    variables,
    tables,
    signal,
    evalContext: () => buildEvalContext(session, variables, tables),
  };
  return env;
}

/**
 * Runs one batch. Batch-aborting errors end it quietly (their messages were already sent); the
 * caller sees the outputs only.
 */
export async function* runBatch(env: ExecEnv, statements: Statement[]): AsyncGenerator<RequestOutput, void> {
  try {
    yield* runList(env, statements);
  } catch (e) {
    if (e instanceof BatchAborted || e instanceof BatchStopped) return;
    throw e;
  }
}

/** runs statements in order inside the current batch (top level, BEGIN...END, nested EXEC) */
export async function* runList(env: ExecEnv, statements: Statement[]): AsyncGenerator<RequestOutput, void> {
  for (const stmt of statements) {
    if (env.signal.aborted) throw new BatchStopped();
    yield* runOne(env, stmt);
  }
}

const CONTROL_KINDS = new Set<Statement['kind']>(['if', 'block']);
/** statements injected faults do not count: control flow, and the SET options every connection starts with */
const FAULT_EXEMPT = new Set<Statement['kind']>(['if', 'block', 'setOption']);

async function* runOne(env: ExecEnv, stmt: Statement): AsyncGenerator<RequestOutput, void> {
  const session = env.session;
  const line = session.services.language.statementLine?.(stmt) ?? 1;
  try {
    if (!FAULT_EXEMPT.has(stmt.kind)) {
      const fault = session.instance.faultSwitches.nextStatementFault({
        serverName: session.instance.serverName,
        databaseName: session.currentDatabase(),
        spid: session.spid,
      });
      if (fault?.kind === 'reset') {
        session.kill('lost');
        yield { type: 'resetConnection' };
        throw new BatchStopped();
      }
      if (fault?.kind === 'error') throw new BatchAbortingError(fault.error.number, fault.error.state, fault.error.severity, fault.error.message);
    }
    if (!CONTROL_KINDS.has(stmt.kind)) {
      session.setCurrentStatement({
        requestId: 0,
        command: commandOf(stmt),
        startTime: session.instance.now(),
        status: stmt.kind === 'waitfor' ? 'suspended' : 'running',
        waitType: stmt.kind === 'waitfor' ? 'WAITFOR' : null,
        databaseName: session.currentDatabase(),
      });
    }
    const errorNumber = yield* dispatch(env, stmt);
    if (!CONTROL_KINDS.has(stmt.kind)) session.lastError = errorNumber;
  } catch (e) {
    if (e instanceof BatchAborted || e instanceof BatchStopped) throw e;
    if (env.signal.aborted) throw new BatchStopped();
    const error = toSqlError(e);
    session.lastError = error.number;
    yield* errorOutputs(error, line);
    if (endsConnection(error)) {
      session.kill('lost');
      yield { type: 'resetConnection' };
      throw new BatchStopped();
    }
    const xactAbort = session.options.get('XACT_ABORT') === 'ON';
    if (abortsBatch(error, xactAbort)) {
      if (xactAbort || error.number === 1205) session.setTranCount(0);
      throw new BatchAborted(error);
    }
  }
}

function done(env: ExecEnv, rowCount?: number): RequestOutput {
  const nocount = env.session.options.get('NOCOUNT') === 'ON';
  return rowCount === undefined || nocount ? { type: 'statementDone' } : { type: 'statementDone', rowCount };
}

/** runs one statement; returns the value @@ERROR takes (0 unless RAISERROR / DBCC reported one) */
async function* dispatch(env: ExecEnv, stmt: Statement): AsyncGenerator<RequestOutput, number> {
  const session = env.session;
  switch (stmt.kind) {
    case 'select': {
      const outcome = session.services.language.executeSelect(stmt, env.evalContext());
      if (outcome.resultSet) yield { type: 'resultSet', resultSet: outcome.resultSet };
      session.rowCount = outcome.rowCount;
      yield done(env, outcome.rowCount);
      return 0;
    }
    case 'declare':
      runDeclare(env, stmt);
      return 0;
    case 'setVariable':
      runSetVariable(env, stmt);
      session.rowCount = 1;
      return 0;
    case 'setOption':
      runSetOption(env, stmt);
      session.rowCount = 0;
      return 0;
    case 'use':
      runUse(env, stmt);
      session.rowCount = 0;
      return 0;
    case 'print':
      yield infoOutput(printMessage(env, stmt));
      session.rowCount = 0;
      return 0;
    case 'raiserror': {
      const r = raiserror(env, stmt);
      yield infoOutput(r.message);
      session.rowCount = 0;
      if (r.message.class > 10) yield { type: 'statementDone', error: true };
      if (r.endsConnection) {
        session.kill('lost');
        yield { type: 'resetConnection' };
        throw new BatchStopped();
      }
      return r.setsError ? r.message.number : 0;
    }
    case 'throw':
      return throwError(env, stmt);
    case 'if': {
      if (isTrue(env, stmt.condition)) yield* runOne(env, stmt.then);
      else if (stmt.else) yield* runOne(env, stmt.else);
      return 0;
    }
    case 'block':
      yield* runList(env, stmt.statements);
      return 0;
    case 'waitfor': {
      const ms = waitMilliseconds(env, stmt);
      await session.instance.clock.sleep(ms, env.signal);
      yield done(env);
      return 0;
    }
    case 'transaction':
      runTransaction(env, stmt);
      session.rowCount = 0;
      return 0;
    case 'exec':
      return yield* runExec(env, stmt, runNestedBatch);
    case 'execDynamic': {
      const sql = asText(evaluate(env, stmt.sql));
      yield* runNestedBatch(env, sql, new Map());
      return session.lastError;
    }
    case 'backup':
    case 'restore':
      yield* runBackupOrRestore(env, stmt);
      return 0;
    case 'createCredential':
      runCreateCredential(env, stmt);
      yield done(env);
      return 0;
    case 'alterCredential':
      runAlterCredential(env, stmt);
      yield done(env);
      return 0;
    case 'dropCredential':
      runDropCredential(env, stmt);
      yield done(env);
      return 0;
    case 'createUser':
      runCreateUser(env, stmt);
      yield done(env);
      return 0;
    case 'alterUser':
      runAlterUser(env, stmt);
      yield done(env);
      return 0;
    case 'dropUser':
      runDropUser(env, stmt);
      yield done(env);
      return 0;
    case 'createLogin':
      runCreateLogin(env, stmt);
      yield done(env);
      return 0;
    case 'dropLogin':
      runDropLogin(env, stmt);
      yield done(env);
      return 0;
    case 'createDatabase':
      runCreateDatabase(env, stmt);
      yield done(env);
      return 0;
    case 'dropDatabase':
      runDropDatabase(env, stmt);
      yield done(env);
      return 0;
    case 'alterDatabaseRename':
      yield infoOutput(runRenameDatabase(env, stmt));
      yield done(env);
      return 0;
    case 'alterDatabaseSet':
      for (const m of runAlterDatabaseSet(env, stmt)) yield infoOutput(m);
      yield done(env);
      return 0;
    case 'dbcc': {
      // CHECKDB takes simulated time (a registered request); the messages come at the end
      const { messages, resultSet } = await runDbcc(env, stmt);
      if (resultSet) yield { type: 'resultSet', resultSet };
      for (const m of messages) yield infoOutput(m);
      const error = [...messages].reverse().find((m) => m.class > 10);
      yield { type: 'statementDone', error: error !== undefined };
      return error?.number ?? 0;
    }
    case 'kill':
      runKill(env, stmt);
      yield done(env);
      return 0;
    case 'availabilityGroup':
      for (const message of runAvailabilityGroup(env, stmt)) yield infoOutput({ number: 0, state: 1, class: 0, message });
      yield done(env);
      return 0;
    case 'unsupported':
      return runUnsupported(env, stmt);
    case 'declareTable':
      runDeclareTable(env, stmt);
      return 0;
    case 'insert':
      return yield* runInsert(env, stmt, dispatch);
    case 'insertTable':
      return yield* runInsertTable(env, stmt, dispatch);
    case 'update':
      yield runUpdate(env, stmt);
      return 0;
    case 'delete':
      yield runDelete(env, stmt);
      return 0;
    case 'truncate':
      yield runTruncate(env, stmt);
      return 0;
  }
}

/**
 * EXEC('...') and sp_executesql: a batch of its own, with its own variables, in this session. "Changes
 * in database context last only until the end of the EXECUTE statement" (EXECUTE docs): a USE inside
 * it, or the database of `db.sys.sp_executesql`, is undone when it ends.
 */
export async function* runNestedBatch(env: ExecEnv, sql: string, variables: Map<string, Variable>): AsyncGenerator<RequestOutput, void> {
  const parsed = env.session.services.language.parseBatch(sql);
  const inner = newEnv(env.session, variables, env.signal);
  const database = env.session.currentDatabase();
  try {
    yield* runList(inner, parsed.statements);
  } finally {
    if (env.session.instance.findDatabase(database)) env.session.setCurrentDatabase(database);
  }
}

async function* runBackupOrRestore(env: ExecEnv, stmt: Extract<Statement, { kind: 'backup' | 'restore' }>): AsyncGenerator<RequestOutput, void> {
  const session = env.session;
  const statementName = stmt.kind === 'backup' ? `BACKUP ${stmt.target}` : `RESTORE ${stmt.action}`;
  const runner = session.services.backup;
  if (!runner) {
    throw new SqlError(3013, 1, 16, `${statementName} is terminating abnormally.`, [
      { number: 40517, state: 1, class: 16, message: `Keyword or statement option '${statementName}' is not supported in this version of SQL Server.` },
    ]);
  }
  if (session.tranCount() > 0 && (stmt.kind === 'backup' || stmt.action === 'DATABASE' || stmt.action === 'LOG')) {
    throw new SqlError(3013, 1, 16, `${statementName} is terminating abnormally.`, [
      { number: 3021, state: 0, class: 16, message: 'Cannot perform a backup or restore operation within a transaction.' },
    ]);
  }
  // emulator/backup registers its own sys.dm_exec_requests row with the progress
  session.setCurrentStatement(undefined);
  const ctx = { spid: session.spid, abortSignal: env.signal, evaluate: (e: Parameters<typeof evaluate>[1]) => evaluate(env, e) };
  const outputs = stmt.kind === 'backup' ? runner.backup(session.instance, ctx, stmt) : runner.restore(session.instance, ctx, stmt);
  let rows: number | undefined;
  for await (const out of outputs) {
    if (out.type === 'resultSet') rows = (rows ?? 0) + out.resultSet.rows.length;
    yield out;
  }
  yield done(env, rows);
}

/** sys.dm_exec_requests.command for a statement */
function commandOf(stmt: Statement): string {
  switch (stmt.kind) {
    case 'select':
    case 'declare':
    case 'setVariable':
    case 'print':
    case 'raiserror':
    case 'throw':
      return 'SELECT';
    case 'waitfor':
      return 'WAITFOR';
    case 'exec':
    case 'execDynamic':
      return 'EXECUTE';
    case 'insert':
    case 'insertTable':
      return 'INSERT';
    case 'update':
      return 'UPDATE';
    case 'delete':
      return 'DELETE';
    case 'truncate':
      return 'TRUNCATE TABLE';
    case 'backup':
      return `BACKUP ${stmt.target}`;
    case 'restore':
      return stmt.action === 'DATABASE' || stmt.action === 'LOG' ? `RESTORE ${stmt.action}` : 'RESTORE HEADERONLY';
    case 'createDatabase':
      return 'CREATE DATABASE';
    case 'dropDatabase':
      return 'DROP DATABASE';
    case 'alterDatabaseRename':
    case 'alterDatabaseSet':
      return 'ALTER DATABASE';
    case 'dbcc':
      return 'DBCC';
    case 'kill':
      return 'KILL';
    case 'transaction':
      return stmt.action === 'begin' ? 'BEGIN TRANSACTION' : stmt.action === 'commit' ? 'COMMIT TRANSACTION' : 'ROLLBACK TRANSACTION';
    case 'createCredential':
    case 'alterCredential':
    case 'dropCredential':
      return 'CREATE CREDENTIAL';
    case 'createUser':
      return 'CREATE USER';
    case 'alterUser':
      return 'ALTER USER';
    case 'dropUser':
      return 'DROP USER';
    case 'createLogin':
      return 'CREATE LOGIN';
    case 'dropLogin':
      return 'DROP LOGIN';
    default:
      return 'SELECT';
  }
}
