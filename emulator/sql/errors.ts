// SQL Server's errors for the parser and the evaluator: the real numbers, states, severities and
// texts, in one place so every layer words them the same way.
import { SqlError } from '../sqlError';
import type { SqlMessage } from '../tds/types';

/** A SqlError that knows the line of the batch it belongs to (syntax errors). */
export class SqlErrorAtLine extends SqlError {
  constructor(
    number: number,
    state: number,
    severity: number,
    message: string,
    readonly lineNumber: number,
  ) {
    super(number, state, severity, message);
  }

  /** the line where the parser stopped wins over any statement line a caller passes */
  override toMessage(_lineNumber?: number): SqlMessage {
    return super.toMessage(this.lineNumber);
  }
}

/** The line a SqlError carries, if it carries one. */
export function errorLineNumber(error: SqlError): number | undefined {
  return error instanceof SqlErrorAtLine ? error.lineNumber : undefined;
}

export function syntaxErrorNear(text: string, isKeyword: boolean, line: number): SqlErrorAtLine {
  return isKeyword
    ? new SqlErrorAtLine(156, 1, 15, `Incorrect syntax near the keyword '${text}'.`, line)
    : new SqlErrorAtLine(102, 1, 15, `Incorrect syntax near '${text}'.`, line);
}

export function unclosedQuote(text: string, line: number): SqlErrorAtLine {
  return new SqlErrorAtLine(105, 1, 15, `Unclosed quotation mark after the character string '${text}'.`, line);
}

export function missingEndComment(line: number): SqlErrorAtLine {
  return new SqlErrorAtLine(113, 1, 15, "Missing end comment mark '*/'.", line);
}

export const invalidColumn = (name: string): SqlError => new SqlError(207, 1, 16, `Invalid column name '${name}'.`);
export const invalidObject = (name: string): SqlError => new SqlError(208, 1, 16, `Invalid object name '${name}'.`);
export const ambiguousColumn = (name: string): SqlError => new SqlError(209, 1, 16, `Ambiguous column name '${name}'.`);
export const unboundIdentifier = (name: string): SqlError =>
  new SqlError(4104, 1, 16, `The multi-part identifier "${name}" could not be bound.`);
export const undeclaredVariable = (name: string): SqlError =>
  new SqlError(137, 2, 15, `Must declare the scalar variable "${name}".`);
export const unknownFunction = (name: string): SqlError =>
  new SqlError(195, 10, 15, `'${name}' is not a recognized built-in function name.`);
export const divideByZero = (): SqlError => new SqlError(8134, 1, 16, 'Divide by zero error encountered.');
export const arithmeticOverflow = (typeName: string, what = 'expression'): SqlError =>
  new SqlError(8115, 2, 16, `Arithmetic overflow error converting ${what} to data type ${typeName}.`);
export const wrongArgumentCount = (name: string, count: string): SqlError =>
  new SqlError(174, 1, 15, `The ${name.toLowerCase()} function requires ${count} argument(s).`);
export const subqueryTooManyRows = (): SqlError =>
  new SqlError(
    512,
    1,
    16,
    'Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used as an expression.',
  );
