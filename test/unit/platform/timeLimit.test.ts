// within(): a call's answer, or a TimedOut naming who did not answer and the limit; never a timer
// left behind (a sweep makes one call per instance a minute).
import { TimedOut, within } from '../../../shared/platform/timeLimit';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('an answer in time is returned and its timer cleared', async () => {
  await expect(within(Promise.resolve(42), 1_000, 'sql-a')).resolves.toBe(42);
  expect(jest.getTimerCount()).toBe(0);
});

test("the call's own failure passes through and its timer is cleared", async () => {
  const failure = new Error('login failed');
  await expect(within(Promise.reject(failure), 1_000, 'sql-a')).rejects.toBe(failure);
  expect(jest.getTimerCount()).toBe(0);
});

test('no answer: a TimedOut after the limit, naming who and how long', async () => {
  const outcome = within(new Promise<never>(() => undefined), 1_250, 'mi-a').catch((err: unknown) => err);
  let settled = false;
  void outcome.then(() => (settled = true));

  await jest.advanceTimersByTimeAsync(1_249);
  expect(settled).toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  const err = await outcome;
  expect(err).toBeInstanceOf(TimedOut);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toBe('mi-a did not answer within 1.3 s');
  expect(jest.getTimerCount()).toBe(0);
});

test('a limit already spent times out at once', async () => {
  const outcome = within(new Promise<never>(() => undefined), -5, 'ARM').catch((err: unknown) => err);
  await jest.advanceTimersByTimeAsync(1);
  expect(((await outcome) as Error).message).toBe('ARM did not answer within 0 s');
});
