// Microsoft.Storage.BlobCreated, in the Event Grid schema or as a CloudEvent, checked before
// anything acts on it: only a committed block blob with content, from a configured container
// (and storage account, when the estate names it), becomes a `BlobCreated`. Everything else is
// ignored with a reason code, counted and logged.
import type { BackupContainerConfig } from '../config/schema';

export const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
/** The APIs that mean a block blob is fully committed (REFERENCE.md 10.3). */
export const COMMITTED_APIS: ReadonlySet<string> = new Set(['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose']);

export interface BlobCreated {
  eventId: string;
  eventTime: string;
  /** the storage account's resource id (Event Grid `topic`, CloudEvents `source`) */
  storageAccount: string;
  /** the configured container it landed in */
  container: BackupContainerConfig;
  /** path inside the container, URL-decoded: "sql-onprem/Sales/FULL/Sales_1of4.bak" */
  blobPath: string;
  url: string;
  eTag: string;
  sequencer: string;
  contentLength: number;
  api: string;
}

export type IgnoreReason =
  | 'not-an-event'
  | 'wrong-event-type'
  | 'not-committed'
  | 'not-block-blob'
  | 'empty-blob'
  | 'unknown-container'
  | 'wrong-storage-account'
  | 'app-backup'
  | 'malformed';

/**
 * The app's own backups (a refresh's copy-only backup, a split brain's diverged log, an offline
 * failback) go under this folder of a backup container: their events never start a restore rule,
 * and they never collide with a user's backups.
 */
export const APP_BACKUP_PREFIX = 'mi-autopilot/';

export type BlobEventVerdict = { accepted: true; blob: BlobCreated } | { accepted: false; reason: IgnoreReason; message: string };

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const ignore = (reason: IgnoreReason, message: string): BlobEventVerdict => ({ accepted: false, reason, message });

/** The identity of a blob version: the same upload delivered twice has the same key. */
export function blobEventKey(blob: Pick<BlobCreated, 'url' | 'eTag' | 'sequencer'>): string {
  return `${blob.url}|${blob.eTag}|${blob.sequencer}`;
}

function normalizeUrl(url: string): string {
  return url.replace(/\/+$/, '').toLowerCase();
}

/** Finds the configured container a blob URL belongs to, and the blob's path inside it. */
export function locateBlob(url: string, containers: readonly BackupContainerConfig[]): { container: BackupContainerConfig; blobPath: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const bare = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  for (const container of containers) {
    const prefix = `${normalizeUrl(container.url)}/`;
    if (bare.toLowerCase().startsWith(prefix)) {
      const encodedPath = bare.slice(prefix.length);
      let blobPath: string;
      try {
        blobPath = decodeURIComponent(encodedPath);
      } catch {
        return undefined;
      }
      return blobPath.length > 0 ? { container, blobPath } : undefined;
    }
  }
  return undefined;
}

export function checkBlobCreatedEvent(event: unknown, containers: readonly BackupContainerConfig[]): BlobEventVerdict {
  if (!isObject(event)) return ignore('not-an-event', 'the payload is not an event object');
  // Event Grid schema uses eventType/topic/eventTime; CloudEvents 1.0 uses type/source/time.
  const type = str(event.eventType) ?? str(event.type);
  if (type !== BLOB_CREATED) return ignore('wrong-event-type', `event type ${type ?? '(none)'} is not ${BLOB_CREATED}`);
  const id = str(event.id);
  const storageAccount = str(event.topic) ?? str(event.source);
  const eventTime = str(event.eventTime) ?? str(event.time);
  const data = event.data;
  if (!id || !storageAccount || !eventTime || !isObject(data)) return ignore('malformed', 'the event lacks id, topic/source, time or data');
  const api = str(data.api) ?? '';
  if (!COMMITTED_APIS.has(api)) return ignore('not-committed', `data.api ${api || '(none)'} does not mean a committed block blob`);
  const blobType = str(data.blobType);
  if (blobType !== undefined && blobType !== 'BlockBlob') return ignore('not-block-blob', `${blobType} is not a block blob; backups to URL are block blobs`);
  const contentLength = typeof data.contentLength === 'number' ? data.contentLength : Number.NaN;
  if (!(contentLength > 0)) return ignore('empty-blob', `the blob has no content (contentLength ${String(data.contentLength)})`);
  const url = str(data.url);
  const eTag = str(data.eTag);
  const sequencer = str(data.sequencer);
  if (!url || !eTag || !sequencer) return ignore('malformed', 'data.url, data.eTag and data.sequencer are required');
  const located = locateBlob(url, containers);
  if (!located) return ignore('unknown-container', `${url.split('?')[0]} is not in a configured backup container`);
  if (located.blobPath.toLowerCase().startsWith(APP_BACKUP_PREFIX)) return ignore('app-backup', `${located.blobPath} is one of the app's own backups (${APP_BACKUP_PREFIX}…): no restore rule acts on it`);
  const expectedAccount = located.container.storageAccountResourceId;
  if (expectedAccount && expectedAccount.toLowerCase() !== storageAccount.toLowerCase()) {
    return ignore('wrong-storage-account', `the event comes from ${storageAccount}, but container ${located.container.name} belongs to ${expectedAccount}`);
  }
  return {
    accepted: true,
    blob: { eventId: id, eventTime, storageAccount, container: located.container, blobPath: located.blobPath, url: url.split('?')[0], eTag, sequencer, contentLength, api },
  };
}
