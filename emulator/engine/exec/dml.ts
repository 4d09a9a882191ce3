// INSERT, UPDATE, DELETE and TRUNCATE TABLE on the estate's user tables. A user table is a row
// count (TableInfo.rowCount), an identity key `Id` and its Always Encrypted columns; its other
// columns are not modelled, so the statements change the count and write log, and a WHERE is
// evaluated only as far as the model can (see emulator/README.md, "Data changes"):
//
// - a WHERE that names no column is evaluated once: TRUE affects every row, FALSE or UNKNOWN none;
// - a WHERE that names only modelled columns (Id, the encrypted ones) is evaluated on the modelled
//   rows, exactly as SELECT ... WHERE sees them;
// - a WHERE that names a column the model does not have cannot be evaluated: UPDATE counts every
//   row as affected (it changes no modelled state), DELETE removes none (the model never invents
//   a loss of rows).
//
// Names resolve in the session's database or through three-part names; a rollback of the open
// transaction undoes the change of row count (and writes the compensation log a rollback writes).
import type { DmlTop, Expr, ObjectName, SelectStatement, Statement, UpdateAssignment } from '../../sql/ast';
import { exprChildren, someExpr } from '../../sql/exprChildren';
import { SqlError } from '../../sqlError';
import type { RequestOutput } from '../../tds/types';
import { accessError } from '../access';
import { resolveTable } from '../catalog';
import { columnsOf, findTable, type UserColumn } from '../catalog/userObjects';
import { estimatedDataBytes } from '../databases';
import { logSpace, recordLogWrite } from '../logSpace';
import { advanceLsn, LOG_BYTES_PER_RECORD } from '../lsn';
import type { Database, TableInfo } from '../model';
import { sameName, splitMultipartName } from '../names';
import { recordIdentity, undeclaredTable } from '../tableVariable';
import type { ExecEnv } from './env';
import { collectSources, type StatementRunner } from './insert';
import { evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;
type DmlVerb = 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE TABLE';

const MB = 1024 * 1024;
/** SQL Server's default data file autogrowth since 2016 */
const DATA_GROWTH_BYTES = 64 * MB;
/** log records that bracket a change: begin and commit of its transaction */
const TRANSACTION_RECORDS = 2;
/** the column encryption key named in Always Encrypted messages: the key the SSMS wizard creates (INFERRED: the estate names none) */
export const COLUMN_ENCRYPTION_KEY_NAME = 'CEK_Auto1';

/** a user table a DML statement changes, resolved */
interface Target {
  db: Database;
  table: TableInfo;
  columns: UserColumn[];
}

// ---------------------------------------------------------------- errors (sys.messages texts)

const notSupported = (what: string): SqlError =>
  new SqlError(40517, 1, 16, `Keyword or statement option '${what}' is not supported in this version of SQL Server.`);
const invalidObject = (name: string): SqlError => new SqlError(208, 1, 16, `Invalid object name '${name}'.`);
const cannotFind = (name: string): SqlError => new SqlError(4701, 1, 16, `Cannot find the object "${name}" because it does not exist or you do not have permissions.`);
const notATable = (name: string): SqlError => new SqlError(4708, 1, 16, `Could not truncate object '${name}' because it is not a table.`);
const adHocCatalogUpdate = (): SqlError => new SqlError(259, 1, 16, 'Ad hoc updates to system catalogs are not allowed.');
const readOnlyDatabase = (db: string): SqlError => new SqlError(3906, 1, 16, `Failed to update database "${db}" because the database is read-only.`);
const unbound = (name: string): SqlError => new SqlError(4104, 1, 16, `The multi-part identifier "${name}" could not be bound.`);
const undeclaredVariable = (name: string): SqlError => new SqlError(137, 2, 15, `Must declare the scalar variable "${name}".`);
const invalidTop = (): SqlError => new SqlError(1014, 1, 16, 'A TOP or FETCH clause contains an invalid value.');
const specifiedTwice = (name: string): SqlError =>
  new SqlError(
    264,
    1,
    16,
    `The column name '${name}' is specified more than once in the SET clause or column list of an INSERT. A column cannot be assigned more than one value in the same clause. Modify the clause to make sure that a column is updated only once. If this statement updates or inserts columns into a view, column aliasing can conceal the duplication in your code.`,
  );
const aggregateInSet = (): SqlError => new SqlError(157, 1, 15, 'An aggregate may not appear in the set list of an UPDATE statement.');
const aggregateInWhere = (): SqlError =>
  new SqlError(
    147,
    1,
    15,
    'An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference.',
  );

/** how SQL Server prints an Always Encrypted column's scheme in 206 / 33299 */
function encryptionScheme(db: Database): string {
  return `encryption_type = 'RANDOMIZED', encryption_algorithm_name = 'AEAD_AES_256_CBC_HMAC_SHA_256', column_encryption_key_name = '${COLUMN_ENCRYPTION_KEY_NAME}', column_encryption_key_database_name = '${db.name}'`;
}

/** 206: a plaintext value where an encrypted column is expected (the docs' "Operand type clash" for values the driver did not encrypt) */
function operandTypeClash(plainType: string, column: UserColumn, db: Database): SqlError {
  const declared = `${column.typeName}(${column.typeName === 'nvarchar' ? column.maxLength / 2 : column.maxLength})`;
  return new SqlError(206, 2, 16, `Operand type clash: ${plainType} is incompatible with ${declared} encrypted with (${encryptionScheme(db)}) collation_name = 'Latin1_General_BIN2'`);
}

/** 33299: a plaintext variable or parameter where an encrypted column is expected */
function schemeMismatch(variable: string, db: Database, line: number): SqlError {
  return new SqlError(
    33299,
    6,
    16,
    `Encryption scheme mismatch for columns/variables '${variable}'. The encryption scheme for the columns/variables is (encryption_type = 'PLAINTEXT') and the expression near line '${line}' expects it to be (${encryptionScheme(db)}) (or weaker).`,
  );
}

// ---------------------------------------------------------------- resolution

/** the name as SQL Server prints it in 208 / 4701 ("dbo.Missing", "Sales.dbo.Missing") */
function shownName(name: ObjectName): string {
  const parts = [name.server, name.database, name.schema, name.name];
  while (parts[0] === undefined) parts.shift();
  return parts.map((p) => p ?? '').join('.');
}

function resolveTarget(env: ExecEnv, name: ObjectName, verb: DmlVerb): Target {
  const session = env.session;
  const inst = session.instance;
  const notFound = (): SqlError => (verb === 'TRUNCATE TABLE' ? cannotFind(shownName(name)) : invalidObject(shownName(name)));
  if (name.name.startsWith('@') && name.schema === undefined && name.database === undefined && name.server === undefined) {
    if (!env.tables.has(name.name.toLowerCase())) throw undeclaredTable(name.name);
    throw notSupported(`${verb} of a table variable`);
  }
  if (name.server !== undefined && !sameName(name.server, inst.serverName)) throw notFound();
  const db = inst.findDatabase(name.database ?? session.currentDatabase());
  if (!db) throw notFound();
  const denied = accessError(inst, db, session.spid);
  if (denied) throw denied;
  const table = findTable(db, name.schema ?? 'dbo', name.name);
  if (!table) {
    // a catalog view, a DMV or one of msdb's tables: the emulator's, not the estate's
    const view = resolveTable({ instance: inst, spid: session.spid, currentDatabase: session.currentDatabase() }, name);
    if (!view) throw notFound();
    const schema = (name.schema ?? '').toLowerCase();
    if (schema === 'sys' || schema === 'information_schema') throw verb === 'TRUNCATE TABLE' ? notATable(shownName(name)) : adHocCatalogUpdate();
    throw notSupported(`${verb} of ${db.name}.dbo.${name.name}`);
  }
  if (db.readOnly || inst.isLinkSecondary(db)) throw readOnlyDatabase(db.name);
  return { db, table, columns: columnsOf(table) };
}

const findColumn = (target: Target, name: string): UserColumn | undefined => target.columns.find((c) => sameName(c.name, name));

// ---------------------------------------------------------------- expressions (the engine's own walk: no evaluator internals)

const AGGREGATES = new Set(['COUNT', 'COUNT_BIG', 'SUM', 'AVG', 'MIN', 'MAX', 'STRING_AGG', 'STDEV', 'STDEVP', 'VAR', 'VARP', 'CHECKSUM_AGG', 'GROUPING', 'GROUPING_ID', 'APPROX_COUNT_DISTINCT']);

/** visits the expression and each of its sub-expressions (outside subqueries) */
function everyExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const c of exprChildren(e)) everyExpr(c, visit);
}

