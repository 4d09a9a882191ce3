// Azurite raises no Event Grid events (Azurite #1174), so the local host watches the configured
// containers and raises `Microsoft.Storage.BlobCreated` (Event Grid schema) for every committed
// blob or new version of one, with the fields Azure Storage sends. Blobs present when watching
// starts raise nothing, as a new subscription sees only later events; uncommitted blocks are
// invisible until Put Block List commits them. Failed deliveries are retried with back-off, as
// Event Grid retries.
import { randomUUID } from 'node:crypto';
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

  constructor(private readonly options: BlobWatchOptions) {
    this.service = BlobServiceClient.fromConnectionString(options.connectionString);
    const sub = options.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    const rg = options.resourceGroup ?? 'local';
    this.topic = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${this.service.accountName}`;
  }

  /** Records what exists now (no events for it), then polls. */
  async start(): Promise<void> {
    await this.scan(false);
    this.schedule();
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
          this.track(this.deliverWithRetry(event, 0));
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

  private async deliverWithRetry(event: BlobCreatedEvent, attempt: number): Promise<void> {
    let ok = false;
    try {
      ok = await this.options.deliver(event);
    } catch (err) {
      this.options.onError?.(err);
    }
    if (ok || this.stopped) return;
    const delays = this.options.retryDelaysMs ?? defaultRetryDelays();
    if (attempt >= delays.length) {
      this.options.onError?.(new Error(`BlobCreated ${event.subject} dropped after ${attempt + 1} delivery attempts`));
      return;
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.track(this.deliverWithRetry(event, attempt + 1));
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
  }
}
