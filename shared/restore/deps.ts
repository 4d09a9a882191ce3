// What the restore playbook needs from the outside world, and the per-step view of one restore.
import type { BackupContainerConfig, Estate, InstanceConfig } from '../config/schema';
import { AppError } from '../errors';
import type { StepContext } from '../ops/types';
import type { BackupContainer } from '../storage/backupContainer';
import type { SqlClient } from '../sql/pools';
import type { BlobClaims } from './claims';
import { RestoreInput, restoreInputSchema } from './input';
import type { RestoreState } from './state';

export interface RestoreDeps {
  estate(): Promise<Estate>;
  sqlClient(instance: InstanceConfig): SqlClient;
  container(config: BackupContainerConfig): BackupContainer;
  claims: BlobClaims;
  /** how often running restores and missing stripes are looked at again */
  pollMs: number;
}

export interface RestoreRun {
  input: RestoreInput;
  state: RestoreState;
  target: InstanceConfig;
  sql: SqlClient;
  container: BackupContainer;
  estate: Estate;
}

export async function openRun(deps: RestoreDeps, ctx: StepContext): Promise<RestoreRun> {
  const input = restoreInputSchema.parse(ctx.input);
  const estate = await deps.estate();
  const target = estate.instances.find((i) => i.name.toLowerCase() === input.target.instance.toLowerCase());
  if (!target) throw new AppError('TARGET_UNKNOWN', `instance ${input.target.instance} is no longer in the estate configuration`);
  const containerConfig = estate.backupContainers.find((c) => c.name.toLowerCase() === input.container.toLowerCase());
  if (!containerConfig) throw new AppError('CONTAINER_UNKNOWN', `backup container ${input.container} is no longer in the estate configuration`);
  return {
    input,
    state: { ...((ctx.stepState as RestoreState | undefined) ?? {}) },
    target,
    sql: deps.sqlClient(target),
    container: deps.container(containerConfig),
    estate,
  };
}

export const targetKeyOf = (input: Pick<RestoreInput, 'target'>): string => `${input.target.instance}/${input.target.database}`.toLowerCase();
