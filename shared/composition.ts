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

export interface Runtime {
  platform: Platform;
  features: Feature[];
  /** the restore feature (its event function needs its claims) */
  restore: RestoreFeature;
  /** link health: the monitor, its store (the links API reads it) */
  links: LinkHealthFeature;
  engine: OperationEngine;
}

export async function createRuntime(settings: Settings, appRoot: string): Promise<Runtime> {
  // first, before anything is built: an unsafe host configuration stops the app here
  const opsSettings = engineSettings(settings, readHostLimits(appRoot, settings));
  const platform = await createPlatform(settings);
  const restore = await restoreFeature(platform);
  const links = await linkHealthFeature(platform);
  const features = [await demoFeature(platform), restore, links];
  const engine = await createOperationEngine({
    storage: platform.storage,
    playbooks: features.flatMap((f) => f.playbooks),
    events: platform.events,
    settings: opsSettings,
  });
  return { platform, features, restore, links, engine };
}

/** The app root holds host.json: dist/shared/ when compiled, shared/ under ts-jest. */
export function appRoot(): string {
  const candidates = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..')];
  return candidates.find((dir) => existsSync(path.join(dir, 'host.json'))) ?? candidates[0];
}
