// Where refresh jobs keep their runs, in table storage: one partition, a row per job with the last
// slot the schedule ran, the last scheduled and the last manual run (operation, start, end,
// outcome, duration) and whether the job is paused. Every change is an ETag compare-and-swap, so
// two timers (two instances of the app, or a timer and POST /run) that want the same slot at once
// cannot both have it: one claims it, the other learns which operation did.
//
// Slots:
// - a scheduled slot is the occurrence's ISO instant (UTC), from dueRun. Slots only move forward:
//   claiming a slot earlier than or equal to lastScheduledFor is refused, so an old slot never runs
//   twice;
// - a manual run ("run now") has its own slot, manual:<ISO instant> (manualSlot). Manual slots move
//   forward on their own and never move lastScheduledFor: the next scheduled slot still runs.
import { odata, type TableClient } from '@azure/data-tables';
import { systemClock, type Clock } from '../clock';
import { AppError } from '../errors';

export type RefreshOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface RefreshRun {
  /** the slot the run was claimed for: an ISO instant, or manual:<ISO instant> */
  slot: string;
  operationId: string;
  /** when the slot was claimed */
  startedAt: string;
  endedAt?: string;
  outcome?: RefreshOutcome;
  durationMs?: number;
}

export interface RefreshJobState {
  job: string;
  /** the latest scheduled slot claimed (undefined: the schedule never ran the job) */
  lastScheduledFor?: string;
  /** the run started last, scheduled or manual */
  lastRun?: RefreshRun;
  lastScheduledRun?: RefreshRun;
  lastManualRun?: RefreshRun;
  paused: boolean;
  /** when paused last changed */
  pausedChangedAt?: string;
  /** the row's ETag when read */
  etag: string;
}

export type ClaimResult =
  | { claimed: true; operationId: string }
  /**
   * taken: this very slot was claimed, by `by`; superseded: a later slot of the same kind was
   * claimed (by `by`); running: the job's last run (`by`) has no outcome yet and the claim asked
   * not to start beside it
   */
  | { claimed: false; by: string; reason: 'taken' | 'superseded' | 'running' }
  /** a scheduled slot of a paused job (manual runs are still claimed) */
  | { claimed: false; reason: 'paused' };

export interface ClaimOptions {
  /** refuse (reason running) while the job's last run has no outcome recorded and is not in `ended` */
  unlessRunning?: boolean;
  /** runs known to have ended (or never to have started) although no outcome was recorded for them */
  ended?: ReadonlySet<string>;
}

const PARTITION = 'refresh';
const MANUAL = 'manual:';
const MAX_ATTEMPTS = 20;
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/** The slot of a run asked for now: manual:<ISO instant>. */
export function manualSlot(at: Date): string {
  return MANUAL + at.toISOString();
}

export function isManualSlot(slot: string): boolean {
  return slot.startsWith(MANUAL);
}

interface Slot {
  manual: boolean;
  at: number;
  /** normalised: the ISO instant with milliseconds, with its manual: prefix if any */
  key: string;
}

function parseSlot(slot: string): Slot {
  const manual = isManualSlot(slot);
  const text = manual ? slot.slice(MANUAL.length) : slot;
  const at = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new AppError('BAD_REQUEST', `"${slot}" is not a refresh slot: an ISO instant (2025-06-15T00:00:00.000Z) or manual:<ISO instant>`);
  }
  const iso = new Date(at).toISOString();
  return { manual, at, key: manual ? MANUAL + iso : iso };
}

type Entity = {
  partitionKey: string;
  rowKey: string;
  job: string;
  lastScheduledFor: string;
  scheduledRunJson: string;
  manualRunJson: string;
  paused: boolean;
  pausedChangedAt: string;
  version: number;
};

/** The row's own columns, without what the service adds (etag, timestamp). */
const entityOf = (e: Entity): Entity => ({
  partitionKey: e.partitionKey,
  rowKey: e.rowKey,
  job: e.job,
  lastScheduledFor: e.lastScheduledFor ?? '',
  scheduledRunJson: e.scheduledRunJson ?? '',
  manualRunJson: e.manualRunJson ?? '',
  paused: e.paused === true,
  pausedChangedAt: e.pausedChangedAt ?? '',
  version: typeof e.version === 'number' ? e.version : 0,
});

interface Stored {
  entity: Entity;
  etag: string;
}

const runOf = (json: string): RefreshRun | undefined => (json ? (JSON.parse(json) as RefreshRun) : undefined);

function stateOf(s: Stored): RefreshJobState {
  const e = s.entity;
  const scheduled = runOf(e.scheduledRunJson);
  const manual = runOf(e.manualRunJson);
  const lastRun = !scheduled ? manual : !manual ? scheduled : Date.parse(manual.startedAt) > Date.parse(scheduled.startedAt) ? manual : scheduled;
  return {
    job: e.job,
    lastScheduledFor: e.lastScheduledFor || undefined,
    lastRun,
    lastScheduledRun: scheduled,
    lastManualRun: manual,
    paused: e.paused === true,
    pausedChangedAt: e.pausedChangedAt || undefined,
    etag: s.etag,
  };
}

export class RefreshRunStore {
  constructor(
    private readonly table: TableClient,
    private readonly clock: Clock = systemClock,
  ) {}

  private rowKey(job: string): string {
    if (!JOB_NAME.test(job)) throw new AppError('BAD_REQUEST', `"${job}" is not a refresh job name`);
    return job.toLowerCase();
  }

