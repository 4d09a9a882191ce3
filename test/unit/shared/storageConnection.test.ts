import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { storageFromConnectionString, storageFromSettings } from '../../../shared/storage/connection';

const fakeCredential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: 'x', expiresOnTimestamp: Date.now() + 60_000 }) };

test('UseDevelopmentStorage=true means Azurite on its default loopback ports', () => {
  const c = storageFromConnectionString('UseDevelopmentStorage=true');
  expect(c).toMatchObject({ kind: 'connectionString', blobUrl: 'http://127.0.0.1:10000/devstoreaccount1', tableUrl: 'http://127.0.0.1:10002/devstoreaccount1', accountName: 'devstoreaccount1' });
});

test('an account connection string derives the service URLs', () => {
  const c = storageFromConnectionString('DefaultEndpointsProtocol=https;AccountName=prodops;AccountKey=abc==;EndpointSuffix=core.windows.net');
  expect(c).toMatchObject({ blobUrl: 'https://prodops.blob.core.windows.net', queueUrl: 'https://prodops.queue.core.windows.net', accountName: 'prodops' });
});

test('identity-based settings use the managed identity, the same way the host reads them', () => {
  const c = storageFromSettings({ AzureWebJobsStorage__accountName: 'prodops' }, () => fakeCredential);
  expect(c).toMatchObject({ kind: 'identity', blobUrl: 'https://prodops.blob.core.windows.net', tableUrl: 'https://prodops.table.core.windows.net' });
  const explicit = storageFromSettings(
    { AzureWebJobsStorage__blobServiceUri: 'https://b.example/', AzureWebJobsStorage__queueServiceUri: 'https://q.example', AzureWebJobsStorage__tableServiceUri: 'https://t.example' },
    () => fakeCredential,
  );
  expect(explicit).toMatchObject({ blobUrl: 'https://b.example', queueUrl: 'https://q.example' });
});

test('no storage settings at all is a clear configuration error', () => {
  expect(() => storageFromSettings({}, () => fakeCredential)).toThrow(/storage connection 'AzureWebJobsStorage' is not configured: set AzureWebJobsStorage to a connection string, or AzureWebJobsStorage__accountName/);
});
