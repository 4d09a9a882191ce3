// The auto-restore feature: its playbook with everything it needs from the platform, and what
// retention deletes with a restore operation (its blob claims and its findings in the JSON store).
import { AppError } from '../errors';
import type { Platform, Settings } from '../platform';
import type { Feature } from '../platform/feature';
import { wholeNumberSetting } from '../platform/settings';
import { blobVersionKey, TableBlobClaims, type BlobClaims } from './claims';
import { restoreData, targetKeyOf, type RestoreDeps } from './deps';
import { restoreInputSchema } from './input';
import { logReplayFrom } from './logReplayService';
import { managedInstanceFactsFrom } from './managedInstanceFacts';
import { restorePlaybook } from './playbook';

/** How often running restores and missing stripes are looked at again (RESTORE_POLL_MS). */
export function restorePollMs(settings: Settings): number {
  return wholeNumberSetting(settings, 'RESTORE_POLL_MS', { fallback: 15_000, min: 100, max: 3_600_000, unit: 'milliseconds' });
}

/** The restore feature, and what its event function needs beside the engine. */
export interface RestoreFeature extends Feature {
  claims: BlobClaims;
}

/** How long a restore waits for an unreachable target before failing (RESTORE_UNREACHABLE_MINUTES). */
export function unreachableWindowMs(settings: Record<string, string | undefined>): number {
  const raw = settings.RESTORE_UNREACHABLE_MINUTES;
  if (raw === undefined || raw.trim() === '') return 15 * 60_000;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0 || minutes > 24 * 60) {
    throw new AppError('CONFIGURATION_INVALID', `app setting RESTORE_UNREACHABLE_MINUTES is '${raw}'; it must be a number of minutes from 0 to 1440 (default 15)`);
  }
  return minutes * 60_000;
}

export async function restoreFeature(platform: Platform): Promise<RestoreFeature> {
  const deps: RestoreDeps = {
    estate: () => platform.estate.load(),
    sqlClient: (instance) => platform.sql.client(instance),
    container: (config) => platform.container(config),
    claims: new TableBlobClaims(await platform.table('restoreclaims')),
    store: platform.data,
    managedInstanceFacts: platform.arm && managedInstanceFactsFrom(platform.arm),
    logReplay: platform.arm && logReplayFrom(platform.arm),
    pollMs: restorePollMs(platform.settings),
    unreachableWindowMs: unreachableWindowMs(platform.settings),
  };
  return {
    name: 'restore',
    claims: deps.claims,
    playbooks: [restorePlaybook(deps)],
    forget: (op) => forgetRestore(deps, op.id, op.input),
    // headers are cached per blob version and shared by restores: old ones go by age
    purge: (before, limit) => deps.store.purgeOlderThan('headers/', before, limit),
  };
}

export async function forgetRestore(deps: RestoreDeps, operationId: string, rawInput: unknown): Promise<void> {
  const parsed = restoreInputSchema.safeParse(rawInput);
  if (parsed.success) {
    const data = restoreData(deps.store, operationId);
    const candidates = Object.entries(await data.candidates());
    if (candidates.length > 0) {
      const estate = await deps.estate();
      const config = estate.backupContainers.find((c) => c.name.toLowerCase() === parsed.data.container.toLowerCase());
      if (config) {
        const container = deps.container(config);
        await deps.claims.forget(targetKeyOf(parsed.data), candidates.map(([path, eTag]) => blobVersionKey(container.urlOf(path), eTag)));
      }
    }
  }
  await deps.store.deleteUnder(`operations/${operationId}/`);
}
