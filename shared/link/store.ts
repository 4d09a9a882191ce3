// Where link health lives, in table storage:
// - table `linkhealth`, one partition: a row per link with its current state, written with an ETag
//   compare-and-swap (two overlapping sweeps never both save a change), and beside it in the same
//   partition the outbox rows of HealthChanged events, written in the same transaction as the change
//   (an event exists exactly when its change does) and deleted once published;
// - table `linkhistory`, a partition per link, a row per saved sample (time-ordered row keys), kept
//   for LINK_HISTORY_DAYS and deleted in batches of at most 100 (one transaction per link).
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { LinkHealthEvent } from '../events/outgoing';
import type { LinkHealthRecord, LinkReasonCode, LinkState } from './types';

const PARTITION = 'link';
const STATE = 'state|';
const OUTBOX = 'outbox|';
// the first key after every key with the prefix
const after = (prefix: string): string => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export interface StoredHealth {
  record: LinkHealthRecord;
  etag: string;
  /** a confirmation sample is queued for this time */
  confirmDueAt?: string;
}

/** One row of a link's history: the numbers of one saved sample. */
export interface LinkHistoryPoint {
  at: string;
  state: LinkState;
  observed: LinkState;
  reasons: LinkReasonCode[];
  /** the side that was primary at this sample, when the sample could tell */
  primary?: 'sqlServer' | 'managedInstance';
  lagSeconds?: number;
  rpoSeconds?: number;
  rtoSeconds?: number;
  logSendQueueKb?: number;
  redoQueueKb?: number;
}

export interface HistoryPage {
  points: LinkHistoryPoint[];
  continuation?: string;
}

const timeKey = (iso: string, version: number): string => `${String(new Date(iso).getTime()).padStart(15, '0')}-${String(version).padStart(12, '0')}`;
const linkKey = (link: string): string => link.toLowerCase();

type StateEntity = {
  partitionKey: string;
  rowKey: string;
  state: string;
  version: number;
  recordJson: string;
  confirmDueAt?: string;
};

export class LinkHealthStore {
  constructor(
    private readonly states: TableClient,
    private readonly history: TableClient,
  ) {}

