// A queue trigger as the Functions host runs one: receive with a visibility timeout, call the
// handler, delete on success; on failure the message reappears after the visibility timeout
// with a higher dequeue count, and after maxDequeueCount it moves to `<queue>-poison`.
// The local host serves queue-triggered functions with it; tests drive the engine with it.
import type { QueueClient } from '@azure/storage-queue';

export interface QueueTriggerSettings {
  batchSize: number;
  maxDequeueCount: number;
  /** seconds a message stays invisible while its handler runs, and after a failure */
  visibilityTimeoutSeconds: number;
  /** how often an empty queue is polled */
  maxPollingIntervalMs: number;
  /**
   * host.json messageEncoding: 'base64' decodes every message from base64, 'none' takes the text
   * as is; absent, text that looks like base64 is decoded (the original behaviour).
   */
  messageEncoding?: 'base64' | 'none';
  /** visibility while a handler runs (the host uses 10 minutes); defaults to visibilityTimeoutSeconds */
  receiveVisibilityTimeoutSeconds?: number;
  /**
   * when set, a failed message is made visible again this many seconds after the failure (the
   * host's behaviour with host.json visibilityTimeout) instead of when its receive visibility ends
   */
  retryVisibilityTimeoutSeconds?: number;
  /**
   * told when a message is received and when the pump is done with it (deleted, released or
   * poisoned): `npm start`'s supervisor releases what a host that died still held
   */
  track?: { received(delivery: QueueDelivery): void; settled(delivery: QueueDelivery): void };
}

export interface QueueDelivery {
  messageId: string;
  /** the message text decoded from base64 when it is base64 JSON, as the host does */
  body: unknown;
  dequeueCount: number;
  insertedOn?: Date;
  /** the decoded message text */
  messageText?: string;
  popReceipt?: string;
  expiresOn?: Date;
  nextVisibleOn?: Date;
}

export type QueueHandler = (delivery: QueueDelivery) => Promise<void>;

function decodeText(text: string, encoding: QueueTriggerSettings['messageEncoding']): string {
  if (encoding === 'none') return text;
  if (encoding === 'base64') return Buffer.from(text, 'base64').toString('utf8');
  return /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : text;
}

function decodeBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export class QueuePump {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  processed = 0;
  failed = 0;
  poisoned = 0;

  constructor(
    private readonly queue: QueueClient,
    private readonly poison: QueueClient,
    private readonly handler: QueueHandler,
    private readonly settings: QueueTriggerSettings,
    private readonly onError: (err: unknown, delivery: QueueDelivery) => void = () => undefined,
    private readonly onPoison: (delivery: QueueDelivery) => void = () => undefined,
  ) {}

  /** Receives one batch and handles it; returns how many messages were received. */
  async pumpOnce(): Promise<number> {
    const response = await this.queue.receiveMessages({
      numberOfMessages: this.settings.batchSize,
      visibilityTimeout: this.settings.receiveVisibilityTimeoutSeconds ?? this.settings.visibilityTimeoutSeconds,
    });
    await Promise.all(
      response.receivedMessageItems.map(async (item) => {
        const messageText = decodeText(item.messageText, this.settings.messageEncoding);
        const delivery: QueueDelivery = {
          messageId: item.messageId,
          body: decodeBody(messageText),
          dequeueCount: item.dequeueCount,
          insertedOn: item.insertedOn,
          messageText,
          popReceipt: item.popReceipt,
          expiresOn: item.expiresOn,
          nextVisibleOn: item.nextVisibleOn,
        };
        this.settings.track?.received(delivery);
        try {
          await this.handle(item, delivery);
        } finally {
          this.settings.track?.settled(delivery);
        }
      }),
    );
    return response.receivedMessageItems.length;
  }

  /** one message: poison it, or run the handler and delete it, or leave it for a retry */
  private async handle(item: { messageId: string; popReceipt: string; messageText: string; dequeueCount: number }, delivery: QueueDelivery): Promise<void> {
    if (item.dequeueCount > this.settings.maxDequeueCount) {
      // The host moves a message that failed maxDequeueCount times to the poison queue.
      await this.poison.createIfNotExists();
      await this.poison.sendMessage(item.messageText);
      await this.queue.deleteMessage(item.messageId, item.popReceipt);
      this.poisoned++;
      this.onPoison(delivery);
      return;
    }
    try {
      await this.handler(delivery);
      this.processed++;
      await this.queue.deleteMessage(item.messageId, item.popReceipt);
    } catch (err) {
      this.failed++;
      this.onError(err, delivery);
      if (item.dequeueCount >= this.settings.maxDequeueCount) {
        await this.poison.createIfNotExists();
        await this.poison.sendMessage(item.messageText);
        await this.queue.deleteMessage(item.messageId, item.popReceipt);
        this.poisoned++;
        this.onPoison(delivery);
      } else if (this.settings.retryVisibilityTimeoutSeconds !== undefined) {
        await this.queue.updateMessage(item.messageId, item.popReceipt, undefined, this.settings.retryVisibilityTimeoutSeconds);
      }
      // otherwise leave it: it reappears after the visibility timeout
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let idle = 100;
      while (this.running) {
        let received = 0;
        try {
          received = await this.pumpOnce();
        } catch {
          received = 0; // storage briefly unavailable: back off like an empty queue
        }
        if (received > 0) {
          idle = 100;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idle);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        idle = Math.min(idle * 2, this.settings.maxPollingIntervalMs);
      }
    })();
  }

  /** Poll now instead of at the end of the current back-off. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
