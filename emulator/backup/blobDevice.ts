// A backup device on Azure Blob Storage (URL = ...): reads and writes one blob with the SAS of
// the credential SQL Server matched to the URL, and maps storage failures to the OS errors SQL
// Server reports in 3201. A SAS never appears in any message: only the URL does.
import { AnonymousCredential, BlockBlobClient, newPipeline, RestError } from '@azure/storage-blob';
import type { SqlMessage } from '../tds/types';
import type { BackupHost } from './host';
import { m, osErrors } from './messages';

/** A device could not be used; `sqlMessage` is the inner error (3201, 3271, 3203) before 3013. */
export class DeviceError extends Error {
  constructor(readonly sqlMessage: SqlMessage) {
    super(sqlMessage.message);
    this.name = 'DeviceError';
  }
}

export type DeviceAccess = 'read' | 'write';

/** How the instance authenticates to the storage behind a URL: a SAS, or why it cannot. */
export type DeviceAuth = { kind: 'sas'; sas: string } | { kind: 'refused'; osError: string };

/** The credential SQL Server matches to `url` (longest prefix), turned into what storage accepts. */
export function deviceAuth(host: BackupHost, url: string): DeviceAuth {
  const credential = host.findCredential(url);
  if (!credential) return { kind: 'refused', osError: osErrors.notSupported };
  const identity = credential.identity.toUpperCase();
  if (identity === 'SHARED ACCESS SIGNATURE') {
    // SQL Server sends the secret as the query string; a leading '?' makes the signature invalid
    if (!credential.secret || credential.secret.startsWith('?')) return { kind: 'refused', osError: osErrors.badPassword };
    return { kind: 'sas', sas: credential.secret };
  }
  if (identity === 'MANAGED IDENTITY') {
    const sas = host.managedIdentitySas?.(url);
    // UNCONFIRMED: the OS error SQL Server shows when the identity has no role on the storage
    return sas ? { kind: 'sas', sas } : { kind: 'refused', osError: osErrors.accessDenied };
  }
  return { kind: 'refused', osError: osErrors.notSupported };
}

function clientFor(url: string, auth: DeviceAuth): BlockBlobClient {
  if (auth.kind === 'refused') throw new DeviceError(m.cannotOpenDevice(url, auth.osError));
  const pipeline = newPipeline(new AnonymousCredential(), { retryOptions: { maxTries: 2, retryDelayInMs: 50, maxRetryDelayInMs: 200 } });
  try {
    return new BlockBlobClient(`${url}?${auth.sas}`, pipeline);
  } catch {
    throw new DeviceError(m.cannotOpenDevice(url, osErrors.pathNotFound));
  }
}

function deviceError(url: string, access: DeviceAccess, error: unknown): DeviceError {
  if (error instanceof DeviceError) return error;
  if (error instanceof RestError) {
    const status = error.statusCode ?? 0;
    if (status === 403 || status === 401) return new DeviceError(m.cannotOpenDevice(url, osErrors.badPassword));
    if (status === 404) return new DeviceError(m.cannotOpenDevice(url, access === 'read' ? osErrors.fileNotFound : osErrors.pathNotFound));
    if (status === 409 || status === 412) return new DeviceError(m.blobExists(url));
    if (status === 0) return new DeviceError(m.cannotOpenDevice(url, osErrors.cannotConnect));
    return new DeviceError(m.cannotOpenDevice(url, osErrors.accessDenied));
  }
  if (error instanceof Error && error.name === 'AbortError') return new DeviceError(m.aborted());
  return new DeviceError(m.cannotOpenDevice(url, osErrors.cannotConnect));
}

/** The whole blob at `url`. */
export async function readDevice(url: string, auth: DeviceAuth, signal?: AbortSignal): Promise<Buffer> {
  const client = clientFor(url, auth);
  try {
    return await client.downloadToBuffer(0, undefined, { abortSignal: signal });
  } catch (error) {
    throw deviceError(url, 'read', error);
  }
}

/**
 * Writes the blob in one commit (a block blob appears when BACKUP finishes, as with SQL Server's
 * Put Block List). Whether it may replace an existing blob was settled by openForWrite.
 */
export async function writeDevice(url: string, auth: DeviceAuth, data: Buffer, signal?: AbortSignal): Promise<void> {
  const client = clientFor(url, auth);
  try {
    await client.uploadData(data, {
      abortSignal: signal,
      blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
    });
  } catch (error) {
    throw deviceError(url, 'write', error);
  }
}

/**
 * Opens the device for a backup before any time passes, as SQL Server does: stages an uncommitted
 * block (needs write permission, leaves nothing visible) and, without FORMAT, refuses an existing blob.
 */
export async function openForWrite(url: string, auth: DeviceAuth, overwrite: boolean, signal?: AbortSignal): Promise<void> {
  const client = clientFor(url, auth);
  try {
    await client.stageBlock(Buffer.from('open').toString('base64'), Buffer.from('open'), 4, { abortSignal: signal });
  } catch (error) {
    throw deviceError(url, 'write', error);
  }
  if (overwrite) return;
  let exists = false;
  try {
    exists = await client.exists({ abortSignal: signal });
  } catch {
    // a write-only SAS cannot read properties; the conditional commit at the end still refuses an existing blob
  }
  if (exists) throw new DeviceError(m.blobExists(url));
}
