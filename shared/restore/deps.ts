// What the restore playbook needs from the outside world, and the per-step view of one restore.
import type { BackupContainerConfig, Estate, InstanceConfig } from '../config/schema';
import { AppError } from '../errors';
import type { StepContext } from '../ops/types';
import type { BackupContainer } from '../storage/backupContainer';
import type { SqlClient } from '../sql/pools';
import type { LogReplay } from './logReplayService';
import { blobVersionKey, type BlobClaims } from './claims';
import type { JsonStore } from '../storage/jsonStore';
import type { ManagedInstanceFacts } from './portability';
import type { PlannedStep, RestoreFile } from './state';
import type { FileMove } from '../sql/restoreStatements';
import type { RestoreInput } from './input';
import type { RestoreState } from './state';

export interface RestoreDeps {
  estate(): Promise<Estate>;
  sqlClient(instance: InstanceConfig): SqlClient;
  container(config: BackupContainerConfig): BackupContainer;
  claims: BlobClaims;
  /** what an operation finds out that is too large for its record */
  store: JsonStore;
  /** a managed instance's update policy and TDE protector, from ARM (absent: not checked) */
  managedInstanceFacts?: (armResourceId: string) => Promise<ManagedInstanceFacts>;
  /** the Log Replay Service through ARM, for differential and log chains onto a managed instance (absent: refused) */
  logReplay?: LogReplay;
  /** how often running restores and missing stripes are looked at again */
  pollMs: number;
  /** how long an unreachable target is waited for before the restore fails (default 15 minutes) */
  unreachableWindowMs?: number;
}

/** The operation's larger findings, kept beside it in the JSON store. */
export interface RestoreData {
  candidates(): Promise<Record<string, string>>;
  setCandidates(value: Record<string, string>): Promise<void>;
  plan(): Promise<PlannedStep[]>;
  setPlan(value: PlannedStep[]): Promise<void>;
  files(): Promise<RestoreFile[]>;
  setFiles(value: RestoreFile[]): Promise<void>;
  moves(): Promise<FileMove[]>;
  setMoves(value: FileMove[]): Promise<void>;
  validation(): Promise<TableValidation[]>;
  setValidation(value: TableValidation[]): Promise<void>;
}

/** One table's row counts: the restored copy's, and the source's when it could be read. */
export interface TableValidation {
  table: string;
  rows: number;
  sourceRows?: number;
}

export function restoreData(store: JsonStore, operationId: string): RestoreData {
  const path = (name: string): string => `operations/${operationId}/${name}.json`;
  const get = async <T>(name: string, fallback: T): Promise<T> => (await store.get<T>(path(name))) ?? fallback;
  return {
    candidates: () => get('candidates', {}),
    setCandidates: (v) => store.put(path('candidates'), v),
    plan: () => get('plan', []),
    setPlan: (v) => store.put(path('plan'), v),
    files: () => get('files', []),
    setFiles: (v) => store.put(path('files'), v),
    moves: () => get('moves', []),
    setMoves: (v) => store.put(path('moves'), v),
    validation: () => get('validation', []),
    setValidation: (v) => store.put(path('validation'), v),
  };
}

export interface RestoreRun {
  data: RestoreData;
  input: RestoreInput;
  state: RestoreState;
  target: InstanceConfig;
  sql: SqlClient;
  container: BackupContainer;
  estate: Estate;
}

/** What a restore step is handed: the operation, typed by the playbook's schemas. */
export type RestoreContext = StepContext<RestoreInput, RestoreState>;

export async function openRun(deps: RestoreDeps, ctx: RestoreContext): Promise<RestoreRun> {
  const { input } = ctx;
  const estate = await deps.estate();
  const target = estate.instances.find((i) => i.name.toLowerCase() === input.target.instance.toLowerCase());
  if (!target) throw new AppError('TARGET_UNKNOWN', `instance ${input.target.instance} is no longer in the estate configuration`);
  const containerConfig = estate.backupContainers.find((c) => c.name.toLowerCase() === input.container.toLowerCase());
  if (!containerConfig) throw new AppError('CONTAINER_UNKNOWN', `backup container ${input.container} is no longer in the estate configuration`);
  return {
    data: restoreData(deps.store, ctx.operation.id),
    input,
    state: { ...(ctx.stepState ?? {}) },
    target,
    sql: deps.sqlClient(target),
    container: deps.container(containerConfig),
    estate,
  };
}

export const targetKeyOf = (input: Pick<RestoreInput, 'target'>): string => `${input.target.instance}/${input.target.database}`.toLowerCase();

/** The condition a restore waiting for backups (its stripes, the rest of its chain) waits on: a backup arrived for its target. */
export const backupsArrivedFor = (targetKey: string): string => `restore-backups:${targetKey}`;

/** The blob version keys of each backup set of the plan (what claims and plans name). */
export async function planKeys(run: RestoreRun): Promise<string[][]> {
  const candidates = await run.data.candidates();
  return (await run.data.plan()).map((step) => step.urls.map((url) => blobVersionKey(url, candidates[run.container.pathOf(url) ?? ''] ?? '')));
}
