// parseBatch: the entry point the engine calls with the text of one SQL_BATCH (or of EXEC('...')
// and sp_executesql). A hand-written recursive-descent parser: precise error positions, and
// identifiers and literals never leak into each other whatever quotes they contain.
import type { ParsedBatch, Statement } from './ast';
import { TokenCursor } from './cursor';
import { tokenize, type Token } from './lexer';
import { parseStatement } from './parseStatements';

export { statementLine, statementText } from './statementLines';
export { formatRaiserror, parseWaitforTime } from './messageFormat';
export { errorLineNumber, SqlErrorAtLine } from './errors';

/**
 * Parses a batch into statements. Throws SqlErrorAtLine (a SqlError with `lineNumber`) for syntax
 * errors: 102 / 156 "Incorrect syntax near ...", 105 unclosed quote, 113 missing end comment.
 * GO alone on a line splits the text into batches (each counted from line 1, as sqlcmd does);
 * `GO n` repeats the batch n times.
 */
export function parseBatch(sql: string): ParsedBatch {
  const tokens = tokenize(sql);
  const batches: Statement[][] = [];
  let current: Token[] = [];
  let lineOffset = 0;
  let sawGo = false;
  for (const token of tokens) {
    if (token.kind === 'go' || token.kind === 'eof') {
      const eof: Token = { ...token, kind: 'eof', text: '', upper: '' };
      const statements = parseStatements(new TokenCursor([...current, eof], sql, lineOffset));
      const repeat = token.kind === 'go' ? (token.repeat ?? 1) : 1;
      if (token.kind === 'go') sawGo = true;
      // an empty stretch between two GO lines is not a batch
      if (statements.length > 0 || token.kind === 'eof') for (let i = 0; i < repeat; i++) batches.push(statements);
      current = [];
      lineOffset = token.line;
    } else current.push(token);
  }
  const nonEmpty = sawGo ? batches.filter((b) => b.length > 0) : batches;
  const result: ParsedBatch = { statements: nonEmpty.flat() };
  if (sawGo) result.goBatches = nonEmpty;
  return result;
}

function parseStatements(c: TokenCursor): Statement[] {
  const statements: Statement[] = [];
  let first = true;
  for (;;) {
    while (c.acceptOp(';'));
    if (c.atEnd()) return statements;
    statements.push(...parseStatement(c, first));
    first = false;
  }
}
