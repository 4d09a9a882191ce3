// The engine's clock: real time, optionally sped up, so a test can watch a "ten minute" restore
// finish in a second. Every time-dependent part of the engine (restores, WAITFOR, the workload,
// Agent history) reads this clock, never Date.now() directly.

export interface EngineClock {
  now(): Date;
  /** resolves after `ms` of simulated time; rejects with the signal's reason when aborted */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** simulated milliseconds per real millisecond */
  readonly speed: number;
}

export class ScaledClock implements EngineClock {
  private readonly realStart = Date.now();
  private readonly simulatedStart: number;
  private offsetMs = 0;

  constructor(
    readonly speed = 1,
    start: Date = new Date(),
  ) {
    if (!(speed > 0)) throw new RangeError(`clock speed must be > 0, got ${speed}`);
    this.simulatedStart = start.getTime();
  }

  now(): Date {
    return new Date(this.simulatedStart + (Date.now() - this.realStart) * this.speed + this.offsetMs);
  }

  /** jumps simulated time forward (tests; the workload picks the jump up on its next tick) */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timer = setTimeout(done, Math.max(0, ms / this.speed));
      function done(): void {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      function onAbort(): void {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}