const namesColumns = (e: Expr): boolean => someExpr(e, (x) => x.kind === 'column' || x.kind === 'star');
const hasSubquery = (e: Expr): boolean => someExpr(e, (x) => x.kind === 'subquery' || x.kind === 'exists' || (x.kind === 'in' && !Array.isArray(x.list)));
const hasAggregate = (e: Expr): boolean => someExpr(e, (x) => x.kind === 'call' && AGGREGATES.has(x.name.toUpperCase()));
/** errors that say a name could not be bound: inside a subquery, an outer reference to a column the model does not have */
const isBindingError = (e: unknown): boolean => e instanceof SqlError && (e.number === 207 || e.number === 4104 || e.number === 209);

/** 137 for an undeclared variable, 4104 for a column qualified by anything but the target */
function checkNames(env: ExecEnv, table: TableInfo, exprs: (Expr | undefined)[]): void {
  for (const expr of exprs) {
    if (!expr) continue;
    everyExpr(expr, (e) => {
      if (e.kind === 'variable' && !env.variables.has(e.name.toLowerCase())) throw undeclaredVariable(e.name);
      if (e.kind === 'column' && e.table !== undefined && !sameName(e.table, table.name)) throw unbound(`${e.table}.${e.name}`);
    });
  }
}

const FALSE: Expr = { kind: 'binary', op: '=', left: { kind: 'literal', value: 1, sqlType: 'int' }, right: { kind: 'literal', value: 0, sqlType: 'int' } };

