// Azurite containers and SAS tokens for backup/restore tests.
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { AZURITE_KEY, azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../../helpers/azurite';

export interface TestStorage {
  azurite: AzuriteInstance;
  service: BlobServiceClient;
  /** creates a container and returns its URL (what a credential is named after) */
  container(name: string): Promise<{ url: string; client: ContainerClient }>;
  /** an account SAS (no leading '?') with the given permissions, e.g. 'rwdlc' */
  sas(permissions: string, key?: string): string;
  stop(): Promise<void>;
}

export async function startStorage(): Promise<TestStorage> {
  const azurite = await startAzurite();
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  return {
    azurite,
    service,
    async container(name) {
      const client = service.getContainerClient(name);
      await client.createIfNotExists();
      return { url: `${azurite.blobEndpoint}/${name}`, client };
    },
    sas: (permissions, key = AZURITE_KEY) => azuriteAccountSas(permissions, key),
    stop: () => azurite.stop(),
  };
}

/** A different, valid-looking account key: SAS tokens signed with it are rejected (403). */
export const WRONG_KEY = Buffer.alloc(64, 7).toString('base64');
