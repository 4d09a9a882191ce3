// A long-running ARM operation as a small JSON object: what was started, where to poll, what was
// last seen and when to look again. An operation record stores it; any later invocation (another
// process, a new client) resumes with pollOnce, so no function waits out a 20-minute failover.
import type { DistributedAvailabilityGroupInfo, ManagedDatabaseInfo } from './types';

export type ArmOperationKind =
  | 'linkCreate'
  | 'linkUpdate'
  | 'linkDelete'
  | 'linkFailover'
  | 'linkSetRole'
  | 'databaseDelete'
  | 'lrsStart'
  | 'lrsComplete'
  | 'pointInTimeRestore';

export type PollerStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface PollerState {
  version: 1;
  kind: ArmOperationKind;
  /** the ARM id of the resource the operation acts on */
  resourceId: string;
  /** the api-version the operation was started with */
  apiVersion: string;
  asyncOperationUrl?: string;
  locationUrl?: string;
  status: PollerStatus;
  /** ISO times */
  startedAt: string;
  nextPollAt: string;
  polls: number;
  error?: { code: string; message: string; statusCode?: number };
}

/** what the finished operation produced, by kind */
export type OperationResult =
  | { type: 'link'; link: DistributedAvailabilityGroupInfo }
  | { type: 'database'; database: ManagedDatabaseInfo }
  | { type: 'none' };

export function resultTypeOf(kind: ArmOperationKind): OperationResult['type'] {
  switch (kind) {
    case 'linkCreate':
    case 'linkUpdate':
    case 'linkFailover':
    case 'linkSetRole':
      return 'link';
    case 'lrsStart':
    case 'pointInTimeRestore':
      return 'database';
    default:
      return 'none';
  }
}

/** checks a state that came back from storage (JSON.parse) before it is used */
export function isPollerState(value: unknown): value is PollerState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === 1 &&
    typeof v.kind === 'string' &&
    typeof v.resourceId === 'string' &&
    typeof v.apiVersion === 'string' &&
    typeof v.status === 'string' &&
    typeof v.startedAt === 'string' &&
    typeof v.nextPollAt === 'string' &&
    typeof v.polls === 'number' &&
    (v.asyncOperationUrl === undefined || typeof v.asyncOperationUrl === 'string') &&
    (v.locationUrl === undefined || typeof v.locationUrl === 'string')
  );
}
