// Operation engine throughput: how many trivial operations (the 3-step demo playbook) can be
// created and completed per second against Azurite, and how many storage calls each step costs.
import { createOperationEngine } from '../shared/ops/create';
import { demoPlaybook } from '../shared/demo/playbook';
import { TableEventPublisher } from '../shared/events/outgoing';
import { ensureTable, StorageClients } from '../shared/storage/clients';
import { storageFromConnectionString } from '../shared/storage/connection';
import { decodeWorkMessage } from '../shared/ops/workQueue';
import { QueuePump } from '../local/queuePump';
import type { AzuriteInstance } from '../local/azurite';

export interface OpsThroughputResult {
  operations: number;
  workers: number;
  createPerSecond: number;
  completePerSecond: number;
  engineCallsPerStep: number;
  queueHostCallsPerOperation: number;
  p50CompletionMs: number;
  p99CompletionMs: number;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchOpsThroughput(azurite: AzuriteInstance, operations: number, workers: number): Promise<OpsThroughputResult> {
  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const markers = storage.table('benchmarkers');
  const eventsTable = storage.table('benchevents');
  await Promise.all([ensureTable(markers), ensureTable(eventsTable)]);
  const engine = await createOperationEngine({
    storage,
    playbooks: [demoPlaybook(markers)],
    events: new TableEventPublisher(eventsTable),
    settings: { queueName: 'benchops', operationsTable: 'benchoperations', indexTable: 'benchindex', locksTable: 'benchlocks', duplicatesTable: 'benchduplicates' },
    log: silent,
  });
  const counter = engine.ctx.store.counter;

  // Create all operations first (as a burst of events would), then let the workers drain them.
  const createStart = Date.now();
  const ids: string[] = [];
  const created = new Map<string, number>();
  const batch = 16;
  for (let i = 0; i < operations; i += batch) {
    const starts = await Promise.all(
      Array.from({ length: Math.min(batch, operations - i) }, (_, j) =>
        engine.start({ kind: 'demo', targetKey: `bench/db${i + j}`, input: {}, createdBy: 'bench' }),
      ),
    );
    for (const s of starts) {
      ids.push(s.operation.id);
      created.set(s.operation.id, Date.now());
    }
  }
  const createMs = Date.now() - createStart;
  const callsBeforeRun = counter.calls;

  const finished = new Map<string, number>();
  let hostCalls = 0;
  const queue = storage.queue('benchops');
  const pumps = Array.from(
    { length: workers },
    () =>
      new QueuePump(
        queue,
        storage.queue('benchops-poison'),
        async (delivery) => {
          const work = decodeWorkMessage(delivery.body);
          const outcome = await engine.process(work, { dequeueCount: delivery.dequeueCount });
          hostCalls += 1; // the delete after success (receives are counted per batch below)
          if (outcome === 'finished') finished.set(work.operationId, Date.now());
        },
        { batchSize: 16, maxDequeueCount: 5, visibilityTimeoutSeconds: 30, maxPollingIntervalMs: 50 },
      ),
  );
  const runStart = Date.now();
  await Promise.all(
    pumps.map(async (pump) => {
      while (finished.size < operations) {
        hostCalls++;
        const n = await pump.pumpOnce();
        if (n === 0) await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  const runMs = Date.now() - runStart;
  const completion = ids.map((id) => (finished.get(id) ?? Date.now()) - (created.get(id) ?? 0)).sort((a, b) => a - b);
  const steps = operations * 3;
  return {
    operations,
    workers,
    createPerSecond: Math.round((operations / createMs) * 1000),
    completePerSecond: Math.round((operations / runMs) * 1000),
    engineCallsPerStep: Number(((counter.calls - callsBeforeRun) / steps).toFixed(2)),
    queueHostCallsPerOperation: Number((hostCalls / operations).toFixed(2)),
    p50CompletionMs: percentile(completion, 50),
    p99CompletionMs: percentile(completion, 99),
  };
}
