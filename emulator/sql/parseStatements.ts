// One T-SQL statement of any kind: the dispatcher plus the small statements (DECLARE, SET, USE,
// PRINT, RAISERROR, THROW, IF, BEGIN ... END, transactions, WAITFOR, EXEC).
import { SqlError } from '../sqlError';
import type { Expr, Statement } from './ast';
import type { TokenCursor } from './cursor';
import { isReserved } from './keywords';
import type { Token } from './lexer';
import { parseAlter, parseBackup, parseCreate, parseDbcc, parseDrop, parseKill, parseRestore } from './parseAdmin';
import { parsePredicate, parseScalar } from './parseExpression';
import { parseObjectName, parseTypeRef } from './parseNames';
import { parseInsert } from './parseInsert';
import { parseDelete, parseTruncate, parseUpdate } from './parseDml';
import { parseCommonTableExpressions, parseSelect } from './parseSelect';
import { parseTableVariableBody } from './parseTableVariable';
import { skipStatement, STATEMENT_STARTS } from './rawText';
import { recordStatementLine } from './statementLines';

/** Statements SQL Server has and the emulator refuses by name. */
const UNSUPPORTED = new Set([
  'MERGE', 'WHILE', 'RETURN', 'GRANT', 'REVOKE', 'DENY', 'BREAK', 'CONTINUE',
  'GOTO', 'OPEN', 'CLOSE', 'FETCH', 'DEALLOCATE', 'BULK', 'CHECKPOINT', 'RECONFIGURE', 'SHUTDOWN', 'REVERT', 'SETUSER',
  'READTEXT', 'WRITETEXT', 'UPDATETEXT', 'ENABLE', 'DISABLE', 'SEND', 'RECEIVE', 'GET', 'MOVE', 'DUMP', 'LOAD',
]);

/**
 * Where an unsupported statement without `;` ends: at the next statement keyword it cannot contain.
 * Absent: at `;` or the end of the batch (GRANT SELECT ..., MERGE, WHILE bodies).
 */
const UNSUPPORTED_STOPS: Record<string, ReadonlySet<string>> = {
  CHECKPOINT: STATEMENT_STARTS,
  RECONFIGURE: STATEMENT_STARTS,
  SHUTDOWN: STATEMENT_STARTS,
};

const SET_OPTIONS = new Set([
  'ANSI_DEFAULTS', 'ANSI_NULL_DFLT_OFF', 'ANSI_NULL_DFLT_ON', 'ANSI_NULLS', 'ANSI_PADDING', 'ANSI_WARNINGS', 'ARITHABORT',
  'ARITHIGNORE', 'CONCAT_NULL_YIELDS_NULL', 'CONTEXT_INFO', 'CURSOR_CLOSE_ON_COMMIT', 'DATEFIRST', 'DATEFORMAT',
  'DEADLOCK_PRIORITY', 'FIPS_FLAGGER', 'FMTONLY', 'FORCEPLAN', 'IDENTITY_INSERT', 'IMPLICIT_TRANSACTIONS', 'LANGUAGE',
  'LOCK_TIMEOUT', 'NOCOUNT', 'NOEXEC', 'NUMERIC_ROUNDABORT', 'OFFSETS', 'PARSEONLY', 'QUERY_GOVERNOR_COST_LIMIT',
  'QUOTED_IDENTIFIER', 'REMOTE_PROC_TRANSACTIONS', 'ROWCOUNT', 'SHOWPLAN_ALL', 'SHOWPLAN_TEXT', 'SHOWPLAN_XML',
  'STATISTICS', 'TEXTSIZE', 'TRANSACTION', 'XACT_ABORT', 'NO_BROWSETABLE',
]);

/**
 * Parses the statement at the cursor. Usually one statement; `SET ANSI_NULLS, ANSI_PADDING ON`
 * yields one per option.
 */
