// SELECT: select list, FROM with joins and derived tables, WHERE, GROUP BY, HAVING, UNION [ALL] /
// EXCEPT / INTERSECT
// chains and ORDER BY. Features the emulator does not evaluate (OVER, INTO, OFFSET, FOR XML,
// OPTION, WITH TIES ...) are left unconsumed, so they fail with 102/156 naming the token.
import type { CommonTableExpression, Expr, OrderItem, SelectItem, SelectStatement, TableSource } from './ast';
import type { TokenCursor } from './cursor';
import { parsePredicate, parseScalar } from './parseExpression';
import { parseObjectName } from './parseNames';
import { parseTableVariableSource } from './parseTableVariable';

/** A query expression: one SELECT or a UNION/EXCEPT/INTERSECT chain, then an ORDER BY for the whole. */
export function parseSelect(c: TokenCursor): SelectStatement {
  const head = parseQueryTerm(c);
  let tail = head;
  while (c.isWord('UNION', 'EXCEPT', 'INTERSECT')) {
    const op = c.next().upper as 'UNION' | 'EXCEPT' | 'INTERSECT';
    const all = op === 'UNION' && c.acceptWord('ALL') !== undefined;
    const next = parseQueryTerm(c);
    tail.union = op === 'UNION' ? { all, query: next } : { all, query: next, op };
    tail = next;
  }
  if (c.isWord('ORDER')) {
    head.orderBy = parseOrderByList(c);
    if (c.isWord('OFFSET')) head.offset = parseOffset(c);
  }
  if (c.isWord('OPTION') && c.peek(1).text === '(') head.options = parseQueryHints(c);
  return head;
}

/** OFFSET n ROW[S] [FETCH FIRST|NEXT m ROW[S] ONLY] */
function parseOffset(c: TokenCursor): { skip: Expr; fetch?: Expr } {
  c.expectWord('OFFSET');
  const skip = parseScalar(c);
  c.expectWord('ROW', 'ROWS');
  if (!c.acceptWord('FETCH')) return { skip };
  c.expectWord('FIRST', 'NEXT');
  const fetch = parseScalar(c);
  c.expectWord('ROW', 'ROWS');
  c.expectWord('ONLY');
  return { skip, fetch };
}

/** WITH a [(x, y)] AS (SELECT ...), b AS (...): the common table expressions before a statement */
export function parseCommonTableExpressions(c: TokenCursor): CommonTableExpression[] {
  c.expectWord('WITH');
  const ctes: CommonTableExpression[] = [];
  do {
    const cte: CommonTableExpression = { name: c.identifier(), query: { kind: 'select', distinct: false, items: [] } };
    if (c.acceptOp('(')) {
      cte.columns = [c.identifier()];
      while (c.acceptOp(',')) cte.columns.push(c.identifier());
      c.expectOp(')');
    }
    c.expectWord('AS');
    c.expectOp('(');
    cte.query = parseSelect(c);
    c.expectOp(')');
    ctes.push(cte);
  } while (c.acceptOp(','));
  return ctes;
}

/** OPTION (RECOMPILE, MAXDOP 1): hints only change plans, so they are kept as text and ignored */
export function parseQueryHints(c: TokenCursor): string[] {
  c.expectWord('OPTION');
  c.expectOp('(');
  const hints: string[] = [];
  let words: string[] = [];
  while (!c.isOp(')')) {
    if (c.atEnd()) c.fail();
    if (c.acceptOp(',')) {
      hints.push(words.join(' '));
      words = [];
    } else words.push(c.next().upper);
  }
  if (words.length === 0) c.fail();
  hints.push(words.join(' '));
  c.expectOp(')');
  return hints;
}

function parseQueryTerm(c: TokenCursor): SelectStatement {
  if (c.acceptOp('(')) {
    const inner = parseSelect(c);
    c.expectOp(')');
    return inner;
  }
  return parseSelectCore(c);
}

