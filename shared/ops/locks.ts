// Locks: an operation holds a set of them while it runs (a restore: its target database; a
// failover: the link and the databases on both sides). A set is taken all or none, in a fixed
// order, so two operations wanting overlapping sets never deadlock and never half-hold one.
// A lock whose owner has finished, or whose expiry passed (the owner stopped renewing), is taken over.
import { TableClient, TransactionAction } from '@azure/data-tables';
import type { CallCounter } from './store';

export type LockResult = { acquired: true } | { acquired: false; key: string; owner: string; expiresAt: string };

export interface LockStore {
  /** takes (or renews) every lock in `keys` for `owner`, or none of them */
  acquireAll(keys: readonly string[], owner: string, now: Date, ttlMs: number): Promise<LockResult>;
  /** frees the locks `owner` holds among `keys` */
  releaseAll(keys: readonly string[], owner: string): Promise<void>;
  holder(key: string): Promise<{ owner: string; expiresAt: string } | undefined>;
}

/** The set an operation takes: its target and the others, deduplicated, case-insensitive, in one fixed (sorted) order. */
export function lockSet(targetKey: string, extra: readonly string[] = []): string[] {
  const keys = [...new Set([targetKey, ...extra].map((k) => k.trim().toLowerCase()).filter((k) => k !== ''))];
  return keys.sort();
}

/** Table keys may not contain / \ # ? or control characters; lock keys are names like "sql-dev/Sales". */
export function lockRowKey(key: string): string {
  return encodeURIComponent(key).replace(/%/g, '~');
}

const PARTITION = 'lock';

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}

interface LockRow {
  owner: string;
  expiresAt: string;
  etag: string;
}

/** Every lock row in one partition, so a set is written in one entity-group transaction. */
export class TableLockStore implements LockStore {
  constructor(
    private readonly table: TableClient,
    private readonly counter: CallCounter,
    /** tells whether an owner is finished, so its forgotten lock can be taken over at once */
    private readonly ownerIsFinished: (owner: string) => Promise<boolean>,
  ) {}

  async acquireAll(keys: readonly string[], owner: string, now: Date, ttlMs: number): Promise<LockResult> {
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const entity = (key: string) => ({ partitionKey: PARTITION, rowKey: lockRowKey(key), targetKey: key, owner, expiresAt, acquiredAt: now.toISOString() });
    // optimistic first: free locks are created in one call
    this.counter.calls++;
    try {
      await this.table.submitTransaction(keys.map((k): TransactionAction => ['create', entity(k)]));
      return { acquired: true };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    for (let tries = 0; tries < 3; tries++) {
      const rows = await Promise.all(keys.map((k) => this.read(k)));
      const actions: TransactionAction[] = [];
      for (const [i, key] of keys.entries()) {
        const row = rows[i];
        if (!row) {
          actions.push(['create', entity(key)]);
          continue;
        }
        const takeOver = row.owner === owner || row.expiresAt <= now.toISOString() || (await this.ownerIsFinished(row.owner));
        if (!takeOver) return { acquired: false, key, owner: row.owner, expiresAt: row.expiresAt };
        actions.push(['update', entity(key), 'Replace', { etag: row.etag }]);
      }
      this.counter.calls++;
      try {
        await this.table.submitTransaction(actions);
        return { acquired: true };
      } catch (err) {
        const status = statusOf(err);
        if (status !== 409 && status !== 412) throw err; // someone else moved first: look again
      }
    }
    return { acquired: false, key: keys[0], owner: 'another operation (the locks kept changing)', expiresAt };
  }

  async releaseAll(keys: readonly string[], owner: string): Promise<void> {
    const rows = await Promise.all(keys.map((k) => this.read(k)));
    // one by one, each only if unchanged since read (a transaction cannot make deletes conditional);
    // a release need not be atomic: a freed lock is free whatever happens to the others
    await Promise.all(
      keys.map(async (key, i) => {
        const row = rows[i];
        if (!row || row.owner !== owner) return;
        this.counter.calls++;
        try {
          await this.table.deleteEntity(PARTITION, lockRowKey(key), { etag: row.etag });
        } catch (err) {
          // taken over or already gone in between: nothing of ours to free
          const status = statusOf(err);
          if (status !== 404 && status !== 412) throw err;
        }
      }),
    );
  }

  async holder(key: string): Promise<{ owner: string; expiresAt: string } | undefined> {
    const row = await this.read(key);
    return row && { owner: row.owner, expiresAt: row.expiresAt };
  }

  private async read(key: string): Promise<LockRow | undefined> {
    this.counter.calls++;
    try {
      const e = await this.table.getEntity<{ owner: string; expiresAt: string }>(PARTITION, lockRowKey(key));
      return { owner: e.owner, expiresAt: e.expiresAt, etag: e.etag };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }
}
