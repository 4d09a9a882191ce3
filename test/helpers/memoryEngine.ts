// The operation engine on its in-memory adapters, driven the way the Functions host drives the
// queue trigger (visibility, dequeue counts, poison after the last delivery), with a clock the
// test can move and an event publisher that records every publication. No I/O: engine unit tests.
import { createMemoryEngine } from '../../shared/ops/create';
import type { OperationEngine } from '../../shared/ops/engine';
import type { MemoryOperationStore, MemoryWorkQueue } from '../../shared/ops/memoryStore';
import type { Playbook } from '../../shared/ops/playbook';
import type { OpsSettings } from '../../shared/ops/settings';
import { isTerminal, type OperationRecord, type WorkMessage } from '../../shared/ops/types';
import { SimulatedCrash } from '../../shared/ops/worker';
import type { AppEvent, EventPublisher, PublishedEvent } from '../../shared/events/outgoing';
import { quietLogger, ShiftableClock } from './opsHarness';

/** Every publication, in order; `failures` makes the next ones throw (Event Grid down). */
export class RecordingPublisher implements EventPublisher {
  readonly published: AppEvent[] = [];
  failures = 0;

  async publish(event: PublishedEvent): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('Event Grid is unavailable (503)');
    }
    // the engine publishes operation events only
    this.published.push(event as AppEvent);
  }

  of(operationId: string, type?: string): AppEvent[] {
    return this.published.filter((e) => e.data.operationId === operationId && (!type || e.type === type));
  }
}

export const FAST: Partial<OpsSettings> = {
  leaseMs: 2_000,
  leaseGraceMs: 500,
  lockRetryMs: 50,
  backoffBaseMs: 20,
  backoffMaxMs: 40,
  sweepGraceMs: 1_000,
  maxDequeueCount: 3,
};

export interface MemoryHarness {
  engine: OperationEngine;
  store: MemoryOperationStore;
  queue: MemoryWorkQueue;
  clock: ShiftableClock;
  events: RecordingPublisher;
  /** messages that failed on their last delivery (the host's poison queue) */
  poisoned: WorkMessage[];
  /** deliveries whose handler threw */
  failedDeliveries: number;
  /** one receive of up to 16 visible messages, each handled as the host would */
  pumpOnce(): Promise<number>;
  drainUntil(done: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  settled(...ids: string[]): Promise<boolean>;
  get(id: string): Promise<OperationRecord>;
}

const VISIBILITY_MS = 100;

export function memoryHarness(playbooks: Playbook[], settings: Partial<OpsSettings> = {}): MemoryHarness {
  const clock = new ShiftableClock();
  const events = new RecordingPublisher();
  const merged = { ...FAST, ...settings };
  const { engine, store, queue } = createMemoryEngine({ playbooks, events, settings: merged, clock, log: quietLogger });
  const max = engine.ctx.settings.maxDequeueCount;
  const h: MemoryHarness = {
    engine,
    store,
    queue,
    clock,
    events,
    poisoned: [],
    failedDeliveries: 0,
    async pumpOnce() {
      const batch = queue.receive(16, VISIBILITY_MS);
      await Promise.all(
        batch.map(async (m) => {
          try {
            await engine.process(m.message, { dequeueCount: m.dequeueCount });
            queue.complete(m.id);
          } catch (err) {
            if (err instanceof SimulatedCrash) throw err;
            h.failedDeliveries++;
            if (m.dequeueCount >= max) {
              queue.complete(m.id);
              h.poisoned.push(m.message);
            }
          }
        }),
      );
      return batch.length;
    },
    async drainUntil(done, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > end) throw new Error('timed out waiting for the operations to settle');
        if ((await h.pumpOnce()) === 0) {
          const next = queue.nextVisibleAt();
          await new Promise((r) => setTimeout(r, next === undefined ? 10 : Math.max(1, Math.min(50, next - Date.now()))));
        }
      }
    },
    async settled(...ids) {
      for (const id of ids) {
        const op = await store.get(id);
        if (!op || !isTerminal(op.state)) return false;
      }
      return true;
    },
    async get(id) {
      const op = await store.get(id);
      if (!op) throw new Error(`operation ${id} does not exist`);
      return op;
    },
  };
  return h;
}
