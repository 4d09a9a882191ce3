// HTTP answers of the app's API: JSON bodies, and errors as {error: {code, message}} with a
// status that says whose fault it is. Messages are redacted (AppError does it at construction).
import { AppError, toErrorInfo } from './errors';
import type { Decider } from './ops/types';

export interface JsonResponse {
  status: number;
  jsonBody: unknown;
  headers?: Record<string, string>;
}

const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  OPERATION_NOT_FOUND: 404,
  LINK_NOT_FOUND: 404,
  REFRESH_JOB_NOT_FOUND: 404,
  NOT_AWAITING_APPROVAL: 409,
  NOT_RETRYABLE: 409,
  APPROVAL_EXPIRED: 409,
  TARGET_PROTECTED: 403,
  ESTATE_INVALID: 503,
  ESTATE_NOT_CONFIGURED: 503,
  ESTATE_NOT_FOUND: 503,
  CONFIGURATION_INVALID: 503,
};

export function ok(body: unknown, status = 200): JsonResponse {
  return { status, jsonBody: body };
}

export function errorResponse(err: unknown): JsonResponse {
  const info = toErrorInfo(err);
  const status = err instanceof AppError ? (STATUS_BY_CODE[err.code] ?? 500) : 500;
  return { status, jsonBody: { error: { code: info.code, message: info.message } } };
}

export function badRequest(message: string): JsonResponse {
  return errorResponse(new AppError('BAD_REQUEST', message));
}

/** A request body is at most this large: the API takes small JSON documents, never bulk data. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The request's JSON body: `{}` when empty, a 400 answer when it is not JSON, not an object, or
 * larger than MAX_BODY_BYTES.
 */
export async function jsonObjectBody(request: { text(): Promise<string> }, example: string): Promise<{ body: Record<string, unknown> } | { response: JsonResponse }> {
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { response: badRequest(`the body is larger than ${MAX_BODY_BYTES / 1024} KiB`) };
  if (text.trim() === '') return { body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { response: badRequest(`the body is not JSON; send for example ${example}`) };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { response: badRequest(`the body must be a JSON object, for example ${example}`) };
  return { body: parsed as Record<string, unknown> };
}

/** An id in a route: what the app makes (letters, digits, '-', '_', '.'), nothing that could mean a path. */
export function routeId(value: string | undefined, what: string): { id: string } | { response: JsonResponse } {
  if (!value || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) return { response: badRequest(`${what} '${value ?? ''}' is not a valid id (letters, digits, '.', '_' and '-')`) };
  return { id: value };
}

/**
 * Who is calling, as App Service authentication (Easy Auth) vouches for it: the platform sets
 * these headers after signing the caller in and strips any the caller sent. Without Easy Auth
 * in front of the app they prove nothing, which the README says.
 */
export function principalOf(headers: { get(name: string): string | null }): Decider | undefined {
  const name = headers.get('x-ms-client-principal-name');
  if (!name) return undefined;
  return { name, id: headers.get('x-ms-client-principal-id') ?? undefined, provider: headers.get('x-ms-client-principal-idp') ?? undefined, selfDeclared: false };
}

/** The platform's principal, else the name the body gives (marked self-declared), else undefined. */
export function deciderOf(headers: { get(name: string): string | null }, body: Record<string, unknown>): Decider | undefined {
  const principal = principalOf(headers);
  if (principal) return principal;
  const by = body.by;
  return typeof by === 'string' && by.trim() !== '' ? { name: by.trim().slice(0, 256), selfDeclared: true } : undefined;
}