  private async read(job: string): Promise<Stored | undefined> {
    try {
      const e = await this.table.getEntity<Entity>(PARTITION, this.rowKey(job));
      return { entity: entityOf(e), etag: e.etag };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private blank(job: string): Entity {
    return { partitionKey: PARTITION, rowKey: this.rowKey(job), job, lastScheduledFor: '', scheduledRunJson: '', manualRunJson: '', paused: false, pausedChangedAt: '', version: 0 };
  }

  /** Writes `next` if the row is still as read (or, for a new row, if nobody created it). False when another writer won. */
  private async write(previous: Stored | undefined, next: Entity): Promise<boolean> {
    const entity = { ...next, version: (previous?.entity.version ?? 0) + 1 };
    try {
      if (previous) await this.table.updateEntity(entity, 'Replace', { etag: previous.etag });
      else await this.table.createEntity(entity);
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409) return false;
      throw err;
    }
  }

  /** Reads, changes and writes the job's row until the write is not overtaken (a bounded number of times). */
  private async update<T>(job: string, change: (current: Stored | undefined) => { next?: Entity; result: T }): Promise<T> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.read(job);
      const { next, result } = change(current);
      if (!next || (await this.write(current, next))) return result;
    }
    throw new AppError('CONCURRENCY_CONFLICT', `refresh job ${job}: its run state changed under ${MAX_ATTEMPTS} writes in a row`);
  }

  async get(job: string): Promise<RefreshJobState | undefined> {
    const s = await this.read(job);
    return s && stateOf(s);
  }

  /** Every job that has a state (ran, or was paused), by name. */
  async list(): Promise<RefreshJobState[]> {
    const out: RefreshJobState[] = [];
    for await (const e of this.table.listEntities<Entity>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } })) {
      out.push(stateOf({ entity: entityOf(e), etag: e.etag }));
    }
    return out.sort((a, b) => a.job.toLowerCase().localeCompare(b.job.toLowerCase()));
  }

  /**
   * Claims a slot for one run of the job. Exactly one of several concurrent claims of one slot
   * succeeds; the others learn which operation has it. A scheduled slot earlier than or equal to
   * lastScheduledFor is refused (superseded or taken), and so is a manual slot earlier than or equal
   * to the last manual one. `operationIdFor` is called with the normalised slot
   * (2025-06-15T00:00:00.000Z, manual:2025-06-15T08:12:03.120Z).
   */
  async claim(job: string, scheduledFor: string, operationIdFor: (scheduledFor: string) => string, options: ClaimOptions = {}): Promise<ClaimResult> {
    const slot = parseSlot(scheduledFor);
    let operationId: string | undefined;
    return this.update<ClaimResult>(job, (current) => {
      const state = current && stateOf(current);
      if (!slot.manual && state?.paused) return { result: { claimed: false, reason: 'paused' } };
      const laneRun = slot.manual ? state?.lastManualRun : state?.lastScheduledRun;
      if (laneRun && slot.at <= parseSlot(laneRun.slot).at) {
        return { result: { claimed: false, by: laneRun.operationId, reason: laneRun.slot === slot.key ? 'taken' : 'superseded' } };
      }
      if (options.unlessRunning && state?.lastRun && state.lastRun.outcome === undefined && !options.ended?.has(state.lastRun.operationId)) {
        return { result: { claimed: false, by: state.lastRun.operationId, reason: 'running' } };
      }
      operationId ??= operationIdFor(slot.key);
      const run: RefreshRun = { slot: slot.key, operationId, startedAt: this.clock.now().toISOString() };
      const base = current?.entity ?? this.blank(job);
      const next: Entity = slot.manual
        ? { ...base, manualRunJson: JSON.stringify(run) }
        : { ...base, lastScheduledFor: slot.key, scheduledRunJson: JSON.stringify(run) };
      return { next, result: { claimed: true, operationId } };
    });
  }

  /**
   * Records how the job's run ended, once it has. False when the operation is not the job's last
   * scheduled or last manual run (a later claim of its kind replaced it).
   */
  async recordOutcome(job: string, operationId: string, outcome: RefreshOutcome, endedAt: Date | string): Promise<boolean> {
    const ended = endedAt instanceof Date ? endedAt : new Date(endedAt);
    if (!Number.isFinite(ended.getTime())) throw new AppError('BAD_REQUEST', `refresh job ${job}: "${String(endedAt)}" is not a time`);
    return this.update<boolean>(job, (current) => {
      if (!current) return { result: false };
      const state = stateOf(current);
      const field = state.lastScheduledRun?.operationId === operationId ? 'scheduledRunJson' : state.lastManualRun?.operationId === operationId ? 'manualRunJson' : undefined;
      if (!field) return { result: false };
      const run = (field === 'scheduledRunJson' ? state.lastScheduledRun : state.lastManualRun) as RefreshRun;
      const done: RefreshRun = {
        ...run,
        endedAt: ended.toISOString(),
        outcome,
        durationMs: Math.max(0, ended.getTime() - Date.parse(run.startedAt)),
      };
      if (run.endedAt === done.endedAt && run.outcome === done.outcome) return { result: true };
      return { next: { ...current.entity, [field]: JSON.stringify(done) }, result: true };
    });
  }

  /** Pauses or resumes the job's schedule (manual runs are not paused). Returns the new state. */
  async setPaused(job: string, paused: boolean): Promise<RefreshJobState> {
    await this.update<void>(job, (current) => {
      if (current && (current.entity.paused === true) === paused) return { result: undefined };
      const base = current?.entity ?? this.blank(job);
      return { next: { ...base, paused, pausedChangedAt: this.clock.now().toISOString() }, result: undefined };
    });
    return (await this.get(job)) as RefreshJobState;
  }
}
