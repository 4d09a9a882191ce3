// HTTP answers of the app's API: JSON bodies, and errors as {error: {code, message}} with a
// status that says whose fault it is. Messages are redacted (AppError does it at construction).
import { AppError, toErrorInfo } from './errors';

export interface JsonResponse {
  status: number;
  jsonBody: unknown;
  headers?: Record<string, string>;
}

const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  OPERATION_NOT_FOUND: 404,
  NOT_AWAITING_APPROVAL: 409,
  ESTATE_INVALID: 503,
  ESTATE_NOT_CONFIGURED: 503,
  ESTATE_NOT_FOUND: 503,
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
