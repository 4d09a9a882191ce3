// Which operation restored which blob versions into a target. A backup set raises one event per
// stripe, and a chain one per file; the first operation plans and claims them all, and the
// operations the other events started find their blob claimed and end without restoring again,
// saying whether the claiming operation restored it or ended without doing so.
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
}

export interface BlobClaims {
  claim(targetKey: string, blobVersionKeys: readonly string[], operationId: string): Promise<void>;
  /** the claiming operation ended without restoring them (failed or cancelled) */
  markUnrestored(targetKey: string, blobVersionKeys: readonly string[], operationId: string, outcome: string): Promise<void>;
  claimedBy(targetKey: string, blobVersionKey: string): Promise<Claim | undefined>;
  /** retention: the claims of an operation being deleted */
  forget(targetKey: string, blobVersionKeys: readonly string[]): Promise<void>;
}

const rowKey = (blobVersionKey: string): string => createHash('sha256').update(blobVersionKey).digest('hex');

export class TableBlobClaims implements BlobClaims {
  constructor(private readonly table: TableClient) {}

  claim(targetKey: string, blobKeys: readonly string[], operationId: string): Promise<void> {
    return this.write(targetKey, blobKeys, { operationId });
  }

  markUnrestored(targetKey: string, blobKeys: readonly string[], operationId: string, outcome: string): Promise<void> {
    return this.write(targetKey, blobKeys, { operationId, unrestored: outcome });
  }

  /** Upserts (Replace) one row per blob version: a re-run of the claiming step writes the same rows again. */
  private async write(targetKey: string, blobKeys: readonly string[], fields: { operationId: string; unrestored?: string }): Promise<void> {
    const keys = [...new Set(blobKeys)];
    const partitionKey = lockRowKey(targetKey);
    for (let i = 0; i < keys.length; i += 100) {
      await this.table.submitTransaction(keys.slice(i, i + 100).map((k): TransactionAction => ['upsert', { partitionKey, rowKey: rowKey(k), blob: k, ...fields }, 'Replace']));
    }
  }

  async forget(targetKey: string, blobKeys: readonly string[]): Promise<void> {
    const keys = [...new Set(blobKeys)];
    const partitionKey = lockRowKey(targetKey);
    for (let i = 0; i < keys.length; i += 100) {
      await this.table.submitTransaction(keys.slice(i, i + 100).map((k): TransactionAction => ['delete', { partitionKey, rowKey: rowKey(k) }])).catch((err: { statusCode?: number }) => {
        // some already gone: delete the rest one by one
        if (err.statusCode !== 404) throw err;
        return Promise.all(keys.slice(i, i + 100).map((k) => this.table.deleteEntity(partitionKey, rowKey(k)).catch(() => undefined)));
      });
    }
  }

  async claimedBy(targetKey: string, key: string): Promise<Claim | undefined> {
    try {
      const e = await this.table.getEntity<{ operationId: string; unrestored?: string }>(lockRowKey(targetKey), rowKey(key));
      return { operationId: e.operationId, unrestored: e.unrestored };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }
}
