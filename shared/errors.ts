// Typed errors with a stable code (one of shared/errorCatalog.ts), a message a DBA understands,
// and whether trying again can help. Every message passes through `redactSecrets` so that a SAS
// token or a password never reaches a log line, an operation record or an HTTP response.
import { catalogEntry, type ErrorCode } from './errorCatalog';
import { redactSecrets } from './redact';

export type { ErrorCode } from './errorCatalog';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly isTransient: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { isTransient?: boolean; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.isTransient = options.isTransient ?? catalogEntry(code)?.transient ?? false;
    this.details = options.details;
  }
}

/** What an operation record keeps of a failure (stored codes may come from older versions). */
export interface ErrorInfo {
  code: string;
  message: string;
  transient?: boolean;
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKET', // tedious: socket-level failure
  'ETIMEOUT', // tedious: connect or request timeout
]);

const TRANSIENT_HTTP_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/**
 * Whether retrying can help: our own errors say so; Azure SDK errors by HTTP status; network
 * errors by their Node/tedious code. Anything else is permanent: retrying a wrong password or a
 * missing database only delays the page to a human.
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof AppError) return err.isTransient;
  const flag = field(err, 'isTransient');
  if (typeof flag === 'boolean') return flag;
  const status = field(err, 'statusCode');
  if (typeof status === 'number') return TRANSIENT_HTTP_STATUS.has(status);
  const code = field(err, 'code');
  if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return true;
  const cause = field(err, 'cause');
  return cause !== undefined && cause !== err ? isTransientError(cause) : false;
}

/**
 * A catalogued code and a redacted message for any thrown value: our own errors keep theirs; an
 * Azure SDK error becomes STORAGE_ERROR with its status and code in the message; a socket error
 * NETWORK_ERROR; anything else UNEXPECTED_ERROR (or the fallback given).
 */
export function toErrorInfo(err: unknown, fallbackCode: ErrorCode = 'UNEXPECTED_ERROR'): ErrorInfo {
  const transient = isTransientError(err);
  if (err instanceof AppError) return { code: err.code, message: err.message, transient };
  const message = redactSecrets(err instanceof Error ? err.message : String(err));
  const status = field(err, 'statusCode');
  const code = field(err, 'code');
  const named = typeof code === 'string' && code !== '' ? code : undefined;
  if (typeof status === 'number') return { code: 'STORAGE_ERROR', message: `${message} (HTTP ${status}${named ? `, ${named}` : ''})`, transient };
  if (named && TRANSIENT_NODE_CODES.has(named)) return { code: 'NETWORK_ERROR', message: `${message} (${named})`, transient };
  return { code: fallbackCode, message: named ? `${message} (${named})` : message, transient };
}
