import { backoffDelayMs } from '../../../shared/ops/backoff';
import { operationIdFor } from '../../../shared/ops/engine';
import { decodeWorkMessage, encodeWorkMessage } from '../../../shared/ops/workQueue';
import { lockRowKey } from '../../../shared/ops/locks';

test('backoff doubles per attempt up to the maximum, with jitter in the upper half', () => {
  expect(backoffDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
  expect(backoffDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
  expect(backoffDelayMs(3, 1000, 60_000, () => 1)).toBe(4000);
  expect(backoffDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  expect(backoffDelayMs(20, 1000, 60_000, () => 0)).toBe(30_000);
});

test('work messages survive the base64 round trip the Functions host applies', () => {
  const message = { operationId: 'op-1', token: 't-1' };
  const encoded = encodeWorkMessage(message);
  expect(decodeWorkMessage(encoded)).toEqual(message);
  expect(decodeWorkMessage(JSON.stringify(message))).toEqual(message);
  expect(decodeWorkMessage(message)).toEqual(message); // the host hands over parsed JSON
  expect(() => decodeWorkMessage('not json at all!')).toThrow(/not JSON/);
  expect(() => decodeWorkMessage({ operationId: 'op-1' })).toThrow(/operationId and token are required/);
});

test('keyed operation ids are stable per kind and key; ad-hoc ids are unique', () => {
  const now = new Date('2026-11-22T08:00:00Z');
  expect(operationIdFor('restore', 'blob|etag|seq', now)).toBe(operationIdFor('restore', 'blob|etag|seq', new Date()));
  expect(operationIdFor('restore', 'blob|etag|seq', now)).not.toBe(operationIdFor('refresh', 'blob|etag|seq', now));
  expect(operationIdFor('restore', undefined, now)).not.toBe(operationIdFor('restore', undefined, now));
});

test('lock row keys never contain characters Azure Tables refuse in keys', () => {
  const key = lockRowKey('sql-dev/Sales#1?x\\y');
  expect(key).not.toMatch(/[/\\#?]/);
  expect(lockRowKey('a/b')).not.toBe(lockRowKey('a_b'));
});