export function parseStatement(c: TokenCursor, firstInBatch: boolean): Statement[] {
  const start = c.peek();
  const statements = dispatch(c, start, firstInBatch);
  const text = c.textFrom(start);
  for (const s of statements) recordStatementLine(s, c.lineOf(start), text);
  return statements;
}

/** A single statement, as IF and ELSE need it (several SET options become a block). */
function parseSingle(c: TokenCursor): Statement {
  const statements = parseStatement(c, false);
  return statements.length === 1 ? statements[0] : { kind: 'block', statements };
}

function dispatch(c: TokenCursor, t: Token, firstInBatch: boolean): Statement[] {
  if (t.kind === 'op' && t.text === '(') return [parseSelect(c)];
  if (t.kind !== 'word') {
    // `sp_who` alone is an EXEC when it starts the batch, also as [sp_who]
    if (t.kind === 'qident' && firstInBatch) return [parseExecCall(c)];
    return c.fail();
  }
  switch (t.upper) {
    case 'SELECT':
      return [parseSelect(c)];
    case 'WITH':
      // WITH cte AS (...) SELECT; other WITH forms (XMLNAMESPACES, CTEs before INSERT ...) are refused
      if (c.isIdentifier(1) && !c.isWordAt(1, 'XMLNAMESPACES') && (c.isWordAt(2, 'AS') || c.peek(2).text === '(')) return [withSelect(c, t)];
      return [unsupported(c, t, 'WITH')];
    case 'DECLARE':
      return parseDeclare(c);
    case 'INSERT':
      return [parseInsert(c, parseExec)];
    case 'UPDATE':
      return [parseUpdate(c)];
    case 'DELETE':
      return [parseDelete(c)];
    case 'TRUNCATE':
      return [parseTruncate(c)];
    case 'SET':
      return parseSet(c);
    case 'USE':
      c.next();
      return [{ kind: 'use', database: c.peek().kind === 'word' ? c.next().text : c.identifier() }];
    case 'PRINT':
      c.next();
      return [{ kind: 'print', value: parseScalar(c) }];
    case 'RAISERROR':
      return [parseRaiserror(c)];
    case 'THROW':
      return [parseThrow(c)];
    case 'IF':
      return [parseIf(c)];
    case 'BEGIN':
      return [parseBegin(c)];
    case 'COMMIT':
    case 'ROLLBACK':
    case 'SAVE':
      return [parseTransactionEnd(c)];
    case 'WAITFOR':
      return [parseWaitfor(c)];
    case 'EXEC':
    case 'EXECUTE':
      return [parseExec(c)];
    case 'BACKUP':
      return [parseBackup(c)];
    case 'RESTORE':
      return [parseRestore(c)];
    case 'CREATE':
      return [parseCreate(c)];
    case 'ALTER':
      return [parseAlter(c)];
    case 'DROP':
      return [parseDrop(c)];
    case 'DBCC':
      return [parseDbcc(c)];
    case 'KILL':
      return [parseKill(c)];
  }
  if (UNSUPPORTED.has(t.upper)) return [unsupported(c, t, t.upper, 0, UNSUPPORTED_STOPS[t.upper])];
  if (firstInBatch && !isReserved(t.upper)) return [parseExecCall(c)];
  return c.fail();
}

function withSelect(c: TokenCursor, start: Token): Statement {
  const at = c.pos;
  const ctes = parseCommonTableExpressions(c);
  // WITH ... INSERT INTO @t / table SELECT: the CTEs belong to the INSERT's query
  if (c.isWord('INSERT')) {
    const insert = parseInsert(c, parseExec);
    if ((insert.kind === 'insert' || insert.kind === 'insertTable') && insert.source.kind === 'select') {
      insert.source.query.with = ctes;
      return insert;
    }
    c.pos = at;
    return unsupported(c, start, 'WITH');
  }
  // CTEs in front of UPDATE/DELETE/MERGE: refused by name (the emulator's UPDATE and DELETE take no FROM)
  if (c.isWord('UPDATE', 'DELETE', 'MERGE')) {
    c.pos = at;
    return unsupported(c, start, 'WITH');
  }
  const stmt = parseSelect(c);
  stmt.with = ctes;
  return stmt;
}

