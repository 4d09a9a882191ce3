// Operations and their audit trail in one Azure table: the operation is the row `operation` of its
// own partition, its audit rows sit beside it. A change and its audit row are written in one
// entity-group transaction with the operation's ETag, so a transition is recorded exactly when it
// happens, and two writers can never both win.
import { TableClient, TableEntityResult, odata } from '@azure/data-tables';
import { AppError, ErrorInfo } from '../errors';
import type { AuditEntry, OperationRecord, OperationState } from './types';

const OPERATION_ROW = 'operation';
const auditRow = (sequence: number): string => `audit-${String(sequence).padStart(10, '0')}`;
// Azure Tables limits a string property to 64 KiB (32K UTF-16 characters).
const MAX_JSON_CHARS = 30_000;

/** Another writer changed the operation first; reload and decide again. */
export class ConcurrencyConflict extends AppError {
  constructor(operationId: string) {
    super('CONCURRENCY_CONFLICT', `operation ${operationId} was changed by another worker at the same time`, { isTransient: true });
  }
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function json(value: unknown, what: string, id: string): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  if (text.length > MAX_JSON_CHARS) {
    throw new AppError('OPERATION_TOO_LARGE', `operation ${id}: ${what} is ${text.length} characters; the limit is ${MAX_JSON_CHARS}`);
  }
  return text;
}

