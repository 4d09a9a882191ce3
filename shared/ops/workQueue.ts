// The work queue: a message names an operation. Messages are base64 JSON, as the Functions
// host's queue trigger expects by default (host.json `messageEncoding`).
import type { QueueClient } from '@azure/storage-queue';
import { AppError } from '../errors';
import type { CallCounter } from './store';
import type { WorkMessage } from './types';

export function encodeWorkMessage(message: WorkMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/**
 * Accepts what the host hands a queue trigger: the decoded JSON object, a JSON string, or the raw
 * base64 text. Anything else is a malformed message (it will end in the poison queue).
 */
export function decodeWorkMessage(raw: unknown): WorkMessage {
  let value: unknown = raw;
  if (typeof value === 'string') {
    const text = value.trim();
    const decoded = text.startsWith('{') ? text : Buffer.from(text, 'base64').toString('utf8');
    try {
      value = JSON.parse(decoded);
    } catch {
      throw new AppError('BAD_WORK_MESSAGE', `work queue message is not JSON: ${text.slice(0, 80)}`);
    }
  }
  const m = value as Partial<WorkMessage> | null;
  if (!m || typeof m.operationId !== 'string' || typeof m.token !== 'string') {
    throw new AppError('BAD_WORK_MESSAGE', 'work queue message does not name an operation (operationId and token are required)');
  }
  return { operationId: m.operationId, token: m.token };
}

export interface WorkQueue {
  enqueue(message: WorkMessage, delayMs: number): Promise<void>;
}

export class StorageWorkQueue implements WorkQueue {
  constructor(
    private readonly queue: QueueClient,
    private readonly counter: CallCounter,
    private readonly maxDelayMs: number,
  ) {}

  async enqueue(message: WorkMessage, delayMs: number): Promise<void> {
    this.counter.calls++;
    const seconds = Math.ceil(Math.min(Math.max(0, delayMs), this.maxDelayMs) / 1000);
    await this.queue.sendMessage(encodeWorkMessage(message), { visibilityTimeout: seconds, messageTimeToLive: -1 });
  }
}
