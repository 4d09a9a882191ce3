// Azurite raises no Event Grid events (Azurite #1174), so the local host watches the configured
// containers and raises `Microsoft.Storage.BlobCreated` (Event Grid schema) for every committed
// blob or new version of one, with the fields Azure Storage sends. Blobs present when watching
// starts raise nothing, as a new subscription sees only later events; uncommitted blocks are
// invisible until Put Block List commits them. Failed deliveries are retried with back-off, as
// Event Grid retries.
//
// Event Grid outlives the function app; this watcher lives in the host. With a state file (what
// `npm start` gives it) it remembers across host restarts which blobs it has delivered and which
// events it was still delivering: a blob committed while the host was down raises its event when
// the host is back, and an event still being retried is delivered again, same id, as Event Grid
// would go on retrying it.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

export interface BlobCreatedData {
  api: 'PutBlob' | 'PutBlockList' | 'CopyBlob';
  clientRequestId: string;
  requestId: string;
  eTag: string;
  contentType: string;
  contentLength: number;
  blobType: 'BlockBlob' | 'PageBlob' | 'AppendBlob';
  url: string;
  sequencer: string;
  storageDiagnostics: { batchId: string };
}

export interface BlobCreatedEvent {
  topic: string;
  subject: string;
  eventType: 'Microsoft.Storage.BlobCreated';
  eventTime: string;
  id: string;
  data: BlobCreatedData;
  dataVersion: string;
  metadataVersion: string;
}

export interface BlobWatchOptions {
  connectionString: string;
  containers: string[];
  /** receives each event; resolves false (or throws) when delivery failed and should be retried */
  deliver: (event: BlobCreatedEvent) => Promise<boolean>;
  pollIntervalMs?: number;
  subscriptionId?: string;
  resourceGroup?: string;
  /** delays between delivery attempts; default Event Grid-like back-off, 10 s doubling to 10 min, 30 attempts */
  retryDelaysMs?: number[];
  onError?: (err: unknown) => void;
  /** remember delivered blobs and events being delivered in this file, across restarts (see above) */
  stateFile?: string;
}

/** What the state file holds: blobs whose event was delivered (or given up), and events still due. */
interface WatchState {
  delivered: Record<string, string>;
  pending: Record<string, BlobCreatedEvent>;
}

function readWatchState(file: string): WatchState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<WatchState>;
    if (typeof parsed.delivered !== 'object' || parsed.delivered === null || typeof parsed.pending !== 'object' || parsed.pending === null) return undefined;
    return { delivered: parsed.delivered, pending: parsed.pending };
  } catch {
    return undefined; // unreadable: watch as a new subscription does
  }
}

/** Azure's `eventTime` format: ISO 8601 with 7 fractional digits. */
export function eventTimeOf(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Sequencers as Azure formats them: 32 hex digits, ordered by string comparison. */
export class Sequencer {
  private lastMs = 0;
  private counter = 0;
  next(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = 0;
    } else this.counter++;
    return this.lastMs.toString(16).padStart(16, '0') + this.counter.toString(16).padStart(16, '0');
  }
}

function defaultRetryDelays(): number[] {
  const delays: number[] = [];
  for (let i = 0, d = 10_000; i < 29; i++, d = Math.min(d * 2, 600_000)) delays.push(d);
  return delays;
}

export class BlobWatcher {
  private readonly service: BlobServiceClient;
  private readonly seen = new Map<string, string>(); // container/name → etag
  private readonly sequencer = new Sequencer();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly deliveries = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  readonly topic: string;
  private readonly delivered = new Map<string, string>();
  private readonly pending = new Map<string, BlobCreatedEvent>();
  private saveTimer?: NodeJS.Timeout;

