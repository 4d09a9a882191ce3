// T-SQL tokens: words (identifiers and keywords), quoted identifiers, strings, numbers, binary
// literals, @variables, operators. Comments and whitespace are dropped; GO alone on a line becomes
// a 'go' token because FreeTDS and sqlcmd users type it although it is not T-SQL.
import { missingEndComment, unclosedQuote } from './errors';

export type TokenKind =
  | 'word' // unquoted identifier or keyword
  | 'qident' // [bracketed] or "double-quoted" identifier, text unquoted
  | 'string' // '...' (text unescaped)
  | 'nstring' // N'...'
  | 'integer'
  | 'decimal'
  | 'float'
  | 'binary' // 0x...
  | 'variable' // @x (text with the @)
  | 'global' // @@x (text without the @@)
  | 'op'
  | 'go'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** the value: identifier unquoted, string unescaped, operator, number as written */
  text: string;
  /** upper-case text, for keyword comparisons */
  upper: string;
  /** 1-based line where the token starts */
  line: number;
  /** offsets into the source */
  start: number;
  end: number;
  /** GO n: how many times the batch runs */
  repeat?: number;
}

const TWO_CHAR_OPS = ['<>', '!=', '<=', '>=', '!<', '!>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '::'];
const ONE_CHAR_OPS = '+-*/%=<>(),.;&|^~!:';

const isWordStart = (c: string): boolean => /[A-Za-z_#\u0080-\uffff]/.test(c);
const isWordChar = (c: string): boolean => /[A-Za-z0-9_#@$\u0080-\uffff]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  /** the line of the last GO: errors count lines from the start of their batch */
  let batchStart = 0;
  const push = (kind: TokenKind, text: string, start: number, startLine: number): void => {
    tokens.push({ kind, text, upper: text.toUpperCase(), line: startLine, start, end: pos });
  };
  const advanceTo = (target: number): void => {
    for (; pos < target; pos++) if (sql[pos] === '\n') line++;
  };

  while (pos < sql.length) {
    const c = sql[pos];
    const start = pos;
    const startLine = line;
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      advanceTo(pos + 1);
    } else if (c === '-' && sql[pos + 1] === '-') {
      const nl = sql.indexOf('\n', pos);
      advanceTo(nl < 0 ? sql.length : nl);
    } else if (c === '/' && sql[pos + 1] === '*') {
      advanceTo(skipBlockComment(sql, pos, startLine - batchStart));
    } else if (c === "'" || ((c === 'N' || c === 'n') && sql[pos + 1] === "'")) {
      const unicode = c !== "'";
      const { text, end } = readQuoted(sql, unicode ? pos + 1 : pos, "'", "'", startLine - batchStart);
      advanceTo(end);
      push(unicode ? 'nstring' : 'string', text, start, startLine);
    } else if (c === '[') {
      const { text, end } = readQuoted(sql, pos, '[', ']', startLine - batchStart);
      advanceTo(end);
      push('qident', text, start, startLine);
    } else if (c === '"') {
      const { text, end } = readQuoted(sql, pos, '"', '"', startLine - batchStart);
      advanceTo(end);
      push('qident', text, start, startLine);
    } else if (c === '0' && (sql[pos + 1] === 'x' || sql[pos + 1] === 'X')) {
      let end = pos + 2;
      while (end < sql.length && /[0-9A-Fa-f]/.test(sql[end])) end++;
      advanceTo(end);
      push('binary', sql.slice(start + 2, end), start, startLine);
    } else if (isDigit(c) || (c === '.' && isDigit(sql[pos + 1] ?? ''))) {
      const { kind, end } = readNumber(sql, pos);
      advanceTo(end);
      push(kind, sql.slice(start, end), start, startLine);
    } else if (c === '@') {
      const isGlobal = sql[pos + 1] === '@';
      let end = pos + (isGlobal ? 2 : 1);
      while (end < sql.length && isWordChar(sql[end])) end++;
      advanceTo(end);
      if (isGlobal) push('global', sql.slice(start + 2, end), start, startLine);
      else push('variable', sql.slice(start, end), start, startLine);
    } else if (isWordStart(c)) {
      let end = pos + 1;
      while (end < sql.length && isWordChar(sql[end])) end++;
      advanceTo(end);
      const word = sql.slice(start, end);
      const repeat = word.toUpperCase() === 'GO' ? goLineRepeat(sql, start, end) : undefined;
      push(repeat === undefined ? 'word' : 'go', word, start, startLine);
      if (repeat !== undefined) {
        tokens[tokens.length - 1].repeat = repeat;
        batchStart = startLine;
        const nl = sql.indexOf('\n', end);
        advanceTo(nl < 0 ? sql.length : nl);
      }
    } else {
      const two = sql.slice(pos, pos + 2);
      const op = TWO_CHAR_OPS.includes(two) ? two : ONE_CHAR_OPS.includes(c) ? c : undefined;
      // Anything else (a stray character) is still a token, so the parser names it in 102.
      advanceTo(pos + (op ?? c).length);
      push('op', op ?? c, start, startLine);
    }
  }
  tokens.push({ kind: 'eof', text: '', upper: '', line, start: sql.length, end: sql.length });
  return tokens;
}

function skipBlockComment(sql: string, pos: number, line: number): number {
  // Block comments nest in T-SQL.
  let depth = 0;
  let i = pos;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  throw missingEndComment(line);
}

function readQuoted(sql: string, pos: number, open: string, close: string, line: number): { text: string; end: number } {
  let text = '';
  let i = pos + open.length;
  for (;;) {
    const next = sql.indexOf(close, i);
    if (next < 0) throw unclosedQuote(text + sql.slice(i), line);
    text += sql.slice(i, next);
    // A doubled closing character is an escaped one: 'it''s', [a]]b], "a""b".
    if (sql[next + 1] === close) {
      text += close;
      i = next + 2;
    } else return { text, end: next + 1 };
  }
}

function readNumber(sql: string, pos: number): { kind: 'integer' | 'decimal' | 'float'; end: number } {
  let i = pos;
  let kind: 'integer' | 'decimal' | 'float' = 'integer';
  while (isDigit(sql[i] ?? '')) i++;
  if (sql[i] === '.') {
    kind = 'decimal';
    i++;
    while (isDigit(sql[i] ?? '')) i++;
  }
  if (sql[i] === 'e' || sql[i] === 'E') {
    let j = i + 1;
    if (sql[j] === '+' || sql[j] === '-') j++;
    if (isDigit(sql[j] ?? '')) {
      while (isDigit(sql[j] ?? '')) j++;
      return { kind: 'float', end: j };
    }
  }
  return { kind, end: i };
}

/** GO is a separator only alone on its line (optionally `GO n`, optionally a trailing -- comment). */
function goLineRepeat(sql: string, start: number, end: number): number | undefined {
  const lineStart = sql.lastIndexOf('\n', start - 1) + 1;
  if (sql.slice(lineStart, start).trim() !== '') return undefined;
  const nl = sql.indexOf('\n', end);
  const rest = sql.slice(end, nl < 0 ? sql.length : nl).replace(/--.*$/, '').trim();
  if (rest === '') return 1;
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}