function parseSelectCore(c: TokenCursor): SelectStatement {
  c.expectWord('SELECT');
  const stmt: SelectStatement = { kind: 'select', distinct: false, items: [] };
  if (c.acceptWord('DISTINCT')) stmt.distinct = true;
  else c.acceptWord('ALL');
  if (c.acceptWord('TOP')) stmt.top = parseTop(c);
  stmt.items.push(parseSelectItem(c));
  while (c.acceptOp(',')) stmt.items.push(parseSelectItem(c));
  if (c.acceptWord('FROM')) stmt.from = parseTableSources(c);
  if (c.acceptWord('WHERE')) stmt.where = parsePredicate(c);
  if (c.isWord('GROUP')) {
    c.next();
    c.expectWord('BY');
    stmt.groupBy = [parseScalar(c)];
    while (c.acceptOp(',')) stmt.groupBy.push(parseScalar(c));
  }
  if (c.acceptWord('HAVING')) stmt.having = parsePredicate(c);
  return stmt;
}

function parseTop(c: TokenCursor): { count: Expr; percent: boolean } {
  let count: Expr;
  if (c.acceptOp('(')) {
    count = parseScalar(c);
    c.expectOp(')');
  } else {
    // without parentheses TOP takes one constant or variable: `TOP 2 * FROM t` is not 2 * FROM
    const t = c.peek();
    if (t.kind === 'integer') count = { kind: 'literal', value: Number(t.text), sqlType: 'int' };
    else if (t.kind === 'decimal' || t.kind === 'float') count = { kind: 'literal', value: Number(t.text), sqlType: 'float' };
    else if (t.kind === 'variable') count = { kind: 'variable', name: t.text };
    else return c.fail();
    c.next();
  }
  return { count, percent: c.acceptWord('PERCENT') !== undefined };
}

function parseSelectItem(c: TokenCursor): SelectItem {
  if (c.acceptOp('*')) return { expr: { kind: 'star' } };
  const t = c.peek();
  // t.* / db.schema.t.*
  if (c.isIdentifier() && c.peek(1).text === '.') {
    let i = 0;
    while (c.peek(i + 1).text === '.' && (c.peek(i + 2).kind === 'word' || c.peek(i + 2).kind === 'qident')) i += 2;
    if (c.peek(i + 1).text === '.' && c.peek(i + 2).text === '*') {
      for (let k = 0; k < i; k++) c.next();
      const table = c.identifier();
      c.next();
      c.next();
      return { expr: { kind: 'star', table } };
    }
  }
  const nextIsEquals = c.peek(1).kind === 'op' && c.peek(1).text === '=';
  if (t.kind === 'variable' && nextIsEquals) {
    c.next();
    c.next();
    return { expr: parseScalar(c), assignTo: t.text };
  }
  if (nextIsEquals && (c.isIdentifier() || t.kind === 'string' || t.kind === 'nstring')) {
    c.next();
    c.next();
    return { expr: parseScalar(c), alias: t.text };
  }
  const item: SelectItem = { expr: parseScalar(c) };
  const alias = parseAlias(c);
  if (alias !== undefined) item.alias = alias;
  return item;
}

/** [AS] alias, where a select-list alias may also be a 'string' */
function parseAlias(c: TokenCursor, allowString = true): string | undefined {
  if (c.acceptWord('AS')) {
    const t = c.peek();
    if (allowString && (t.kind === 'string' || t.kind === 'nstring')) return c.next().text;
    return c.identifier();
  }
  const t = c.peek();
  if (allowString && (t.kind === 'string' || t.kind === 'nstring')) return c.next().text;
  if (c.isIdentifier()) return c.next().text;
  return undefined;
}

// ---------------------------------------------------------------- FROM

function parseTableSources(c: TokenCursor): TableSource {
  let source = parseJoinedSource(c);
  while (c.acceptOp(',')) source = { kind: 'join', type: 'CROSS', left: source, right: parseJoinedSource(c) };
  return source;
}

function parseJoinedSource(c: TokenCursor): TableSource {
  let left = parsePrimarySource(c);
  for (;;) {
    const type = parseJoinType(c);
    if (!type) return left;
    const right = parsePrimarySource(c);
    if (type === 'CROSS' || type === 'CROSS APPLY' || type === 'OUTER APPLY') {
      left = { kind: 'join', type, left, right };
    } else {
      c.expectWord('ON');
      left = { kind: 'join', type, left, right, on: parsePredicate(c) };
    }
  }
}

type JoinType = Extract<TableSource, { kind: 'join' }>['type'];

