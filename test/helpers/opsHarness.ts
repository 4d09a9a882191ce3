// An operation engine on a private Azurite, with the demo playbook, short timings and a clock
// that tests can move forward.
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/ops/context';
import { createOperationEngine } from '../../shared/ops/create';
import { demoPlaybook, DemoEffects } from '../../shared/demo/playbook';
import type { OperationEngine } from '../../shared/ops/engine';
import type { OpsSettings } from '../../shared/ops/settings';
import type { Playbook } from '../../shared/ops/playbook';
import { decodeWorkMessage } from '../../shared/ops/workQueue';
import { TableEventPublisher } from '../../shared/events/outgoing';
import { storageFromConnectionString } from '../../shared/storage/connection';
import { ensureTable, StorageClients } from '../../shared/storage/clients';
import { QueuePump } from '../../local/queuePump';
import type { AzuriteInstance } from './azurite';

/** Real time plus an offset the test controls. */
export class ShiftableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export const quietLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface OpsHarness {
  engine: OperationEngine;
  storage: StorageClients;
  clock: ShiftableClock;
  effects: DemoEffects;
  events: TableEventPublisher;
  pump: QueuePump;
  /** pumps the queue until `done` holds or the time runs out */
  drainUntil(done: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
}

let counter = 0;

export async function createOpsHarness(azurite: AzuriteInstance, extraPlaybooks: Playbook[] = [], settings: Partial<OpsSettings> = {}): Promise<OpsHarness> {
  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const suffix = `t${process.pid}x${++counter}`;
  const markers = storage.table(`markers${suffix}`);
  const eventsTable = storage.table(`events${suffix}`);
  await Promise.all([ensureTable(markers), ensureTable(eventsTable)]);
  const effects: DemoEffects = { applied: new Map() };
  const events = new TableEventPublisher(eventsTable);
  const clock = new ShiftableClock();
  const merged: Partial<OpsSettings> = {
    queueName: `ops-${suffix}`.toLowerCase(),
    operationsTable: `operations${suffix}`,
    indexTable: `index${suffix}`,
    locksTable: `locks${suffix}`,
    duplicatesTable: `duplicates${suffix}`,
    leaseMs: 3_000,
    leaseGraceMs: 500,
    lockRetryMs: 1_000,
    backoffBaseMs: 1_000,
    backoffMaxMs: 2_000,
    sweepGraceMs: 2_000,
    maxDequeueCount: 3,
    ...settings,
  };
  const engine = await createOperationEngine({
    storage,
    playbooks: [demoPlaybook(markers, effects), ...extraPlaybooks],
    events,
    settings: merged,
    clock,
    log: quietLogger,
  });
  const queue = storage.queue(engine.ctx.settings.queueName);
  const poison = storage.queue(`${engine.ctx.settings.queueName}-poison`);
  const pump = new QueuePump(
    queue,
    poison,
    async (delivery) => {
      await engine.process(decodeWorkMessage(delivery.body), { dequeueCount: delivery.dequeueCount });
    },
    { batchSize: 16, maxDequeueCount: engine.ctx.settings.maxDequeueCount, visibilityTimeoutSeconds: 1, maxPollingIntervalMs: 200 },
  );
  return {
    engine,
    storage,
    clock,
    effects,
    events,
    pump,
    async drainUntil(done, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > end) throw new Error('timed out waiting for the operations to settle');
        const received = await pump.pumpOnce();
        if (received === 0) await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