/** Skips a statement the emulator does not implement, keeping its text for the engine's refusal. */
export function unsupported(c: TokenCursor, start: Token, keyword: string, openBlocks = 0, stops?: ReadonlySet<string>): Statement {
  skipStatement(c, stops, openBlocks);
  return { kind: 'unsupported', keyword, text: c.textFrom(start) };
}

// ---------------------------------------------------------------- DECLARE / SET

/** DECLARE @a int, @t TABLE (...), ...: scalar runs become 'declare', each table variable a 'declareTable', in order */
function parseDeclare(c: TokenCursor): Statement[] {
  const start = c.expectWord('DECLARE');
  const statements: Statement[] = [];
  let variables: Extract<Statement, { kind: 'declare' }>['variables'] = [];
  do {
    const name = c.peek();
    if (name.kind !== 'variable') {
      if (c.isIdentifier() && c.isWordAt(1, 'CURSOR', 'INSENSITIVE', 'SCROLL')) return [unsupported(c, start, 'DECLARE CURSOR')];
      c.fail();
    }
    c.next();
    c.acceptWord('AS');
    if (c.isWord('TABLE')) {
      if (variables.length > 0) statements.push({ kind: 'declare', variables });
      variables = [];
      statements.push(parseTableVariableBody(c, name.text));
      continue;
    }
    if (c.isWord('CURSOR')) return [unsupported(c, start, 'DECLARE CURSOR')];
    const type = parseTypeRef(c, 'declare');
    const variable: (typeof variables)[number] = { name: name.text, type };
    if (c.acceptOp('=')) variable.initial = parseScalar(c);
    variables.push(variable);
  } while (c.acceptOp(','));
  if (variables.length > 0) statements.push({ kind: 'declare', variables });
  return statements;
}

function parseSet(c: TokenCursor): Statement[] {
  c.expectWord('SET');
  const t = c.peek();
  if (t.kind === 'variable') {
    c.next();
    const op = c.peek();
    if (op.kind !== 'op' || (op.text !== '=' && op.text !== '+=' && op.text !== '-=')) c.fail();
    c.next();
    return [{ kind: 'setVariable', name: t.text, op: op.text as '=' | '+=' | '-=', value: parseScalar(c) }];
  }
  if (t.kind !== 'word') c.fail();
  if (t.upper === 'TRANSACTION') {
    c.next();
    c.expectWord('ISOLATION');
    c.expectWord('LEVEL');
    const level = [c.expectWord('READ', 'REPEATABLE', 'SNAPSHOT', 'SERIALIZABLE').upper];
    if (level[0] === 'READ') level.push(c.expectWord('COMMITTED', 'UNCOMMITTED').upper);
    else if (level[0] === 'REPEATABLE') level.push(c.expectWord('READ').upper);
    return [{ kind: 'setOption', option: 'TRANSACTION ISOLATION LEVEL', value: level.join(' ') }];
  }
  const options: string[] = [];
  do {
    const name = c.peek();
    if (name.kind !== 'word') c.fail();
    if (!SET_OPTIONS.has(name.upper)) throw new SqlError(195, 5, 15, `'${name.text}' is not a recognized SET option.`);
    c.next();
    let option = name.upper;
    if (option === 'STATISTICS') option += ' ' + c.expectWord('IO', 'TIME', 'XML', 'PROFILE').upper;
    if (option === 'IDENTITY_INSERT') option += ' ' + formatName(parseObjectName(c));
    options.push(option);
  } while (c.acceptOp(','));
  const value = parseSetValue(c);
  return options.map((option) => ({ kind: 'setOption', option, value }));
}

function formatName(name: { database?: string; schema?: string; name: string }): string {
  return [name.database, name.schema, name.name].filter((p) => p !== undefined).join('.');
}

