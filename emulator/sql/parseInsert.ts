// INSERT [TOP (n) [PERCENT]] [INTO] @t | [db.][schema.]table [(columns)] VALUES / SELECT / EXEC /
// DEFAULT VALUES: into a table variable ('insert') or a user table ('insertTable'). OUTPUT is
// refused by name.
import { SqlError } from '../sqlError';
import type { Expr, InsertSource, Statement } from './ast';
import type { TokenCursor } from './cursor';
import { DML_STOPS, parseDmlTop, parseTableHints, refuseDml } from './parseDml';
import { parseScalar } from './parseExpression';
import { parseObjectName } from './parseNames';
import { parseSelect } from './parseSelect';

/** parses `EXEC ...` / `EXECUTE ...` at the cursor (the dispatcher's own EXEC parser) */
export type ExecParser = (c: TokenCursor) => Statement;

/** the cursor is at INSERT and its target is a table variable */
export function startsTableVariableInsert(c: TokenCursor): boolean {
  const at = c.isWordAt(1, 'INTO') ? 2 : 1;
  return c.peek(at).kind === 'variable';
}

export function parseInsert(c: TokenCursor, parseExec: ExecParser): Statement {
  const at = c.pos;
  c.expectWord('INSERT');
  const top = c.isWord('TOP') ? parseDmlTop(c) : undefined;
  c.acceptWord('INTO');
  const target = c.peek();
  if (target.kind === 'variable') {
    if (top) return refuseDml(c, at, 'INSERT TOP', DML_STOPS.INSERT);
    c.next();
    return parseInsertBody(c, parseExec, at, (columns, source) => {
      const stmt: Extract<Statement, { kind: 'insert' }> = { kind: 'insert', target: target.text, source };
      if (columns) stmt.columns = columns;
      return stmt;
    });
  }
  const table = parseObjectName(c);
  const hints = parseTableHints(c);
  return parseInsertBody(c, parseExec, at, (columns, source) => {
    const stmt: Extract<Statement, { kind: 'insertTable' }> = { kind: 'insertTable', table, source };
    if (columns) stmt.columns = columns;
    if (top) stmt.top = top;
    if (hints) stmt.hints = hints;
    return stmt;
  });
}

/**
 * [(columns)] VALUES / SELECT / EXEC, or DEFAULT VALUES (an empty column list and one empty row);
 * an OUTPUT clause refuses the whole statement (from token `at`) by name.
 */
function parseInsertBody(c: TokenCursor, parseExec: ExecParser, at: number, build: (columns: string[] | undefined, source: InsertSource) => Statement): Statement {
  if (c.isWord('OUTPUT')) return refuseDml(c, at, 'OUTPUT', DML_STOPS.INSERT);
  if (c.isWord('DEFAULT') && c.isWordAt(1, 'VALUES')) {
    c.next();
    c.next();
    // every column takes its default: an empty column list and one empty row
    return build([], { kind: 'values', rows: [[]] });
  }
  let columns: string[] | undefined;
  if (c.isOp('(') && !c.isWordAt(1, 'SELECT')) {
    c.next();
    columns = [c.identifier()];
    while (c.acceptOp(',')) columns.push(c.identifier());
    c.expectOp(')');
  }
  if (c.isWord('OUTPUT')) return refuseDml(c, at, 'OUTPUT', DML_STOPS.INSERT);
  return build(columns, parseSource(c, parseExec));
}

function parseSource(c: TokenCursor, parseExec: ExecParser): InsertSource {
  if (c.acceptWord('VALUES')) return parseRows(c);
  if (c.isWord('SELECT') || c.isOp('(')) return { kind: 'select', query: parseSelect(c) };
  if (c.isWord('EXEC', 'EXECUTE')) {
    const start = c.peek();
    const statement = parseExec(c);
    if (statement.kind === 'exec' || statement.kind === 'execDynamic') return { kind: 'exec', statement };
    throw new SqlError(40517, 1, 16, `Keyword or statement option '${statement.kind === 'unsupported' ? statement.keyword : start.upper}' is not supported in this version of SQL Server.`);
  }
  return c.fail();
}

/** (a, DEFAULT), (c, d): every row's expressions (widths are checked when the INSERT runs) */
function parseRows(c: TokenCursor): InsertSource {
  const rows: Expr[][] = [];
  const defaults: boolean[][] = [];
  do {
    c.expectOp('(');
    const row: Expr[] = [];
    const rowDefaults: boolean[] = [];
    do {
      const isDefault = c.acceptWord('DEFAULT') !== undefined;
      row.push(isDefault ? { kind: 'literal', value: null } : parseScalar(c));
      rowDefaults.push(isDefault);
    } while (c.acceptOp(','));
    c.expectOp(')');
    rows.push(row);
    defaults.push(rowDefaults);
  } while (c.acceptOp(','));
  return defaults.some((r) => r.includes(true)) ? { kind: 'values', rows, defaults } : { kind: 'values', rows };
}
