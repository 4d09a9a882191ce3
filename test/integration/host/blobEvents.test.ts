// The blob watcher: blobs committed to Azurite raise Microsoft.Storage.BlobCreated with the
// fields Azure Storage sends, to the function the settings name; re-uploads raise another with
// a new eTag and a higher sequencer; blocks raise nothing until Put Block List commits them.
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { recorder } from '../../fixtures/hostApp/recorder';
import type { BlobCreatedEvent } from '../../../local/host';
import { startHarness, HostHarness, waitFor } from './hostHarness';

let h: HostHarness;
let backups: ContainerClient;

beforeAll(async () => {
  h = await startHarness({
    values: {
      'AzureWebJobs.tick.Disabled': 'true',
      'AzureWebJobs.flaky.Disabled': 'true',
      'AzureWebJobs.alwaysFails.Disabled': 'true',
      LOCAL_BLOB_EVENTS: 'backups=>gridSink',
    },
    blobWatch: { pollIntervalMs: 100, subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg-local', retryDelaysMs: [200, 200] },
  });
  const service = BlobServiceClient.fromConnectionString(h.azurite.connectionString);
  backups = service.getContainerClient('backups');
  await backups.createIfNotExists();
  await service.getContainerClient('unwatched').createIfNotExists();
});

afterAll(async () => {
  await h?.stop();
});

const eventsFor = (blobName: string): BlobCreatedEvent[] =>
  recorder.gridEvents.map((e) => e.event as BlobCreatedEvent).filter((e) => e.subject === `/blobServices/default/containers/backups/blobs/${blobName}`);

it('raises one BlobCreated with the fields Azure sends for a blob uploaded with Put Blob', async () => {
  const blob = backups.getBlockBlobClient('db1/full 1.bak');
  const content = Buffer.from('backup bytes');
  const upload = await blob.uploadData(content, { blobHTTPHeaders: { blobContentType: 'application/octet-stream' } });
  const [event] = await waitFor('the BlobCreated event', () => (eventsFor('db1/full 1.bak').length > 0 ? eventsFor('db1/full 1.bak') : undefined));
  expect(event.topic).toBe('/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-local/providers/Microsoft.Storage/storageAccounts/devstoreaccount1');
  expect(event.eventType).toBe('Microsoft.Storage.BlobCreated');
  expect(event.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
  expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(event.dataVersion).toBe('');
  expect(event.metadataVersion).toBe('1');
  expect(event.data).toMatchObject({
    api: 'PutBlob',
    eTag: upload.etag,
    contentType: 'application/octet-stream',
    contentLength: content.length,
    blobType: 'BlockBlob',
    url: blob.url,
  });
  expect(event.data.sequencer).toMatch(/^[0-9a-f]{32}$/);
  expect(event.data.clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(event.data.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(event.data.storageDiagnostics.batchId).toMatch(/^[0-9a-f-]{36}$/);
  await new Promise((r) => setTimeout(r, 400)); // several more scans: still exactly one event
  expect(eventsFor('db1/full 1.bak')).toHaveLength(1);
});

it('raises another event with a new eTag and a higher sequencer when the same name is uploaded again', async () => {
  const blob = backups.getBlockBlobClient('db1/again.bak');
  await blob.uploadData(Buffer.from('first'));
  const [first] = await waitFor('the first event', () => (eventsFor('db1/again.bak').length === 1 ? eventsFor('db1/again.bak') : undefined));
  const second = await blob.uploadData(Buffer.from('second version'));
  const events = await waitFor('the second event', () => (eventsFor('db1/again.bak').length === 2 ? eventsFor('db1/again.bak') : undefined));
  expect(events[1].data.eTag).toBe(second.etag);
  expect(events[1].data.eTag).not.toBe(first.data.eTag);
  expect(events[1].data.contentLength).toBe('second version'.length);
  expect(events[1].data.sequencer > first.data.sequencer).toBe(true);
  expect(events[1].id).not.toBe(first.id);
});

it('raises nothing for staged blocks until Put Block List commits them, then one PutBlockList event', async () => {
  const blob = backups.getBlockBlobClient('db1/striped.bak');
  const blockIds = ['block-000', 'block-001'].map((b) => Buffer.from(b).toString('base64'));
  await blob.stageBlock(blockIds[0], Buffer.alloc(1000, 1), 1000);
  await blob.stageBlock(blockIds[1], Buffer.alloc(500, 2), 500);
  // A marker uploaded after the blocks: once its event arrives, the watcher has scanned past them.
  await backups.getBlockBlobClient('marker-1').uploadData(Buffer.from('m'));
  await waitFor('the marker event', () => eventsFor('marker-1').length === 1);
  expect(eventsFor('db1/striped.bak')).toHaveLength(0);
  const commit = await blob.commitBlockList(blockIds, { blobHTTPHeaders: { blobContentType: 'application/x-sql-backup' } });
  const [event] = await waitFor('the commit event', () => (eventsFor('db1/striped.bak').length > 0 ? eventsFor('db1/striped.bak') : undefined));
  expect(event.data).toMatchObject({ api: 'PutBlockList', eTag: commit.etag, contentLength: 1500, contentType: 'application/x-sql-backup', blobType: 'BlockBlob' });
});

it('watches only the configured containers', async () => {
  const service = BlobServiceClient.fromConnectionString(h.azurite.connectionString);
  await service.getContainerClient('unwatched').getBlockBlobClient('ignored.bak').uploadData(Buffer.from('x'));
  await backups.getBlockBlobClient('marker-2').uploadData(Buffer.from('m'));
  await waitFor('the marker event', () => eventsFor('marker-2').length === 1);
  expect(recorder.gridEvents.some((e) => (e.event as BlobCreatedEvent).subject.includes('/containers/unwatched/'))).toBe(false);
});

it('retries a failed delivery, as Event Grid does', async () => {
  recorder.gridFailuresLeft = 1;
  await backups.getBlockBlobClient('retried.bak').uploadData(Buffer.from('r'));
  const events = await waitFor('the retried delivery', () => (eventsFor('retried.bak').length === 2 ? eventsFor('retried.bak') : undefined));
  expect(events[1]).toEqual(events[0]);
  expect(h.logs.filter((l) => l.message.startsWith("Executed 'Functions.gridSink' (Failed"))).toHaveLength(1);
});
