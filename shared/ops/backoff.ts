// Exponential backoff with full jitter for transient step failures (attempt 1 = first retry).
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // at least half the ceiling, so a retry storm still spreads out but never fires at once
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
