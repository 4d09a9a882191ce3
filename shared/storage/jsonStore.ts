// JSON documents in a blob container: what an operation has found out and is too large for its
// record (an Azure table property holds 64 KiB): the files of a backup, their headers, the plan.
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';

export interface JsonStore {
  put(path: string, value: unknown): Promise<void>;
  get<T>(path: string): Promise<T | undefined>;
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
}

/** A short, path-safe key for any text (a blob version, a URL). */
export const hashKey = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 40);
