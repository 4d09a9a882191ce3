// Queue triggers from Azurite with host.json's extensions.queues (fixture: maxDequeueCount 3,
// visibilityTimeout 0, base64): retries with a growing dequeueCount, the host's trigger metadata,
// and the poison queue `<name>-poison` after maxDequeueCount failures.
import { QueueServiceClient } from '@azure/storage-queue';
import { recorder } from '../../fixtures/hostApp/recorder';
import { startHarness, HostHarness, waitFor } from './hostHarness';

let h: HostHarness;
let service: QueueServiceClient;

beforeAll(async () => {
  h = await startHarness({ values: { 'AzureWebJobs.tick.Disabled': 'true' } });
  service = QueueServiceClient.fromConnectionString(h.azurite.connectionString);
  await service.getQueueClient('flaky-items').createIfNotExists();
  await service.getQueueClient('doomed-items').createIfNotExists();
});

afterAll(async () => {
  await h?.stop();
});

const base64 = (text: string): string => Buffer.from(text).toString('base64');

it('reads host.json queue settings', () => {
  expect(h.host.hostSettings.queues).toMatchObject({ batchSize: 4, maxDequeueCount: 3, visibilityTimeoutMs: 0, maxPollingIntervalMs: 200, messageEncoding: 'base64' });
});

it('retries a failing message with a growing dequeueCount until it succeeds, then deletes it', async () => {
  const queue = service.getQueueClient('flaky-items');
  await queue.sendMessage(base64(JSON.stringify({ job: 'flaky-1' })));
  const succeeded = await waitFor('flaky to succeed', () =>
    h.logs.find((l) => l.message.startsWith("Executed 'Functions.flaky' (Succeeded")),
  );
  const calls = recorder.queueCalls.filter((c) => c.functionName === 'flaky');
  expect(calls.map((c) => c.triggerMetadata.dequeueCount)).toEqual([1, 2, 3]);
  expect(calls.every((c) => JSON.stringify(c.message) === JSON.stringify({ job: 'flaky-1' }))).toBe(true);
  // The same message each time, with the metadata the host passes.
  const ids = new Set(calls.map((c) => c.triggerMetadata.id));
  expect(ids.size).toBe(1);
  const meta = calls[2].triggerMetadata;
  expect(typeof meta.popReceipt).toBe('string');
  expect(Number.isNaN(Date.parse(String(meta.insertionTime)))).toBe(false);
  expect(Number.isNaN(Date.parse(String(meta.expirationTime)))).toBe(false);
  expect(Number.isNaN(Date.parse(String(meta.nextVisibleTime)))).toBe(false);
  // The host passes the text; the library parses JSON text, as in Azure.
  expect(meta.queueTrigger).toEqual({ job: 'flaky-1' });
  expect(succeeded.invocationId).toBe(calls[2].invocationId);
  expect(h.logs.filter((l) => l.message.startsWith("Executed 'Functions.flaky' (Failed"))).toHaveLength(2);
  // Succeeded → deleted: nothing is left, not even invisible.
  await waitFor('the queue to be empty', async () => (await queue.getProperties()).approximateMessagesCount === 0);
  expect((await service.getQueueClient('flaky-items-poison').exists())).toBe(false);
});

it('moves a message that fails maxDequeueCount times to <queue>-poison with its original content', async () => {
  const text = base64('plain text, not JSON');
  await service.getQueueClient('doomed-items').sendMessage(text);
  const poison = service.getQueueClient('doomed-items-poison');
  const peeked = await waitFor('the poison message', async () => {
    if (!(await poison.exists())) return undefined;
    const p = await poison.peekMessages({ numberOfMessages: 5 });
    return p.peekedMessageItems.length > 0 ? p.peekedMessageItems : undefined;
  });
  expect(peeked.map((m) => m.messageText)).toEqual([text]);
  const calls = recorder.queueCalls.filter((c) => c.functionName === 'alwaysFails');
  expect(calls.map((c) => c.triggerMetadata.dequeueCount)).toEqual([1, 2, 3]);
  expect(calls[0].message).toBe('plain text, not JSON');
  await waitFor('the poison log line', () => h.logs.some((l) => l.message.includes('Moving message') && l.message.includes("'doomed-items-poison'")));
  await waitFor('the source queue to be empty', async () => (await service.getQueueClient('doomed-items').getProperties()).approximateMessagesCount === 0);
});
