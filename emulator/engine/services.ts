// The engine's seams to the other emulator layers: the T-SQL language (emulator/sql) and BACKUP /
// RESTORE (emulator/backup). Injected, so the engine is tested on its own and wired once in
// defaultServices.ts.
import type { BackupHost, StatementContext } from '../backup/host';
import type { Expr, ParsedBatch, SelectStatement, Statement, TypeRef } from '../sql/ast';
import type { EvalContext } from '../sql/context';
import type { ColumnSpec, RequestOutput, ResultSet, SqlValue } from '../tds/types';

export interface SelectOutcome {
  /** absent for SELECT @v = ... (assignments only) */
  resultSet?: ResultSet;
  rowCount: number;
}

export interface SqlLanguage {
  /** throws SqlError (102, 156, 105 ...) for syntax errors */
  parseBatch(sql: string): ParsedBatch;
  /** runs a SELECT; assignments (SELECT @v = ...) are written to ctx.variables */
  executeSelect(stmt: SelectStatement, ctx: EvalContext): SelectOutcome;
  evaluateScalar(expr: Expr, ctx: EvalContext): SqlValue;
  /** true only when the condition is TRUE (FALSE and UNKNOWN are both "not true") */
  evaluateCondition(expr: Expr, ctx: EvalContext): boolean;
  /** the 1-based line of the batch a parsed statement starts on, for error line numbers */
  statementLine?(stmt: Statement): number | undefined;
  /** DECLARE with the language's implicit conversion rules (else the engine converts through CAST) */
  declareVariable?(ctx: EvalContext, name: string, type: TypeRef, initial?: Expr): void;
  /** SET @v = / += / -= with the language's implicit conversion rules */
  setVariable?(ctx: EvalContext, name: string, op: '=' | '+=' | '-=', expr: Expr): void;
  /**
   * INSERT: `value` (of the source column type `from`) converted to a table column's type with the
   * language's implicit conversion rules, strings and binaries at full length (the engine refuses
   * values too long for the column). Absent: the engine converts through CAST.
   */
  convertForStore?(value: SqlValue, from: ColumnSpec, to: TypeRef): SqlValue;
}

export type BackupStatement = Extract<Statement, { kind: 'backup' }>;
export type RestoreStatement = Extract<Statement, { kind: 'restore' }>;

export interface BackupRunner {
  /** BACKUP DATABASE / LOG: yields progress; throws SqlError (3013 last) on failure */
  backup(host: BackupHost, ctx: StatementContext, stmt: BackupStatement): AsyncIterable<RequestOutput>;
  /** RESTORE DATABASE / LOG and the inspection commands (HEADERONLY, FILELISTONLY, LABELONLY, VERIFYONLY) */
  restore(host: BackupHost, ctx: StatementContext, stmt: RestoreStatement): AsyncIterable<RequestOutput>;
}

export interface EngineServices {
  language: SqlLanguage;
  /** absent: BACKUP and RESTORE are refused */
  backup?: BackupRunner;
}
