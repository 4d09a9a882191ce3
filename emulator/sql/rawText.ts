// Skipping a statement the parser does not model, keeping its source text: unsupported statements,
// CREATE DATABASE options and AVAILABILITY GROUP clauses.
import type { TokenCursor } from './cursor';

/** Words that start a new statement, so a raw statement without `;` ends before them. */
export const STATEMENT_STARTS = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'CREATE', 'ALTER', 'DROP', 'IF', 'BEGIN', 'DECLARE', 'SET', 'EXEC',
  'EXECUTE', 'PRINT', 'RAISERROR', 'USE', 'BACKUP', 'RESTORE', 'DBCC', 'KILL', 'WAITFOR', 'COMMIT', 'ROLLBACK', 'SAVE',
  'RETURN', 'WHILE', 'TRUNCATE', 'GRANT', 'REVOKE', 'DENY', 'THROW',
]);

/** the statement starts a statement of this kind may itself contain (UPDATE ... SET, INSERT ... SELECT) */
export function statementStartsExcept(...inside: string[]): ReadonlySet<string> {
  return new Set([...STATEMENT_STARTS].filter((w) => !inside.includes(w)));
}

/**
 * Consumes tokens up to the end of the current statement: `;` or END of an enclosing block at
 * nesting depth 0, the end of the batch, or the first word (after the first token) that is in
 * `stops` and so starts the next statement. Parentheses, BEGIN ... END and CASE ... END nest.
 */
export function skipStatement(c: TokenCursor, stops: ReadonlySet<string> | undefined, openBlocks = 0): void {
  let parens = 0;
  let blocks = openBlocks;
  let cases = 0;
  let first = true;
  while (!c.atEnd()) {
    const t = c.peek();
    const flat = parens === 0 && blocks === 0 && cases === 0;
    if (t.kind === 'op') {
      if (t.text === ';' && flat) return;
      if (t.text === '(') parens++;
      if (t.text === ')') {
        if (parens === 0) return;
        parens--;
      }
    } else if (t.kind === 'word') {
      if (!first && flat && stops?.has(t.upper)) return;
      if (t.upper === 'CASE') cases++;
      else if (t.upper === 'BEGIN' && !c.isWordAt(1, 'TRAN', 'TRANSACTION', 'DISTRIBUTED')) blocks++;
      else if (t.upper === 'END') {
        if (cases > 0) cases--;
        else if (blocks > 0) blocks--;
        else return;
      }
    }
    c.next();
    first = false;
  }
}

/** Splits the raw text of the tokens from..to (exclusive) at commas outside parentheses. */
export function splitAtTopLevelCommas(c: TokenCursor, from: number, to: number): string[] {
  const segments: string[] = [];
  let depth = 0;
  let segmentStart = from;
  const flush = (end: number): void => {
    if (end > segmentStart) segments.push(c.source.slice(c.tokens[segmentStart].start, c.tokens[end - 1].end).trim());
  };
  for (let i = from; i < to; i++) {
    const t = c.tokens[i];
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) {
      flush(i);
      segmentStart = i + 1;
    }
  }
  flush(to);
  return segments;
}
