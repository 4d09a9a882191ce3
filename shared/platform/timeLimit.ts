// A call that must answer in time: the link-health sweep and the failover playbooks read DMVs and
// ARM with a limit per call, and an instance that does not answer in time is reported, not awaited.

/** The error of a call that did not answer within its limit. */
export class TimedOut extends Error {}

/**
 * `work`, or a TimedOut "<what> did not answer within <n> s" after `ms` (whichever comes first).
 * The timer is cleared either way; `work` itself is not cancelled.
 */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what} did not answer within ${Math.round(ms / 100) / 10} s`)), Math.max(0, ms));
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