function parse(text: unknown): unknown {
  return typeof text === 'string' && text !== '' ? JSON.parse(text) : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function toEntity(op: Omit<OperationRecord, 'etag'>): Entity {
  const entity: Entity = {
    partitionKey: op.id,
    rowKey: OPERATION_ROW,
    kind: op.kind,
    targetKey: op.targetKey,
    state: op.state,
    step: op.step,
    stepStateJson: json(op.stepState, 'step state', op.id),
    inputJson: json(op.input, 'input', op.id),
    outputJson: json(op.output, 'output', op.id),
    errorJson: json(op.error, 'error', op.id),
    attempt: op.attempt,
    version: op.version,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    startedAt: op.startedAt,
    deadline: op.deadline,
    nextRunAt: op.nextRunAt,
    waitReason: op.waitReason,
    leaseOwner: op.leaseOwner,
    leaseUntil: op.leaseUntil,
    messageToken: op.messageToken,
    lockUntil: op.lockUntil,
    cancelJson: json(op.cancelRequested, 'cancel request', op.id),
    cleanupJson: json(op.cleanup, 'cleanup', op.id),
    approvalJson: json(op.approval, 'approval', op.id),
    progressJson: json(op.progress, 'progress', op.id),
    idempotencyKey: op.idempotencyKey,
    createdBy: op.createdBy,
  };
  // Replace semantics: absent optional fields are simply not written.
  for (const key of Object.keys(entity)) if (entity[key] === undefined) delete entity[key];
  return entity;
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): OperationRecord {
  return {
    id: e.partitionKey as string,
    kind: e.kind as string,
    targetKey: e.targetKey as string,
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
    deadline: e.deadline as string,
    nextRunAt: str(e.nextRunAt),
    waitReason: str(e.waitReason),
    leaseOwner: str(e.leaseOwner),
    leaseUntil: str(e.leaseUntil),
    messageToken: e.messageToken as string,
    lockUntil: str(e.lockUntil),
    cancelRequested: parse(e.cancelJson) as OperationRecord['cancelRequested'],
    cleanup: parse(e.cleanupJson) as OperationRecord['cleanup'],
    approval: parse(e.approvalJson) as OperationRecord['approval'],
    progress: parse(e.progressJson) as OperationRecord['progress'],
    idempotencyKey: str(e.idempotencyKey),
    createdBy: e.createdBy as string,
    etag: e.etag,
  };
}

function auditEntity(a: AuditEntry): Entity {
  const e: Entity = {
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
  };
  for (const key of Object.keys(e)) if (e[key] === undefined) delete e[key];
  return e;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The fields a transition may change; identity and bookkeeping fields are the store's. */
export type OperationChanges = Partial<Omit<OperationRecord, 'id' | 'kind' | 'targetKey' | 'createdAt' | 'createdBy' | 'version' | 'updatedAt' | 'etag'>>;

export interface AuditNote {
  actor: string;
  reason: string;
  error?: ErrorInfo;
}

export interface ListFilter {
  states?: OperationState[];
  kind?: string;
  targetKey?: string;
  limit?: number;
}

/** Counts storage calls, so the benchmark can report calls per step. */
export interface CallCounter {
  calls: number;
}

export class OperationStore {
  readonly counter: CallCounter = { calls: 0 };

  constructor(private readonly table: TableClient) {}

  async get(id: string): Promise<OperationRecord | undefined> {
    this.counter.calls++;
    try {
      return fromEntity(await this.table.getEntity<Record<string, unknown>>(id, OPERATION_ROW));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Creates the operation and its first audit row; false if an operation with this id exists. */
  async create(op: Omit<OperationRecord, 'etag'>, audit: AuditNote): Promise<OperationRecord | undefined> {
    this.counter.calls++;
    try {
      const response = await this.table.submitTransaction([
        ['create', toEntity(op)],
        [
          'create',
          auditEntity({ ...audit, operationId: op.id, sequence: op.version, at: op.createdAt, toState: op.state, toStep: op.step }),
        ],
      ]);
      const etag = response.subResponses[0]?.etag;
      return etag ? { ...op, etag } : await this.get(op.id);
    } catch (err) {
      if (statusOf(err) === 409) return undefined;
      throw err;
    }
  }

  /**
   * Compare-and-swap: applies `changes` only if the stored operation still has `current.etag`,
   * with an audit row when `audit` is given (a state or step transition). Throws
   * ConcurrencyConflict when someone else wrote first.
   */
  async save(current: OperationRecord, changes: OperationChanges, at: string, audit?: AuditNote): Promise<OperationRecord> {
    const { etag: _etag, ...base } = current;
    const record = { ...base, ...changes, version: current.version + 1, updatedAt: at };
    this.counter.calls++;
    try {
      let etag: string | undefined;
      if (audit) {
        const response = await this.table.submitTransaction([
          ['update', toEntity(record), 'Replace', { etag: current.etag }],
          [
            'create',
            auditEntity({
              operationId: current.id,
              sequence: record.version,
              at,
              actor: audit.actor,
              reason: audit.reason,
              error: audit.error,
              fromState: current.state,
              toState: record.state,
              fromStep: current.step,
              toStep: record.step,
            }),
          ],
        ]);
        etag = response.subResponses[0]?.etag;
      } else {
        etag = (await this.table.updateEntity(toEntity(record), 'Replace', { etag: current.etag })).etag;
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

  async list(filter: ListFilter = {}): Promise<OperationRecord[]> {
    const clauses = [odata`RowKey eq ${OPERATION_ROW}`];
    if (filter.kind) clauses.push(odata`kind eq ${filter.kind}`);
    if (filter.targetKey) clauses.push(odata`targetKey eq ${filter.targetKey}`);
    if (filter.states && filter.states.length > 0) {
      clauses.push(`(${filter.states.map((s) => odata`state eq ${s}`).join(' or ')})`);
    }
    const out: OperationRecord[] = [];
    const pages = this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } }).byPage({ maxPageSize: 1000 });
    for await (const page of pages) {
      this.counter.calls++;
      for (const e of page) out.push(fromEntity(e));
    }
    out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return filter.limit ? out.slice(0, filter.limit) : out;
  }

  async audit(operationId: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const filter = odata`PartitionKey eq ${operationId} and RowKey ge 'audit-' and RowKey lt 'audit.'`;
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
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
    this.counter.calls++;
    return out.sort((a, b) => a.sequence - b.sequence);
  }
}