const selectOf = (exprs: Expr[], where?: Expr): SelectStatement => {
  const stmt: SelectStatement = { kind: 'select', distinct: false, items: exprs.map((expr, i) => ({ expr, alias: `c${i + 1}` })) };
  if (where) stmt.where = where;
  return stmt;
};

/**
 * The SQL type of each expression that names no column of the target (binding only: no row is
 * produced, so nothing is evaluated); undefined for one that depends on the row.
 */
function constantTypes(env: ExecEnv, exprs: (Expr | undefined)[]): (string | undefined)[] {
  const language = env.session.services.language;
  return exprs.map((expr) => {
    if (!expr || namesColumns(expr)) return undefined;
    try {
      return language.executeSelect(selectOf([expr], FALSE), env.evalContext()).resultSet?.columns[0]?.type;
    } catch (e) {
      // a correlated subquery: it reads the target's row
      if (hasSubquery(expr) && isBindingError(e)) return undefined;
      throw e;
    }
  });
}

/** runs the row-independent expressions once, so their runtime errors (8134, 245 ...) surface as they would on the first row */
function evaluateConstants(env: ExecEnv, exprs: Expr[]): void {
  if (exprs.length > 0) env.session.services.language.executeSelect(selectOf(exprs), env.evalContext());
}

/**
 * How many rows of the target a WHERE selects: every row without one, the evaluated answer when
 * the model can give it, undefined when the predicate names a column the model does not have.
 */
