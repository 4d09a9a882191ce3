import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { ArmError, armErrorFromResponse } from '../../../shared/arm/errors';
import { isPollerState } from '../../../shared/arm/poller';
import { armRetryStrategy, retryAfterMs } from '../../../shared/arm/retry';

function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
  return { status, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: 'https://127.0.0.1/x' }) };
}

describe('ArmError', () => {
  it.each([
    ['DistributedAvailabilityGroupFailoverLogSendQueueSizeTooBig', 409, true],
    ['DistributedAvailabilityGroupFailoverRedoQueueSizeTooBig', 409, true],
    ['DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', 409, true],
    ['DistributedAvailabilityGroupSetRoleChangeRoleAlreadyInProgress', 409, true],
    ['DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported', 409, false],
    ['DistributedAvailabilityGroupDbEncryptedWithSmk', 409, false],
    ['DistributedAvailabilityGroupMiPrimaryWithGeodr', 409, false],
    ['ManagedInstanceLinkSourceDbHasMultipleLogFiles', 400, false],
    ['SubscriptionTooManyRequests', 429, true],
    ['OperationTimedOut', 500, true],
    ['ResourceNotFound', 404, false],
  ])('%s (HTTP %d) is transient: %s', (code, status, transient) => {
    const e = armErrorFromResponse(status, JSON.stringify({ error: { code, message: 'm' } }));
    expect(e).toBeInstanceOf(ArmError);
    expect(e.armCode).toBe(code);
    expect(e.statusCode).toBe(status);
    expect(e.isTransient).toBe(transient);
  });

  it('treats "already in the requested role" as done', () => {
    expect(armErrorFromResponse(409, JSON.stringify({ error: { code: 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole', message: 'x' } })).isAlreadyDone).toBe(true);
  });

  it('never carries a SAS token or a bearer token in its message', () => {
    const e = armErrorFromResponse(
      400,
      JSON.stringify({ error: { code: 'InvalidParameterValue', message: 'bad uri https://a.blob.core.windows.net/c?sv=2022&sp=rl&sig=SECRETSIG123 with Bearer eyJabc.def "storageContainerSasToken": "sv=1&sig=ZZZ"' } }),
    );
    expect(e.message).not.toMatch(/SECRETSIG123|eyJabc|ZZZ/);
    expect(e.message).toContain('bad uri');
  });

  it('keeps a non-JSON body short and still gives a code', () => {
    const e = armErrorFromResponse(502, '<html>bad gateway</html>');
    expect(e.armCode).toBe('Http502');
    expect(e.isTransient).toBe(true);
  });
});

describe('retry', () => {
  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    expect(retryAfterMs(response(429, { 'Retry-After': '3' }))).toBe(3000);
    expect(retryAfterMs(response(500, { 'retry-after-ms': '250' }))).toBe(250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(response(503, { 'Retry-After': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(response(500))).toBeUndefined();
  });

  it('waits what a 500 or 429 asks, backs off without it, and leaves 4xx alone', () => {
    const s = armRetryStrategy({ baseDelayMs: 100, maxDelayMs: 10_000 });
    expect(s.retry({ response: response(500, { 'Retry-After': '2' }), retryCount: 0 })).toEqual({ retryAfterInMs: 2000 });
    expect(s.retry({ response: response(429, { 'Retry-After': '1' }), retryCount: 3 })).toEqual({ retryAfterInMs: 1000 });
    const backoff = s.retry({ response: response(503), retryCount: 2 }).retryAfterInMs as number;
    expect(backoff).toBeGreaterThanOrEqual(200);
    expect(backoff).toBeLessThanOrEqual(400);
    expect(s.retry({ response: response(409), retryCount: 0 })).toEqual({ skipStrategy: true });
    expect(s.retry({ response: response(501), retryCount: 0 })).toEqual({ skipStrategy: true });
  });
});

describe('PollerState', () => {
  it('recognises a state read back from JSON and rejects others', () => {
    const state = { version: 1, kind: 'linkFailover', resourceId: '/x', apiVersion: '2025-01-01', status: 'InProgress', startedAt: 'a', nextPollAt: 'b', polls: 0, locationUrl: 'https://h/x' };
    expect(isPollerState(JSON.parse(JSON.stringify(state)))).toBe(true);
    expect(isPollerState({ ...state, version: 2 })).toBe(false);
    expect(isPollerState(null)).toBe(false);
  });
});
