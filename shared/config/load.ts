// Where the estate comes from: a blob in Azure (re-read when its ETag changes), a file, or an
// app setting holding the JSON (local.settings.json locally).
import { readFile, stat } from 'node:fs/promises';
import type { BlobClient } from '@azure/storage-blob';
import { AppError } from '../errors';
import type { Estate } from './schema';
import { EstateValidationError, validateEstate } from './validate';

export interface EstateSource {
  describe(): string;
  load(): Promise<Estate>;
}

function parseJson(textValue: string, source: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch (err) {
    throw new EstateValidationError([{ path: '$', message: `not valid JSON: ${(err as Error).message}` }], source);
  }
}

/**
 * A file, read and validated again only when it changed (size or modification time): every step
 * loads the estate, and an unchanged one must come back as the same objects, cheaply.
 */
export class FileEstateSource implements EstateSource {
  private cached?: { stamp: string; estate: Estate };
  constructor(private readonly path: string) {}
  describe(): string {
    return `file ${this.path}`;
  }
  async load(): Promise<Estate> {
    let content: string;
    let stamp: string;
    try {
      const info = await stat(this.path);
      stamp = `${info.size}:${info.mtimeMs}`;
      if (this.cached?.stamp === stamp) return this.cached.estate;
      content = await readFile(this.path, 'utf8');
    } catch (err) {
      throw new AppError('ESTATE_NOT_FOUND', `cannot read the estate file ${this.path}: ${(err as Error).message}`);
    }
    const estate = validateEstate(parseJson(content, this.describe()), this.describe());
    this.cached = { stamp, estate };
    return estate;
  }
}

export class InlineEstateSource implements EstateSource {
  private cached?: Estate;
  constructor(private readonly json: string, private readonly settingName: string) {}
  describe(): string {
    return `app setting ${this.settingName}`;
  }
  async load(): Promise<Estate> {
    this.cached ??= validateEstate(parseJson(this.json, this.describe()), this.describe());
    return this.cached;
  }
}

/**
 * A blob, cached by ETag: each load costs one properties call, and the blob is downloaded and
 * validated again only when it changed. A bad new version is reported and the last good one kept,
 * so one typo cannot stop restores that are already configured.
 */
export class BlobEstateSource implements EstateSource {
  private cached?: { etag: string; estate: Estate };
  lastError?: EstateValidationError;
  downloads = 0;

  constructor(private readonly blob: BlobClient) {}

  describe(): string {
    return `blob ${this.blob.url.split('?')[0]}`;
  }

  async load(): Promise<Estate> {
    const props = await this.blob.getProperties();
    if (this.cached && props.etag === this.cached.etag) return this.cached.estate;
    const body = await this.blob.downloadToBuffer();
    this.downloads++;
    try {
      const estate = validateEstate(parseJson(body.toString('utf8'), this.describe()), this.describe());
      this.cached = { etag: props.etag ?? '', estate };
      this.lastError = undefined;
      return estate;
    } catch (err) {
      if (err instanceof EstateValidationError && this.cached) {
        this.lastError = err;
        return this.cached.estate;
      }
      throw err;
    }
  }
}

type Settings = Record<string, string | undefined>;

/** ESTATE_JSON (inline), ESTATE_FILE (a path) or ESTATE_BLOB_URL (read with the app's storage connection). */
export function estateSourceFromSettings(settings: Settings, blobFor: (url: string) => BlobClient): EstateSource {
  if (settings.ESTATE_JSON && settings.ESTATE_JSON.trim() !== '') return new InlineEstateSource(settings.ESTATE_JSON, 'ESTATE_JSON');
  if (settings.ESTATE_FILE) return new FileEstateSource(settings.ESTATE_FILE);
  if (settings.ESTATE_BLOB_URL) return new BlobEstateSource(blobFor(settings.ESTATE_BLOB_URL));
  throw new AppError('ESTATE_NOT_CONFIGURED', 'no estate configured: set ESTATE_BLOB_URL (Azure), ESTATE_FILE or ESTATE_JSON (local)');
}
