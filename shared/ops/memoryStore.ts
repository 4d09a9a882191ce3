// The operation store, lock store and work queue in memory: the same contracts as the Azure
// adapters (one test suite runs against both), so the engine's unit tests need no Azurite. Records
// are copied in and out through JSON, as storage would, so a test cannot pass by sharing objects.
import { AppError } from '../errors';
import type { AppEvent } from '../events/outgoing';
import type { LockResult, LockStore } from './locks';
import {
  applyChanges,
  AuditNote,
  auditEntryFor,
  CallCounter,
  ConcurrencyConflict,
  EventsOf,
  IndexEntry,
  jsonFields,
  newestFirstKey,
  normalizeCondition,
  olderThanKey,
  OperationChanges,
  OperationStore,
  RecentFilter,
  RecentPage,
  RECENT_SIGNALS,
  type Signals,
} from './store';
import type { AuditEntry, OperationRecord, WorkMessage } from './types';
import type { WorkQueue } from './workQueue';

const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

interface Stored {
  record: OperationRecord;
  audit: AuditEntry[];
  outbox: Map<string, AppEvent>;
}

export class MemoryOperationStore implements OperationStore {
  readonly counter: CallCounter = { calls: 0 };
  private readonly operations = new Map<string, Stored>();
  private readonly open = new Map<string, IndexEntry>();
  private readonly recent = new Map<string, IndexEntry>();
  private readonly duplicates = new Map<string, Signals>();
  private readonly watching = new Map<string, Set<string>>();
  private etags = 0;

  private etag(): string {
    return `W/"mem-${++this.etags}"`;
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    this.counter.calls++;
    return copy(this.operations.get(id)?.record);
  }

  async create(op: Omit<OperationRecord, 'etag'>, audit: AuditNote): Promise<OperationRecord | undefined> {
    jsonFields(op);
    const entry: IndexEntry = { id: op.id, kind: op.kind, targetKey: op.targetKey, createdAt: op.createdAt };
    this.counter.calls += 3;
    this.open.set(op.id, entry);
    if (this.operations.has(op.id)) return undefined;
    const record: OperationRecord = { ...copy(op), etag: this.etag() };
    this.operations.set(op.id, {
      record,
      audit: [{ ...copy(audit), operationId: op.id, sequence: op.version, at: op.createdAt, toState: op.state, toStep: op.step }],
      outbox: new Map(),
    });
    this.recent.set(newestFirstKey(op.createdAt, op.id), entry);
    return copy(record);
  }

  async save(current: OperationRecord, changes: OperationChanges, at: string, audit?: AuditNote, events?: EventsOf): Promise<OperationRecord> {
    this.counter.calls++;
    const stored = this.operations.get(current.id);
    if (!stored) throw new AppError('OPERATION_NOT_FOUND', `operation ${current.id} disappeared while it was being saved`);
    // an undefined change clears the field, as the table adapter's Replace does
    const next = applyChanges(current, changes, at);
    jsonFields(next);
    if (stored.record.etag !== current.etag) throw new ConcurrencyConflict(current.id);
    const record: OperationRecord = { ...copy(next), etag: this.etag() };
    stored.record = record;
    if (audit) stored.audit.push(copy(auditEntryFor(current, next, at, audit)));
    for (const event of events?.({ ...next, etag: current.etag }) ?? []) stored.outbox.set(event.id, copy(event));
    return copy(record);
  }

  async audit(id: string): Promise<AuditEntry[]> {
    this.counter.calls++;
    return copy(this.operations.get(id)?.audit ?? []);
  }

