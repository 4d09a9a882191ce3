// The pump's host-like options: messageEncoding, a long receive visibility while the handler
// runs, and host.json's visibilityTimeout as the delay before a failed message returns.
import { QueueServiceClient } from '@azure/storage-queue';
import { QueueDelivery, QueuePump } from '../../../local/queuePump';
import { startAzurite, AzuriteInstance } from '../../helpers/azurite';
import { waitFor } from './hostHarness';

let azurite: AzuriteInstance;
let service: QueueServiceClient;

beforeAll(async () => {
  azurite = await startAzurite();
  service = QueueServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await azurite?.stop();
});

it('makes a failed message visible again only after retryVisibilityTimeoutSeconds, and passes the decoded text and receipt', async () => {
  const queue = service.getQueueClient('retry-delay');
  await queue.create();
  const deliveries: { at: number; delivery: QueueDelivery }[] = [];
  let failedAt = 0;
  const pump = new QueuePump(
    queue,
    service.getQueueClient('retry-delay-poison'),
    async (delivery) => {
      deliveries.push({ at: Date.now(), delivery });
      if (delivery.dequeueCount === 1) {
        failedAt = Date.now();
        throw new Error('first delivery fails');
      }
    },
    {
      batchSize: 1,
      maxDequeueCount: 5,
      visibilityTimeoutSeconds: 2,
      maxPollingIntervalMs: 100,
      messageEncoding: 'none',
      receiveVisibilityTimeoutSeconds: 600,
      retryVisibilityTimeoutSeconds: 2,
    },
  );
  await queue.sendMessage('eyJub3QiOiJkZWNvZGVkIn0=');
  pump.start();
  try {
    await waitFor('the second delivery', () => deliveries.length >= 2);
  } finally {
    await pump.stop();
  }
  // messageEncoding 'none': base64-looking text is not decoded.
  expect(deliveries[0].delivery.messageText).toBe('eyJub3QiOiJkZWNvZGVkIn0=');
  expect(typeof deliveries[0].delivery.popReceipt).toBe('string');
  expect(deliveries[1].delivery.dequeueCount).toBe(2);
  expect(deliveries[1].at - failedAt).toBeGreaterThanOrEqual(1900);
  expect(pump.failed).toBe(1);
  expect(pump.processed).toBe(1);
});

it('decodes every message from base64 with messageEncoding base64', async () => {
  const queue = service.getQueueClient('encoded');
  await queue.create();
  const texts: string[] = [];
  const pump = new QueuePump(queue, service.getQueueClient('encoded-poison'), async (d) => {
    texts.push(String(d.messageText));
  }, { batchSize: 4, maxDequeueCount: 5, visibilityTimeoutSeconds: 30, maxPollingIntervalMs: 100, messageEncoding: 'base64' });
  await queue.sendMessage(Buffer.from('plain words').toString('base64'));
  pump.start();
  try {
    await waitFor('the delivery', () => texts.length === 1);
  } finally {
    await pump.stop();
  }
  expect(texts).toEqual(['plain words']);
});
