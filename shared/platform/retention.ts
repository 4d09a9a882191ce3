// Retention across the app: finished operations with what the engine and each feature keep for
// them, the local events table, and each feature's own old records, older than RETENTION_DAYS
// (default 30), a bounded batch of each per run.
import type { Logger } from '../ops/context';
import type { OperationEngine } from '../ops/engine';
import { purgeOperations, RetentionReport } from '../ops/retention';
import type { Platform, Settings } from './index';
import type { Feature } from './feature';
import { wholeNumberSetting } from './settings';

export interface RetentionRun extends RetentionReport {
  cutoff: string;
  events: number;
  featureRecords: number;
}

export function retentionDays(settings: Settings): number {
  return wholeNumberSetting(settings, 'RETENTION_DAYS', { fallback: 30, min: 1, max: 3650, unit: 'days' });
}

export async function runRetention(parts: { platform: Platform; engine: OperationEngine; features: Feature[] }, now: Date, log: Logger, batch = 200): Promise<RetentionRun> {
  const cutoff = new Date(now.getTime() - retentionDays(parts.platform.settings) * 24 * 3600_000);
  const ops = await purgeOperations(
    { ...parts.engine.ctx, log },
    { before: cutoff, batch, forget: parts.features.flatMap((f) => (f.forget ? [f.forget.bind(f)] : [])) },
  );
  const events = (await parts.platform.eventTable?.purgeBefore(cutoff, batch * 5)) ?? 0;
  let featureRecords = 0;
  for (const f of parts.features) if (f.purge) featureRecords += await f.purge(cutoff, batch * 5);
  return { ...ops, cutoff: cutoff.toISOString(), events, featureRecords };
}
