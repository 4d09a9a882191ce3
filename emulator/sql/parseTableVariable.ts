// Table variables in the parser: the column list of DECLARE @t TABLE (...), and @t as a table
// source in FROM.
import { SqlError } from '../sqlError';
import type { Statement, TableColumnDef, TableKeyDef, TableSource } from './ast';
import type { TokenCursor } from './cursor';
import { parseScalar } from './parseExpression';
import { parseTypeRef } from './parseNames';

const notSupported = (what: string): SqlError =>
  new SqlError(40517, 1, 16, `Keyword or statement option '${what}' is not supported in this version of SQL Server.`);

/**
 * `TABLE (col type [NULL | NOT NULL] [DEFAULT expr] [IDENTITY[(s, i)]] [PRIMARY KEY | UNIQUE], ...,
 * [PRIMARY KEY (cols)] [UNIQUE (cols)] [INDEX ix [UNIQUE] (cols)])` after `DECLARE @t [AS]`
 */
export function parseTableVariableBody(c: TokenCursor, name: string): Statement {
  c.expectWord('TABLE');
  c.expectOp('(');
  const columns: TableColumnDef[] = [];
  const keys: TableKeyDef[] = [];
  do {
    if (c.isWord('CHECK', 'CONSTRAINT', 'FOREIGN')) throw notSupported(`${c.peek().upper} in a table variable`);
    if (c.isWord('PRIMARY', 'UNIQUE', 'INDEX')) {
      const key = parseTableKey(c);
      if (key) keys.push(key);
      continue;
    }
    const column = parseColumn(c, keys);
    if (columns.some((x) => x.name.toLowerCase() === column.name.toLowerCase()))
      throw new SqlError(2705, 3, 16, `Column names in each table must be unique. Column name '${column.name}' in table '${name}' is specified more than once.`);
    columns.push(column);
  } while (c.acceptOp(','));
  c.expectOp(')');
  if (columns.length === 0) c.fail();
  checkKeys(name, columns, keys);
  return keys.length > 0 ? { kind: 'declareTable', name, columns, keys } : { kind: 'declareTable', name, columns };
}

/** key columns must exist; PRIMARY KEY columns become NOT NULL; one PRIMARY KEY per table */
function checkKeys(table: string, columns: TableColumnDef[], keys: TableKeyDef[]): void {
  if (keys.filter((k) => k.kind === 'PRIMARY KEY').length > 1) throw new SqlError(8110, 0, 16, `Cannot add multiple PRIMARY KEY constraints to table '${table}'.`);
  for (const key of keys) {
    for (const name of key.columns) {
      const column = columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!column) throw new SqlError(1911, 1, 16, `Column name '${name}' does not exist in the target table or view.`);
      if (key.kind === 'PRIMARY KEY') column.nullable = false;
    }
  }
}

/** PRIMARY KEY [CLUSTERED | NONCLUSTERED] (cols) / UNIQUE [...] (cols) / INDEX ix [UNIQUE] [...] (cols); undefined for a non-unique index */
function parseTableKey(c: TokenCursor): TableKeyDef | undefined {
  if (c.acceptWord('INDEX')) {
    const name = c.identifier();
    const unique = c.acceptWord('UNIQUE') !== undefined;
    c.acceptWord('CLUSTERED', 'NONCLUSTERED');
    const columns = parseKeyColumns(c);
    return unique ? { kind: 'UNIQUE INDEX', name, columns } : undefined;
  }
  const kind = c.next().upper === 'PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
  if (kind === 'PRIMARY KEY') c.expectWord('KEY');
  c.acceptWord('CLUSTERED', 'NONCLUSTERED');
  return { kind, columns: parseKeyColumns(c) };
}

/** (a [ASC | DESC], b ...) */
function parseKeyColumns(c: TokenCursor): string[] {
  c.expectOp('(');
  const columns: string[] = [];
  do {
    columns.push(c.identifier());
    c.acceptWord('ASC', 'DESC');
  } while (c.acceptOp(','));
  c.expectOp(')');
  return columns;
}

function parseColumn(c: TokenCursor, keys: TableKeyDef[]): TableColumnDef {
  const name = c.identifier();
  const column: TableColumnDef = { name, type: parseTypeRef(c, 'declare'), nullable: true };
  for (;;) {
    if (c.acceptWord('COLLATE')) c.identifier();
    else if (c.acceptWord('NULL')) column.nullable = true;
    else if (c.isWord('NOT') && c.isWordAt(1, 'NULL')) {
      c.next();
      c.next();
      column.nullable = false;
    } else if (c.acceptWord('DEFAULT')) column.default = parseScalar(c);
    else if (c.acceptWord('IDENTITY')) {
      column.identity = parseIdentity(c);
      column.nullable = false;
    } else if (c.isWord('PRIMARY', 'UNIQUE')) {
      const kind = c.next().upper === 'PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      if (kind === 'PRIMARY KEY') c.expectWord('KEY');
      c.acceptWord('CLUSTERED', 'NONCLUSTERED');
      keys.push({ kind, columns: [name] });
    } else if (c.isWord('CHECK', 'REFERENCES', 'CONSTRAINT', 'ROWGUIDCOL')) throw notSupported(`${c.peek().upper} in a table variable`);
    else return column;
  }
}

function parseIdentity(c: TokenCursor): { seed: number; increment: number } {
  if (!c.acceptOp('(')) return { seed: 1, increment: 1 };
  const seed = parseSignedInteger(c);
  c.expectOp(',');
  const increment = parseSignedInteger(c);
  c.expectOp(')');
  return { seed, increment };
}

function parseSignedInteger(c: TokenCursor): number {
  const negative = c.acceptOp('-') !== undefined;
  const t = c.peek();
  if (t.kind !== 'integer') c.fail();
  c.next();
  return negative ? -Number(t.text) : Number(t.text);
}

/** `@t [[AS] alias]` in FROM (the cursor is at the variable) */
export function parseTableVariableSource(c: TokenCursor): TableSource {
  const name = c.next().text;
  const source: Extract<TableSource, { kind: 'table' }> = { kind: 'table', name: { name } };
  if (c.acceptWord('AS')) source.alias = c.identifier();
  else if (c.isIdentifier()) source.alias = c.next().text;
  return source;
}
