// Expressions. T-SQL separates scalar expressions (values) from predicates (WHERE, ON, HAVING, IF,
// WHEN): `SELECT a = 1` is an alias, not a comparison, so the two have separate entry points.
import type { Expr } from './ast';
import type { TokenCursor } from './cursor';
import type { Token } from './lexer';
import { parseTypeRef } from './parseNames';
import { parseOrderByList, parseSelect } from './parseSelect';

type BinaryOp = Extract<Expr, { kind: 'binary' }>['op'];

const COMPARISONS: Record<string, BinaryOp> = { '=': '=', '<>': '<>', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', '!<': '>=', '!>': '<=' };

/** Reserved keywords that are still function names (LEFT(...), COALESCE(...)) or niladic functions. */
const KEYWORD_FUNCTIONS = new Set(['LEFT', 'RIGHT', 'COALESCE', 'NULLIF']);
const NILADIC_FUNCTIONS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_USER', 'SESSION_USER', 'SYSTEM_USER', 'USER']);

// ---------------------------------------------------------------- scalar expressions

export function parseScalar(c: TokenCursor): Expr {
  let left = parseMultiplicative(c);
  while (c.isOp('+', '-', '&', '|', '^')) {
    const op = c.next().text as BinaryOp;
    left = { kind: 'binary', op, left, right: parseMultiplicative(c) };
  }
  return left;
}

function parseMultiplicative(c: TokenCursor): Expr {
  let left = parseUnary(c);
  while (c.isOp('*', '/', '%')) {
    const op = c.next().text as BinaryOp;
    left = { kind: 'binary', op, left, right: parseUnary(c) };
  }
  return left;
}

function parseUnary(c: TokenCursor): Expr {
  if (c.isOp('-', '+', '~')) {
    const op = c.next().text as '-' | '+' | '~';
    return { kind: 'unary', op, operand: parseUnary(c) };
  }
  const expr = parsePrimary(c);
  // COLLATE only changes the collation; the emulator compares CI_AS everywhere.
  if (c.acceptWord('COLLATE')) c.identifier();
  return expr;
}

function parsePrimary(c: TokenCursor): Expr {
  const t = c.peek();
  switch (t.kind) {
    case 'integer':
      c.next();
      return integerLiteral(t.text);
    case 'decimal':
      c.next();
      return { kind: 'literal', value: normaliseDecimal(t.text), sqlType: 'decimal' };
    case 'float':
      c.next();
      return { kind: 'literal', value: Number(t.text), sqlType: 'float' };
    case 'binary':
      c.next();
      return { kind: 'literal', value: Buffer.from(t.text.length % 2 ? '0' + t.text : t.text, 'hex'), sqlType: 'varbinary' };
    case 'string':
      c.next();
      return { kind: 'literal', value: t.text, sqlType: 'varchar' };
    case 'nstring':
      c.next();
      return { kind: 'literal', value: t.text, unicode: true, sqlType: 'nvarchar' };
    case 'variable':
      c.next();
      return { kind: 'variable', name: t.text };
    case 'global':
      c.next();
      return { kind: 'global', name: t.upper };
    case 'op':
      if (t.text === '(') return parseParenthesised(c);
      return c.fail();
    case 'word':
    case 'qident':
      return parseWordExpression(c, t);
    default:
      return c.fail();
  }
}

function integerLiteral(text: string): Expr {
  const n = Number(text);
  // Integer literals beyond int's range are typed numeric(p, 0) by SQL Server, not bigint.
  if (n <= 2147483647) return { kind: 'literal', value: n, sqlType: 'int' };
  return { kind: 'literal', value: text.replace(/^0+(?=\d)/, ''), sqlType: 'decimal' };
}

function normaliseDecimal(text: string): string {
  let s = text.startsWith('.') ? '0' + text : text;
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s.replace(/^0+(?=\d)/, '');
}

function parseParenthesised(c: TokenCursor): Expr {
  c.expectOp('(');
  if (c.isWord('SELECT') || (c.isOp('(') && startsQuery(c, 1))) {
    const query = parseSelect(c);
    c.expectOp(')');
    return { kind: 'subquery', query };
  }
  const inner = parseScalar(c);
  c.expectOp(')');
  return inner;
}

/** `(` followed by (((SELECT: a parenthesised query */
function startsQuery(c: TokenCursor, ahead: number): boolean {
  let i = ahead;
  while (c.peek(i).kind === 'op' && c.peek(i).text === '(') i++;
  return c.isWordAt(i, 'SELECT');
}

function parseWordExpression(c: TokenCursor, t: Token): Expr {
  if (t.kind === 'word') {
    switch (t.upper) {
      case 'NULL':
        c.next();
        return { kind: 'literal', value: null };
      case 'CASE':
        return parseCase(c);
      case 'CAST':
      case 'TRY_CAST':
        if (c.peek(1).text === '(') return parseCast(c);
        break;
      case 'CONVERT':
      case 'TRY_CONVERT':
        return parseConvert(c);
    }
    if (NILADIC_FUNCTIONS.has(t.upper)) {
      c.next();
      return { kind: 'call', name: t.upper, args: [] };
    }
    if (KEYWORD_FUNCTIONS.has(t.upper) && c.peek(1).text === '(') {
      c.next();
      return parseCallArguments(c, t.upper);
    }
  }
  const parts = [c.identifier()];
  while (c.isOp('.')) {
    c.next();
    if (c.isOp('*')) {
      // t.* is a select-list item only; anywhere else it is a syntax error at '*'
      return c.fail();
    }
    parts.push(c.identifier());
  }
  if (c.isOp('(')) return parseCallArguments(c, parts.join('.').toUpperCase());
  if (parts.length > 4) c.fail();
  const column: Expr =
    parts.length === 1 ? { kind: 'column', name: parts[0] } : { kind: 'column', table: parts[parts.length - 2], name: parts[parts.length - 1] };
  return column;
}

function parseCallArguments(c: TokenCursor, name: string): Expr {
  c.expectOp('(');
  const call: Extract<Expr, { kind: 'call' }> = { kind: 'call', name, args: [] };
  if (c.acceptOp(')')) return call;
  if (c.isOp('*') && c.peek(1).text === ')') {
    c.next();
    c.next();
    call.args.push({ kind: 'star' });
    return call;
  }
  if (c.acceptWord('DISTINCT')) call.distinct = true;
  else c.acceptWord('ALL');
  // IIF's first argument is a predicate; everything else takes values.
  call.args.push(name === 'IIF' ? parsePredicate(c) : parseScalar(c));
  while (c.acceptOp(',')) call.args.push(parseScalar(c));
  c.expectOp(')');
  if (name === 'STRING_AGG' && c.isWord('WITHIN')) {
    c.next();
    c.expectWord('GROUP');
    c.expectOp('(');
    call.withinGroup = parseOrderByList(c);
    c.expectOp(')');
  }
  return call;
}

function parseCase(c: TokenCursor): Expr {
  c.expectWord('CASE');
  const expr: Extract<Expr, { kind: 'case' }> = { kind: 'case', whens: [] };
  if (!c.isWord('WHEN')) expr.operand = parseScalar(c);
  if (!c.isWord('WHEN')) c.fail();
  while (c.acceptWord('WHEN')) {
    const when = expr.operand ? parseScalar(c) : parsePredicate(c);
    c.expectWord('THEN');
    expr.whens.push({ when, then: parseScalar(c) });
  }
  if (c.acceptWord('ELSE')) expr.else = parseScalar(c);
  c.expectWord('END');
  return expr;
}

function parseCast(c: TokenCursor): Expr {
  const syntax = c.next().upper as 'CAST' | 'TRY_CAST';
  c.expectOp('(');
  const operand = parseScalar(c);
  c.expectWord('AS');
  const to = parseTypeRef(c, 'cast');
  c.expectOp(')');
  return { kind: 'cast', operand, to, syntax };
}

function parseConvert(c: TokenCursor): Expr {
  const syntax = c.next().upper as 'CONVERT' | 'TRY_CONVERT';
  c.expectOp('(');
  const to = parseTypeRef(c, 'cast');
  c.expectOp(',');
  const operand = parseScalar(c);
  const expr: Extract<Expr, { kind: 'cast' }> = { kind: 'cast', operand, to, syntax };
  if (c.acceptOp(',')) expr.style = parseScalar(c);
  c.expectOp(')');
  return expr;
}

// ---------------------------------------------------------------- predicates

export function parsePredicate(c: TokenCursor): Expr {
  let left = parseAnd(c);
  while (c.acceptWord('OR')) left = { kind: 'binary', op: 'OR', left, right: parseAnd(c) };
  return left;
}

function parseAnd(c: TokenCursor): Expr {
  let left = parseNot(c);
  while (c.acceptWord('AND')) left = { kind: 'binary', op: 'AND', left, right: parseNot(c) };
  return left;
}

function parseNot(c: TokenCursor): Expr {
  if (c.acceptWord('NOT')) return { kind: 'unary', op: 'NOT', operand: parseNot(c) };
  return parsePredicatePrimary(c);
}

function parsePredicatePrimary(c: TokenCursor): Expr {
  if (c.isWord('EXISTS')) {
    c.next();
    c.expectOp('(');
    const query = parseSelect(c);
    c.expectOp(')');
    return { kind: 'exists', query };
  }
  if (c.isOp('(') && !startsQuery(c, 1)) {
    // `(a = 1 OR b = 2)` or `(a + 1) > 2`: try the predicate first, fall back to a value.
    const start = c.pos;
    try {
      c.next();
      const inner = parsePredicate(c);
      c.expectOp(')');
      return inner;
    } catch (predicateError) {
      const predicateStop = c.pos;
      c.pos = start;
      try {
        return parseComparison(c);
      } catch (valueError) {
        throw c.pos >= predicateStop ? valueError : predicateError;
      }
    }
  }
  return parseComparison(c);
}

function parseComparison(c: TokenCursor): Expr {
  const operand = parseScalar(c);
  const t = c.peek();
  if (t.kind === 'op' && COMPARISONS[t.text]) {
    c.next();
    return { kind: 'binary', op: COMPARISONS[t.text], left: operand, right: parseScalar(c) };
  }
  if (c.acceptWord('IS')) {
    const not = c.acceptWord('NOT') !== undefined;
    c.expectWord('NULL');
    return { kind: 'isNull', operand, not };
  }
  const not = c.isWord('NOT') && c.isWordAt(1, 'LIKE', 'IN', 'BETWEEN') ? c.next() !== undefined : false;
  if (c.acceptWord('LIKE')) {
    const like: Extract<Expr, { kind: 'like' }> = { kind: 'like', operand, pattern: parseScalar(c), not };
    if (c.acceptWord('ESCAPE')) like.escape = parseScalar(c);
    return like;
  }
  if (c.acceptWord('BETWEEN')) {
    const low = parseScalar(c);
    c.expectWord('AND');
    return { kind: 'between', operand, low, high: parseScalar(c), not };
  }
  if (c.acceptWord('IN')) {
    c.expectOp('(');
    if (startsQuery(c, 0)) {
      const query = parseSelect(c);
      c.expectOp(')');
      return { kind: 'in', operand, list: query, not };
    }
    const list = [parseScalar(c)];
    while (c.acceptOp(',')) list.push(parseScalar(c));
    c.expectOp(')');
    return { kind: 'in', operand, list, not };
  }
  return c.fail();
}