function parseSetValue(c: TokenCursor): string {
  const t = c.peek();
  if (t.kind === 'word') {
    c.next();
    return t.upper === 'ON' || t.upper === 'OFF' ? t.upper : t.text;
  }
  if (t.kind === 'op' && t.text === '-' && c.peek(1).kind === 'integer') {
    c.next();
    return '-' + c.next().text;
  }
  if (['integer', 'string', 'nstring', 'variable', 'qident'].includes(t.kind)) return c.next().text;
  if (t.kind === 'binary') return '0x' + c.next().text;
  return c.fail();
}

// ---------------------------------------------------------------- messages and errors

function parseRaiserror(c: TokenCursor): Statement {
  c.expectWord('RAISERROR');
  c.expectOp('(');
  const message = parseScalar(c);
  c.expectOp(',');
  const severity = parseScalar(c);
  c.expectOp(',');
  const state = parseScalar(c);
  const args: Expr[] = [];
  while (c.acceptOp(',')) args.push(parseScalar(c));
  c.expectOp(')');
  const withOptions: string[] = [];
  if (c.acceptWord('WITH')) {
    do withOptions.push(c.expectWord('LOG', 'NOWAIT', 'SETERROR').upper);
    while (c.acceptOp(','));
  }
  return { kind: 'raiserror', message, severity, state, args, withOptions };
}

function parseThrow(c: TokenCursor): Statement {
  c.expectWord('THROW');
  if (c.atEnd() || c.isOp(';') || c.isWord('END')) return { kind: 'throw' };
  const number = parseScalar(c);
  c.expectOp(',');
  const message = parseScalar(c);
  c.expectOp(',');
  return { kind: 'throw', number, message, state: parseScalar(c) };
}

// ---------------------------------------------------------------- control flow

function parseIf(c: TokenCursor): Statement {
  c.expectWord('IF');
  const condition = parsePredicate(c);
  if (c.atEnd()) c.fail();
  const then = parseSingle(c);
  // `IF x SELECT 1; ELSE SELECT 2` is valid T-SQL
  if (c.isOp(';') && c.isWordAt(1, 'ELSE')) c.next();
  if (c.acceptWord('ELSE')) {
    if (c.atEnd()) c.fail();
    return { kind: 'if', condition, then, else: parseSingle(c) };
  }
  return { kind: 'if', condition, then };
}

function parseBegin(c: TokenCursor): Statement {
  const start = c.expectWord('BEGIN');
  if (c.isWord('TRAN', 'TRANSACTION')) {
    c.next();
    const name = parseTransactionName(c);
    if (c.isWord('WITH') && c.isWordAt(1, 'MARK')) {
      c.next();
      c.next();
      if (c.peek().kind === 'string' || c.peek().kind === 'nstring') c.next();
    }
    return name === undefined ? { kind: 'transaction', action: 'begin' } : { kind: 'transaction', action: 'begin', name };
  }
  if (c.isWord('DISTRIBUTED')) return unsupported(c, start, 'BEGIN DISTRIBUTED TRANSACTION');
  if (c.isWord('TRY')) return unsupported(c, start, 'BEGIN TRY', 1);
  if (c.isWord('ATOMIC', 'DIALOG', 'CONVERSATION')) return unsupported(c, start, 'BEGIN ' + c.peek().upper, 1);
  const statements: Statement[] = [];
  for (;;) {
    while (c.acceptOp(';'));
    if (c.acceptWord('END')) return { kind: 'block', statements };
    if (c.atEnd()) c.fail();
    statements.push(...parseStatement(c, false));
  }
}

function parseTransactionName(c: TokenCursor): string | undefined {
  const t = c.peek();
  if (t.kind === 'variable' || c.isIdentifier()) return c.next().text;
  return undefined;
}

