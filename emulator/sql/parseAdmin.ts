// Server administration statements: BACKUP, RESTORE, CREATE/ALTER/DROP CREDENTIAL, DATABASE and
// AVAILABILITY GROUP, DBCC, KILL. Other CREATE/ALTER/DROP forms are refused by name.
import type { BackupDevice, BackupOption, Expr, Statement } from './ast';
import type { TokenCursor } from './cursor';
import type { Token } from './lexer';
import { parseScalar } from './parseExpression';
import { skipStatement, splitAtTopLevelCommas, STATEMENT_STARTS, statementStartsExcept } from './rawText';
import { unsupported } from './parseStatements';

// ---------------------------------------------------------------- BACKUP / RESTORE

export function parseBackup(c: TokenCursor): Statement {
  const start = c.expectWord('BACKUP');
  if (!c.isWord('DATABASE', 'LOG')) return unsupported(c, start, 'BACKUP ' + (c.peek().upper || ''), 0, STATEMENT_STARTS);
  const target = c.next().upper as 'DATABASE' | 'LOG';
  const database = parseDatabaseOperand(c);
  c.expectWord('TO');
  const devices = parseDevices(c);
  return { kind: 'backup', target, database, devices, options: parseBackupOptions(c) };
}

const RESTORE_INSPECTIONS = ['HEADERONLY', 'FILELISTONLY', 'LABELONLY', 'VERIFYONLY'];

export function parseRestore(c: TokenCursor): Statement {
  const start = c.expectWord('RESTORE');
  if (c.isWord(...RESTORE_INSPECTIONS)) {
    const action = c.next().upper as 'HEADERONLY' | 'FILELISTONLY' | 'LABELONLY' | 'VERIFYONLY';
    c.expectWord('FROM');
    const devices = parseDevices(c);
    return { kind: 'restore', action, devices, options: parseBackupOptions(c) };
  }
  if (!c.isWord('DATABASE', 'LOG')) return unsupported(c, start, 'RESTORE ' + (c.peek().upper || ''), 0, STATEMENT_STARTS);
  const action = c.next().upper as 'DATABASE' | 'LOG';
  const database = parseDatabaseOperand(c);
  const devices = c.acceptWord('FROM') ? parseDevices(c) : [];
  return { kind: 'restore', action, database, devices, options: parseBackupOptions(c) };
}

/** a database name (kept as a string literal) or a @variable */
function parseDatabaseOperand(c: TokenCursor): Expr {
  const t = c.peek();
  if (t.kind === 'variable') return { kind: 'variable', name: c.next().text };
  return { kind: 'literal', value: c.identifier(), unicode: true, sqlType: 'nvarchar' };
}

function parseDevices(c: TokenCursor): BackupDevice[] {
  const devices: BackupDevice[] = [];
  do {
    const kind = c.expectWord('URL', 'DISK', 'TAPE').upper as 'URL' | 'DISK' | 'TAPE';
    c.expectOp('=');
    devices.push({ kind, location: parseOptionValue(c) });
  } while (c.acceptOp(','));
  return devices;
}

function parseBackupOptions(c: TokenCursor): BackupOption[] {
  const options: BackupOption[] = [];
  if (!c.acceptWord('WITH')) return options;
  do {
    const t = c.peek();
    if (t.kind !== 'word') c.fail();
    c.next();
    const name = t.upper;
    if (name === 'MOVE') {
      const logicalName = parseOptionValue(c);
      c.expectWord('TO');
      options.push({ name, move: { logicalName, physicalName: parseOptionValue(c) } });
    } else if (c.acceptOp('=')) {
      options.push({ name, value: parseOptionValue(c) });
    } else if (c.isOp('(')) {
      // ENCRYPTION (ALGORITHM = ..., SERVER CERTIFICATE = ...): kept as its raw text
      const from = c.peek();
      c.next();
      skipStatement(c, undefined);
      c.expectOp(')');
      options.push({ name, value: { kind: 'literal', value: c.textFrom(from), sqlType: 'nvarchar' } });
    } else options.push({ name });
  } while (c.acceptOp(','));
  return options;
}

/** an option value: a constant or a variable (STOPAT = '...', STATS = 10, NAME = N'x', FILE = @f) */
function parseOptionValue(c: TokenCursor): Expr {
  const t = c.peek();
  if ((t.kind === 'word' && t.upper !== 'NULL') || t.kind === 'qident') {
    // bare words: STOPATMARK = lsn:..., ENCRYPTION ALGORITHM = AES_256
    c.next();
    return { kind: 'literal', value: t.text, unicode: true, sqlType: 'nvarchar' };
  }
  return parseScalar(c);
}