  async pendingEvents(id: string): Promise<AppEvent[]> {
    this.counter.calls++;
    const events = [...(this.operations.get(id)?.outbox.values() ?? [])];
    return copy(events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1)));
  }

  async markPublished(id: string, eventId: string): Promise<void> {
    this.counter.calls++;
    this.operations.get(id)?.outbox.delete(eventId);
  }

  async listOpen(): Promise<IndexEntry[]> {
    this.counter.calls++;
    return copy([...this.open.values()]);
  }

  async closeIndex(op: Pick<OperationRecord, 'id' | 'kind' | 'targetKey' | 'createdAt'>): Promise<void> {
    this.counter.calls += 2;
    this.recent.set(newestFirstKey(op.createdAt, op.id), { id: op.id, kind: op.kind, targetKey: op.targetKey, createdAt: op.createdAt });
    this.open.delete(op.id);
  }

  async listRecent(filter: RecentFilter): Promise<RecentPage> {
    this.counter.calls++;
    const keys = [...this.recent.keys()].sort().filter((k) => !filter.continuation || k > filter.continuation);
    const entries: IndexEntry[] = [];
    for (const key of keys) {
      const e = this.recent.get(key) as IndexEntry;
      if ((filter.kind && e.kind !== filter.kind) || (filter.targetKey && e.targetKey !== filter.targetKey)) continue;
      if (entries.length === filter.limit) return { entries: copy(entries), continuation: newestFirstKey(entries[entries.length - 1].createdAt, entries[entries.length - 1].id) };
      entries.push(e);
    }
    return { entries: copy(entries) };
  }

  async listCreatedBefore(before: Date, limit: number, continuation?: string): Promise<Array<IndexEntry & { key: string }>> {
    this.counter.calls++;
    const from = olderThanKey(before);
    return copy(
      [...this.recent.keys()]
        .sort()
        .filter((k) => k >= from && (!continuation || k > continuation))
        .slice(0, limit)
        .map((k) => ({ ...(this.recent.get(k) as IndexEntry), key: k })),
    );
  }

  async remove(entry: IndexEntry): Promise<void> {
    this.counter.calls += 5;
    this.operations.delete(entry.id);
    this.duplicates.delete(entry.id);
    this.open.delete(entry.id);
    this.recent.delete(newestFirstKey(entry.createdAt, entry.id));
  }

  async countDuplicate(id: string, at: string, note?: string): Promise<void> {
    this.counter.calls += 2;
    const current = this.duplicates.get(id) ?? { count: 0, recent: [] };
    this.duplicates.set(id, { count: current.count + 1, recent: [...current.recent, ...(note ? [{ at, note }] : [])].slice(-RECENT_SIGNALS) });
  }

  async duplicateCount(id: string): Promise<number> {
    this.counter.calls++;
    return this.duplicates.get(id)?.count ?? 0;
  }

  async signals(id: string): Promise<Signals> {
    this.counter.calls++;
    return copy(this.duplicates.get(id) ?? { count: 0, recent: [] });
  }

  async watch(condition: string, id: string): Promise<void> {
    this.counter.calls++;
    const c = normalizeCondition(condition);
    const set = this.watching.get(c) ?? new Set<string>();
    set.add(id);
    this.watching.set(c, set);
  }

  async watchers(condition: string): Promise<string[]> {
    this.counter.calls++;
    return [...(this.watching.get(normalizeCondition(condition)) ?? [])];
  }

  async unwatch(condition: string, id: string): Promise<void> {
    this.counter.calls++;
    this.watching.get(normalizeCondition(condition))?.delete(id);
  }

}

export class MemoryLockStore implements LockStore {
  private readonly locks = new Map<string, { owner: string; expiresAt: string }>();

  constructor(
    private readonly counter: CallCounter,
    private readonly ownerIsFinished: (owner: string) => Promise<boolean>,
  ) {}

  async acquireAll(keys: readonly string[], owner: string, now: Date, ttlMs: number): Promise<LockResult> {
    this.counter.calls += 2;
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    for (const key of keys) {
      const current = this.locks.get(key);
      if (current && current.owner !== owner && current.expiresAt > now.toISOString() && !(await this.ownerIsFinished(current.owner))) {
        return { acquired: false, key, owner: current.owner, expiresAt: current.expiresAt };
      }
    }
    for (const key of keys) this.locks.set(key, { owner, expiresAt });
    return { acquired: true };
  }

  async releaseAll(keys: readonly string[], owner: string): Promise<void> {
    this.counter.calls += 2;
    for (const key of keys) if (this.locks.get(key)?.owner === owner) this.locks.delete(key);
  }

  async holder(key: string): Promise<{ owner: string; expiresAt: string } | undefined> {
    const h = this.locks.get(key);
    return h && { ...h };
  }
}

interface QueuedMessage {
  message: WorkMessage;
  visibleAt: number;
  dequeueCount: number;
  id: number;
}

/**
 * A work queue in memory with visibility delays in real time, for unit tests: `receive` hands out
 * visible messages and hides them for the visibility timeout, as Azure Queues do; `complete`
 * deletes a handled one.
 */
export class MemoryWorkQueue implements WorkQueue {
  private readonly messages: QueuedMessage[] = [];
  private ids = 0;

  constructor(private readonly counter: CallCounter) {}

  async enqueue(message: WorkMessage, delayMs: number): Promise<void> {
    this.counter.calls++;
    this.messages.push({ message: { ...message }, visibleAt: Date.now() + Math.max(0, delayMs), dequeueCount: 0, id: ++this.ids });
  }

  receive(max: number, visibilityMs: number): Array<{ message: WorkMessage; dequeueCount: number; id: number }> {
    const now = Date.now();
    const out = this.messages.filter((m) => m.visibleAt <= now).slice(0, max);
    for (const m of out) {
      m.dequeueCount++;
      m.visibleAt = now + visibilityMs;
    }
    return out.map((m) => ({ message: { ...m.message }, dequeueCount: m.dequeueCount, id: m.id }));
  }

  complete(id: number): void {
    const i = this.messages.findIndex((m) => m.id === id);
    if (i >= 0) this.messages.splice(i, 1);
  }

  /** messages still queued (visible or not) */
  get size(): number {
    return this.messages.length;
  }

  /** when the next message becomes visible, if any */
  nextVisibleAt(): number | undefined {
    return this.messages.length ? Math.min(...this.messages.map((m) => m.visibleAt)) : undefined;
  }

  clear(): void {
    this.messages.length = 0;
  }
}
