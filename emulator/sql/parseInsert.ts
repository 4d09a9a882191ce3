// INSERT [INTO] @t [(columns)] VALUES / SELECT / EXEC / DEFAULT VALUES. Only table variables are
// insert targets in the emulator; the dispatcher refuses the other INSERTs by name.
import { SqlError } from '../sqlError';
import type { Expr, InsertSource, Statement } from './ast';
import type { TokenCursor } from './cursor';
import { parseScalar } from './parseExpression';
import { parseSelect } from './parseSelect';

/** parses `EXEC ...` / `EXECUTE ...` at the cursor (the dispatcher's own EXEC parser) */
export type ExecParser = (c: TokenCursor) => Statement;

/** the cursor is at INSERT and its target is a table variable */
export function startsTableVariableInsert(c: TokenCursor): boolean {
  const at = c.isWordAt(1, 'INTO') ? 2 : 1;
  return c.peek(at).kind === 'variable';
}

export function parseInsert(c: TokenCursor, parseExec: ExecParser): Statement {
  c.expectWord('INSERT');
  c.acceptWord('INTO');
  const target = c.peek();
  if (target.kind !== 'variable') c.fail();
  c.next();
  if (c.isWord('DEFAULT') && c.isWordAt(1, 'VALUES')) {
    c.next();
    c.next();
    // every column takes its default: an empty column list and one empty row
    return { kind: 'insert', target: target.text, columns: [], source: { kind: 'values', rows: [[]] } };
  }
  let columns: string[] | undefined;
  if (c.isOp('(') && !c.isWordAt(1, 'SELECT')) {
    c.next();
    columns = [c.identifier()];
    while (c.acceptOp(',')) columns.push(c.identifier());
    c.expectOp(')');
  }
  const stmt: Extract<Statement, { kind: 'insert' }> = { kind: 'insert', target: target.text, source: parseSource(c, parseExec) };
  if (columns) stmt.columns = columns;
  return stmt;
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
