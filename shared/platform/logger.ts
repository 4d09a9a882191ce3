// The engine logs through the invocation's own logger (so Application Insights ties each line to
// its invocation), matched structurally so shared/ needs no @azure/functions types.
import type { Logger } from '../ops/context';

export interface InvocationLog {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function invocationLogger(context: InvocationLog): Logger {
  return { info: (m) => context.info(m), warn: (m) => context.warn(m), error: (m) => context.error(m) };
}
