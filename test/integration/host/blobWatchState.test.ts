// The blob watcher with a state file (what `npm start` gives the host): Event Grid outlives the
// host, so a blob committed while the host was down raises its event when it is back, a blob
// already delivered does not raise one again, and an event still being retried when the host
// died is delivered again with the same id.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobWatcher, type BlobCreatedEvent } from '../../../local/host/blobWatcher';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { waitFor } from './hostHarness';

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

function watcher(stateFile: string, deliver: (e: BlobCreatedEvent) => Promise<boolean>, retryDelaysMs = [50]): BlobWatcher {
  return new BlobWatcher({ connectionString: azurite.connectionString, containers: ['watched'], pollIntervalMs: 50, retryDelaysMs, stateFile, deliver });
}

test('a restarted host delivers what was committed while it was down, and only that', async () => {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('watched');
  await container.createIfNotExists();
  await container.getBlockBlobClient('before.bak').uploadData(Buffer.from('a'));
  const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'blob-state-')), 'blob-events.json');

  const first: BlobCreatedEvent[] = [];
  const w1 = watcher(stateFile, async (e) => (first.push(e), true));
  await w1.start();
  await container.getBlockBlobClient('while-up.bak').uploadData(Buffer.from('b'));
  await waitFor('the first event', () => first.length === 1);
  await w1.stop();
  // the host is down: a blob arrives
  await container.getBlockBlobClient('while-down.bak').uploadData(Buffer.from('c'));

  const second: BlobCreatedEvent[] = [];
  const w2 = watcher(stateFile, async (e) => (second.push(e), true));
  await w2.start();
  await waitFor('the event of the blob committed while down', () => second.length === 1);
  await new Promise((r) => setTimeout(r, 300));
  await w2.stop();
  expect(first.map((e) => e.subject)).toEqual(['/blobServices/default/containers/watched/blobs/while-up.bak']);
  expect(second.map((e) => e.subject)).toEqual(['/blobServices/default/containers/watched/blobs/while-down.bak']);
});

test('an event still being retried when the host stopped is delivered after the restart, with its id', async () => {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('watched');
  const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'blob-state-')), 'blob-events.json');
  const w1 = watcher(stateFile, async () => true);
  await w1.start();
  await w1.stop();

  const failed: BlobCreatedEvent[] = [];
  // the function keeps failing: Event Grid would retry for a long time
  const w2 = watcher(stateFile, async (e) => (failed.push(e), false), [60_000]);
  await w2.start();
  await container.getBlockBlobClient('retried.bak').uploadData(Buffer.from('d'));
  await waitFor('a failed delivery', () => failed.length === 1);
  await w2.stop();

  const delivered: BlobCreatedEvent[] = [];
  const w3 = watcher(stateFile, async (e) => (delivered.push(e), true));
  await w3.start();
  await waitFor('the redelivery', () => delivered.length === 1);
  await w3.stop();
  expect(delivered[0].id).toBe(failed[0].id);
  expect(delivered[0].data.sequencer).toBe(failed[0].data.sequencer);
});
