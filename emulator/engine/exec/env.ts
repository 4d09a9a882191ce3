// What every statement handler sees: the session it runs in, the batch's variables and the signal
// that stops it (ATTENTION, KILL, the connection closing).
import type { EvalContext, Variable } from '../../sql/context';
import type { RequestOutput } from '../../tds/types';
import type { EmulatedInstance } from '../instance';
import type { Login } from '../model';
import type { EngineServices } from '../services';
import type { RunningStatement, SessionInfo } from '../sessionInfo';
import type { TableVariables } from '../tableVariable';

export interface ExecSession extends SessionInfo {
  readonly instance: EmulatedInstance;
  readonly services: EngineServices;
  readonly login: Login;
  setCurrentDatabase(name: string): void;
  /** SET options, upper-case name -> upper-case value ('ON', 'OFF', 'READ COMMITTED' ...) */
  readonly options: Map<string, string>;
  /** `cause` says how a transaction that drops to 0 ended (default rollback) */
  setTranCount(n: number, cause?: 'commit' | 'rollback'): void;
  /** @@ROWCOUNT */
  rowCount: number;
  /** @@ERROR */
  lastError: number;
  setCurrentStatement(statement: RunningStatement | undefined): void;
  /**
   * Something a rollback of the open transaction must undo (a DML statement's change of a table's
   * row count); ignored outside a transaction, where each statement commits by itself.
   */
  recordUndo?(undo: () => void): void;
  /** SAVE TRANSACTION name: a point ROLLBACK TRANSACTION name goes back to */
  saveTransaction?(name: string): void;
  /** ROLLBACK TRANSACTION name: undoes back to that savepoint (true), or false when no savepoint has that name */
  rollbackToSavepoint?(name: string): boolean;
  /** a background session (SQL Agent job steps) that lives on after this one closes */
  spawnBackgroundSession(options: BackgroundSessionOptions): BackgroundSession;
}

export interface BackgroundSessionOptions {
  loginName: string;
  database: string;
  programName: string;
}

/** the part of a session a background runner needs */
export interface BackgroundSession {
  readonly spid: number;
  runBatch(sql: string, signal: AbortSignal): AsyncIterable<RequestOutput>;
  kill(how?: 'kill' | 'lost'): void;
  close(): void;
}

export interface ExecEnv {
  session: ExecSession;
  /** the batch's variables, keyed lower-case with the @ */
  variables: Map<string, Variable>;
  /** the batch's table variables, keyed lower-case with the @ (not visible to EXEC('...') inside it, as in SQL Server) */
  tables: TableVariables;
  signal: AbortSignal;
  evalContext(): EvalContext;
}