function parseJoinType(c: TokenCursor): JoinType | undefined {
  if (c.acceptWord('JOIN')) return 'INNER';
  if (c.isWord('INNER')) {
    c.next();
    c.expectWord('JOIN');
    return 'INNER';
  }
  if (c.isWord('LEFT', 'RIGHT', 'FULL')) {
    const type = c.next().upper as 'LEFT' | 'RIGHT' | 'FULL';
    c.acceptWord('OUTER');
    c.expectWord('JOIN');
    return type;
  }
  if (c.isWord('CROSS')) {
    c.next();
    if (c.acceptWord('APPLY')) return 'CROSS APPLY';
    c.expectWord('JOIN');
    return 'CROSS';
  }
  if (c.isWord('OUTER') && c.isWordAt(1, 'APPLY')) {
    c.next();
    c.next();
    return 'OUTER APPLY';
  }
  return undefined;
}

function parsePrimarySource(c: TokenCursor): TableSource {
  if (c.isOp('(')) {
    let i = 1;
    while (c.peek(i).text === '(') i++;
    if (c.isWordAt(i, 'SELECT')) {
      c.next();
      const query = parseSelect(c);
      c.expectOp(')');
      c.acceptWord('AS');
      const derived: Extract<TableSource, { kind: 'derived' }> = { kind: 'derived', query, alias: c.identifier() };
      const columns = parseColumnAliases(c);
      if (columns) derived.columns = columns;
      return derived;
    }
    if (i === 1 && c.isWordAt(1, 'VALUES')) return parseValues(c);
    c.next();
    const inner = parseTableSources(c);
    c.expectOp(')');
    return inner;
  }
  if (c.peek().kind === 'variable') return parseTableVariableSource(c);
  const name = parseObjectName(c);
  if (c.isOp('(')) {
    c.next();
    const args: Expr[] = [];
    if (!c.isOp(')')) {
      args.push(parseScalar(c));
      while (c.acceptOp(',')) args.push(parseScalar(c));
    }
    c.expectOp(')');
    const fn: TableSource = { kind: 'function', name, args };
    const alias = parseAlias(c, false);
    if (alias !== undefined) fn.alias = alias;
    return fn;
  }
  const table: Extract<TableSource, { kind: 'table' }> = { kind: 'table', name };
  const alias = parseAlias(c, false);
  if (alias !== undefined) table.alias = alias;
  if (c.isWord('WITH') && c.peek(1).text === '(') {
    c.next();
    c.next();
    const hints = [c.identifier().toUpperCase()];
    while (c.acceptOp(',')) hints.push(c.identifier().toUpperCase());
    c.expectOp(')');
    table.hints = hints;
  }
  return table;
}

/** (a, b) after a derived table's alias */
function parseColumnAliases(c: TokenCursor): string[] | undefined {
  if (!c.acceptOp('(')) return undefined;
  const columns = [c.identifier()];
  while (c.acceptOp(',')) columns.push(c.identifier());
  c.expectOp(')');
  return columns;
}

/** (VALUES (1, 'a'), (2, 'b')) [AS] v [(id, name)] */
function parseValues(c: TokenCursor): TableSource {
  c.expectOp('(');
  c.expectWord('VALUES');
  const rows: Expr[][] = [];
  do {
    c.expectOp('(');
    const row = [parseScalar(c)];
    while (c.acceptOp(',')) row.push(parseScalar(c));
    c.expectOp(')');
    rows.push(row);
  } while (c.acceptOp(','));
  c.expectOp(')');
  c.acceptWord('AS');
  const source: Extract<TableSource, { kind: 'values' }> = { kind: 'values', rows, alias: c.identifier() };
  const columns = parseColumnAliases(c);
  if (columns) source.columns = columns;
  return source;
}

/** ORDER BY a [ASC|DESC], ... */
export function parseOrderByList(c: TokenCursor): OrderItem[] {
  c.expectWord('ORDER');
  c.expectWord('BY');
  const items: OrderItem[] = [];
  do {
    const expr = parseScalar(c);
    let descending = false;
    if (c.acceptWord('DESC')) descending = true;
    else c.acceptWord('ASC');
    items.push({ expr, descending });
  } while (c.acceptOp(','));
  return items;
}
