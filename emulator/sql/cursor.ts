// A cursor over the tokens of one batch, with the small helpers every parse function needs and
// the one place that words syntax errors the way SQL Server does.
import { syntaxErrorNear, SqlErrorAtLine } from './errors';
import { isReserved } from './keywords';
import type { Token } from './lexer';

export class TokenCursor {
  pos = 0;

  constructor(
    readonly tokens: Token[],
    readonly source: string,
    /** the line of the GO that precedes this batch (0 for the first): line numbers restart per batch */
    readonly lineOffset = 0,
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.pos++;
    return token;
  }

  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  /** the current token is an unquoted word equal to one of these (upper-case) */
  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t.kind === 'word' && words.includes(t.upper);
  }

  isWordAt(ahead: number, ...words: string[]): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && words.includes(t.upper);
  }

  isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.text);
  }

  acceptWord(...words: string[]): Token | undefined {
    return this.isWord(...words) ? this.next() : undefined;
  }

  acceptOp(...ops: string[]): Token | undefined {
    return this.isOp(...ops) ? this.next() : undefined;
  }

  expectWord(...words: string[]): Token {
    if (!this.isWord(...words)) this.fail();
    return this.next();
  }

  expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail();
    return this.next();
  }

  /** any unquoted word, keyword or not; returns it upper-case */
  expectWordAny(): string {
    if (this.peek().kind !== 'word') this.fail();
    return this.next().upper;
  }

  /** a plain identifier (not a reserved keyword) or a quoted one */
  isIdentifier(ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'qident' || (t.kind === 'word' && !isReserved(t.upper));
  }

  identifier(): string {
    if (!this.isIdentifier()) this.fail();
    return this.next().text;
  }

  /** SQL Server's syntax error for the token where parsing stopped (at the end: the last token) */
  error(token: Token = this.peek()): SqlErrorAtLine {
    let at = token;
    if (at.kind === 'eof') {
      const index = this.tokens.indexOf(at);
      at = index > 0 ? this.tokens[index - 1] : at;
    }
    return syntaxErrorNear(at.text, at.kind === 'word' && isReserved(at.upper), this.lineOf(at));
  }

  fail(token: Token = this.peek()): never {
    throw this.error(token);
  }

  lineOf(token: Token): number {
    return token.line - this.lineOffset;
  }

  /** the source text from token `from` up to (not including) the current token */
  textFrom(from: Token): string {
    const end = this.pos > 0 ? this.tokens[this.pos - 1].end : from.start;
    return this.source.slice(from.start, Math.max(end, from.start));
  }
}
