// Every failover decision, stored per link (table `failoverdecisions`, partition = the link): one
// row per decision, newest first by its row key, and one claim row per signal, written in the same
// transaction. A signal delivered again (the same alert three times, a health sample judged twice)
// finds its claim and gets the decision already taken: one signal, one decision, one operation.
// Different signals of one link are decided one at a time (a lease row per link): each sees the
// operation the one before it started, so two requests at once cannot both start a failover.
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { odata, type TableClient } from '@azure/data-tables';
import type { StoredDecision } from './types';

const DECISION = 'd_';
const CLAIM = 's_';
const LEASE = 'm_deciding';
const MAX_MS = 9_999_999_999_999;
const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;
const partition = (link: string): string => link.toLowerCase();
const claimKey = (signalKey: string): string => CLAIM + createHash('sha256').update(signalKey).digest('hex').slice(0, 40);

type DecisionEntity = {
  partitionKey: string;
  rowKey: string;
  decidedAt: string;
  decisionJson: string;
};

type LeaseEntity = {
  partitionKey: string;
  rowKey: string;
  holder: string;
  until: string;
};

export interface ExclusiveOptions {
  /** how long a holder keeps the link if it dies without letting go */
  leaseMs?: number;
  /** how long to wait for another decision of the link to finish */
  waitMs?: number;
  now?: () => Date;
}

type ClaimEntity = {
  partitionKey: string;
  rowKey: string;
  decisionRow: string;
};

export interface RecordOutcome {
  decision: StoredDecision;
  /** the signal had been decided before: this is that decision (its delivery count raised) */
  duplicate: boolean;
}

export class DecisionStore {
  constructor(private readonly table: TableClient) {}

  /**
   * Runs `work` (read the link's operations, decide, record, start) while no other decision of the
   * link runs. A holder that died is taken over once its lease ran out.
   */
  async exclusive<T>(link: string, work: () => Promise<T>, options: ExclusiveOptions = {}): Promise<T> {
    const leaseMs = options.leaseMs ?? 30_000;
    const now = options.now ?? ((): Date => new Date());
    const giveUpAt = now().getTime() + (options.waitMs ?? 30_000);
    const holder = randomUUID();
    const pk = partition(link);
    let etag: string | undefined;
    for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
      const lease: LeaseEntity = { partitionKey: pk, rowKey: LEASE, holder, until: new Date(now().getTime() + leaseMs).toISOString() };
      try {
        etag = (await this.table.createEntity(lease)).etag;
        break;
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
      const current = await this.table.getEntity<LeaseEntity>(pk, LEASE).catch((err: unknown) => {
        if (statusOf(err) === 404) return undefined;
        throw err;
      });
      if (current && Date.parse(current.until) <= now().getTime()) {
        // its holder died deciding: taken over, unless someone else was quicker
        const took = await this.table.updateEntity(lease, 'Replace', { etag: current.etag }).catch((err: unknown) => {
          if (statusOf(err) === 412 || statusOf(err) === 404) return undefined;
          throw err;
        });
        if (took) {
          etag = took.etag;
          break;
        }
      }
      if (now().getTime() >= giveUpAt) throw new AppError('CONCURRENCY_CONFLICT', `another decision for link ${link} has been running for more than ${Math.round((options.waitMs ?? 30_000) / 1000)} s; try again`, { isTransient: true });
      await new Promise((r) => setTimeout(r, pause));
    }
    try {
      return await work();
    } finally {
      await this.table.deleteEntity(pk, LEASE, { etag }).catch(() => undefined);
    }
  }

  /** Stores a decision unless its signal was decided already; then returns the earlier one. */
  async record(decision: StoredDecision): Promise<RecordOutcome> {
    const pk = partition(decision.link);
    const at = new Date(decision.decidedAt).getTime();
    const rowKey = `${DECISION}${String(MAX_MS - at).padStart(13, '0')}_${createHash('sha256').update(decision.signalKey).digest('hex').slice(0, 12)}`;
    const entity: DecisionEntity = { partitionKey: pk, rowKey, decidedAt: decision.decidedAt, decisionJson: JSON.stringify(decision) };
    const claim: ClaimEntity = { partitionKey: pk, rowKey: claimKey(decision.signalKey), decisionRow: rowKey };
    try {
      await this.table.submitTransaction([
        ['create', claim],
        ['create', entity],
      ]);
      return { decision, duplicate: false };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.bySignal(decision.link, decision.signalKey);
      if (!existing) throw new Error(`decision of signal ${decision.signalKey} of ${decision.link} is claimed but cannot be read`);
      const updated: StoredDecision = { ...existing.decision, deliveries: existing.decision.deliveries + 1 };
      try {
        await this.table.updateEntity({ partitionKey: pk, rowKey: existing.rowKey, decisionJson: JSON.stringify(updated) }, 'Merge', { etag: existing.etag });
        return { decision: updated, duplicate: true };
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
    const latest = await this.bySignal(decision.link, decision.signalKey);
    return { decision: latest?.decision ?? decision, duplicate: true };
  }

  /** the decision a signal led to, with its row key and ETag */
  async bySignal(link: string, signalKey: string): Promise<{ decision: StoredDecision; rowKey: string; etag: string } | undefined> {
    try {
      const claim = await this.table.getEntity<ClaimEntity>(partition(link), claimKey(signalKey));
      const e = await this.table.getEntity<DecisionEntity>(partition(link), claim.decisionRow);
      return { decision: JSON.parse(e.decisionJson) as StoredDecision, rowKey: e.rowKey, etag: e.etag };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Records the operation a decision started. */
  async setOperation(link: string, signalKey: string, operationId: string): Promise<StoredDecision | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.bySignal(link, signalKey);
      if (!found) return undefined;
      if (found.decision.operationId === operationId) return found.decision;
      const updated: StoredDecision = { ...found.decision, operationId };
      try {
        await this.table.updateEntity({ partitionKey: partition(link), rowKey: found.rowKey, decisionJson: JSON.stringify(updated) }, 'Merge', { etag: found.etag });
        return updated;
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
    return undefined;
  }

  /** A link's decisions, newest first. */
  async list(link: string, limit = 50): Promise<StoredDecision[]> {
    const filter = odata`PartitionKey eq ${partition(link)} and RowKey ge ${DECISION} and RowKey lt ${'d`'}`;
    const out: StoredDecision[] = [];
    for await (const page of this.table.listEntities<DecisionEntity>({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limit, 1000) })) {
      for (const e of page) {
        out.push(JSON.parse(e.decisionJson) as StoredDecision);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Deletes up to `limit` decisions (and their claims) older than `before`, across links. */
  async purge(before: Date, limit: number): Promise<number> {
    const filter = odata`decidedAt lt ${before.toISOString()}`;
    let deleted = 0;
    for await (const e of this.table.listEntities<DecisionEntity>({ queryOptions: { filter } })) {
      if (deleted >= limit) break;
      const d = JSON.parse(e.decisionJson) as StoredDecision;
      await this.table.deleteEntity(e.partitionKey, claimKey(d.signalKey)).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
      await this.table.deleteEntity(e.partitionKey, e.rowKey).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
      deleted++;
    }
    return deleted;
  }
}
