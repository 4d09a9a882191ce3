// The refresh feature: its playbook wired to the platform (SQL pools, backup containers, ARM facts,
// the restore playbook for the staging copy), the run store, and the retention of its backups.
import type { OperationEngine } from '../ops/engine';
import type { JsonStore } from '../storage/jsonStore';
import type { Platform } from '../platform';
import type { Feature } from '../platform/feature';
import { managedInstanceFactsFrom } from '../restore/managedInstanceFacts';
import { restoreForPlaybook } from '../restore/start';
import { REFRESH_KIND } from './input';
import { refreshPlaybook } from './playbook';
import { RefreshRunStore } from './runStore';
import { pointInTimeFrom } from './pointInTime';
import { purgeRefreshBackups } from './retention';

export interface RefreshFeature extends Feature {
  runs: RefreshRunStore;
}

const DATA_PREFIX = 'refresh/';

/** The sanitizing scripts a run's checks read, kept beside the operation (too large for its record). */
export function scriptsIn(store: JsonStore): { save(operationId: string, texts: string[]): Promise<void>; load(operationId: string): Promise<string[] | undefined> } {
  const path = (id: string): string => `${DATA_PREFIX}${id}/scripts.json`;
  return { save: (id, texts) => store.put(path(id), texts), load: (id) => store.get<string[]>(path(id)) };
}

export async function refreshFeature(platform: Platform, engine: () => OperationEngine, pollMs: number): Promise<RefreshFeature> {
  const runs = new RefreshRunStore(await platform.table('refreshruns'));
  const playbook = refreshPlaybook({
    estate: () => platform.estate.load(),
    sqlClient: (i) => platform.sql.client(i),
    container: (c) => platform.container(c),
    managedInstanceFacts: platform.arm && managedInstanceFactsFrom(platform.arm),
    startRestore: async (blobUrl, target, requestedBy) => restoreForPlaybook(engine(), await platform.estate.load(), (c, path) => platform.container(c).eTagOf(path), blobUrl, target, requestedBy),
    async operationState(id) {
      const op = await engine().get(id);
      return op && { state: op.state, error: op.error, progress: op.progress };
    },
    cancelOperation: async (id, reason) => void (await engine().cancel(id, 'refresh', reason)),
    pointInTime: platform.arm && pointInTimeFrom(platform.arm),
    readBeside: (path) => platform.estate.readBeside(path),
    scripts: scriptsIn(platform.data),
    pollMs,
  });
  return {
    name: 'refresh',
    playbooks: [playbook],
    runs,
    forget: async (op) => {
      if (op.kind === REFRESH_KIND) await platform.data.deleteUnder(`${DATA_PREFIX}${op.id}/`);
    },
    // each job's backups go when they are older than its keepBackupsHours
    async purge(_before, limit) {
      const estate = await platform.estate.load().catch(() => undefined);
      return estate ? purgeRefreshBackups(estate, (c) => platform.container(c), new Date(), limit) : 0;
    },
  };
}
