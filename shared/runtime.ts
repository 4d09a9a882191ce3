// The composition root: builds every client from the app's settings, once per process. Functions
// call `getRuntime()`; nothing else reads process.env.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { EventGridPublisherClient } from '@azure/eventgrid';
import { EventGridPublisher, EventPublisher, TableEventPublisher } from './events/outgoing';
import { createOperationEngine } from './ops/create';
import { demoPlaybook } from './ops/demoPlaybook';
import type { OperationEngine } from './ops/engine';
import type { OpsSettings } from './ops/settings';
import { ensureTable, StorageClients } from './storage/clients';
import { storageFromSettings } from './storage/connection';

export interface Runtime {
  storage: StorageClients;
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
  await ensureTable(markers);
  const engine = await createOperationEngine({
    storage,
    playbooks: [demoPlaybook(markers)],
    events,
    settings: hostQueueSettings(appRoot),
  });
  return { storage, engine, events, eventTable };
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
