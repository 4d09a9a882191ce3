// Where operations live: the port the engine talks to. Two adapters keep one contract (tested by
// one suite, test/integration/ops/storeContract.test.ts): Azure Tables (tableStore.ts) in Azure and
// locally, and memory (memoryStore.ts) for the engine's fast unit tests.
//
// The contract:
// - a change is compare-and-swap on the record's ETag, and its audit row and outcome events are
//   written with it, all or nothing;
// - an operation is in the open index from before it exists until it has finished and its events
//   are published, so the sweeper reads only open work, never history;
// - a recent index lists operations newest first, for the API and for retention.
import { AppError, type ErrorInfo } from '../errors';
import type { AppEvent } from '../events/outgoing';
import type { AuditEntry, OperationRecord } from './types';

/** Another writer changed the operation first; reload and decide again. */
export class ConcurrencyConflict extends AppError {
  constructor(operationId: string) {
    super('CONCURRENCY_CONFLICT', `operation ${operationId} was changed by another worker at the same time`, { isTransient: true });
  }
}

// Azure Tables limits a string property to 64 KiB (32K UTF-16 characters); both adapters keep it.
export const MAX_JSON_CHARS = 30_000;

/** A part of the record is too large to store; large data belongs in the JSON blob store. */
export class RecordTooLarge extends AppError {
  constructor(
    readonly operationId: string,
    readonly field: string,
    readonly chars: number,
  ) {
    super('OPERATION_TOO_LARGE', `operation ${operationId}: its ${field} is ${chars} characters of JSON; an operation record holds at most ${MAX_JSON_CHARS} per field`);
  }
}

const JSON_FIELDS: Array<[keyof Omit<OperationRecord, 'etag'>, string]> = [
  ['stepState', 'step state'],
  ['input', 'input'],
  ['output', 'output'],
  ['error', 'error'],
  ['cancelRequested', 'cancel request'],
  ['cleanup', 'cleanup'],
  ['approval', 'approval'],
  ['progress', 'progress'],
];

/** The JSON text of each structured field, checked against the limit (undefined fields are absent). */
export function jsonFields(op: Omit<OperationRecord, 'etag'>): Map<keyof OperationRecord, string> {
  const out = new Map<keyof OperationRecord, string>();
  for (const [field, what] of JSON_FIELDS) {
    const value = op[field];
    if (value === undefined) continue;
    const text = JSON.stringify(value);
    if (text.length > MAX_JSON_CHARS) throw new RecordTooLarge(op.id, what, text.length);
    out.set(field, text);
  }
  return out;
}

/** The fields a transition may change; identity and bookkeeping fields are the store's. */
export type OperationChanges = Partial<
  Omit<OperationRecord, 'id' | 'kind' | 'targetKey' | 'lockKeys' | 'input' | 'createdAt' | 'createdBy' | 'idempotencyKey' | 'retryOf' | 'version' | 'updatedAt' | 'etag'>
>;

export interface AuditNote {
  actor: string;
  reason: string;
  error?: ErrorInfo;
}

/** One operation in an index: enough to filter on without reading the record. */
export interface IndexEntry {
  id: string;
  kind: string;
  targetKey: string;
  createdAt: string;
}

export interface RecentFilter {
  kind?: string;
  targetKey?: string;
  limit: number;
  /** from a previous page */
  continuation?: string;
}

export interface RecentPage {
  entries: IndexEntry[];
  /** pass back for the next page; absent on the last one */
  continuation?: string;
}

/** Counts storage calls, so the benchmark and tests can report calls per step and per sweep. */
export interface CallCounter {
  calls: number;
}

/** Builds the events written with a change, from the record as it will be saved (its version set). */
export type EventsOf = (saved: OperationRecord) => AppEvent[];

export interface Signals {
  count: number;
  recent: Array<{ at: string; note: string }>;
}

/** How many signals an operation keeps the notes of (the count goes on). */
export const RECENT_SIGNALS = 20;

export interface OperationStore {
  readonly counter: CallCounter;
  get(id: string): Promise<OperationRecord | undefined>;
  /** Creates the operation with its first audit row, indexed as open and recent; undefined if the id exists. */
  create(op: Omit<OperationRecord, 'etag'>, audit: AuditNote): Promise<OperationRecord | undefined>;
  /**
   * Compare-and-swap: applies `changes` only if the stored operation still has `current.etag`,
   * with an audit row when `audit` is given and the events `events` builds, in one transaction.
   * Throws ConcurrencyConflict when someone else wrote first, RecordTooLarge for an oversize field.
   */
  save(current: OperationRecord, changes: OperationChanges, at: string, audit?: AuditNote, events?: EventsOf): Promise<OperationRecord>;
  audit(id: string): Promise<AuditEntry[]>;
  /** events written with a change and not yet marked published, oldest first */
  pendingEvents(id: string): Promise<AppEvent[]>;
  markPublished(id: string, eventId: string): Promise<void>;
  /** every operation not yet closed: open ones, and finished ones whose events are not out yet */
  listOpen(): Promise<IndexEntry[]>;
  /** the operation has finished and its events are out: it leaves the open index */
  closeIndex(op: Pick<OperationRecord, 'id' | 'kind' | 'targetKey' | 'createdAt'>): Promise<void>;
  /** newest first */
  listRecent(filter: RecentFilter): Promise<RecentPage>;
  /** operations created before `before`, newest first, at most `limit`, after `continuation` (a row key this returned) */
  listCreatedBefore(before: Date, limit: number, continuation?: string): Promise<Array<IndexEntry & { key: string }>>;
  /** deletes the operation, its audit rows, its events, its duplicate count and its index entries */
  remove(entry: IndexEntry): Promise<void>;
  /** one more event for this operation (delivered again, or another stripe of its backup), with what it was */
  countDuplicate(id: string, at: string, note?: string): Promise<void>;
  duplicateCount(id: string): Promise<number>;
  /** the events counted for this operation: how many, and the latest few with what they were */
  signals(id: string): Promise<Signals>;
  /** remembers that the operation waits for a named condition (a hint: engine.notify checks the record) */
  watch(condition: string, id: string): Promise<void>;
  /** the operations remembered as waiting for the condition (some may have moved on) */
  watchers(condition: string): Promise<string[]>;
  unwatch(condition: string, id: string): Promise<void>;
}

/** Conditions compare without case and surrounding space. */
export const normalizeCondition = (condition: string): string => condition.trim().toLowerCase();

/** The audit row a change writes. */
export function auditEntryFor(current: OperationRecord, saved: Omit<OperationRecord, 'etag'>, at: string, note: AuditNote): AuditEntry {
  return {
    operationId: current.id,
    sequence: saved.version,
    at,
    actor: note.actor,
    reason: note.reason,
    error: note.error,
    fromState: current.state,
    toState: saved.state,
    fromStep: current.step,
    toStep: saved.step,
  };
}

/** The record a change produces (version and updatedAt are the store's). */
export function applyChanges(current: OperationRecord, changes: OperationChanges, at: string): Omit<OperationRecord, 'etag'> {
  const { etag: _etag, ...base } = current;
  return { ...base, ...changes, version: current.version + 1, updatedAt: at };
}

const MAX_TIME = 9_999_999_999_999;

/** Row keys that sort newest first. */
export function newestFirstKey(createdAt: string, id: string): string {
  return `${String(MAX_TIME - new Date(createdAt).getTime()).padStart(13, '0')}-${id}`;
}

/** The smallest newest-first key of anything created before `before`. */
export function olderThanKey(before: Date): string {
  return String(MAX_TIME - before.getTime() + 1).padStart(13, '0');
}