function matchingRows(env: ExecEnv, target: Target, name: ObjectName, where: Expr | undefined): number | undefined {
  const rows = target.table.rowCount;
  if (!where) return rows;
  const language = env.session.services.language;
  if (!namesColumns(where)) {
    if (rows === 0) return 0;
    try {
      return language.evaluateCondition(where, env.evalContext()) ? rows : 0;
    } catch (e) {
      if (hasSubquery(where) && isBindingError(e)) return undefined;
      throw e;
    }
  }
  try {
    const outcome = language.executeSelect(
      {
        kind: 'select',
        distinct: false,
        items: [{ expr: { kind: 'call', name: 'COUNT_BIG', args: [{ kind: 'star' }] }, alias: 'n' }],
        from: { kind: 'table', name },
        where,
      },
      env.evalContext(),
    );
    return Number(outcome.resultSet?.rows[0]?.[0] ?? 0);
  } catch (e) {
    if (isBindingError(e)) return undefined;
    throw e;
  }
}

/** TOP (n) [PERCENT] (of the qualifying rows, rounded up) and SET ROWCOUNT n applied to the qualifying `rows` */
function limitRows(env: ExecEnv, top: DmlTop | undefined, rows: number): number {
  let limit = rows;
  if (top) {
    const value = evaluate(env, top.count);
    const n = value === null ? NaN : Number(value);
    if (!Number.isFinite(n) || n < 0 || (top.percent && n > 100)) throw invalidTop();
    limit = Math.min(limit, top.percent ? Math.ceil((rows * n) / 100) : Math.floor(n));
  }
  const rowcount = Number(env.session.options.get('ROWCOUNT') ?? 0);
  if (Number.isFinite(rowcount) && rowcount > 0) limit = Math.min(limit, rowcount);
  return limit;
}

/**
 * A value assigned to an Always Encrypted column must come encrypted from the driver (the
 * emulator's clients never encrypt): NULL or DEFAULT, or another encrypted column of the table
 * (same scheme in the model), are the only plaintext-free values; a variable or parameter is
 * 33299, anything else 206.
 */
function checkEncryptedValue(env: ExecEnv, stmt: Statement, target: Target, value: Expr | undefined, plainType: string | undefined, column: UserColumn): void {
  if (column.encryptionType === null || value === undefined) return;
  if (value.kind === 'literal' && value.value === null) return;
  const source = value.kind === 'column' ? findColumn(target, value.name) : undefined;
  if (source && source.encryptionType !== null) return;
  if (value.kind === 'variable') throw schemeMismatch(value.name, target.db, env.session.services.language.statementLine?.(stmt) ?? 1);
  throw operandTypeClash(plainType ?? guessedType(value), column, target.db);
}

/** the operand's type when it depends on a row (only its literals tell): approximated */
function guessedType(value: Expr): string {
  return someExpr(value, (e) => e.kind === 'literal' && e.unicode === true) ? 'nvarchar' : 'varchar';
}

// ---------------------------------------------------------------- log and state

/** `records` log records on `db`: the end of the log moves, the log file grows as its active part needs */
function writeLog(env: ExecEnv, db: Database, records: number): void {
  if (records <= 0) return;
  db.lastLsn = advanceLsn(db.lastLsn, records);
  recordLogWrite(db, records * LOG_BYTES_PER_RECORD, 1);
  logSpace(db, env.session.instance.config.kind);
}

/** the log a change of `rows` rows writes: one record a row, within its transaction */
const changeRecords = (rows: number): number => (rows > 0 ? rows + TRANSACTION_RECORDS : 0);

/** the data file grows (autogrowth) when the rows outgrow it */
function growDataIfNeeded(db: Database): void {
  const data = db.files.find((f) => f.type === 'ROWS');
  if (!data) return;
  const needed = estimatedDataBytes(db.tables);
  while (data.sizeBytes < needed) data.sizeBytes += DATA_GROWTH_BYTES;
}

