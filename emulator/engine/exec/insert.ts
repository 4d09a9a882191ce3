// DECLARE @t TABLE and INSERT into it, from VALUES, a SELECT, or the result sets of an EXEC (which
// are captured instead of reaching the client, while its messages still do). Rows are converted to
// the columns' types and checked (NOT NULL, length) before any is stored: an INSERT is all or nothing.
import type { Expr, Statement, TableColumnDef, TypeRef } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { ColumnSpec, RequestOutput, SqlValue } from '../../tds/types';
import { alreadyDeclared, recordIdentity, TableVariable, undeclaredTable } from '../tableVariable';
import type { ExecEnv, ExecSession } from './env';
import { convertTo, evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;
/** runs a statement of the batch (the executor's dispatcher), for INSERT ... EXEC */
export type StatementRunner = (env: ExecEnv, stmt: Statement) => AsyncGenerator<RequestOutput, number>;

export interface SourceRows {
  columns: ColumnSpec[];
  rows: SqlValue[][];
  /** VALUES (..., DEFAULT): the positions that take the column's default */
  defaults?: boolean[][];
}

const key = (name: string): string => name.toLowerCase();

/** sessions running an INSERT ... EXEC now: the EXEC'd code cannot start another (8164) */
const capturing = new WeakSet<ExecSession>();

export function runDeclareTable(env: ExecEnv, stmt: Of<'declareTable'>): void {
  if (env.tables.has(key(stmt.name)) || env.variables.has(key(stmt.name))) throw alreadyDeclared(stmt.name);
  env.tables.set(key(stmt.name), new TableVariable(stmt.name, stmt.columns, stmt.keys));
}

/** INSERT [INTO] @t ...: returns the value @@ERROR takes */
export async function* runInsert(env: ExecEnv, stmt: Of<'insert'>, runStatement: StatementRunner): AsyncGenerator<RequestOutput, number> {
  const table = env.tables.get(key(stmt.target));
  if (!table) throw undeclaredTable(stmt.target);
  const targets = targetColumns(table, stmt.columns);
  const sources = yield* collectSources(env, stmt, targets.length, runStatement);
  let rows: SqlValue[][];
  try {
    rows = sources.flatMap((s) => s.rows.map((r, i) => buildRow(env, table, targets, s.columns, r, s.defaults?.[i])));
    const duplicate = table.duplicateKey(rows);
    if (duplicate) throw new StatementTerminated(duplicate);
  } catch (e) {
    if (!(e instanceof StatementTerminated)) throw e;
    // XACT_ABORT ON: the error ends the batch like any other
    if (env.session.options.get('XACT_ABORT') === 'ON') throw e.error;
    yield* terminated(env, stmt, e.error);
    return e.error.number;
  }
  table.rows.push(...rows);
  const identity = table.columns.findIndex((c) => c.identity);
  if (identity >= 0 && rows.length > 0) recordIdentity(env.session, env.tables, Number(rows[rows.length - 1][identity]));
  env.session.rowCount = rows.length;
  yield env.session.options.get('NOCOUNT') === 'ON' ? { type: 'statementDone' } : { type: 'statementDone', rowCount: rows.length };
  return 0;
}

/**
 * The rows an INSERT's source gives (VALUES, a SELECT, or the result sets of an EXEC, whose other
 * outputs pass through), checked against `width` columns when it is known (a column list or a
 * table variable's columns); undefined width: a user table without a column list, whose columns
 * the emulator does not model.
 */
export async function* collectSources(
  env: ExecEnv,
  stmt: Of<'insert' | 'insertTable'>,
  width: number | undefined,
  runStatement: StatementRunner,
): AsyncGenerator<RequestOutput, SourceRows[]> {
  const sources: SourceRows[] = [];
  const source = stmt.source;
  if (source.kind === 'values') sources.push({ ...valuesRows(env, stmt, source.rows, width), defaults: source.defaults });
  else if (source.kind === 'select') {
    const outcome = env.session.services.language.executeSelect(source.query, env.evalContext());
    const columns = outcome.resultSet?.columns ?? [];
    if (width !== undefined) checkSelectWidth(stmt, columns.length, width);
    sources.push({ columns, rows: outcome.resultSet?.rows ?? [] });
  } else {
    if (capturing.has(env.session)) throw new SqlError(8164, 1, 16, 'An INSERT EXEC statement cannot be nested.');
    capturing.add(env.session);
    try {
      for await (const out of runStatement(env, source.statement)) {
        if (out.type === 'resultSet') {
          // every result set of the procedure must match the table, column for column
          if (width !== undefined && out.resultSet.columns.length !== width) throw mismatch();
          sources.push(out.resultSet);
        } else if (out.type !== 'statementDone' || out.error) yield out;
      }
    } finally {
      capturing.delete(env.session);
    }
  }
  return sources;
}

/** indexes of the table columns the source's values go to, in source order */
function targetColumns(table: TableVariable, columns: string[] | undefined): number[] {
  if (!columns) return table.columns.flatMap((c, i) => (c.identity ? [] : [i]));
  const seen = new Set<number>();
  return columns.map((name) => {
    const index = table.indexOf(name);
    if (index < 0) throw new SqlError(207, 1, 16, `Invalid column name '${name}'.`);
    if (seen.has(index))
      throw new SqlError(
        264,
        1,
        16,
        `The column name '${table.columns[index].name}' is specified more than once in the SET clause or column list of an INSERT. A column cannot be assigned more than one value in the same clause. Modify the clause to make sure that a column is updated only once. If this statement updates or inserts columns into a view, column aliasing can conceal the duplication in your code.`,
      );
    if (table.columns[index].identity)
      throw new SqlError(8101, 1, 16, `An explicit value for the identity column in table '${table.name}' can only be specified when a column list is used and IDENTITY_INSERT is ON.`);
    seen.add(index);
    return index;
  });
}

const mismatch = (): SqlError => new SqlError(213, 1, 16, 'Column name or number of supplied values does not match table definition.');

function valuesRows(env: ExecEnv, stmt: Of<'insert' | 'insertTable'>, rows: Expr[][], width: number | undefined): SourceRows {
  for (const row of rows) {
    if (width === undefined || row.length === width) continue;
    if (!stmt.columns) throw mismatch();
    const valuesClause = 'The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.';
    if (row.length < width) throw new SqlError(109, 1, 15, `There are more columns in the INSERT statement than values specified in the VALUES clause. ${valuesClause}`);
    throw new SqlError(110, 1, 15, `There are fewer columns in the INSERT statement than values specified in the VALUES clause. ${valuesClause}`);
  }
  const columnCount = width ?? rows[0]?.length ?? 0;
  if (columnCount === 0) return { columns: [], rows: rows.map(() => []) };
  // a table value constructor: its columns are typed over all rows, as SQL Server types them
  const names = Array.from({ length: columnCount }, (_, i) => `c${i + 1}`);
  const outcome = env.session.services.language.executeSelect(
    { kind: 'select', distinct: false, items: [{ expr: { kind: 'star' } }], from: { kind: 'values', rows, alias: 'v', columns: names } },
    env.evalContext(),
  );
  return { columns: outcome.resultSet?.columns ?? [], rows: outcome.resultSet?.rows ?? [] };
}

function checkSelectWidth(stmt: Of<'insert' | 'insertTable'>, got: number, want: number): void {
  if (got === want) return;
  if (!stmt.columns) throw mismatch();
  const tail = 'The number of SELECT values must match the number of INSERT columns.';
  if (got < want) throw new SqlError(120, 1, 15, `The select list for the INSERT statement contains fewer items than the insert list. ${tail}`);
  throw new SqlError(121, 1, 15, `The select list for the INSERT statement contains more items than the insert list. ${tail}`);
}

/** an error that ends the INSERT but not the batch, followed by 3621 as SQL Server sends it */
class StatementTerminated extends Error {
  constructor(readonly error: SqlError) {
    super(error.message);
  }
}

function* terminated(env: ExecEnv, stmt: Statement, error: SqlError): Generator<RequestOutput> {
  const line = env.session.services.language.statementLine?.(stmt) ?? 1;
  yield { type: 'message', message: error.toMessage(line) };
  yield { type: 'message', message: { number: 3621, state: 0, class: 0, message: 'The statement has been terminated.', lineNumber: line } };
  yield { type: 'statementDone', error: true };
}

function buildRow(env: ExecEnv, table: TableVariable, targets: number[], from: ColumnSpec[], values: SqlValue[], defaults?: boolean[]): SqlValue[] {
  const row: SqlValue[] = table.columns.map((column, i) => {
    const at = targets.indexOf(i);
    if (at >= 0 && defaults?.[at] !== true) return store(env, values[at], from[at], column.type);
    if (column.identity) return convertTo(env, table.takeIdentity(i), column.type);
    if (column.default) return convertTo(env, evaluate(env, column.default), column.type);
    return null;
  });
  table.columns.forEach((column, i) => {
    if (row[i] === null && !column.nullable) {
      throw new StatementTerminated(
        new SqlError(515, 2, 16, `Cannot insert the value NULL into column '${column.name}', table '${table.name}'; column does not allow nulls. INSERT fails.`),
      );
    }
    row[i] = fitLength(row[i], column, table);
  });
  return row;
}

function store(env: ExecEnv, value: SqlValue, from: ColumnSpec, to: TypeRef): SqlValue {
  if (value === null) return null;
  const language = env.session.services.language;
  return language.convertForStore ? language.convertForStore(value, from, to) : convertTo(env, value, to);
}

/** a string or binary longer than its column: 2628, unless only trailing blanks would be cut */
function fitLength(value: SqlValue, column: TableColumnDef, table: TableVariable): SqlValue {
  const length = column.type.length;
  if (length === undefined || length < 0 || value === null) return value;
  if (typeof value === 'string' && value.length > length) {
    if (value.slice(length).trim() === '') return value.slice(0, length);
    throw truncated(table, column, value.slice(0, length));
  }
  if (Buffer.isBuffer(value) && value.length > length) throw truncated(table, column, `0x${value.subarray(0, length).toString('hex').toUpperCase()}`);
  return value;
}

const truncated = (table: TableVariable, column: TableColumnDef, shown: string): StatementTerminated =>
  new StatementTerminated(
    new SqlError(2628, 1, 16, `String or binary data would be truncated in table '${table.tempdbName}', column '${column.name}'. Truncated value: '${shown}'.`),
  );
