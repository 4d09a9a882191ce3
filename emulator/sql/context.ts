// What the SELECT evaluator needs from the engine: tables to read and the values behind
// variables, @@globals and built-in functions that depend on the server.
import type { ColumnSpec, SqlValue } from '../tds/types';
import type { ObjectName, TypeRef } from './ast';

/** A table or view the evaluator can scan: system catalog views, DMVs, msdb tables, user tables. */
export interface VirtualTable {
  columns: ColumnSpec[];
  /** rows in column order; called once per scan, so it may compute a fresh snapshot */
  rows(): Iterable<SqlValue[]>;
}

/** A table-valued function: CROSS APPLY sys.dm_exec_sql_text(r.sql_handle), sys.fn_... */
export interface TableFunction {
  columns: ColumnSpec[];
  /** rows for one call, with the arguments evaluated (per outer row under APPLY) */
  rows(args: SqlValue[]): Iterable<SqlValue[]>;
  /** throws the function's error for a wrong number of arguments (313, 8144), when the query is bound */
  checkArguments?(count: number): void;
}

export interface Variable {
  type: TypeRef;
  value: SqlValue;
}

export interface EvalContext {
  /** undefined -> the evaluator raises 208 "Invalid object name 'x'." */
  resolveTable(name: ObjectName): VirtualTable | undefined;
  /** table-valued functions in FROM; undefined (or absent) -> resolveTable(name) ignoring the arguments, then 208 */
  tableFunction?(name: ObjectName): TableFunction | undefined;
  /** session variables (@x), keyed with the @, case-insensitive (store lower-case keys) */
  variables: Map<string, Variable>;
  /** @@VERSION, @@SERVERNAME, @@SPID, @@ROWCOUNT, @@TRANCOUNT, @@ERROR ... name without @@, upper-case; undefined -> error 137-style */
  global(name: string): SqlValue | undefined;
  /** SERVERPROPERTY('ProductVersion') etc.; null for unknown properties, as SQL Server does */
  serverProperty(name: string): SqlValue;
  /** DB_ID(name) / DB_ID() (current) -> null when unknown */
  dbId(name?: string): number | null;
  /** DB_NAME(id) / DB_NAME() (current) -> null when unknown */
  dbName(id?: number): string | null;
  /** the current database, for two-part names and OBJECT_ID */
  currentDatabase(): string;
  /** SYSUTCDATETIME(), GETUTCDATE(), GETDATE() ... (the engine's clock, so tests can move time) */
  now(): Date;
  /** engine-specific scalar functions (HAS_DBACCESS, OBJECT_ID, SUSER_SNAME, DATABASEPROPERTYEX ...); undefined = not handled -> error 195 "'X' is not a recognized built-in function name." */
  callFunction?(name: string, args: SqlValue[]): SqlValue | undefined;
}
