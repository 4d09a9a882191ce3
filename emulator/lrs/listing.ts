// Reading the LRS folder: the blobs directly in it (LRS folders are flat) whose extension LRS
// considers, and their bytes. Storage failures come back as SQL Server's 3201 text, naming the
// folder or blob URL and never the SAS.
import { AnonymousCredential, ContainerClient, newPipeline, RestError } from '@azure/storage-blob';
import { m, osErrors } from '../backup/messages';
import type { SqlMessage } from '../tds/types';
import type { LrsLocation } from './location';

/** only these count; anything else (e.g. `.trn`) is ignored (REFERENCE 8.3) */
const CONSIDERED = /\.(bak|diff|log)$/i;

export interface FolderBlob {
  /** the file name, without the folder */
  name: string;
  /** the blob name in the container */
  blobName: string;
  /** the blob's URL, without query */
  url: string;
  sizeBytes: number;
  lastModified: Date;
}

/** Storage refused or failed; `fatal` when retrying cannot help (authentication, no container). */
export class StorageProblem extends Error {
  constructor(
    readonly sqlMessage: SqlMessage,
    readonly fatal: boolean,
  ) {
    super(sqlMessage.message);
    this.name = 'StorageProblem';
  }
}

function client(location: LrsLocation, sas: string): ContainerClient {
  const pipeline = newPipeline(new AnonymousCredential(), { retryOptions: { maxTries: 2, retryDelayInMs: 50, maxRetryDelayInMs: 200 } });
  return new ContainerClient(`${location.containerUrl}?${sas.replace(/^\?/, '')}`, pipeline);
}

/** `missingIsFatal`: a missing container ends the restore; a blob deleted after the listing does not */
function problem(url: string, error: unknown, missingIsFatal: boolean): StorageProblem {
  if (error instanceof RestError) {
    const status = error.statusCode ?? 0;
    if (status === 401 || status === 403) return new StorageProblem(m.cannotOpenDevice(url, osErrors.badPassword), true);
    if (status === 404) return new StorageProblem(m.cannotOpenDevice(url, osErrors.pathNotFound), missingIsFatal);
    if (status === 0) return new StorageProblem(m.cannotOpenDevice(url, osErrors.cannotConnect), false);
    return new StorageProblem(m.cannotOpenDevice(url, osErrors.accessDenied), false);
  }
  return new StorageProblem(m.cannotOpenDevice(url, osErrors.cannotConnect), false);
}

/** the considered blobs directly in the folder */
export async function listFolder(location: LrsLocation, sas: string, signal: AbortSignal): Promise<FolderBlob[]> {
  const prefix = location.folder ? `${location.folder}/` : '';
  const out: FolderBlob[] = [];
  try {
    for await (const item of client(location, sas).listBlobsFlat({ prefix: prefix || undefined, abortSignal: signal })) {
      const name = item.name.slice(prefix.length);
      if (name.length === 0 || name.includes('/') || !CONSIDERED.test(name)) continue;
      out.push({
        name,
        blobName: item.name,
        url: `${location.containerUrl}/${item.name.split('/').map(encodeURIComponent).join('/')}`,
        sizeBytes: item.properties.contentLength ?? 0,
        lastModified: item.properties.lastModified,
      });
    }
  } catch (error) {
    if (signal.aborted) throw error;
    throw problem(location.folderUrl, error, true);
  }
  return out;
}

export async function downloadBlob(location: LrsLocation, sas: string, blob: FolderBlob, signal: AbortSignal): Promise<Buffer> {
  try {
    return await client(location, sas).getBlobClient(blob.blobName).downloadToBuffer(0, undefined, { abortSignal: signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw problem(blob.url, error, false);
  }
}