// ---------------------------------------------------------------- CREATE / ALTER / DROP

export function parseCreate(c: TokenCursor): Statement {
  const start = c.expectWord('CREATE');
  if (c.acceptWord('CREDENTIAL')) return parseCredential(c, 'createCredential');
  if (c.isWord('USER')) return parseCreateUser(c, start);
  if (c.isWord('LOGIN')) return parseCreateLogin(c, start);
  if (c.acceptWord('DATABASE')) {
    const name = c.identifier();
    const from = c.pos;
    skipStatement(c, STATEMENT_STARTS);
    const options = c.pos > from ? [c.source.slice(c.tokens[from].start, c.tokens[c.pos - 1].end)] : [];
    return { kind: 'createDatabase', name, options };
  }
  if (c.isWord('AVAILABILITY')) return parseAvailabilityGroup(c, start, 'CREATE');
  return unsupportedObjectStatement(c, start, 'CREATE');
}

export function parseAlter(c: TokenCursor): Statement {
  const start = c.expectWord('ALTER');
  if (c.acceptWord('CREDENTIAL')) return parseCredential(c, 'alterCredential');
  if (c.isWord('USER')) return parseAlterUser(c, start);
  if (c.isWord('DATABASE')) return parseAlterDatabase(c, start);
  if (c.isWord('AVAILABILITY')) return parseAvailabilityGroup(c, start, 'ALTER');
  return unsupportedObjectStatement(c, start, 'ALTER');
}

export function parseDrop(c: TokenCursor): Statement {
  const start = c.expectWord('DROP');
  if (c.acceptWord('CREDENTIAL')) return { kind: 'dropCredential', name: c.identifier() };
  if (c.acceptWord('USER')) {
    const ifExists = c.isWord('IF') && c.isWordAt(1, 'EXISTS');
    if (ifExists) {
      c.next();
      c.next();
    }
    return { kind: 'dropUser', name: c.identifier(), ifExists };
  }
  if (c.acceptWord('LOGIN')) return { kind: 'dropLogin', name: c.identifier() };
  if (c.acceptWord('DATABASE')) {
    let ifExists = false;
    if (c.isWord('IF') && c.isWordAt(1, 'EXISTS')) {
      c.next();
      c.next();
      ifExists = true;
    }
    const names = [c.identifier()];
    while (c.acceptOp(',')) names.push(c.identifier());
    return { kind: 'dropDatabase', names, ifExists };
  }
  if (c.isWord('AVAILABILITY')) return parseAvailabilityGroup(c, start, 'DROP');
  return unsupportedObjectStatement(c, start, 'DROP');
}

/** modules run to the end of the batch (their body is the rest of it); other objects end at the next statement */
const MODULES = new Set(['PROCEDURE', 'PROC', 'FUNCTION', 'TRIGGER', 'VIEW', 'OR']);
const OBJECT_STATEMENT_STOPS = statementStartsExcept('SET');

function unsupportedObjectStatement(c: TokenCursor, start: Token, verb: 'CREATE' | 'ALTER' | 'DROP'): Statement {
  const isModule = verb !== 'DROP' && c.peek().kind === 'word' && MODULES.has(c.peek().upper);
  return unsupported(c, start, objectKeyword(c, verb), 0, isModule ? undefined : OBJECT_STATEMENT_STOPS);
}

/** "CREATE TABLE", "DROP LOGIN", "CREATE MASTER KEY": the statement kind named in the refusal */
function objectKeyword(c: TokenCursor, verb: string): string {
  const words = [verb];
  let i = 0;
  if (c.isWordAt(0, 'OR') && c.isWordAt(1, 'ALTER')) {
    words.push('OR', 'ALTER');
    i = 2;
  }
  for (const limit = i + 2; i < limit && c.peek(i).kind === 'word'; i++) {
    words.push(c.peek(i).upper);
    if (!['MASTER', 'SERVICE', 'SYMMETRIC', 'ASYMMETRIC', 'DATABASE', 'SERVER', 'EVENT', 'EXTERNAL', 'COLUMN', 'PARTITION', 'FULLTEXT'].includes(c.peek(i).upper))
      break;
  }
  return words.join(' ');
}

// ---------------------------------------------------------------- USER / LOGIN

/** a principal name: an identifier, or an unquoted word that is a keyword elsewhere ([public] style names come quoted) */
function principalName(c: TokenCursor): string {
  return c.identifier();
}

/** `= value` of a WITH option that takes a name (DEFAULT_SCHEMA = dbo, DEFAULT_DATABASE = [Sales]) */
function optionName(c: TokenCursor): string {
  c.expectOp('=');
  return principalName(c);
}

