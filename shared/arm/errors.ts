// ArmError: what ARM said went wrong ({error:{code,message}}), with the HTTP status and whether
// waiting and trying again can help (REFERENCE.md 2.6). Messages pass through redactSecrets (via
// AppError), so a SAS token or bearer token never appears in one.
import { AppError } from '../errors';

/** 409 codes that mean "not now": the link is catching up or another change is running */
const TRANSIENT_CODES = new Set([
  'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing',
  'DistributedAvailabilityGroupFailoverLogSendQueueSizeTooBig',
  'DistributedAvailabilityGroupFailoverRedoQueueSizeTooBig',
  'DistributedAvailabilityGroupSetRoleChangeRoleAlreadyInProgress',
  'OperationCanNotStartDueToMiLink',
  'SubscriptionTooManyRequests',
  'TooManyRequests',
  'OperationTimedOut',
  'ServiceUnavailable',
  'GatewayTimeout',
  'InternalServerError',
  'AnotherOperationInProgress',
  'ConflictingServerOperation',
]);

/** codes that mean the requested state already holds: callers treat them as success */
const ALREADY_DONE_CODES = new Set(['DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole']);

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export class ArmError extends AppError {
  /** the HTTP status; undefined for a failure reported by an operation status body */
  readonly statusCode: number | undefined;
  /** ARM's error.code as sent */
  readonly armCode: string;
  /** the requested state already holds (e.g. setRole to the role the instance has) */
  readonly isAlreadyDone: boolean;

  constructor(armCode: string, message: string, statusCode: number | undefined, cause?: unknown) {
    super('ARM_REQUEST_FAILED', `${message} (ARM ${armCode}${statusCode === undefined ? '' : `, HTTP ${statusCode}`})`, { isTransient: classifyTransient(armCode, statusCode), cause });
    this.name = 'ArmError';
    this.armCode = armCode;
    this.statusCode = statusCode;
    this.isAlreadyDone = ALREADY_DONE_CODES.has(armCode);
  }
}

export function classifyTransient(code: string, status: number | undefined): boolean {
  if (TRANSIENT_CODES.has(code)) return true;
  if (status === 409) return false; // the other 409s say "not allowed"
  return status !== undefined && TRANSIENT_STATUS.has(status);
}

/** an ArmError from a response's status and body text (ARM's envelope, or whatever came back) */
export function armErrorFromResponse(status: number, bodyText: string | undefined): ArmError {
  let code = `Http${status}`;
  let message = `ARM answered HTTP ${status}`;
  if (bodyText) {
    try {
      const parsed: unknown = JSON.parse(bodyText);
      const err = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
      if (typeof err === 'object' && err !== null) {
        const e = err as { code?: unknown; message?: unknown };
        if (typeof e.code === 'string') code = e.code;
        if (typeof e.message === 'string') message = e.message;
      }
    } catch {
      message = `${message}: ${bodyText.slice(0, 200)}`;
    }
  }
  return new ArmError(code, message, status);
}
