// The batch line each parsed statement starts on (SQL Server reports runtime errors at the line of
// the failing statement) and its source text. Kept beside the tree, not in it.
import type { Statement } from './ast';

const lines = new WeakMap<Statement, number>();
const texts = new WeakMap<Statement, string>();

export function recordStatementLine(statement: Statement, line: number, text: string): void {
  if (!lines.has(statement)) lines.set(statement, line);
  if (!texts.has(statement)) texts.set(statement, text);
}

/** the statement's source text (for sys.dm_exec_requests / DBCC INPUTBUFFER style answers) */
export function statementText(statement: Statement): string | undefined {
  return texts.get(statement);
}

/** 1-based line within its batch where the statement starts; undefined for statements not from parseBatch. */
export function statementLine(statement: Statement): number | undefined {
  return lines.get(statement);
}
