// Table, queue and blob clients for one StorageConnection. Azurite speaks plain HTTP on loopback,
// so insecure connections are allowed only for loopback endpoints.
import { TableClient } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { StorageConnection } from './connection';

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

export class StorageClients {
  private readonly tables = new Map<string, TableClient>();
  private readonly blobService: BlobServiceClient;
  private readonly queueService: QueueServiceClient;

  constructor(readonly connection: StorageConnection) {
    if (connection.kind === 'connectionString') {
      this.blobService = BlobServiceClient.fromConnectionString(connection.connectionString);
      this.queueService = QueueServiceClient.fromConnectionString(connection.connectionString);
    } else {
      this.blobService = new BlobServiceClient(connection.blobUrl, connection.credential);
      this.queueService = new QueueServiceClient(connection.queueUrl, connection.credential);
    }
  }

  table(name: string): TableClient {
    let client = this.tables.get(name);
    if (!client) {
      const allowInsecureConnection = isLoopback(this.connection.tableUrl);
      client =
        this.connection.kind === 'connectionString'
          ? TableClient.fromConnectionString(this.connection.connectionString, name, { allowInsecureConnection })
          : new TableClient(this.connection.tableUrl, name, this.connection.credential, { allowInsecureConnection });
      this.tables.set(name, client);
    }
    return client;
  }

  queue(name: string): QueueClient {
    return this.queueService.getQueueClient(name);
  }

  container(name: string): ContainerClient {
    return this.blobService.getContainerClient(name);
  }

  get blobs(): BlobServiceClient {
    return this.blobService;
  }
}

/** Creates a table, tolerating "already exists" (every process start calls it). */
export async function ensureTable(client: TableClient): Promise<void> {
  try {
    await client.createTable();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err;
  }
}
