// Turns whatever an engine throws into SQL Server messages. SqlError-like objects keep their
// number/state/severity (and the messages SQL Server sends before them, e.g. 3201 before 3013).
import type { SqlMessage } from '../types';

interface SqlErrorLike {
  number: number;
  state: number;
  severity?: number;
  class?: number;
  message: string;
  preceding?: SqlMessage[];
}

function isSqlErrorLike(e: unknown): e is SqlErrorLike {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.number === 'number' && typeof o.state === 'number' && typeof o.message === 'string';
}

/** 50000 is what SQL Server uses for an error without its own number (RAISERROR with text). */
const GENERIC_ERROR = 50000;

export function messagesFromThrown(e: unknown): SqlMessage[] {
  if (isSqlErrorLike(e)) {
    const severity = e.severity ?? e.class ?? 16;
    return [...(e.preceding ?? []), { number: e.number, state: e.state, class: severity, message: e.message }];
  }
  const text = e instanceof Error ? e.message : String(e);
  return [{ number: GENERIC_ERROR, state: 1, class: 16, message: `Internal emulator error: ${text}` }];
}
