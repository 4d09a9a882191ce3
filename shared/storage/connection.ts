// Where Azure Storage is and how to authenticate, read from app settings the way the Functions
// host reads a connection named `AzureWebJobsStorage`: either a connection string (Azurite, or
// keys) or identity-based settings (`__accountName`, `__blobServiceUri`, ...) used with
// DefaultAzureCredential. Both end in the same StorageConnection, so the rest of the code has
// one path.
import type { TokenCredential } from '@azure/core-auth';
import { AppError } from '../errors';

export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string; blobUrl: string; queueUrl: string; tableUrl: string; accountName: string }
  | { kind: 'identity'; credential: TokenCredential; blobUrl: string; queueUrl: string; tableUrl: string; accountName: string };

type Settings = Record<string, string | undefined>;

function parseConnectionString(cs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of cs.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const DEV_STORAGE = 'UseDevelopmentStorage=true';
const AZURITE_DEFAULT =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  // Azurite's published development key: not a secret.
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

export function storageFromConnectionString(connectionString: string): StorageConnection {
  const cs = connectionString.trim() === DEV_STORAGE ? AZURITE_DEFAULT : connectionString.trim();
  const parts = parseConnectionString(cs);
  const account = parts.AccountName;
  const protocol = parts.DefaultEndpointsProtocol ?? 'https';
  const suffix = parts.EndpointSuffix ?? 'core.windows.net';
  const endpoint = (service: 'blob' | 'queue' | 'table', explicit: string | undefined): string => {
    if (explicit) return explicit.replace(/\/+$/, '');
    if (!account) {
      throw new AppError('STORAGE_SETTINGS_INVALID', `the storage connection string has neither AccountName nor a ${service} endpoint`);
    }
    return `${protocol}://${account}.${service}.${suffix}`;
  };
  const blobUrl = endpoint('blob', parts.BlobEndpoint);
  return {
    kind: 'connectionString',
    connectionString: cs,
    blobUrl,
    queueUrl: endpoint('queue', parts.QueueEndpoint),
    tableUrl: endpoint('table', parts.TableEndpoint),
    accountName: account ?? new URL(blobUrl).pathname.split('/')[1] ?? '',
  };
}

/**
 * Reads the connection `name` (default AzureWebJobsStorage) from settings. A connection string
 * wins; otherwise identity-based settings are required, and the app's identity (`__clientId` for
 * a user-assigned one) authenticates.
 */
export function storageFromSettings(settings: Settings, credentials: (clientId?: string) => TokenCredential, name = 'AzureWebJobsStorage'): StorageConnection {
  const direct = settings[name];
  if (direct && direct.trim() !== '') return storageFromConnectionString(direct);
  const account = settings[`${name}__accountName`];
  const blobUrl = settings[`${name}__blobServiceUri`] ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
  const queueUrl = settings[`${name}__queueServiceUri`] ?? (account ? `https://${account}.queue.core.windows.net` : undefined);
  const tableUrl = settings[`${name}__tableServiceUri`] ?? (account ? `https://${account}.table.core.windows.net` : undefined);
  if (!blobUrl || !queueUrl || !tableUrl) {
    throw new AppError(
      'STORAGE_SETTINGS_MISSING',
      `storage connection '${name}' is not configured: set ${name} to a connection string, or ${name}__accountName ` +
        `(or ${name}__blobServiceUri, __queueServiceUri and __tableServiceUri) to use the app's managed identity`,
    );
  }
  return {
    kind: 'identity',
    credential: credentials(settings[`${name}__clientId`]),
    blobUrl: blobUrl.replace(/\/+$/, ''),
    queueUrl: queueUrl.replace(/\/+$/, ''),
    tableUrl: tableUrl.replace(/\/+$/, ''),
    accountName: account ?? new URL(blobUrl).hostname.split('.')[0],
  };
}