function onOff(c: TokenCursor): boolean {
  c.expectOp('=');
  return c.expectWord('ON', 'OFF').upper === 'ON';
}

function parseCreateUser(c: TokenCursor, start: Token): Statement {
  c.expectWord('USER');
  const name = principalName(c);
  const stmt: Extract<Statement, { kind: 'createUser' }> = { kind: 'createUser', name };
  if (c.isWord('FOR', 'FROM')) {
    if (c.isWordAt(1, 'EXTERNAL', 'CERTIFICATE', 'ASYMMETRIC')) return unsupported(c, start, `CREATE USER ${c.peek().upper} ${c.peek(1).upper}`, 0, OBJECT_STATEMENT_STOPS);
    c.next();
    c.expectWord('LOGIN');
    stmt.login = principalName(c);
  } else if (c.acceptWord('WITHOUT')) {
    c.expectWord('LOGIN');
    stmt.withoutLogin = true;
  }
  if (c.acceptWord('WITH')) {
    do {
      const option = c.expectWordAny();
      if (option === 'DEFAULT_SCHEMA') stmt.defaultSchema = optionName(c);
      else if (option === 'DEFAULT_LANGUAGE') optionName(c);
      else if (option === 'ALLOW_ENCRYPTED_VALUE_MODIFICATIONS') onOff(c);
      else if (option === 'PASSWORD' || option === 'SID') return unsupported(c, start, `CREATE USER WITH ${option}`, 0, OBJECT_STATEMENT_STOPS);
      else c.fail(c.tokens[c.pos - 1]);
    } while (c.acceptOp(','));
  }
  return stmt;
}

function parseAlterUser(c: TokenCursor, start: Token): Statement {
  c.expectWord('USER');
  const name = principalName(c);
  const stmt: Extract<Statement, { kind: 'alterUser' }> = { kind: 'alterUser', name };
  c.expectWord('WITH');
  do {
    const option = c.expectWordAny();
    if (option === 'NAME') stmt.newName = optionName(c);
    else if (option === 'LOGIN') stmt.login = optionName(c);
    else if (option === 'DEFAULT_SCHEMA') {
      if (c.isWordAt(1, 'NULL')) {
        c.expectOp('=');
        c.next();
        stmt.defaultSchema = null;
      } else stmt.defaultSchema = optionName(c);
    } else if (option === 'DEFAULT_LANGUAGE') optionName(c);
    else if (option === 'ALLOW_ENCRYPTED_VALUE_MODIFICATIONS') onOff(c);
    else if (option === 'PASSWORD') return unsupported(c, start, 'ALTER USER WITH PASSWORD', 0, OBJECT_STATEMENT_STOPS);
    else c.fail(c.tokens[c.pos - 1]);
  } while (c.acceptOp(','));
  return stmt;
}

function parseCreateLogin(c: TokenCursor, start: Token): Statement {
  c.expectWord('LOGIN');
  const name = principalName(c);
  // FROM WINDOWS / EXTERNAL PROVIDER / CERTIFICATE / ASYMMETRIC KEY: not modelled
  if (c.isWord('FROM')) return unsupported(c, start, `CREATE LOGIN FROM ${c.peek(1).upper}`, 0, OBJECT_STATEMENT_STOPS);
  c.expectWord('WITH');
  c.expectWord('PASSWORD');
  c.expectOp('=');
  const password = parseScalar(c);
  if (c.isWord('HASHED')) return unsupported(c, start, 'CREATE LOGIN WITH PASSWORD HASHED', 0, OBJECT_STATEMENT_STOPS);
  c.acceptWord('MUST_CHANGE');
  const stmt: Extract<Statement, { kind: 'createLogin' }> = { kind: 'createLogin', name, password };
  while (c.acceptOp(',')) {
    const option = c.expectWordAny();
    if (option === 'SID') {
      c.expectOp('=');
      stmt.sid = parseScalar(c);
    } else if (option === 'DEFAULT_DATABASE') stmt.defaultDatabase = optionName(c);
    else if (option === 'DEFAULT_LANGUAGE' || option === 'CREDENTIAL') optionName(c);
    else if (option === 'CHECK_POLICY') stmt.checkPolicy = onOff(c);
    else if (option === 'CHECK_EXPIRATION') stmt.checkExpiration = onOff(c);
    else c.fail(c.tokens[c.pos - 1]);
  }
  return stmt;
}

