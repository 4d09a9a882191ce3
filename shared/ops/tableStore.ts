// Operations in Azure Tables. Each operation is a partition of the operations table: the record
// (row `operation`), its audit rows (`audit-<version>`) and its unpublished events (`outbox-<id>`),
// so a change, its audit row and its outcome event go in one entity-group transaction with the
// record's ETag. The index table holds two partitions: `open` (operations not yet closed) and
// `recent` (every operation, newest first). Duplicate counts live in their own table.
import { createHash } from 'node:crypto';
import { odata, TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { AppError, ErrorInfo } from '../errors';
import type { AppEvent } from '../events/outgoing';
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
import type { AuditEntry, Cleanup, OperationRecord, OperationState } from './types';

const OPERATION_ROW = 'operation';
const auditRow = (sequence: number): string => `audit-${String(sequence).padStart(10, '0')}`;
const outboxRow = (eventId: string): string => `outbox-${eventId}`;
const OPEN = 'open';
const RECENT = 'recent';
/** one partition per waited-for condition (hashed: a condition may hold characters keys cannot) */
const watchPartition = (condition: string): string => `watch-${createHash('sha256').update(normalizeCondition(condition)).digest('hex').slice(0, 40)}`;

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function parse(text: unknown): unknown {
  return typeof text === 'string' && text !== '' ? JSON.parse(text) : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}

function compact(entity: Entity): Entity {
  // Replace semantics: absent optional fields are simply not written.
  for (const key of Object.keys(entity)) if (entity[key] === undefined) delete entity[key];
  return entity;
}

function toEntity(op: Omit<OperationRecord, 'etag'>): Entity {
  const json = jsonFields(op);
  return compact({
    partitionKey: op.id,
    rowKey: OPERATION_ROW,
    kind: op.kind,
    targetKey: op.targetKey,
    lockKeysJson: JSON.stringify(op.lockKeys),
    state: op.state,
    step: op.step,
    stepStateJson: json.get('stepState'),
    inputJson: json.get('input'),
    outputJson: json.get('output'),
    errorJson: json.get('error'),
    attempt: op.attempt,
    version: op.version,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    startedAt: op.startedAt,
    deadline: op.deadline,
    nextRunAt: op.nextRunAt,
    waitReason: op.waitReason,
    waitingOnJson: op.waitingOn && op.waitingOn.length > 0 ? JSON.stringify(op.waitingOn) : undefined,
    leaseOwner: op.leaseOwner,
    leaseUntil: op.leaseUntil,
    messageToken: op.messageToken,
    lockUntil: op.lockUntil,
    cancelJson: json.get('cancelRequested'),
    cleanupJson: json.get('cleanup'),
    approvalJson: json.get('approval'),
    progressJson: json.get('progress'),
    idempotencyKey: op.idempotencyKey,
    retryOf: op.retryOf,
    createdBy: op.createdBy,
  });
}

/** Records written before cleanups carried their ending error say only why they ended. */
function readCleanup(value: unknown, op: { id: string; deadline: string }): Cleanup | undefined {
  if (value === undefined) return undefined;
  const c = value as Partial<Cleanup> & { reason?: string };
  if (c.ending && c.error) return c as Cleanup;
  const cancelled = c.reason === 'cancelled';
  return {
    ending: cancelled ? 'cancelled' : 'failed',
    error: cancelled ? { code: 'CANCELLED', message: 'cancelled' } : { code: 'DEADLINE_EXCEEDED', message: `operation ${op.id} did not finish by its deadline ${op.deadline}` },
    fromStep: c.fromStep ?? '',
    until: c.until ?? op.deadline,
  };
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): OperationRecord {
  const id = e.partitionKey as string;
  const targetKey = e.targetKey as string;
  const deadline = e.deadline as string;
  return {
    id,
    kind: e.kind as string,
    targetKey,
    lockKeys: (parse(e.lockKeysJson) as string[] | undefined) ?? [targetKey],
    state: e.state as OperationState,
    step: e.step as string,
    stepState: parse(e.stepStateJson),
    input: parse(e.inputJson),
    output: parse(e.outputJson),
    error: parse(e.errorJson) as ErrorInfo | undefined,
    attempt: Number(e.attempt ?? 0),
    version: Number(e.version ?? 0),
    createdAt: e.createdAt as string,
    updatedAt: e.updatedAt as string,
    startedAt: str(e.startedAt),
    deadline,
    nextRunAt: str(e.nextRunAt),
    waitReason: str(e.waitReason),
    waitingOn: parse(e.waitingOnJson) as string[] | undefined,
    leaseOwner: str(e.leaseOwner),
    leaseUntil: str(e.leaseUntil),
    messageToken: e.messageToken as string,
    lockUntil: str(e.lockUntil),
    cancelRequested: parse(e.cancelJson) as OperationRecord['cancelRequested'],
    cleanup: readCleanup(parse(e.cleanupJson), { id, deadline }),
    approval: parse(e.approvalJson) as OperationRecord['approval'],
    progress: parse(e.progressJson) as OperationRecord['progress'],
    idempotencyKey: str(e.idempotencyKey),
    retryOf: str(e.retryOf),
    createdBy: e.createdBy as string,
    etag: e.etag,
  };
}

function auditEntity(a: AuditEntry): Entity {
  return compact({
    partitionKey: a.operationId,
    rowKey: auditRow(a.sequence),
    at: a.at,
    actor: a.actor,
    fromState: a.fromState,
    toState: a.toState,
    fromStep: a.fromStep,
    toStep: a.toStep,
    reason: a.reason,
    errorJson: a.error ? JSON.stringify(a.error) : undefined,
  });
}

const outboxEntity = (operationId: string, event: AppEvent): Entity => ({ partitionKey: operationId, rowKey: outboxRow(event.id), eventJson: JSON.stringify(event) });

const indexFields = (op: Pick<OperationRecord, 'id' | 'kind' | 'targetKey' | 'createdAt'>) => ({ operationId: op.id, kind: op.kind, targetKey: op.targetKey, createdAt: op.createdAt });

function fromIndex(e: Record<string, unknown>): IndexEntry {
  return { id: e.operationId as string, kind: e.kind as string, targetKey: e.targetKey as string, createdAt: e.createdAt as string };
}

export interface TableStoreTables {
  operations: TableClient;
  index: TableClient;
  duplicates: TableClient;
}

export class TableOperationStore implements OperationStore {
  readonly counter: CallCounter = { calls: 0 };

  constructor(private readonly tables: TableStoreTables) {}

  async get(id: string): Promise<OperationRecord | undefined> {
    this.counter.calls++;
    try {
      return fromEntity(await this.tables.operations.getEntity<Record<string, unknown>>(id, OPERATION_ROW));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async create(op: Omit<OperationRecord, 'etag'>, audit: AuditNote): Promise<OperationRecord | undefined> {
    const entity = toEntity(op);
    // indexed as open before it exists: a crash in between leaves an entry the sweeper drops
    this.counter.calls++;
    await this.tables.index.upsertEntity({ partitionKey: OPEN, rowKey: op.id, ...indexFields(op) }, 'Replace');
    let etag: string | undefined;
    this.counter.calls++;
    try {
      const response = await this.tables.operations.submitTransaction([
        ['create', entity],
        ['create', auditEntity({ ...audit, operationId: op.id, sequence: op.version, at: op.createdAt, toState: op.state, toStep: op.step })],
      ]);
      etag = response.subResponses[0]?.etag;
    } catch (err) {
      if (statusOf(err) === 409) return undefined;
      throw err;
    }
    this.counter.calls++;
    await this.tables.index.upsertEntity({ partitionKey: RECENT, rowKey: newestFirstKey(op.createdAt, op.id), ...indexFields(op) }, 'Replace');
    return etag ? { ...op, etag } : this.get(op.id);
  }

  async save(current: OperationRecord, changes: OperationChanges, at: string, audit?: AuditNote, events?: EventsOf): Promise<OperationRecord> {
    const record = applyChanges(current, changes, at);
    const entity = toEntity(record);
    const outgoing = events?.({ ...record, etag: current.etag }) ?? [];
    this.counter.calls++;
    try {
      let etag: string | undefined;
      if (audit || outgoing.length > 0) {
        const actions: TransactionAction[] = [['update', entity, 'Replace', { etag: current.etag }]];
        if (audit) actions.push(['create', auditEntity(auditEntryFor(current, record, at, audit))]);
        for (const event of outgoing) actions.push(['upsert', outboxEntity(current.id, event), 'Replace']);
        etag = (await this.tables.operations.submitTransaction(actions)).subResponses[0]?.etag;
      } else {
        etag = (await this.tables.operations.updateEntity(entity, 'Replace', { etag: current.etag })).etag;
      }
      if (etag) return { ...record, etag };
      const reloaded = await this.get(current.id);
      if (!reloaded) throw new AppError('OPERATION_NOT_FOUND', `operation ${current.id} disappeared while it was being saved`);
      return reloaded;
    } catch (err) {
      const status = statusOf(err);
      // 409 on the audit row means another writer used this version number first.
      if (status === 412 || status === 409) throw new ConcurrencyConflict(current.id);
      throw err;
    }
  }

  async audit(operationId: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const filter = odata`PartitionKey eq ${operationId} and RowKey ge 'audit-' and RowKey lt 'audit.'`;
    this.counter.calls++;
    for await (const e of this.tables.operations.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      out.push({
        operationId,
        sequence: Number(String(e.rowKey).slice('audit-'.length)),
        at: e.at as string,
        actor: e.actor as string,
        fromState: str(e.fromState) as OperationState | undefined,
        toState: e.toState as OperationState,
        fromStep: str(e.fromStep),
        toStep: e.toStep as string,
        reason: e.reason as string,
        error: parse(e.errorJson) as ErrorInfo | undefined,
      });
    }
    return out.sort((a, b) => a.sequence - b.sequence);
  }

  async pendingEvents(operationId: string): Promise<AppEvent[]> {
    const filter = odata`PartitionKey eq ${operationId} and RowKey ge 'outbox-' and RowKey lt 'outbox.'`;
    const out: AppEvent[] = [];
    this.counter.calls++;
    for await (const e of this.tables.operations.listEntities<{ eventJson: string }>({ queryOptions: { filter } })) out.push(JSON.parse(e.eventJson) as AppEvent);
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  }

  async markPublished(operationId: string, eventId: string): Promise<void> {
    this.counter.calls++;
    await this.deleteQuietly(this.tables.operations, operationId, outboxRow(eventId));
  }

  async listOpen(): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const pages = this.tables.index.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${OPEN}` } }).byPage({ maxPageSize: 1000 });
    for await (const page of pages) {
      this.counter.calls++;
      for (const e of page) out.push(fromIndex(e));
    }
    return out;
  }

  async closeIndex(op: Pick<OperationRecord, 'id' | 'kind' | 'targetKey' | 'createdAt'>): Promise<void> {
    // the recent entry again (its key is derived): a crash right after create may have lost it
    this.counter.calls += 2;
    await this.tables.index.upsertEntity({ partitionKey: RECENT, rowKey: newestFirstKey(op.createdAt, op.id), ...indexFields(op) }, 'Replace');
    await this.deleteQuietly(this.tables.index, OPEN, op.id);
  }

  async listRecent(filter: RecentFilter): Promise<RecentPage> {
    const clauses = [odata`PartitionKey eq ${RECENT}`];
    if (filter.continuation) clauses.push(odata`RowKey gt ${filter.continuation}`);
    if (filter.kind) clauses.push(odata`kind eq ${filter.kind}`);
    if (filter.targetKey) clauses.push(odata`targetKey eq ${filter.targetKey}`);
    const entries: IndexEntry[] = [];
    let lastKey: string | undefined;
    const pages = this.tables.index.listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } }).byPage({ maxPageSize: Math.min(1000, filter.limit + 1) });
    for await (const page of pages) {
      this.counter.calls++;
      for (const e of page) {
        if (entries.length === filter.limit) return { entries, continuation: lastKey };
        entries.push(fromIndex(e));
        lastKey = e.rowKey as string;
      }
    }
    return { entries };
  }

  async listCreatedBefore(before: Date, limit: number, continuation?: string): Promise<Array<IndexEntry & { key: string }>> {
    const from = continuation && continuation >= olderThanKey(before) ? continuation : undefined;
    const filter = from ? odata`PartitionKey eq ${RECENT} and RowKey gt ${from}` : odata`PartitionKey eq ${RECENT} and RowKey ge ${olderThanKey(before)}`;
    const out: Array<IndexEntry & { key: string }> = [];
    const pages = this.tables.index.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(1000, limit) });
    for await (const page of pages) {
      this.counter.calls++;
      for (const e of page) {
        out.push({ ...fromIndex(e), key: e.rowKey as string });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  async remove(entry: IndexEntry): Promise<void> {
    const keys: string[] = [];
    this.counter.calls++;
    for await (const e of this.tables.operations.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${entry.id}`, select: ['RowKey'] } })) keys.push(e.rowKey as string);
    for (let i = 0; i < keys.length; i += 100) {
      this.counter.calls++;
      await this.tables.operations.submitTransaction(keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey: entry.id, rowKey }]));
    }
    this.counter.calls += 3;
    await this.deleteQuietly(this.tables.duplicates, 'duplicate', entry.id);
    await this.deleteQuietly(this.tables.index, OPEN, entry.id);
    await this.deleteQuietly(this.tables.index, RECENT, newestFirstKey(entry.createdAt, entry.id));
  }

  async countDuplicate(id: string, at: string, note?: string): Promise<void> {
    // a lost count is harmless; a hot row's conflicts are retried a few times
    for (let tries = 0; tries < 5; tries++) {
      this.counter.calls++;
      let current: { count: number; recentJson?: string; etag: string } | undefined;
      try {
        current = await this.tables.duplicates.getEntity<{ count: number; recentJson?: string }>('duplicate', id);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      const recent = [...((parse(current?.recentJson) as Signals['recent'] | undefined) ?? []), ...(note ? [{ at, note }] : [])].slice(-RECENT_SIGNALS);
      const entity = { partitionKey: 'duplicate', rowKey: id, count: Number(current?.count ?? 0) + 1, lastAt: at, recentJson: JSON.stringify(recent) };
      this.counter.calls++;
      try {
        if (!current) await this.tables.duplicates.createEntity(entity);
        else await this.tables.duplicates.updateEntity(entity, 'Replace', { etag: current.etag });
        return;
      } catch (err) {
        const status = statusOf(err);
        if (status !== 409 && status !== 412) throw err;
      }
    }
  }

  async watch(condition: string, id: string): Promise<void> {
    this.counter.calls++;
    await this.tables.index.upsertEntity({ partitionKey: watchPartition(condition), rowKey: id, condition: normalizeCondition(condition) }, 'Replace');
  }

  async watchers(condition: string): Promise<string[]> {
    const out: string[] = [];
    const pages = this.tables.index.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${watchPartition(condition)}`, select: ['RowKey'] } }).byPage({ maxPageSize: 1000 });
    for await (const page of pages) {
      this.counter.calls++;
      for (const e of page) if (typeof e.rowKey === 'string') out.push(e.rowKey);
    }
    return out;
  }

  async unwatch(condition: string, id: string): Promise<void> {
    this.counter.calls++;
    await this.deleteQuietly(this.tables.index, watchPartition(condition), id);
  }

  async signals(id: string): Promise<Signals> {
    this.counter.calls++;
    try {
      const e = await this.tables.duplicates.getEntity<{ count: number; recentJson?: string }>('duplicate', id);
      return { count: Number(e.count), recent: (parse(e.recentJson) as Signals['recent'] | undefined) ?? [] };
    } catch (err) {
      if (statusOf(err) === 404) return { count: 0, recent: [] };
      throw err;
    }
  }

  async duplicateCount(id: string): Promise<number> {
    this.counter.calls++;
    try {
      return Number((await this.tables.duplicates.getEntity<{ count: number }>('duplicate', id)).count);
    } catch (err) {
      if (statusOf(err) === 404) return 0;
      throw err;
    }
  }

  private async deleteQuietly(table: TableClient, partitionKey: string, rowKey: string): Promise<void> {
    try {
      await table.deleteEntity(partitionKey, rowKey);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}
