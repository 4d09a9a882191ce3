// Time as a dependency, so that deadlines, backoff and leases can be tested without waiting.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
