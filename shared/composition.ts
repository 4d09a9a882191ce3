// The composition root: the platform (clients built once from the app's settings), the features
// and their playbooks, and the operation engine, once per process. Functions reach it through
// `getRuntime()` (runtime.ts), which loads this module on first use; nothing else reads process.env.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { demoFeature } from './demo/feature';
import { createOperationEngine } from './ops/create';
import type { OperationEngine } from './ops/engine';
import { createPlatform, Platform, Settings } from './platform';
import type { Feature } from './platform/feature';
import { engineSettings, readHostLimits } from './platform/hostLimits';
import { linkHealthFeature, type LinkHealthFeature } from './link/feature';
import { restoreFeature, type RestoreFeature } from './restore/feature';
import { failoverFeature, type FailoverFeature } from './failover/feature';
import { refreshFeature, type RefreshFeature } from './refresh/feature';
import { restorePollMs } from './restore/feature';
import { AppError } from './errors';

export interface Runtime {
  platform: Platform;
  features: Feature[];
  /** the restore feature (its event function needs its claims) */
  restore: RestoreFeature;
  /** link health: the monitor, its store (the links API reads it) */
  links: LinkHealthFeature;
  /** failover: the decision intake (alerts, requests, the sweep's samples) and its decisions */
  failover: FailoverFeature;
  /** refresh: its run store (the scheduler and the refreshes API) */
  refresh: RefreshFeature;
  engine: OperationEngine;
}

export async function createRuntime(settings: Settings, appRoot: string): Promise<Runtime> {
  // first, before anything is built: an unsafe host configuration stops the app here
  const opsSettings = engineSettings(settings, readHostLimits(appRoot, settings));
  const platform = await createPlatform(settings);
  const restore = await restoreFeature(platform);
  const links = await linkHealthFeature(platform);
  // the failover playbook starts restores (offline failback) and its intake starts failovers: the engine comes after
  const built: { engine?: OperationEngine } = {};
  const engineRef = (): OperationEngine => {
    if (!built.engine) throw new AppError('CONFIGURATION_INVALID', 'the operation engine is not built yet');
    return built.engine;
  };
  const failover = await failoverFeature(platform, links.store, engineRef);
  const refresh = await refreshFeature(platform, engineRef, restorePollMs(settings));
  const features = [await demoFeature(platform), restore, links, failover, refresh];
  const engine = await createOperationEngine({
    storage: platform.storage,
    playbooks: features.flatMap((f) => f.playbooks),
    events: platform.events,
    settings: opsSettings,
  });
  built.engine = engine;
  return { platform, features, restore, links, failover, refresh, engine };
}

/** The app root holds host.json: dist/shared/ when compiled, shared/ under ts-jest. */
export function appRoot(): string {
  const candidates = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..')];
  return candidates.find((dir) => existsSync(path.join(dir, 'host.json'))) ?? candidates[0];
}
