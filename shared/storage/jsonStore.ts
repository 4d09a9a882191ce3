// JSON documents in a blob container: what an operation has found out and is too large for its
// record (an Azure table property holds 64 KiB): the files of a backup, their headers, the plan.
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';

export interface JsonStore {
  put(path: string, value: unknown): Promise<void>;
  get<T>(path: string): Promise<T | undefined>;
  /** deletes every document under `prefix`; returns how many went */
  deleteUnder(prefix: string): Promise<number>;
  /** deletes up to `limit` documents under `prefix` last written before `before` */
  purgeOlderThan(prefix: string, before: Date, limit: number): Promise<number>;
}

export class BlobJsonStore implements JsonStore {
  private ready?: Promise<unknown>;

  constructor(private readonly container: ContainerClient) {}

  async put(path: string, value: unknown): Promise<void> {
    this.ready ??= this.container.createIfNotExists();
    await this.ready;
    const body = JSON.stringify(value);
    await this.container.getBlockBlobClient(path).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  async get<T>(path: string): Promise<T | undefined> {
    try {
      return JSON.parse((await this.container.getBlobClient(path).downloadToBuffer()).toString('utf8')) as T;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) return undefined;
      throw err;
    }
  }

  async deleteUnder(prefix: string): Promise<number> {
    return this.deleteWhere(prefix, () => true, Number.MAX_SAFE_INTEGER);
  }

  purgeOlderThan(prefix: string, before: Date, limit: number): Promise<number> {
    return this.deleteWhere(prefix, (lastModified) => lastModified < before, limit);
  }

  private async deleteWhere(prefix: string, old: (lastModified: Date) => boolean, limit: number): Promise<number> {
    let deleted = 0;
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        if (deleted >= limit) break;
        if (!old(blob.properties.lastModified)) continue;
        await this.container.deleteBlob(blob.name).catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        });
        deleted++;
      }
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return deleted; // no container yet: nothing stored
      throw err;
    }
    return deleted;
  }
}

/** A short, path-safe key for any text (a blob version, a URL). */
export const hashKey = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 40);
