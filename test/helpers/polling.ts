// Waiting in tests: a pause, and a probe asked again until it gives a value (or the time is up).

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `probe` asked every `stepMs` until it gives a value; "timed out waiting for <what>" after `timeoutMs` */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, stepMs = 15): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(stepMs);
  }
}
