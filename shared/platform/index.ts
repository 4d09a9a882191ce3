// The clients every feature shares, built once per process from the app's settings: the app's
// identity, its storage account, the estate, SQL pools, ARM and the event publisher. Features
// (restore, and link health, failover and refresh next) get what they need from here and register
// their playbooks with the engine in composition.ts.
import type { TableClient } from '@azure/data-tables';
import { EventGridPublisherClient } from '@azure/eventgrid';
import type { BlobClient } from '@azure/storage-blob';
import { ArmResolver, armResolverFromSettings } from '../arm/fromSettings';
import { EstateSource, estateSourceFromSettings } from '../config/load';
import type { BackupContainerConfig } from '../config/schema';
import { AppError } from '../errors';
import { EventGridPublisher, EventPublisher, TableEventPublisher } from '../events/outgoing';
import { SqlPools } from '../sql/pools';
import { BackupContainer } from '../storage/backupContainer';
import { ensureTable, StorageClients } from '../storage/clients';
import { storageFromSettings } from '../storage/connection';
import { BlobJsonStore } from '../storage/jsonStore';
import { appCredentials, CredentialSource } from './credential';
import { EventCounters } from './eventCounters';

export type Settings = Record<string, string | undefined>;

export interface Platform {
  readonly settings: Settings;
  readonly credentials: CredentialSource;
  readonly storage: StorageClients;
  readonly estate: EstateSource;
  readonly sql: SqlPools;
  /** undefined when the app has no ARM to ask (not in Azure, no ARM_ENDPOINT) */
  readonly arm?: ArmResolver;
  readonly events: EventPublisher;
  /** the local event table, when events do not go to Event Grid */
  readonly eventTable?: TableEventPublisher;
  readonly counters: EventCounters;
  /** JSON documents too large for an operation record (container `operationdata`) */
  readonly data: BlobJsonStore;
  /** a table of the app's storage account, created on first use */
  table(name: string): Promise<TableClient>;
  /** a backup container's client, one per container */
  container(config: BackupContainerConfig): BackupContainer;
  close(): Promise<void>;
}

export async function createPlatform(settings: Settings): Promise<Platform> {
  const credentials = appCredentials(settings);
  const storage = new StorageClients(storageFromSettings(settings, credentials));
  const tables = new Map<string, Promise<TableClient>>();
  const table = (name: string): Promise<TableClient> => {
    let t = tables.get(name);
    if (!t) {
      const client = storage.table(name);
      t = ensureTable(client).then(() => client);
      t.catch(() => tables.delete(name));
      tables.set(name, t);
    }
    return t;
  };

  let events: EventPublisher;
  let eventTable: TableEventPublisher | undefined;
  const topic = settings.OPERATION_EVENTS_TOPIC_ENDPOINT;
  if (topic) {
    events = new EventGridPublisher(new EventGridPublisherClient(topic, 'CloudEvent', credentials()));
  } else {
    eventTable = new TableEventPublisher(await table(settings.OPERATION_EVENTS_TABLE ?? 'events'));
    events = eventTable;
  }
  const counters = new EventCounters(await table('eventcounters'));

  const estate = lazyEstateSource(settings, (url) => {
    // the estate blob lives in the app's own storage account, read with its identity
    const base = `${storage.connection.blobUrl.replace(/\/+$/, '')}/`;
    if (!url.startsWith(base)) throw new AppError('ESTATE_BLOB_ELSEWHERE', `ESTATE_BLOB_URL ${url.split('?')[0]} is not in the app's storage account (${base})`);
    const [containerName, ...blobPath] = url.slice(base.length).split('?')[0].split('/');
    return storage.container(containerName).getBlobClient(blobPath.map(decodeURIComponent).join('/'));
  });
  const sql = new SqlPools(settings, credentials);
  const containers = new Map<string, BackupContainer>();
  return {
    settings,
    credentials,
    storage,
    estate,
    sql,
    arm: armResolverFromSettings(settings, () => credentials()),
    events,
    eventTable,
    counters,
    data: new BlobJsonStore(storage.container('operationdata')),
    table,
    container(config) {
      const key = `${config.name}|${config.url}|${JSON.stringify(config.auth)}`;
      let c = containers.get(key);
      if (!c) {
        c = BackupContainer.fromConfig(config, settings, () => credentials());
        containers.set(key, c);
      }
      return c;
    },
    async close() {
      await counters.flush().catch(() => undefined);
      await sql.closeAll();
    },
  };
}

/** An estate that is not configured fails when it is used, not when the app starts. */
function lazyEstateSource(settings: Settings, blobFor: (url: string) => BlobClient): EstateSource {
  try {
    return estateSourceFromSettings(settings, blobFor);
  } catch (err) {
    return { describe: () => 'no estate configured', load: () => Promise.reject(err), readBeside: () => Promise.reject(err) };
  }
}
