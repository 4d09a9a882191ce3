// The failover feature: its playbook wired to the platform (SQL pools, ARM, Private DNS, backup
// containers, the restore playbook for offline failbacks), the decision store, and the intake that
// turns signals (health, alerts, requests) into decisions and operations.
import { armEndpointFromSettings } from '../arm/fromSettings';
import type { LinkHealthStore } from '../link/store';
import type { Logger } from '../ops/context';
import type { OperationEngine } from '../ops/engine';
import { WebhookNotifier } from '../notify/webhook';
import type { Platform, Settings } from '../platform';
import type { Feature } from '../platform/feature';
import { wholeNumberSetting } from '../platform/settings';
import { PrivateDnsCname } from '../redirect/privateDnsCname';
import { restoreForPlaybook } from '../restore/start';
import { DecisionStore } from './decisionStore';
import { FailoverIntake } from './intake';
import { failoverPlaybook } from './playbook';
import { LinkSides } from './sides';

/** How often waiting failover steps look again (FAILOVER_POLL_MS, default 2000). */
export function failoverPollMs(settings: Settings): number {
  return wholeNumberSetting(settings, 'FAILOVER_POLL_MS', { fallback: 2_000, min: 100, max: 60_000, unit: 'milliseconds' });
}

export interface FailoverFeature extends Feature {
  decisions: DecisionStore;
  intake(log: Logger): FailoverIntake;
}

export async function failoverFeature(platform: Platform, health: LinkHealthStore, engine: () => OperationEngine): Promise<FailoverFeature> {
  const decisions = new DecisionStore(await platform.table('failoverdecisions'));
  const notifier = new WebhookNotifier(platform.settings);
  const arm = armEndpointFromSettings(platform.settings, () => platform.credentials());
  const redirect = arm && new PrivateDnsCname({ credential: arm.credential, endpoint: arm.endpoint });
  const intake = (log: Logger): FailoverIntake => new FailoverIntake({ estate: () => platform.estate.load(), health, decisions, engine, notifier, log, now: () => new Date() });
  const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const playbook = failoverPlaybook({
    estate: () => platform.estate.load(),
    sides: (link, instances) => new LinkSides(link, instances, { sql: (i) => platform.sql.client(i), arm: platform.arm, callTimeoutMs: 15_000 }),
    redirect,
    container: (config) => platform.container(config),
    startRestore: async (blobUrl, target, requestedBy) =>
      restoreForPlaybook(engine(), await platform.estate.load(), (c, path) => platform.container(c).eTagOf(path), blobUrl, target, requestedBy),
    async operationState(id) {
      const op = await engine().get(id);
      return op && { state: op.state, error: op.error };
    },
    notifyOutcome: (link, summary, detail) => intake(quiet).notifyOutcome(link, summary, detail),
    pollMs: failoverPollMs(platform.settings),
    verifyTimeoutMs: 120_000,
  });
  return {
    name: 'failover',
    playbooks: [playbook],
    decisions,
    intake,
    purge: (before, limit) => decisions.purge(before, limit),
  };
}