/** a change of the row count, undone (with its compensation log) if the open transaction rolls back */
function changeRows(env: ExecEnv, target: Target, delta: number, records: number): void {
  const { db, table } = target;
  table.rowCount = Math.max(0, table.rowCount + delta);
  if (delta > 0) growDataIfNeeded(db);
  writeLog(env, db, records);
  env.session.recordUndo?.(() => {
    table.rowCount = Math.max(0, table.rowCount - delta);
    writeLog(env, db, records);
  });
}

function done(env: ExecEnv, rowCount: number | undefined): RequestOutput {
  env.session.rowCount = rowCount ?? 0;
  const nocount = env.session.options.get('NOCOUNT') === 'ON';
  return rowCount === undefined || nocount ? { type: 'statementDone' } : { type: 'statementDone', rowCount };
}

// ---------------------------------------------------------------- UPDATE

/** the value a SET item stores: `col += x` is `col = col + x` */
function assignedValue(a: UpdateAssignment): Expr | undefined {
  if (a.value === undefined || a.op === '=') return a.value;
  const op = a.op.slice(0, 1) as '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^';
  return { kind: 'binary', op, left: { kind: 'column', name: a.column }, right: a.value };
}

export function runUpdate(env: ExecEnv, stmt: Of<'update'>): RequestOutput {
  const target = resolveTarget(env, stmt.table, 'UPDATE');
  const seen = new Set<string>();
  for (const a of stmt.assignments) {
    if (a.qualifier !== undefined && !sameName(a.qualifier, target.table.name)) throw unbound(`${a.qualifier}.${a.column}`);
    const key = a.column.toLowerCase();
    if (seen.has(key)) throw specifiedTwice(findColumn(target, a.column)?.name ?? a.column);
    seen.add(key);
    if (findColumn(target, a.column)?.isIdentity) throw new SqlError(8102, 1, 16, `Cannot update identity column '${findColumn(target, a.column)?.name ?? a.column}'.`);
    if (a.value && hasAggregate(a.value)) throw aggregateInSet();
  }
  if (stmt.where && hasAggregate(stmt.where)) throw aggregateInWhere();
  const values = stmt.assignments.map(assignedValue);
  checkNames(env, target.table, [...values, stmt.where, stmt.top?.count]);
  const types = constantTypes(env, values);
  stmt.assignments.forEach((a, i) => {
    const column = findColumn(target, a.column);
    if (column) checkEncryptedValue(env, stmt, target, values[i], types[i], column);
  });
  const matching = matchingRows(env, target, stmt.table, stmt.where);
  // a WHERE the model cannot evaluate: every row counts as updated (an UPDATE changes no modelled state)
  const selected = matching ?? target.table.rowCount;
  const affected = limitRows(env, stmt.top, selected);
  if (affected > 0) evaluateConstants(env, values.filter((v, i): v is Expr => v !== undefined && types[i] !== undefined));
  const records = changeRecords(affected);
  writeLog(env, target.db, records);
  env.session.recordUndo?.(() => writeLog(env, target.db, records));
  return done(env, affected);
}

// ---------------------------------------------------------------- DELETE / TRUNCATE TABLE

export function runDelete(env: ExecEnv, stmt: Of<'delete'>): RequestOutput {
  const target = resolveTarget(env, stmt.table, 'DELETE');
  if (stmt.where && hasAggregate(stmt.where)) throw aggregateInWhere();
  checkNames(env, target.table, [stmt.where, stmt.top?.count]);
  const matching = matchingRows(env, target, stmt.table, stmt.where);
  // a WHERE the model cannot evaluate deletes nothing: the model never invents a loss of rows
  const deleted = limitRows(env, stmt.top, matching ?? 0);
  if (deleted > 0) changeRows(env, target, -deleted, changeRecords(deleted));
  return done(env, deleted);
}

