// Retention across the app: finished operations with what the engine and each feature keep for
// them, the local events table, and each feature's own old records, older than RETENTION_DAYS
// (default 30), a bounded batch of each per run.
import { AppError } from '../errors';
import type { Logger } from '../ops/context';
import type { OperationEngine } from '../ops/engine';
import { purgeOperations, RetentionReport } from '../ops/retention';
import type { Platform } from './index';
import type { Feature } from './feature';

export interface RetentionRun extends RetentionReport {
  cutoff: string;
  events: number;
  featureRecords: number;
}

export function retentionDays(settings: Record<string, string | undefined>): number {
  const raw = settings.RETENTION_DAYS;
  if (raw === undefined || raw.trim() === '') return 30;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new AppError('CONFIGURATION_INVALID', `app setting RETENTION_DAYS is '${raw}'; it must be a whole number of days from 1 to 3650 (default 30)`);
  return days;
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
