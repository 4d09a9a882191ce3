// A backup container as the restore playbook sees it: a listing, and short-lived SAS tokens for
// SQL Server's credential. In Azure the app signs with a user delegation key (its managed
// identity); with a connection string (Azurite, keys) it signs a service SAS. Either way the token
// is scoped to the container, carries only the permissions asked for, and expires at the
// operation's deadline. Tokens are never logged (shared/redact.ts).
import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, ContainerClient, ContainerSASPermissions, RestError, SASProtocol } from '@azure/storage-blob';
import type { BackupContainerConfig } from '../config/schema';
import { AppError } from '../errors';
import { locateBlob } from '../events/blobCreated';

export interface ListedBlob {
  path: string;
  url: string;
  eTag: string;
  size: number;
  lastModified: Date;
}

export type SasPermissions = 'read' | 'write';

type Settings = Record<string, string | undefined>;

const USER_DELEGATION_SAS_VERSION = '2025-07-05';
const MAX_DELEGATION_MS = 7 * 24 * 3600_000 - 60_000;

function splitContainerUrl(url: string): { serviceUrl: string; containerName: string } {
  const u = new URL(url);
  const parts = u.pathname.replace(/\/+$/, '').split('/');
  const containerName = parts.pop() ?? '';
  if (!containerName) throw new AppError('BAD_CONTAINER_URL', `${url} does not name a container`);
  return { serviceUrl: `${u.protocol}//${u.host}${parts.join('/')}`, containerName };
}

export class BackupContainer {
  private constructor(
    readonly config: BackupContainerConfig,
    readonly client: ContainerClient,
    private readonly service: BlobServiceClient,
    private readonly signing: 'sharedKey' | 'userDelegation',
  ) {}

  static fromConfig(config: BackupContainerConfig, settings: Settings, credential: () => TokenCredential): BackupContainer {
    const { serviceUrl, containerName } = splitContainerUrl(config.url);
    if (config.auth.type === 'connectionSetting') {
      const cs = settings[config.auth.setting];
      if (!cs) throw new AppError('STORAGE_SETTINGS_MISSING', `app setting ${config.auth.setting} (the connection of backup container ${config.name}) is not set`);
      const service = BlobServiceClient.fromConnectionString(cs);
      return new BackupContainer(config, service.getContainerClient(containerName), service, 'sharedKey');
    }
    const service = new BlobServiceClient(serviceUrl, credential());
    return new BackupContainer(config, service.getContainerClient(containerName), service, 'userDelegation');
  }

  /**
   * Another container of the same storage account, reached with the same credential (the Log
   * Replay Service's staging container).
   */
  sibling(containerName: string): BackupContainer {
    const { serviceUrl } = splitContainerUrl(this.config.url);
    const config: BackupContainerConfig = { ...this.config, name: `${this.config.name}/${containerName}`, url: `${serviceUrl}/${containerName}` };
    return new BackupContainer(config, this.service.getContainerClient(containerName), this.service, this.signing);
  }

  async ensureExists(): Promise<void> {
    await this.client.createIfNotExists();
  }

  /** The path inside this container of one of its blob URLs (undefined for another container's). */
  pathOf(url: string): string | undefined {
    return locateBlob(url, [this.config])?.blobPath;
  }

  /**
   * Starts a server-side copy of `sourceUrl` (with a SAS that lets storage read it) to `path`,
   * tagging the copy with metadata so a re-run can tell it is the same source version. With
   * `sourceETag` storage refuses a source that changed since it was looked at: 'sourceChanged'.
   */
  async startCopy(sourceUrlWithSas: string, path: string, metadata: Record<string, string>, sourceETag?: string): Promise<'started' | 'sourceChanged'> {
    try {
      await this.client.getBlobClient(path).beginCopyFromURL(sourceUrlWithSas, { metadata, sourceConditions: sourceETag ? { ifMatch: sourceETag } : undefined });
      return 'started';
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 412) return 'sourceChanged';
      throw err;
    }
  }

  /** A blob's metadata and copy status; undefined when it does not exist. */
  async copyState(path: string): Promise<{ metadata: Record<string, string>; status: 'pending' | 'success' | 'aborted' | 'failed'; description?: string } | undefined> {
    try {
      const p = await this.client.getBlobClient(path).getProperties();
      return { metadata: p.metadata ?? {}, status: p.copyStatus ?? 'success', description: p.copyStatusDescription };
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Deletes every blob under a prefix; returns how many went. */
  async deleteUnder(prefix: string): Promise<number> {
    let n = 0;
    for await (const item of this.client.listBlobsFlat({ prefix })) {
      await this.client.getBlobClient(item.name).deleteIfExists();
      n++;
    }
    return n;
  }

  /** The URL of a blob path inside the container, as the configuration and SQL Server name it. */
  urlOf(path: string): string {
    return `${this.config.url.replace(/\/+$/, '')}/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Blobs under a prefix ('' = all), as paths inside the container. */
  /** The blob's current ETag, or undefined when it is gone. */
  async eTagOf(path: string): Promise<string | undefined> {
    try {
      return (await this.client.getBlobClient(path).getProperties()).etag;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async list(prefix = ''): Promise<ListedBlob[]> {
    const out: ListedBlob[] = [];
    for await (const item of this.client.listBlobsFlat({ prefix })) {
      out.push({
        path: item.name,
        url: this.urlOf(item.name),
        eTag: item.properties.etag ?? '',
        size: item.properties.contentLength ?? 0,
        lastModified: item.properties.lastModified,
      });
    }
    return out;
  }

  /**
   * A SAS for the whole container, without the leading '?': read + list for restores, and
   * read + write + list for backups (writing needs no delete: BACKUP ... WITH FORMAT overwrites).
   */
  async sas(permissions: SasPermissions, expiresOn: Date, now = new Date()): Promise<string> {
    const startsOn = new Date(now.getTime() - 5 * 60_000); // clock skew
    const perms = ContainerSASPermissions.parse(permissions === 'read' ? 'rl' : 'rwl');
    const protocol = this.client.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
    let url: string;
    if (this.signing === 'sharedKey') {
      url = await this.client.generateSasUrl({ permissions: perms, startsOn, expiresOn, protocol });
    } else {
      // a user delegation key lives at most 7 days: a later deadline gets a SAS that ends then
      const until = new Date(Math.min(expiresOn.getTime(), now.getTime() + MAX_DELEGATION_MS));
      const key = await this.service.getUserDelegationKey(startsOn, until);
      // A pinned SAS version keeps the token's format stable across SDK upgrades; storage accepts
      // any version up to its own, and local Azurite (3.35) verifies this one but not 2026's.
      url = await this.client.generateUserDelegationSasUrl({ permissions: perms, startsOn, expiresOn: until, protocol, version: USER_DELEGATION_SAS_VERSION }, key);
    }
    return url.slice(url.indexOf('?') + 1);
  }
}