export function runTruncate(env: ExecEnv, stmt: Of<'truncate'>): RequestOutput {
  const target = resolveTarget(env, stmt.table, 'TRUNCATE TABLE');
  const rows = target.table.rowCount;
  // TRUNCATE logs the deallocation of the table's extents (8 pages of 40 rows each), not its rows
  const extents = Math.ceil(Math.max(1, Math.ceil(rows / 40)) / 8);
  changeRows(env, target, -rows, TRANSACTION_RECORDS + extents);
  return done(env, undefined);
}

// ---------------------------------------------------------------- INSERT

/** SET IDENTITY_INSERT t ON, for this table, in this session */
function identityInsertOn(env: ExecEnv, target: Target): boolean {
  for (const [option, value] of env.session.options) {
    if (!option.startsWith('IDENTITY_INSERT ') || value !== 'ON') continue;
    const parts = splitMultipartName(option.slice('IDENTITY_INSERT '.length));
    const name = parts[parts.length - 1];
    const schema = parts.length >= 2 ? parts[parts.length - 2] : 'dbo';
    const database = parts.length >= 3 ? parts[parts.length - 3] : env.session.currentDatabase();
    if (sameName(name, target.table.name) && sameName(schema || 'dbo', target.table.schema) && sameName(database || env.session.currentDatabase(), target.db.name)) return true;
  }
  return false;
}

/** INSERT into a user table: returns the value @@ERROR takes */
export async function* runInsertTable(env: ExecEnv, stmt: Of<'insertTable'>, runStatement: StatementRunner): AsyncGenerator<RequestOutput, number> {
  const target = resolveTarget(env, stmt.table, 'INSERT');
  const table = target.table;
  const explicitIdentity = identityInsertOn(env, target);
  const listed = stmt.columns;
  if (listed) {
    const seen = new Set<string>();
    for (const name of listed) {
      if (seen.has(name.toLowerCase())) throw specifiedTwice(findColumn(target, name)?.name ?? name);
      seen.add(name.toLowerCase());
    }
    const identity = target.columns.find((c) => c.isIdentity);
    const listsIdentity = identity !== undefined && listed.some((n) => sameName(n, identity.name));
    if (listsIdentity && !explicitIdentity)
      throw new SqlError(544, 1, 16, `Cannot insert explicit value for identity column in table '${table.name}' when IDENTITY_INSERT is set to OFF.`);
    if (!listsIdentity && explicitIdentity && listed.length > 0)
      throw new SqlError(
        545,
        1,
        16,
        `Explicit value must be specified for identity column in table '${table.name}' either when IDENTITY_INSERT is set to ON or when a replication user is inserting into a NOT FOR REPLICATION identity column.`,
      );
  } else if (explicitIdentity && !(stmt.source.kind === 'values' && stmt.source.rows.every((r) => r.length === 0))) {
    throw new SqlError(8101, 1, 16, `An explicit value for the identity column in table '${table.name}' can only be specified when a column list is used and IDENTITY_INSERT is ON.`);
  }
  const source = stmt.source;
  if (source.kind === 'values') {
    checkNames(env, table, source.rows.flat());
    // values for Always Encrypted columns (their positions are known only from a column list)
    listed?.forEach((name, i) => {
      const column = findColumn(target, name);
      if (!column || column.encryptionType === null) return;
      source.rows.forEach((row, r) => {
        if (source.defaults?.[r]?.[i] === true || row[i] === undefined) return;
        checkEncryptedValue(env, stmt, target, row[i], constantTypes(env, [row[i]])[0], column);
      });
    });
  }
  const sources = yield* collectSources(env, stmt, listed?.length, runStatement);
  const given = sources.reduce((sum, s) => sum + s.rows.length, 0);
  const inserted = limitRows(env, stmt.top, given);
  if (inserted > 0) {
    changeRows(env, target, inserted, changeRecords(inserted));
    // the identity values the new rows took: the model numbers its rows 1..rowCount
    if (!explicitIdentity) recordIdentity(env.session, env.tables, table.rowCount);
  }
  yield done(env, inserted);
  return 0;
}
