// The link monitor: a sweep samples every link of the estate (one call per instance per kind), the
// evaluator judges each sample, and the store saves the new state with a compare-and-swap, its
// history row, and on a change the HealthChanged event. A link whose last sample disagrees with its
// state is sampled again every `confirmSeconds` through a delayed queue message, so a failure is
// confirmed in seconds rather than in timer ticks.
import type { Estate, LinkConfig } from '../config/schema';
import type { EventPublisher } from '../events/outgoing';
import type { Logger } from '../ops/context';
import { collect, type CollectDeps, type CollectOptions } from './collect';
import { decide, observe, type LinkTopology } from './evaluate';
import { healthChangedEvent } from './events';
import type { LinkHealthStore, StoredHealth } from './store';
import type { LinkHealthRecord, LinkSample, LinkState, LinkThresholds } from './types';

export interface ConfirmationQueue {
  /** a message naming the link, visible after `delayMs` */
  schedule(link: string, dueAt: string, delayMs: number): Promise<void>;
}

export interface LinkMonitorDeps {
  estate(): Promise<Estate>;
  sources: CollectDeps;
  store: LinkHealthStore;
  events: EventPublisher;
  confirmations: ConfirmationQueue;
  options: CollectOptions;
  log: Logger;
  now(): Date;
  /**
   * Called in process after each saved sample (the failover decision point): its failure is logged
   * and never fails the sweep.
   */
  onSaved?(record: LinkHealthRecord, transition: { from: LinkState | undefined; to: LinkState } | undefined): Promise<unknown>;
}

export interface Transition {
  link: string;
  from: LinkState | undefined;
  to: LinkState;
  reasons: string[];
}

export interface SweepReport {
  links: number;
  states: Record<LinkState, number>;
  transitions: Transition[];
  /** samples not saved: another sweep saved one a moment before */
  duplicates: number;
  confirmationsQueued: number;
  calls: { sql: number; arm: number };
  /** reading the instances */
  collectMs: number;
  /** the whole sweep */
  durationMs: number;
}

export function topologyOf(link: LinkConfig): LinkTopology {
  return { name: link.name, distributedAvailabilityGroup: link.distributedAvailabilityGroup, sqlServerInstance: link.sqlServer.instance, managedInstance: link.managedInstance.instance, primary: link.primary, databases: link.databases };
}

export const thresholdsOf = (link: LinkConfig): LinkThresholds => link.health;

type Saved = { kind: 'saved'; record: LinkHealthRecord; transition?: Transition; confirmation: boolean } | { kind: 'duplicate' } | { kind: 'stale' };

const SAVE_CONCURRENCY = 16;

export class LinkMonitor {
  constructor(private readonly deps: LinkMonitorDeps) {}