  constructor(private readonly options: BlobWatchOptions) {
    this.service = BlobServiceClient.fromConnectionString(options.connectionString);
    const sub = options.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    const rg = options.resourceGroup ?? 'local';
    this.topic = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${this.service.accountName}`;
  }

  /**
   * Records what exists now (no events for it), then polls. With a state file from an earlier run,
   * delivers what that run had not delivered and raises events for what was committed since.
   */
  async start(): Promise<void> {
    const saved = this.options.stateFile ? readWatchState(this.options.stateFile) : undefined;
    if (!saved) {
      await this.scan(false);
      for (const [key, etag] of this.seen) this.delivered.set(key, etag);
      this.save();
    } else {
      for (const [key, etag] of Object.entries(saved.delivered)) {
        this.delivered.set(key, etag);
        this.seen.set(key, etag);
      }
      for (const [key, event] of Object.entries(saved.pending)) {
        this.seen.set(key, event.data.eTag);
        this.pending.set(key, event);
        this.track(this.deliverWithRetry(event, 0, key));
      }
      await this.scan(true);
    }
    this.schedule();
  }

  /** the state file, written soon after a change (temp file, then rename) */
  private save(now = false): void {
    const file = this.options.stateFile;
    if (!file) return;
    const write = (): void => {
      this.saveTimer = undefined;
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        const state: WatchState = { delivered: Object.fromEntries(this.delivered), pending: Object.fromEntries(this.pending) };
        writeFileSync(`${file}.tmp`, JSON.stringify(state));
        renameSync(`${file}.tmp`, file);
      } catch (err) {
        this.options.onError?.(err);
      }
    };
    if (now) {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      write();
    } else this.saveTimer ??= setTimeout(write, 200);
  }

  private settle(key: string, etag: string): void {
    this.pending.delete(key);
    this.delivered.set(key, etag);
    this.save();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.scan(true)
        .catch((err: unknown) => this.options.onError?.(err))
        .finally(() => this.schedule());
    }, this.options.pollIntervalMs ?? 500);
  }

  /** One pass over the watched containers; raises events for new etags when `raise`. */
  async scan(raise: boolean): Promise<void> {
    for (const name of this.options.containers) {
      const container = this.service.getContainerClient(name);
      if (!(await container.exists())) continue;
      for await (const blob of container.listBlobsFlat()) {
        const key = `${name}/${blob.name}`;
        // Listings give the ETag bare; events carry it quoted, as HTTP headers do.
        const bare = blob.properties.etag ?? '';
        const etag = bare.startsWith('"') ? bare : `"${bare}"`;
        if (this.seen.get(key) === etag) continue;
        this.seen.set(key, etag);
        if (raise && !this.stopped) {
          const event = await this.eventFor(container, blob.name, etag, blob.properties);
          this.pending.set(key, event);
          this.save();
          this.track(this.deliverWithRetry(event, 0, key));
        }
      }
    }
  }

  private async eventFor(
    container: ContainerClient,
    name: string,
    etag: string,
    props: { contentType?: string; contentLength?: number; blobType?: string; copyId?: string },
  ): Promise<BlobCreatedEvent> {
    const blob = container.getBlobClient(name);
    const blobType = (props.blobType ?? 'BlockBlob') as BlobCreatedData['blobType'];
    let api: BlobCreatedData['api'] = 'PutBlob';
    if (props.copyId) api = 'CopyBlob';
    else if (blobType === 'BlockBlob') {
      // A blob committed from blocks has a committed block list; a single Put Blob has none.
      const list = await blob.getBlockBlobClient().getBlockList('committed').catch(() => undefined);
      if (list && (list.committedBlocks?.length ?? 0) > 0) api = 'PutBlockList';
    }
    return {
      topic: this.topic,
      subject: `/blobServices/default/containers/${container.containerName}/blobs/${name}`,
      eventType: 'Microsoft.Storage.BlobCreated',
      eventTime: eventTimeOf(new Date()),
      id: randomUUID(),
      data: {
        api,
        clientRequestId: randomUUID(),
        requestId: randomUUID(),
        eTag: etag,
        contentType: props.contentType ?? 'application/octet-stream',
        contentLength: props.contentLength ?? 0,
        blobType,
        url: blob.url,
        sequencer: this.sequencer.next(),
        storageDiagnostics: { batchId: randomUUID() },
      },
      dataVersion: '',
      metadataVersion: '1',
    };
  }

  private track(delivery: Promise<void>): void {
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private async deliverWithRetry(event: BlobCreatedEvent, attempt: number, key: string): Promise<void> {
    let ok = false;
    try {
      ok = await this.options.deliver(event);
    } catch (err) {
      this.options.onError?.(err);
    }
    if (ok) this.settle(key, event.data.eTag);
    if (ok || this.stopped) return;
    const delays = this.options.retryDelaysMs ?? defaultRetryDelays();
    if (attempt >= delays.length) {
      this.options.onError?.(new Error(`BlobCreated ${event.subject} dropped after ${attempt + 1} delivery attempts`));
      this.settle(key, event.data.eTag);
      return;
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.track(this.deliverWithRetry(event, attempt + 1, key));
    }, delays[attempt]);
    this.retryTimers.add(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await this.polling;
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
    this.save(true);
  }
}
