// What restore operations know of each other, per target, in one table partition each:
// - claims: which operation restores which blob versions (the first to plan a backup set or chain
//   claims its files; another operation whose blob is claimed ends without restoring again, saying
//   truthfully whether the claimer restored it, is restoring it, or ended without doing so);
// - plans: the chain each operation would restore, written when it is planned, so that an older
//   operation whose backup is part of a newer one's chain steps aside before it restores anything;
// - backup sets: at most one open operation per backup set whose stripes the rule names, so the
//   events of the other stripes become signals on it instead of operations of their own.
import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { lockRowKey } from '../ops/locks';

export function blobVersionKey(url: string, eTag: string): string {
  return `${url.split('?')[0]}|${eTag.replace(/"/g, '')}`;
}

export interface Claim {
  operationId: string;
  /** set when the claiming operation ended without restoring: "failed (CODE)" or "was cancelled" */
  unrestored?: string;
  /** the claiming operation restored it */
  restored?: boolean;
}

export interface PlannedChain {
  operationId: string;
  /** per backup set of the chain, oldest first: its blob version keys */
  steps: string[][];
}

export interface BlobClaims {
  claim(targetKey: string, blobVersionKeys: readonly string[], operationId: string): Promise<void>;
  /** the claiming operation ended without restoring them (failed or cancelled) */
  markUnrestored(targetKey: string, blobVersionKeys: readonly string[], operationId: string, outcome: string): Promise<void>;
  markRestored(targetKey: string, blobVersionKeys: readonly string[], operationId: string): Promise<void>;
  claimedBy(targetKey: string, blobVersionKey: string): Promise<Claim | undefined>;
  /** retention: the claims of an operation being deleted */
  forget(targetKey: string, blobVersionKeys: readonly string[]): Promise<void>;
  recordPlan(targetKey: string, plan: PlannedChain): Promise<void>;
  plans(targetKey: string): Promise<PlannedChain[]>;
  forgetPlan(targetKey: string, operationId: string): Promise<void>;
  /**
   * Makes `operationId` the one open operation of a backup set, unless another still open one is
   * (`isOpen` says); returns the operation the set belongs to.
   */
  reserveSet(targetKey: string, setKey: string, operationId: string, isOpen: (operationId: string, reservedAt: Date) => Promise<boolean>): Promise<{ operationId: string; mine: boolean }>;
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const claimRow = (blobVersionKey: string): string => hash(blobVersionKey);
const planRow = (operationId: string): string => `plan|${operationId}`;
const setRow = (setKey: string): string => `set|${hash(setKey)}`;

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export class TableBlobClaims implements BlobClaims {
  constructor(private readonly table: TableClient) {}

  claim(targetKey: string, blobKeys: readonly string[], operationId: string): Promise<void> {
    return this.write(targetKey, blobKeys, { operationId });
  }

  markUnrestored(targetKey: string, blobKeys: readonly string[], operationId: string, outcome: string): Promise<void> {
    return this.write(targetKey, blobKeys, { operationId, unrestored: outcome });
  }

  markRestored(targetKey: string, blobKeys: readonly string[], operationId: string): Promise<void> {
    return this.write(targetKey, blobKeys, { operationId, restored: true });
  }

  /** Upserts (Replace) one row per blob version: a re-run of the claiming step writes the same rows again. */
  private async write(targetKey: string, blobKeys: readonly string[], fields: { operationId: string; unrestored?: string; restored?: boolean }): Promise<void> {
    const keys = [...new Set(blobKeys)];
    const partitionKey = lockRowKey(targetKey);
    for (let i = 0; i < keys.length; i += 100) {
      await this.table.submitTransaction(keys.slice(i, i + 100).map((k): TransactionAction => ['upsert', { partitionKey, rowKey: claimRow(k), blob: k, ...fields }, 'Replace']));
    }
  }

  async forget(targetKey: string, blobKeys: readonly string[]): Promise<void> {
    const partitionKey = lockRowKey(targetKey);
    await Promise.all([...new Set(blobKeys)].map((k) => this.deleteQuietly(partitionKey, claimRow(k))));
  }

  async claimedBy(targetKey: string, key: string): Promise<Claim | undefined> {
    try {
      const e = await this.table.getEntity<{ operationId: string; unrestored?: string; restored?: boolean }>(lockRowKey(targetKey), claimRow(key));
      return { operationId: e.operationId, unrestored: e.unrestored, restored: e.restored === true ? true : undefined };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async recordPlan(targetKey: string, plan: PlannedChain): Promise<void> {
    await this.table.upsertEntity({ partitionKey: lockRowKey(targetKey), rowKey: planRow(plan.operationId), operationId: plan.operationId, stepsJson: JSON.stringify(plan.steps) }, 'Replace');
  }

  async plans(targetKey: string): Promise<PlannedChain[]> {
    const pk = lockRowKey(targetKey);
    const out: PlannedChain[] = [];
    const filter = `PartitionKey eq '${pk.replace(/'/g, "''")}' and RowKey ge 'plan|' and RowKey lt 'plan}'`;
    for await (const e of this.table.listEntities<{ operationId: string; stepsJson: string }>({ queryOptions: { filter } })) {
      out.push({ operationId: e.operationId, steps: JSON.parse(e.stepsJson) as string[][] });
    }
    return out;
  }

  forgetPlan(targetKey: string, operationId: string): Promise<void> {
    return this.deleteQuietly(lockRowKey(targetKey), planRow(operationId));
  }

  async reserveSet(targetKey: string, setKey: string, operationId: string, isOpen: (operationId: string, reservedAt: Date) => Promise<boolean>): Promise<{ operationId: string; mine: boolean }> {
    const entity = { partitionKey: lockRowKey(targetKey), rowKey: setRow(setKey), setKey, operationId, reservedAt: new Date().toISOString() };
    for (let tries = 0; tries < 5; tries++) {
      try {
        await this.table.createEntity(entity);
        return { operationId, mine: true };
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
      let current;
      try {
        current = await this.table.getEntity<{ operationId: string; reservedAt?: string }>(entity.partitionKey, entity.rowKey);
      } catch (err) {
        if (statusOf(err) === 404) continue;
        throw err;
      }
      if (current.operationId === operationId) return { operationId, mine: true };
      if (await isOpen(current.operationId, new Date(current.reservedAt ?? 0))) return { operationId: current.operationId, mine: false };
      try {
        await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        return { operationId, mine: true };
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
    return { operationId, mine: true };
  }

  private async deleteQuietly(partitionKey: string, rowKey: string): Promise<void> {
    try {
      await this.table.deleteEntity(partitionKey, rowKey);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}
