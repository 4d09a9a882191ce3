// Builds an engine: from Azure Storage (tables and a queue; the one place that knows their names),
// or from the in-memory adapters for unit tests.
import { systemClock, Clock } from '../clock';
import type { EventPublisher } from '../events/outgoing';
import { redactSecrets } from '../redact';
import { ensureTable, StorageClients } from '../storage/clients';
import type { Logger, OpsContext } from './context';
import { OperationEngine } from './engine';
import { LockStore, TableLockStore } from './locks';
import { MemoryLockStore, MemoryOperationStore, MemoryWorkQueue } from './memoryStore';
import type { Playbook } from './playbook';
import { defaultOpsSettings, OpsSettings } from './settings';
import type { OperationStore } from './store';
import { TableOperationStore } from './tableStore';
import { isTerminal } from './types';
import { StorageWorkQueue, WorkQueue } from './workQueue';

export interface EngineParts {
  store: OperationStore;
  locks: LockStore;
  queue: WorkQueue;
  playbooks: Playbook[];
  events: EventPublisher;
  settings?: Partial<OpsSettings>;
  clock?: Clock;
  log?: Logger;
}

/** Every line the engine logs passes the redaction, whoever the logger is. */
export function redactingLogger(log: Logger): Logger {
  return {
    info: (m) => log.info(redactSecrets(m)),
    warn: (m) => log.warn(redactSecrets(m)),
    error: (m) => log.error(redactSecrets(m)),
  };
}

/** For code that runs outside an invocation (start-up, tests); functions pass their context's logger. */
export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export function createEngine(parts: EngineParts): OperationEngine {
  const playbooks = new Map<string, Playbook>();
  for (const p of parts.playbooks) {
    if (playbooks.has(p.kind)) throw new Error(`two playbooks claim the kind '${p.kind}'`);
    playbooks.set(p.kind, p);
  }
  const log = parts.log ?? consoleLogger;
  const ctx: OpsContext = {
    store: parts.store,
    locks: parts.locks,
    queue: parts.queue,
    events: parts.events,
    clock: parts.clock ?? systemClock,
    settings: { ...defaultOpsSettings, ...parts.settings },
    playbooks,
    log: redactingLogger(log),
  };
  return new OperationEngine(ctx);
}

/** A lock owner whose operation has ended (or vanished) holds nothing any more. */
const ownerFinished = (store: OperationStore) => async (owner: string): Promise<boolean> => {
  const op = await store.get(owner);
  return !op || isTerminal(op.state);
};

export interface StorageEngineOptions {
  storage: StorageClients;
  playbooks: Playbook[];
  events: EventPublisher;
  settings?: Partial<OpsSettings>;
  clock?: Clock;
  log?: Logger;
}

/** Creates the tables and the queue if needed, then the engine. Call once per process. */
export async function createOperationEngine(options: StorageEngineOptions): Promise<OperationEngine> {
  const settings: OpsSettings = { ...defaultOpsSettings, ...options.settings };
  const { storage } = options;
  const operations = storage.table(settings.operationsTable);
  const index = storage.table(settings.indexTable);
  const locksTable = storage.table(settings.locksTable);
  const duplicates = storage.table(settings.duplicatesTable);
  const queue = storage.queue(settings.queueName);
  await Promise.all([ensureTable(operations), ensureTable(index), ensureTable(locksTable), ensureTable(duplicates), queue.createIfNotExists()]);
  const store = new TableOperationStore({ operations, index, duplicates });
  return createEngine({
    store,
    locks: new TableLockStore(locksTable, store.counter, ownerFinished(store)),
    queue: new StorageWorkQueue(queue, store.counter, settings.maxVisibilityDelayMs),
    playbooks: options.playbooks,
    events: options.events,
    settings,
    clock: options.clock,
    log: options.log,
  });
}

export interface MemoryEngine {
  engine: OperationEngine;
  store: MemoryOperationStore;
  queue: MemoryWorkQueue;
}

/** The engine on the in-memory adapters: same contracts, no I/O (unit tests). */
export function createMemoryEngine(options: Omit<StorageEngineOptions, 'storage'>): MemoryEngine {
  const store = new MemoryOperationStore();
  const queue = new MemoryWorkQueue(store.counter);
  const engine = createEngine({ ...options, store, locks: new MemoryLockStore(store.counter, ownerFinished(store)), queue });
  return { engine, store, queue };
}
