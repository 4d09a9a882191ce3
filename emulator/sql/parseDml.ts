// UPDATE, DELETE and TRUNCATE TABLE on user tables, and the pieces INSERT shares with them (TOP (n),
// table hints, the refusal of the forms the emulator does not model: UPDATE ... FROM, DELETE ...
// FROM ... FROM, OUTPUT, WHERE CURRENT OF, SET @variable, .WRITE).
import type { DmlTop, ObjectName, Statement, UpdateAssignment } from './ast';
import type { TokenCursor } from './cursor';
import { parsePredicate, parseScalar } from './parseExpression';
import { parseObjectName } from './parseNames';
import { parseQueryHints } from './parseSelect';
import { skipStatement, STATEMENT_STARTS, statementStartsExcept } from './rawText';

/** where a refused DML statement without `;` ends (the statements it may contain do not end it) */
export const DML_STOPS = {
  INSERT: statementStartsExcept('SELECT', 'EXEC', 'EXECUTE'),
  UPDATE: statementStartsExcept('SET'),
  DELETE: STATEMENT_STARTS,
  TRUNCATE: STATEMENT_STARTS,
} as const;

const COMPOUND = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=']);

/**
 * Skips the whole statement that starts at token `at` and returns it as refused by name (40517
 * when it runs), as the dispatcher refuses the statements it does not implement.
 */
export function refuseDml(c: TokenCursor, at: number, keyword: string, stops: ReadonlySet<string>): Statement {
  c.pos = at;
  const start = c.peek();
  skipStatement(c, stops);
  return { kind: 'unsupported', keyword, text: c.textFrom(start) };
}

/** `TOP (n) [PERCENT]` after INSERT / UPDATE / DELETE: the parentheses are required there */
export function parseDmlTop(c: TokenCursor): DmlTop {
  c.expectWord('TOP');
  c.expectOp('(');
  const count = parseScalar(c);
  c.expectOp(')');
  return { count, percent: c.acceptWord('PERCENT') !== undefined };
}

/** the target of a DML statement: a table name, or a table variable (@t, kept with its @) */
export function parseDmlTarget(c: TokenCursor): ObjectName {
  const t = c.peek();
  if (t.kind === 'variable') {
    c.next();
    return { name: t.text };
  }
  return parseObjectName(c);
}

/** `WITH (TABLOCK, ROWLOCK ...)` after a DML target: locking hints, kept and ignored */
export function parseTableHints(c: TokenCursor): string[] | undefined {
  if (!(c.isWord('WITH') && c.peek(1).text === '(')) return undefined;
  c.next();
  c.next();
  const hints = [c.expectWordAny()];
  while (c.acceptOp(',')) hints.push(c.expectWordAny());
  c.expectOp(')');
  return hints;
}

export function parseUpdate(c: TokenCursor): Statement {
  const at = c.pos;
  c.expectWord('UPDATE');
  const refuse = (keyword: string): Statement => refuseDml(c, at, keyword, DML_STOPS.UPDATE);
  if (c.isWord('STATISTICS')) return refuse('UPDATE STATISTICS');
  const top = c.isWord('TOP') ? parseDmlTop(c) : undefined;
  const table = parseDmlTarget(c);
  const hints = parseTableHints(c);
  c.expectWord('SET');
  const assignments: UpdateAssignment[] = [];
  do {
    if (c.peek().kind === 'variable') return refuse('UPDATE ... SET @variable');
    const assignment = parseAssignment(c);
    if (!assignment) return refuse('.WRITE');
    assignments.push(assignment);
  } while (c.acceptOp(','));
  if (c.isWord('OUTPUT')) return refuse('OUTPUT');
  if (c.isWord('FROM')) return refuse('UPDATE ... FROM');
  return withDmlTail(c, { kind: 'update', table, assignments }, top, hints, refuse);
}

/** `[t.]col = expr | DEFAULT`, or a compound assignment; undefined for `col.WRITE(...)` */
function parseAssignment(c: TokenCursor): UpdateAssignment | undefined {
  const parts = [c.identifier()];
  while (c.isOp('.')) {
    c.next();
    if (c.isWord('WRITE') && c.peek(1).text === '(') return undefined;
    parts.push(c.identifier());
  }
  if (parts.length > 4) c.fail();
  const op = c.peek();
  if (op.kind !== 'op' || !COMPOUND.has(op.text)) c.fail();
  c.next();
  const assignment: UpdateAssignment = { column: parts[parts.length - 1], op: op.text as UpdateAssignment['op'] };
  if (parts.length > 1) assignment.qualifier = parts[parts.length - 2];
  if (op.text === '=' && c.acceptWord('DEFAULT')) return assignment;
  assignment.value = parseScalar(c);
  return assignment;
}

export function parseDelete(c: TokenCursor): Statement {
  const at = c.pos;
  c.expectWord('DELETE');
  const refuse = (keyword: string): Statement => refuseDml(c, at, keyword, DML_STOPS.DELETE);
  const top = c.isWord('TOP') ? parseDmlTop(c) : undefined;
  c.acceptWord('FROM');
  const table = parseDmlTarget(c);
  const hints = parseTableHints(c);
  if (c.isWord('OUTPUT')) return refuse('OUTPUT');
  if (c.isWord('FROM')) return refuse('DELETE ... FROM');
  return withDmlTail(c, { kind: 'delete', table }, top, hints, refuse);
}

/** what UPDATE and DELETE end alike with: TOP and table hints parsed before, then WHERE and OPTION */
function withDmlTail<S extends Extract<Statement, { kind: 'update' | 'delete' }>>(
  c: TokenCursor,
  stmt: S,
  top: S['top'],
  hints: S['hints'],
  refuse: (keyword: string) => Statement,
): Statement {
  if (top) stmt.top = top;
  if (hints) stmt.hints = hints;
  if (c.acceptWord('WHERE')) {
    if (c.isWord('CURRENT') && c.isWordAt(1, 'OF')) return refuse('WHERE CURRENT OF');
    stmt.where = parsePredicate(c);
  }
  if (c.isWord('OPTION') && c.peek(1).text === '(') stmt.options = parseQueryHints(c);
  return stmt;
}

/** TRUNCATE TABLE [db.][schema.]table; WITH (PARTITIONS (...)) is refused (no partitions here) */
export function parseTruncate(c: TokenCursor): Statement {
  const at = c.pos;
  c.expectWord('TRUNCATE');
  c.expectWord('TABLE');
  const table = parseObjectName(c);
  if (c.isWord('WITH') && c.peek(1).text === '(') return refuseDml(c, at, 'TRUNCATE TABLE ... WITH (PARTITIONS)', DML_STOPS.TRUNCATE);
  return { kind: 'truncate', table };
}
