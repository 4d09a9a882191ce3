// One operation per target at a time: a lock row per target key with its owner and an expiry.
// A lock whose owner is finished, or whose expiry passed (the owner stopped renewing), is taken over.
import { TableClient } from '@azure/data-tables';
import type { CallCounter } from './store';

export type LockResult = { acquired: true } | { acquired: false; owner: string; expiresAt: string };

const PARTITION = 'lock';

/** Table keys may not contain / \ # ? or control characters; target keys are names like "sql-dev/Sales". */
export function lockRowKey(targetKey: string): string {
  return encodeURIComponent(targetKey).replace(/%/g, '~');
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}

export class TargetLocks {
  constructor(
    private readonly table: TableClient,
    private readonly counter: CallCounter,
    /** tells whether an owner is finished, so its forgotten lock can be taken over at once */
    private readonly ownerIsFinished: (owner: string) => Promise<boolean>,
  ) {}

  async acquire(targetKey: string, owner: string, now: Date, ttlMs: number): Promise<LockResult> {
    const rowKey = lockRowKey(targetKey);
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const entity = { partitionKey: PARTITION, rowKey, targetKey, owner, expiresAt, acquiredAt: now.toISOString() };
    for (let tries = 0; tries < 3; tries++) {
      this.counter.calls++;
      try {
        await this.table.createEntity(entity);
        return { acquired: true };
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
      this.counter.calls++;
      let current;
      try {
        current = await this.table.getEntity<{ owner: string; expiresAt: string }>(PARTITION, rowKey);
      } catch (err) {
        if (statusOf(err) === 404) continue; // released in between: try to create again
        throw err;
      }
      const takeOver =
        current.owner === owner || current.expiresAt <= now.toISOString() || (await this.ownerIsFinished(current.owner));
      if (!takeOver) return { acquired: false, owner: current.owner, expiresAt: current.expiresAt };
      this.counter.calls++;
      try {
        await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        return { acquired: true };
      } catch (err) {
        if (statusOf(err) !== 412) throw err; // someone else took it over first: look again
      }
    }
    return { acquired: false, owner: 'unknown', expiresAt: expiresAt };
  }

  /** Extends the lock if `owner` still holds it; false if it was lost. */
  async renew(targetKey: string, owner: string, now: Date, ttlMs: number): Promise<boolean> {
    return (await this.acquire(targetKey, owner, now, ttlMs)).acquired;
  }

  async release(targetKey: string, owner: string): Promise<void> {
    const rowKey = lockRowKey(targetKey);
    this.counter.calls++;
    try {
      const current = await this.table.getEntity<{ owner: string }>(PARTITION, rowKey);
      if (current.owner !== owner) return;
      this.counter.calls++;
      await this.table.deleteEntity(PARTITION, rowKey, { etag: current.etag });
    } catch (err) {
      const status = statusOf(err);
      if (status !== 404 && status !== 412) throw err;
    }
  }

  async holder(targetKey: string): Promise<{ owner: string; expiresAt: string } | undefined> {
    try {
      const e = await this.table.getEntity<{ owner: string; expiresAt: string }>(PARTITION, lockRowKey(targetKey));
      return { owner: e.owner, expiresAt: e.expiresAt };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }
}
