// Where the estate comes from: a blob in Azure (re-read when its ETag changes), a file, or an
// app setting holding the JSON (local.settings.json locally).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BlobClient } from '@azure/storage-blob';
import { AppError } from '../errors';
import type { Estate } from './schema';
import { EstateValidationError, validateEstate } from './validate';

export interface EstateSource {
  describe(): string;
  load(): Promise<Estate>;
  /**
   * A text file stored beside the estate (a refresh job's sanitizing script): `relative` to the
   * estate file's folder, the estate blob's folder in its container, or the app's folder for an
   * estate in an app setting. ESTATE_FILE_NOT_FOUND when it is not there.
   */
  readBeside(relative: string): Promise<{ text: string; from: string }>;
}

/** Files read beside the estate are scripts, not data: larger than this is a mistake. */
export const MAX_BESIDE_BYTES = 4 * 1024 * 1024;

function besideProblem(relative: string): string | undefined {
  if (relative.trim() === '') return 'an empty path';
  if (relative.split(/[\\/]/).includes('..')) return `"${relative}" leaves the estate's folder ("..")`;
  return undefined;
}

async function readLocalFile(file: string): Promise<{ text: string; from: string }> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new AppError('ESTATE_FILE_NOT_FOUND', `${file} is not a file`);
    if (info.size > MAX_BESIDE_BYTES) throw new AppError('ESTATE_FILE_NOT_FOUND', `${file} is ${info.size} bytes; a script beside the estate is at most ${MAX_BESIDE_BYTES / 1024 / 1024} MiB`);
    return { text: await readFile(file, 'utf8'), from: `file ${file}` };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    throw new AppError('ESTATE_FILE_NOT_FOUND', code === 'ENOENT' ? `there is no file ${file}` : code === 'EACCES' ? `the app may not read ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** A file `relative` to `folder` (or absolute): what an estate file or an estate in an app setting reads beside it. */
export function besideFolder(folder: string, relative: string): Promise<{ text: string; from: string }> {
  const problem = besideProblem(relative);
  if (problem) return Promise.reject(new AppError('ESTATE_FILE_NOT_FOUND', `cannot read ${problem}`));
  return readLocalFile(path.isAbsolute(relative) ? relative : path.resolve(folder, relative));
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
  readBeside(relative: string): Promise<{ text: string; from: string }> {
    return besideFolder(path.dirname(path.resolve(this.path)), relative);
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
  readBeside(relative: string): Promise<{ text: string; from: string }> {
    return besideFolder(process.cwd(), relative);
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

  /** `blobFor` opens another blob of the estate's account by URL (a script beside the estate) */
  constructor(
    private readonly blob: BlobClient,
    private readonly blobFor?: (url: string) => BlobClient,
  ) {}

  describe(): string {
    return `blob ${this.blob.url.split('?')[0]}`;
  }

  async readBeside(relative: string): Promise<{ text: string; from: string }> {
    const problem = besideProblem(relative);
    if (problem) throw new AppError('ESTATE_FILE_NOT_FOUND', `cannot read ${problem}`);
    const estateUrl = new URL(this.blob.url.split('?')[0]);
    const segments = relative.replace(/\\/g, '/').replace(/^\/+/, '').split('/');
    const url = new URL(segments.map(encodeURIComponent).join('/'), estateUrl);
    const shown = `blob ${decodeURIComponent(url.pathname)}`;
    // the folder the estate is in, in the same container: a script never comes from elsewhere
    if (url.origin !== estateUrl.origin || !url.pathname.startsWith(estateUrl.pathname.slice(0, estateUrl.pathname.lastIndexOf('/') + 1)) || !this.blobFor) {
      throw new AppError('ESTATE_FILE_NOT_FOUND', `cannot read ${shown}: scripts are read from the estate blob's folder only`);
    }
    const blob = this.blobFor(url.toString());
    try {
      const props = await blob.getProperties();
      if ((props.contentLength ?? 0) > MAX_BESIDE_BYTES) throw new AppError('ESTATE_FILE_NOT_FOUND', `${shown} is ${props.contentLength} bytes; a script beside the estate is at most ${MAX_BESIDE_BYTES / 1024 / 1024} MiB`);
      return { text: (await blob.downloadToBuffer()).toString('utf8'), from: shown };
    } catch (err) {
      if (err instanceof AppError) throw err;
      const status = (err as { statusCode?: number }).statusCode;
      throw new AppError('ESTATE_FILE_NOT_FOUND', status === 404 ? `${shown} does not exist` : `cannot read ${shown}: ${(err as Error).message}`);
    }
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
  if (settings.ESTATE_BLOB_URL) return new BlobEstateSource(blobFor(settings.ESTATE_BLOB_URL), blobFor);
  throw new AppError('ESTATE_NOT_CONFIGURED', 'no estate configured: set ESTATE_BLOB_URL (Azure), ESTATE_FILE or ESTATE_JSON (local)');
}