function parseTransactionEnd(c: TokenCursor): Statement {
  const keyword = c.next().upper;
  const action = keyword === 'COMMIT' ? 'commit' : keyword === 'ROLLBACK' ? 'rollback' : 'save';
  let name: string | undefined;
  if (action === 'save') {
    c.expectWord('TRAN', 'TRANSACTION');
    name = parseTransactionName(c);
    if (name === undefined) c.fail();
  } else if (c.acceptWord('TRAN', 'TRANSACTION')) name = parseTransactionName(c);
  else c.acceptWord('WORK');
  return name === undefined ? { kind: 'transaction', action } : { kind: 'transaction', action, name };
}

function parseWaitfor(c: TokenCursor): Statement {
  c.expectWord('WAITFOR');
  const which = c.expectWord('DELAY', 'TIME').upper;
  const value = parseScalar(c);
  return which === 'DELAY' ? { kind: 'waitfor', delay: value } : { kind: 'waitfor', time: value };
}

// ---------------------------------------------------------------- EXEC

function parseExec(c: TokenCursor): Statement {
  const start = c.next();
  if (c.acceptOp('(')) {
    const sql = parseScalar(c);
    c.expectOp(')');
    if (c.isWord('AS', 'AT')) return unsupported(c, start, 'EXECUTE ' + c.peek().upper, 0, STATEMENT_STARTS);
    return { kind: 'execDynamic', sql };
  }
  const t = c.peek();
  if (t.kind === 'variable') {
    if (c.peek(1).text !== '=') return unsupported(c, start, 'EXECUTE @variable');
    c.next();
    c.next();
    const stmt = parseExecCall(c);
    if (stmt.kind === 'exec') stmt.returnVariable = t.text;
    return stmt;
  }
  return parseExecCall(c);
}

/** proc [arg [, arg ...]] where arg = [@name =] value [OUTPUT] */
function parseExecCall(c: TokenCursor): Extract<Statement, { kind: 'exec' }> {
  const procedure = parseObjectName(c);
  const stmt: Extract<Statement, { kind: 'exec' }> = { kind: 'exec', procedure, args: [] };
  if (!startsExecArgument(c)) return stmt;
  do {
    const arg: (typeof stmt.args)[number] = { value: { kind: 'literal', value: null }, output: false };
    if (c.peek().kind === 'variable' && c.peek(1).text === '=') {
      arg.name = c.next().text;
      c.next();
    }
    arg.value = parseExecValue(c);
    if (c.acceptWord('OUTPUT', 'OUT')) arg.output = true;
    stmt.args.push(arg);
  } while (c.acceptOp(','));
  return stmt;
}

function startsExecArgument(c: TokenCursor): boolean {
  const t = c.peek();
  if (t.kind === 'op') return t.text === '-' || t.text === '+';
  if (t.kind === 'word') return !isReserved(t.upper) || t.upper === 'NULL';
  return t.kind !== 'eof' && t.kind !== 'go';
}

/** EXEC arguments are constants, variables or bare identifiers (passed as strings), never expressions. */
function parseExecValue(c: TokenCursor): Expr {
  const t = c.peek();
  if (t.kind === 'word' && t.upper === 'NULL') {
    c.next();
    return { kind: 'literal', value: null };
  }
  if (t.kind === 'word' || t.kind === 'qident') {
    if (t.kind === 'word' && isReserved(t.upper)) c.fail();
    c.next();
    return { kind: 'literal', value: t.text, unicode: true, sqlType: 'nvarchar' };
  }
  if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
    const sign = c.next().text;
    const n = c.peek();
    if (n.kind !== 'integer' && n.kind !== 'decimal' && n.kind !== 'float') c.fail();
    const operand = parseScalar(c);
    return sign === '-' ? { kind: 'unary', op: '-', operand } : operand;
  }
  if (['integer', 'decimal', 'float', 'binary', 'string', 'nstring', 'variable', 'global'].includes(t.kind)) {
    // one token: a literal or a variable, not `@a + 1`
    const end = c.pos + 1;
    const value = parseScalar(c);
    if (c.pos !== end) c.fail(c.tokens[end]);
    return value;
  }
  return c.fail();
}
