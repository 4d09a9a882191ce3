// Builds the engine's context from storage clients: the one place that knows table and queue names.
import { systemClock, Clock } from '../clock';
import type { EventPublisher } from '../events/outgoing';
import { ensureTable, StorageClients } from '../storage/clients';
import type { Logger, OpsContext } from './context';
import { OperationEngine } from './engine';
import { TargetLocks } from './locks';
import { defaultOpsSettings, OpsSettings } from './settings';
import { OperationStore } from './store';
import { isTerminal, Playbook } from './types';
import { StorageWorkQueue } from './workQueue';

export interface EngineOptions {
  storage: StorageClients;
  playbooks: Playbook[];
  events: EventPublisher;
  settings?: Partial<OpsSettings>;
  clock?: Clock;
  log?: Logger;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

/** Creates tables and the queue if needed, then the engine. Call once per process. */
export async function createOperationEngine(options: EngineOptions): Promise<OperationEngine> {
  const settings: OpsSettings = { ...defaultOpsSettings, ...options.settings };
  const { storage } = options;
  const operations = storage.table(settings.operationsTable);
  const locksTable = storage.table(settings.locksTable);
  const duplicates = storage.table(settings.duplicatesTable);
  const queue = storage.queue(settings.queueName);
  await Promise.all([ensureTable(operations), ensureTable(locksTable), ensureTable(duplicates), queue.createIfNotExists()]);

  const store = new OperationStore(operations);
  const playbooks = new Map<string, Playbook>();
  for (const p of options.playbooks) {
    if (playbooks.has(p.kind)) throw new Error(`two playbooks claim the kind '${p.kind}'`);
    if (!p.steps[p.firstStep]) throw new Error(`playbook '${p.kind}' starts at '${p.firstStep}', which is not one of its steps`);
    playbooks.set(p.kind, p);
  }
  const locks = new TargetLocks(locksTable, store.counter, async (owner) => {
    const op = await store.get(owner);
    return !op || isTerminal(op.state);
  });
  const ctx: OpsContext = {
    store,
    locks,
    queue: new StorageWorkQueue(queue, store.counter, settings.maxVisibilityDelayMs),
    events: options.events,
    clock: options.clock ?? systemClock,
    settings,
    playbooks,
    duplicates,
    log: options.log ?? consoleLogger,
  };
  return new OperationEngine(ctx);
}
