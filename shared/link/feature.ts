// The link health feature: its app settings, the monitor wired to the platform's SQL pools, ARM,
// tables, queue and event publisher, and the history retention (its own LINK_HISTORY_DAYS).
import type { QueueClient } from '@azure/storage-queue';
import { AppError } from '../errors';
import type { Logger } from '../ops/context';
import type { Platform, Settings } from '../platform';
import type { Feature } from '../platform/feature';
import { wholeNumberSetting } from '../platform/settings';
import type { CollectOptions } from './collect';
import { LinkMonitor, type ConfirmationQueue, type LinkMonitorDeps } from './monitor';
import { LinkHealthStore } from './store';

import { CONFIRM_QUEUE } from './settings';

export { CONFIRM_QUEUE, DEFAULT_LINK_HEALTH_SCHEDULE, linkHealthSchedule } from './settings';

export function collectOptions(settings: Settings): CollectOptions {
  const budgetSeconds = wholeNumberSetting(settings, 'LINK_SWEEP_BUDGET_SECONDS', { fallback: 20, min: 1, max: 240, unit: 'seconds' });
  return {
    budgetMs: budgetSeconds * 1000,
    callTimeoutMs: Math.min(budgetSeconds, wholeNumberSetting(settings, 'LINK_CALL_TIMEOUT_SECONDS', { fallback: 10, min: 1, max: 240, unit: 'seconds' })) * 1000,
    concurrency: wholeNumberSetting(settings, 'LINK_SWEEP_CONCURRENCY', { fallback: 8, min: 1, max: 64, unit: 'instances' }),
  };
}

export const historyDays = (settings: Settings): number => wholeNumberSetting(settings, 'LINK_HISTORY_DAYS', { fallback: 14, min: 1, max: 365, unit: 'days' });

/** Confirmation messages: base64 JSON, as the Functions host's queue trigger reads them. */
export class StorageConfirmationQueue implements ConfirmationQueue {
  private ready?: Promise<unknown>;
  constructor(private readonly queue: QueueClient) {}

  async schedule(link: string, dueAt: string, delayMs: number): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    const body = Buffer.from(JSON.stringify({ link, dueAt }), 'utf8').toString('base64');
    // a confirmation older than a few minutes is worthless: the next sweep has sampled since
    await this.queue.sendMessage(body, { visibilityTimeout: Math.ceil(delayMs / 1000), messageTimeToLive: 600 });
  }
}

export function decodeConfirmation(raw: unknown): { link: string; dueAt: string } {
  let value: unknown = raw;
  if (typeof value === 'string') {
    const text = value.trim();
    try {
      value = JSON.parse(text.startsWith('{') ? text : Buffer.from(text, 'base64').toString('utf8'));
    } catch {
      throw new AppError('BAD_WORK_MESSAGE', `link confirmation message is not JSON: ${text.slice(0, 80)}`);
    }
  }
  const m = value as { link?: unknown; dueAt?: unknown } | null;
  if (!m || typeof m.link !== 'string' || typeof m.dueAt !== 'string' || Number.isNaN(Date.parse(m.dueAt))) {
    throw new AppError('BAD_WORK_MESSAGE', 'link confirmation message must name a link and the time it is due (link, dueAt)');
  }
  return { link: m.link, dueAt: m.dueAt };
}

export interface LinkHealthFeature extends Feature {
  store: LinkHealthStore;
  /** onSaved: the failover decision point, called with every saved sample */
  monitor(log: Logger, onSaved?: LinkMonitorDeps['onSaved']): LinkMonitor;
}

export async function linkHealthFeature(platform: Platform): Promise<LinkHealthFeature> {
  const store = new LinkHealthStore(await platform.table('linkhealth'), await platform.table('linkhistory'));
  const confirmations = new StorageConfirmationQueue(platform.storage.queue(CONFIRM_QUEUE));
  const options = collectOptions(platform.settings);
  const days = historyDays(platform.settings);
  return {
    name: 'linkHealth',
    playbooks: [],
    store,
    monitor: (log, onSaved) =>
      new LinkMonitor({
        onSaved,
        estate: () => platform.estate.load(),
        sources: { sql: (instance) => platform.sql.client(instance), arm: platform.arm },
        store,
        events: platform.events,
        confirmations,
        options,
        log,
        now: () => new Date(),
      }),
    // history has its own retention (LINK_HISTORY_DAYS), not the operations' one
    async purge(_before, limit) {
      const before = new Date(Date.now() - days * 24 * 3600_000);
      const estate = await platform.estate.load().catch(() => undefined);
      const links = new Set([...(estate?.links.map((l) => l.name.toLowerCase()) ?? []), ...(await store.list()).map((s) => s.record.link.toLowerCase())]);
      // each link accrues a row a minute: up to 100 per link per hourly run keeps pace, in one transaction each
      return store.purgeHistory([...links], before, Math.max(100, Math.ceil(limit / Math.max(1, links.size))));
    },
  };
}