  async get(link: string): Promise<StoredHealth | undefined> {
    try {
      const e = await this.states.getEntity<StateEntity>(PARTITION, STATE + linkKey(link));
      return { record: JSON.parse(e.recordJson) as LinkHealthRecord, etag: e.etag, confirmDueAt: e.confirmDueAt || undefined };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async list(): Promise<StoredHealth[]> {
    const filter = odata`PartitionKey eq ${PARTITION} and RowKey ge ${STATE} and RowKey lt ${after(STATE)}`;
    const out: StoredHealth[] = [];
    for await (const e of this.states.listEntities<StateEntity>({ queryOptions: { filter } })) {
      out.push({ record: JSON.parse(e.recordJson) as LinkHealthRecord, etag: e.etag, confirmDueAt: e.confirmDueAt || undefined });
    }
    return out;
  }

  /**
   * Saves the link's new record if nobody saved since `previous` was read (or, for a first record,
   * if nobody created one), with its events in the same transaction. False when another writer won.
   */
  async save(record: LinkHealthRecord, previous: StoredHealth | undefined, events: LinkHealthEvent[], confirmDueAt: string | undefined): Promise<boolean> {
    const entity: StateEntity = { partitionKey: PARTITION, rowKey: STATE + linkKey(record.link), state: record.state, version: record.version, recordJson: JSON.stringify(record), confirmDueAt: confirmDueAt ?? '' };
    const actions: TransactionAction[] = [previous ? ['update', entity, 'Replace', { etag: previous.etag }] : ['create', entity]];
    for (const event of events) actions.push(['upsert', { partitionKey: PARTITION, rowKey: OUTBOX + event.id, eventJson: JSON.stringify(event) }, 'Replace']);
    try {
      if (actions.length === 1 && previous) await this.states.updateEntity(entity, 'Replace', { etag: previous.etag });
      else if (actions.length === 1) await this.states.createEntity(entity);
      else await this.states.submitTransaction(actions);
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409) return false;
      throw err;
    }
  }

  /** Events saved with a change and not yet published (a crash in between leaves them here). */
  async pendingEvents(): Promise<LinkHealthEvent[]> {
    const filter = odata`PartitionKey eq ${PARTITION} and RowKey ge ${OUTBOX} and RowKey lt ${after(OUTBOX)}`;
    const out: LinkHealthEvent[] = [];
    for await (const e of this.states.listEntities<{ eventJson: string }>({ queryOptions: { filter } })) out.push(JSON.parse(e.eventJson) as LinkHealthEvent);
    return out.sort((a, b) => a.time.localeCompare(b.time));
  }

  async markPublished(eventId: string): Promise<void> {
    try {
      await this.states.deleteEntity(PARTITION, OUTBOX + eventId);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  /** Forgets a link that left the estate. */
  async remove(link: string): Promise<void> {
    try {
      await this.states.deleteEntity(PARTITION, STATE + linkKey(link));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async appendHistory(record: LinkHealthRecord): Promise<void> {
    const m = record.metrics;
    await this.history.upsertEntity(
      {
        partitionKey: linkKey(record.link),
        rowKey: timeKey(record.sampledAt, record.version),
        at: record.sampledAt,
        state: record.state,
        observed: record.observed,
        reasons: record.reasons.map((r) => r.code).join(','),
        primary: m.primary,
        lagSeconds: m.lagSeconds,
        rpoSeconds: m.rpoSeconds,
        rtoSeconds: m.rtoSeconds,
        logSendQueueKb: m.logSendQueueKb,
        redoQueueKb: m.redoQueueKb,
      },
      'Replace',
    );
  }

  /** Samples of one link from `from` (inclusive) to `to` (exclusive), oldest first, a page at a time. */
  async historyPage(link: string, from: Date, to: Date, limit: number, continuation?: string): Promise<HistoryPage> {
    const start = continuation ?? timeKey(from.toISOString(), 0);
    const filter = odata`PartitionKey eq ${linkKey(link)} and RowKey ge ${start} and RowKey lt ${timeKey(to.toISOString(), 0)}`;
    const points: LinkHistoryPoint[] = [];
    let next: string | undefined;
    for await (const e of this.history.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      if (points.length === limit) {
        next = e.rowKey as string;
        break;
      }
      const opt = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
      points.push({
        at: e.at as string,
        state: e.state as LinkState,
        observed: e.observed as LinkState,
        reasons: typeof e.reasons === 'string' && e.reasons ? (e.reasons.split(',') as LinkReasonCode[]) : [],
        primary: e.primary === 'sqlServer' || e.primary === 'managedInstance' ? e.primary : undefined,
        lagSeconds: opt(e.lagSeconds),
        rpoSeconds: opt(e.rpoSeconds),
        rtoSeconds: opt(e.rtoSeconds),
        logSendQueueKb: opt(e.logSendQueueKb),
        redoQueueKb: opt(e.redoQueueKb),
      });
    }
    return { points, continuation: next };
  }

  /** Deletes up to `perLink` history rows older than `before` from each link; returns how many went. */
  async purgeHistory(links: string[], before: Date, perLink = 100): Promise<number> {
    let deleted = 0;
    const end = timeKey(before.toISOString(), 0);
    for (const link of links) {
      const filter = odata`PartitionKey eq ${linkKey(link)} and RowKey lt ${end}`;
      const keys: string[] = [];
      for await (const e of this.history.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
        keys.push(e.rowKey as string);
        if (keys.length >= perLink) break;
      }
      for (let i = 0; i < keys.length; i += 100) {
        await this.history.submitTransaction(keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: linkKey(link), rowKey }]));
      }
      deleted += keys.length;
    }
    return deleted;
  }
}