function parseCredential(c: TokenCursor, kind: 'createCredential' | 'alterCredential'): Statement {
  const name = c.identifier();
  c.expectWord('WITH');
  c.expectWord('IDENTITY');
  c.expectOp('=');
  const identity = parseScalar(c);
  let secret: Expr | undefined;
  if (c.acceptOp(',')) {
    c.expectWord('SECRET');
    c.expectOp('=');
    secret = parseScalar(c);
  }
  if (c.isWord('FOR')) {
    // FOR CRYPTOGRAPHIC PROVIDER name: EKM, accepted and ignored
    c.next();
    c.expectWord('CRYPTOGRAPHIC');
    c.expectWord('PROVIDER');
    c.identifier();
  }
  return secret === undefined ? { kind, name, identity } : { kind, name, identity, secret };
}

function parseAlterDatabase(c: TokenCursor, start: Token): Statement {
  c.expectWord('DATABASE');
  const name = c.isWord('CURRENT') ? c.next().upper : c.identifier();
  if (c.acceptWord('MODIFY')) {
    if (!c.isWord('NAME')) return unsupported(c, start, 'ALTER DATABASE MODIFY ' + c.peek().upper, 0, OBJECT_STATEMENT_STOPS);
    c.next();
    c.expectOp('=');
    return { kind: 'alterDatabaseRename', name, newName: c.identifier() };
  }
  if (!c.acceptWord('SET')) return unsupported(c, start, 'ALTER DATABASE ' + (c.peek().upper || ''), 0, OBJECT_STATEMENT_STOPS);
  const options: string[] = [];
  do options.push(readOptionWords(c));
  while (c.acceptOp(','));
  const stmt: Extract<Statement, { kind: 'alterDatabaseSet' }> = { kind: 'alterDatabaseSet', name, options };
  if (c.acceptWord('WITH')) {
    // ROLLBACK IMMEDIATE | ROLLBACK AFTER n [SECONDS] | NO_WAIT
    if (c.acceptWord('NO_WAIT')) stmt.termination = 'NO_WAIT';
    else {
      c.expectWord('ROLLBACK');
      if (c.acceptWord('IMMEDIATE')) stmt.termination = 'ROLLBACK IMMEDIATE';
      else {
        c.expectWord('AFTER');
        const seconds = c.peek();
        if (seconds.kind !== 'integer') c.fail();
        c.next();
        c.acceptWord('SECONDS');
        stmt.termination = `ROLLBACK AFTER ${seconds.text}`;
      }
    }
  }
  return stmt;
}

/** one ALTER DATABASE SET option as normalised text: "RECOVERY SIMPLE", "COMPATIBILITY_LEVEL = 160" */
function readOptionWords(c: TokenCursor): string {
  const words: string[] = [];
  let depth = 0;
  for (;;) {
    const t = c.peek();
    if (t.kind === 'eof') break;
    if (depth === 0 && t.kind === 'op' && (t.text === ',' || t.text === ';')) break;
    if (depth === 0 && t.kind === 'word' && (t.upper === 'WITH' || STATEMENT_STARTS.has(t.upper))) break;
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    c.next();
    words.push(t.kind === 'word' ? t.upper : t.kind === 'string' || t.kind === 'nstring' ? `'${t.text}'` : t.text);
  }
  if (words.length === 0) c.fail();
  return words.join(' ');
}

function parseAvailabilityGroup(c: TokenCursor, start: Token, action: 'CREATE' | 'ALTER' | 'DROP'): Statement {
  c.expectWord('AVAILABILITY');
  c.expectWord('GROUP');
  const name = c.identifier();
  const from = c.pos;
  skipStatement(c, undefined);
  return { kind: 'availabilityGroup', action, name, text: c.textFrom(start), clauses: splitAtTopLevelCommas(c, from, c.pos) };
}

// ---------------------------------------------------------------- DBCC / KILL

export function parseDbcc(c: TokenCursor): Statement {
  c.expectWord('DBCC');
  const t = c.peek();
  if (t.kind !== 'word') c.fail();
  const command = c.next().upper;
  const args: Expr[] = [];
  if (c.acceptOp('(')) {
    if (!c.isOp(')')) {
      do args.push(parseOptionValue(c));
      while (c.acceptOp(','));
    }
    c.expectOp(')');
  }
  const withOptions: string[] = [];
  if (c.acceptWord('WITH')) {
    do {
      let option = c.expectWordAny();
      if (c.acceptOp('=')) option += ' = ' + c.next().text;
      withOptions.push(option);
    } while (c.acceptOp(','));
  }
  return { kind: 'dbcc', command, args, withOptions };
}

export function parseKill(c: TokenCursor): Statement {
  c.expectWord('KILL');
  const spid = parseScalar(c);
  if (c.isWord('WITH') && c.isWordAt(1, 'STATUSONLY')) {
    c.next();
    c.next();
  }
  return { kind: 'kill', spid };
}
