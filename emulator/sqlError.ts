// An error as SQL Server reports it: number, state, severity (class) and text. Every layer of the
// emulator throws these; the session turns them into ERROR tokens.
import type { SqlMessage } from './tds/types';

export class SqlError extends Error {
  constructor(
    readonly number: number,
    readonly state: number,
    readonly severity: number,
    message: string,
    /** errors that SQL Server sends before this one in the same response (e.g. 3201 before 3013) */
    readonly preceding: SqlMessage[] = [],
  ) {
    super(message);
    this.name = 'SqlError';
  }

  toMessage(lineNumber?: number): SqlMessage {
    return { number: this.number, state: this.state, class: this.severity, message: this.message, lineNumber };
  }
}