  /** One sweep over every link of the estate. */
  async sweep(): Promise<SweepReport> {
    const started = this.deps.now().getTime();
    await this.publishPending();
    const estate = await this.deps.estate();
    const collected = await collect(estate.links, estate.instances, this.deps.sources, this.deps.options, () => this.deps.now());
    const report: SweepReport = {
      links: estate.links.length,
      states: { healthy: 0, degraded: 0, broken: 0, unknown: 0 },
      transitions: [],
      duplicates: 0,
      confirmationsQueued: 0,
      calls: collected.calls,
      collectMs: collected.durationMs,
      durationMs: 0,
    };
    const byName = new Map(estate.links.map((l) => [l.name, l]));
    // every link's saved state in one query, not one read per link; a state another writer changed
    // since fails the compare-and-swap and is read again
    const saved = new Map((await this.deps.store.list()).map((s) => [s.record.link.toLowerCase(), s]));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < collected.samples.length) {
        const sample = collected.samples[next++];
        const link = byName.get(sample.link) as LinkConfig;
        try {
          const outcome = await this.judge(link, sample, undefined, saved.get(link.name.toLowerCase()) ?? null);
          if (outcome.kind === 'saved') {
            report.states[outcome.record.state]++;
            if (outcome.transition) report.transitions.push(outcome.transition);
            if (outcome.confirmation) report.confirmationsQueued++;
          } else report.duplicates++;
        } catch (err) {
          this.deps.log.error(`link ${link.name}: its sample was not saved: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SAVE_CONCURRENCY, collected.samples.length) }, worker));
    report.durationMs = this.deps.now().getTime() - started;
    return report;
  }

  /**
   * A confirmation sample of one link, as the queued message asked. A message that is not the
   * link's pending confirmation (a duplicate, or one a later sample replaced) does nothing. Every
   * other link whose confirmation is due too is sampled in the same calls: an instance that goes
   * down takes all its links with it, and one read per instance confirms them all (their own
   * messages then find their confirmation replaced and do nothing).
   */
  async confirm(linkName: string, dueAt: string): Promise<'confirmed' | 'stale' | 'unknownLink' | 'duplicate'> {
    const estate = await this.deps.estate();
    const link = estate.links.find((l) => l.name.toLowerCase() === linkName.toLowerCase());
    if (!link) return 'unknownLink';
    const stored = await this.deps.store.get(link.name);
    if (stored?.confirmDueAt !== dueAt) return 'stale';
    const dueBy = this.deps.now().getTime() + 1000;
    const others = new Map(
      (await this.deps.store.list())
        .filter((s) => s.confirmDueAt !== undefined && new Date(s.confirmDueAt).getTime() <= dueBy && s.record.link.toLowerCase() !== link.name.toLowerCase())
        .map((s) => [s.record.link.toLowerCase(), s.confirmDueAt as string]),
    );
    const batch = [link, ...estate.links.filter((l) => others.has(l.name.toLowerCase()))];
    const { samples } = await collect(batch, estate.instances, this.deps.sources, this.deps.options, () => this.deps.now());
    const outcomes = await Promise.all(
      batch.map((l, i) =>
        i === 0
          ? this.judge(l, samples[i], dueAt)
          : // another link's failure must not fail this message: its own message confirms it then
            this.judge(l, samples[i], others.get(l.name.toLowerCase()) as string).catch((err: Error): Saved => {
              this.deps.log.warn(`link ${l.name}: its confirmation sample was not saved (its own message tries again): ${err.message}`);
              return { kind: 'stale' };
            }),
      ),
    );
    const mine = outcomes[0];
    return mine.kind === 'saved' ? 'confirmed' : mine.kind;
  }

  /**
   * Judges one sample against the saved state and saves the outcome; retried when another writer
   * won. `known` is the state as read a moment ago (null: none saved then), used for the first try.
   */
  private async judge(link: LinkConfig, sample: LinkSample, confirming: string | undefined, known?: StoredHealth | null): Promise<Saved> {
    const thresholds = thresholdsOf(link);
    // two samples closer than half the confirmation interval are one sample taken twice (overlapping sweeps)
    const minSpacingMs = (thresholds.confirmSeconds * 1000) / 2;
    for (let attempt = 0; attempt < 5; attempt++) {
      const previous = attempt === 0 && known !== undefined ? (known ?? undefined) : await this.deps.store.get(link.name);
      if (confirming !== undefined && previous?.confirmDueAt !== confirming) return { kind: 'stale' };
      if (previous && new Date(sample.at).getTime() - new Date(previous.record.sampledAt).getTime() < minSpacingMs) return { kind: 'duplicate' };
      const observation = observe(sample, previous?.record.metrics, topologyOf(link), thresholds, new Date(sample.at));
      const { record, transition } = decide(previous?.record, link.name, observation, thresholds, sample.at);
      // unsettled: the last sample says something else than the state, or a failing link has not yet
      // given the failure signals its failover policy counts: sample again soon, not at the next tick
      const failing = record.observed === 'unknown' || record.observed === 'broken';
      const unsettled = record.observed !== record.state || (failing && (record.runs.failing ?? 0) < link.failover.consecutiveSignals);
      let confirmDueAt: string | undefined;
      let queue = false;
      if (unsettled) {
        const pending = previous?.confirmDueAt;
        // a pending confirmation stays the one; a lost message (long overdue) is replaced
        const lost = pending !== undefined && this.deps.now().getTime() > new Date(pending).getTime() + 3 * thresholds.confirmSeconds * 1000;
        if (confirming !== undefined || pending === undefined || lost) {
          confirmDueAt = new Date(new Date(sample.at).getTime() + thresholds.confirmSeconds * 1000).toISOString();
          queue = true;
        } else confirmDueAt = pending;
      }
      const events = transition ? [healthChangedEvent(record, transition.from)] : [];
      if (!(await this.deps.store.save(record, previous, events, confirmDueAt))) continue;
      await this.deps.store.appendHistory(record).catch((err: Error) => this.deps.log.warn(`link ${link.name}: history row not written: ${err.message}`));
      if (queue && confirmDueAt) {
        const delay = Math.max(0, new Date(confirmDueAt).getTime() - this.deps.now().getTime());
        await this.deps.confirmations.schedule(link.name, confirmDueAt, delay).catch((err: Error) => this.deps.log.warn(`link ${link.name}: confirmation not queued (the next sweep samples it): ${err.message}`));
      }
      for (const event of events) await this.publish(event.id, () => this.deps.events.publish(event));
      if (transition) this.deps.log.info(`link ${link.name}: ${transition.from ?? 'new'} -> ${transition.to}: ${record.message}`);
      if (this.deps.onSaved) await this.deps.onSaved(record, transition).catch((err: Error) => this.deps.log.error(`link ${link.name}: the failover decision on this sample failed: ${err.message}`));
      return { kind: 'saved', record, confirmation: queue, transition: transition && { link: link.name, from: transition.from, to: transition.to, reasons: record.reasons.map((r) => r.code) } };
    }
    return { kind: 'duplicate' };
  }

  private async publish(id: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
      await this.deps.store.markPublished(id);
    } catch (err) {
      this.deps.log.warn(`link event ${id} not published yet, the next sweep tries again: ${(err as Error).message}`);
    }
  }

  /** Events a crash left in the outbox, oldest first. */
  async publishPending(): Promise<number> {
    let sent = 0;
    for (const event of await this.deps.store.pendingEvents()) {
      await this.publish(event.id, async () => {
        await this.deps.events.publish(event);
        sent++;
      });
    }
    return sent;
  }
}
