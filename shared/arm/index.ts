// The app's ARM layer: the client, its long-running operation state, errors and domain types.
export { ArmClient, ARM_API_VERSION, type ArmClientOptions, type PollResult } from './client';
export { ArmError, armErrorFromResponse, classifyTransient } from './errors';
export { isPollerState, type ArmOperationKind, type OperationResult, type PollerState, type PollerStatus } from './poller';
export { armRetryPolicy, armRetryStrategy, retryAfterMs, type ArmRetryOptions } from './retry';
export * from './parse';
export type * from './types';
