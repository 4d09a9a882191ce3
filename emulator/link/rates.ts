// Byte counters with a measured rate, as the DMVs report log_send_rate and redo_rate: KB/s averaged
// over a window of simulated time, and "during the last active period" (the docs' wording): with
// nothing moving in the window, the last active rate stays.
import type { RateMeter } from './types';

/** how much simulated time a rate averages over */
export const RATE_WINDOW_MS = 10_000;
/** samples are kept at least this far apart, so a fast ticker does not grow the list */
const SAMPLE_SPACING_MS = 1_000;

export function newMeter(): RateMeter {
  return { total: 0, samples: [], lastRate: 0 };
}

/** adds `bytes` at time `t` (ms) */
export function count(m: RateMeter, t: number, bytes: number): void {
  m.total += bytes;
  const last = m.samples[m.samples.length - 1];
  // each sample is exact for its time; between samples the rate is read against the newest total
  if (!last || t - last[0] >= SAMPLE_SPACING_MS) m.samples.push([t, m.total]);
  // keep one sample at or before the window's start, so the window is always covered
  while (m.samples.length > 2 && m.samples[1][0] <= t - RATE_WINDOW_MS) m.samples.shift();
  // an idle step keeps the rate of the last active period
  if (bytes <= 0) return;
  const first = m.samples[0];
  const span = t - first[0];
  if (span > 0) m.lastRate = ((m.total - first[1]) * 1000) / span;
}

/** bytes per second, last active period */
export function rate(m: RateMeter | undefined): number {
  return m?.lastRate ?? 0;
}
