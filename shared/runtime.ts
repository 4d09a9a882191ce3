// The composition root: builds every client from the app's settings, once per process. Functions
// call `getRuntime()`; nothing else reads process.env.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { EventGridPublisherClient } from '@azure/eventgrid';
import { AppError } from './errors';
import { EventGridPublisher, EventPublisher, TableEventPublisher } from './events/outgoing';
import { createOperationEngine } from './ops/create';
import { demoPlaybook } from './ops/demoPlaybook';
import type { OperationEngine } from './ops/engine';
import type { OpsSettings } from './ops/settings';
import { ensureTable, StorageClients } from './storage/clients';
import { storageFromSettings } from './storage/connection';
import { BackupContainer } from './storage/backupContainer';
import type { BlobClient } from '@azure/storage-blob';
import type { BackupContainerConfig } from './config/schema';
import { EstateSource, estateSourceFromSettings } from './config/load';
import { SqlPools } from './sql/pools';
import { restorePlaybook } from './restore/playbook';
import { TableBlobClaims } from './restore/claims';
import { BlobJsonStore } from './storage/jsonStore';
import { managedInstanceFactsFrom } from './arm/managedInstanceFacts';
import { armResolverFromSettings } from './arm/fromSettings';
import { logReplayFrom } from './arm/logReplay';
import { EventCounters } from './restore/start';

export interface Runtime {
  storage: StorageClients;
  estate: EstateSource;
  sql: SqlPools;
  /** a backup container's client, one per container */
  container(config: BackupContainerConfig): BackupContainer;
  eventCounters: EventCounters;
  engine: OperationEngine;
  events: EventPublisher;
  /** the local event table (when events are not sent to Event Grid) */
  eventTable?: TableEventPublisher;
}

type Settings = Record<string, string | undefined>;

/** host.json's queue settings, so the worker agrees with the host on the last delivery. */
export function hostQueueSettings(appRoot: string): Partial<OpsSettings> {
  try {
    const host = JSON.parse(readFileSync(path.join(appRoot, 'host.json'), 'utf8')) as { extensions?: { queues?: { maxDequeueCount?: number } } };
    const max = host.extensions?.queues?.maxDequeueCount;
    return typeof max === 'number' ? { maxDequeueCount: max } : {};
  } catch {
    return {};
  }
}

export async function createRuntime(settings: Settings, appRoot: string): Promise<Runtime> {
  const storage = new StorageClients(storageFromSettings(settings));
  let events: EventPublisher;
  let eventTable: TableEventPublisher | undefined;
  const topic = settings.OPERATION_EVENTS_TOPIC_ENDPOINT;
  if (topic) {
    const clientId = settings.AZURE_CLIENT_ID;
    events = new EventGridPublisher(
      new EventGridPublisherClient(topic, 'CloudEvent', new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined)),
    );
  } else {
    const table = storage.table(settings.OPERATION_EVENTS_TABLE ?? 'events');
    await ensureTable(table);
    eventTable = new TableEventPublisher(table);
    events = eventTable;
  }
  const markers = storage.table('demomarkers');
  const claimsTable = storage.table('restoreclaims');
  await Promise.all([ensureTable(markers), ensureTable(claimsTable)]);
  const estate = lazyEstateSource(settings, (url) => {
    // the estate blob lives in the app's own storage account, read with its identity
    const base = `${storage.connection.blobUrl.replace(/\/+$/, '')}/`;
    if (!url.startsWith(base)) throw new AppError('ESTATE_BLOB_ELSEWHERE', `ESTATE_BLOB_URL ${url.split('?')[0]} is not in the app's storage account (${base})`);
    const [containerName, ...blobPath] = url.slice(base.length).split('?')[0].split('/');
    return storage.container(containerName).getBlobClient(blobPath.map(decodeURIComponent).join('/'));
  });
  const sql = new SqlPools(settings);
  const containers = new Map<string, BackupContainer>();
  const container = (config: BackupContainerConfig): BackupContainer => {
    const key = `${config.name}|${config.url}`;
    let c = containers.get(key);
    if (!c) {
      c = BackupContainer.fromConfig(config, settings);
      containers.set(key, c);
    }
    return c;
  };
  const arm = armResolverFromSettings(settings);
  const engine = await createOperationEngine({
    storage,
    playbooks: [
      demoPlaybook(markers),
      restorePlaybook({
        estate: () => estate.load(),
        sqlClient: (instance) => sql.client(instance),
        container,
        claims: new TableBlobClaims(claimsTable),
        store: new BlobJsonStore(storage.container('operationdata')),
        managedInstanceFacts: arm && managedInstanceFactsFrom(arm),
        logReplay: arm && logReplayFrom(arm),
        pollMs: Number(settings.RESTORE_POLL_MS ?? 15_000),
      }),
    ],
    events,
    settings: hostQueueSettings(appRoot),
  });
  return { storage, estate, sql, container, eventCounters: new EventCounters(), engine, events, eventTable };
}

/** An estate that is not configured fails when it is used, not when the app starts. */
function lazyEstateSource(settings: Settings, blobFor: (url: string) => BlobClient): EstateSource {
  try {
    return estateSourceFromSettings(settings, blobFor);
  } catch (err) {
    return { describe: () => 'no estate configured', load: () => Promise.reject(err) };
  }
}

let runtime: Promise<Runtime> | undefined;

/** The process-wide runtime; a failed start is retried by the next invocation. */
export function getRuntime(): Promise<Runtime> {
  if (!runtime) {
    // dist/shared/runtime.js -> the app root holds host.json
    runtime = createRuntime(process.env, path.resolve(__dirname, '..', '..')).catch((err: unknown) => {
      runtime = undefined;
      throw err;
    });
  }
  return runtime;
}
