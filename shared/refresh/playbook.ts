// The refresh playbook (one operation per run): checks before anything is touched, a copy-only
// backup of the source to URL as a SQL Agent job, the restore playbook into a staging name on the
// target, the job's scripts in the staging copy, row counts against the source, then the swap
// (sessions given their grace, the old copy renamed aside, the staging copy renamed into place) and
// the retention of old copies. The target is never left without a usable database: anything that
// ends the run before the swap drops the staging copy and leaves the old one untouched, and a swap
// cut in the middle is put back.
import type { PollerState } from '../arm/poller';
import type { BackupContainerConfig, Estate, InstanceConfig } from '../config/schema';
import { AppError, type ErrorCode } from '../errors';
import { APP_BACKUP_PREFIX } from '../events/blobCreated';
import { definePlaybook, type Playbook, type StepHandler } from '../ops/playbook';
import { operationEnded } from '../ops/conditions';
import { cleanedUp, fail, next, succeed, wait, waitOn, type StepContext } from '../ops/types';
import { portabilityProblem, type ManagedInstanceFacts } from '../restore/portability';
import { protectionOf } from '../restore/protection';
import { serverJob, stopJob } from '../sql/agentJobs';
import { createSasCredential, dropCredential } from '../sql/credentials';
import { databasesStartingWith, databaseState } from '../sql/databases';
import type { SqlClient } from '../sql/pools';
import { quoteLiteral, quoteName } from '../sql/quote';
import { majorVersion } from '../sql/serverVersion';
import { rowCounts } from '../sql/rowCounts';
import type { BackupContainer } from '../storage/backupContainer';
import { planBackup } from './backupPlan';
import { REFRESH_KIND, refreshInputSchema, refreshStateSchema, type RefreshInput, type RefreshState } from './input';
import { scriptName, splitBatches } from './scripts';
import { databaseSize, spaceVerdict, targetVolumes } from './space';
import { remapOrphanedUsers } from './users';

export interface RefreshDeps {
  estate(): Promise<Estate>;
  sqlClient(instance: InstanceConfig): SqlClient;
  container(config: BackupContainerConfig): BackupContainer;
  /** a managed instance's update policy and TDE protector (ARM); undefined when the app has no ARM */
  managedInstanceFacts?: (armResourceId: string) => Promise<ManagedInstanceFacts>;
  /** ARM point-in-time restore onto a managed instance (refresh MI -> MI); undefined when the app has no ARM */
  pointInTime?: {
    start(targetArmId: string, database: string, sourceDatabaseId: string, restorePointInTime: string): Promise<PollerState>;
    poll(state: PollerState): Promise<{ done: boolean; state: PollerState; retryAfterMs: number; error?: { message: string; armCode?: string } }>;
  };
  /** the restore playbook: restores a (striped) backup to an explicit target; its operation id */
  startRestore(blobUrl: string, target: { instance: string; database: string }, requestedBy: string): Promise<string>;
  operationState(id: string): Promise<{ state: string; error?: { code: string; message: string }; progress?: { percent: number } } | undefined>;
  cancelOperation(id: string, reason: string): Promise<void>;
  /** a script stored beside the estate (a sanitizing script given by path) */
  readBeside(path: string): Promise<{ text: string; from: string }>;
  /** the scripts the checks read, kept with the operation so every step runs the same text */
  scripts: { save(operationId: string, texts: string[]): Promise<void>; load(operationId: string): Promise<string[] | undefined> };
  pollMs: number;
}

type Ctx = StepContext<RefreshInput, RefreshState>;
type Check = RefreshState['checks'][number];

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function stateOf(ctx: Ctx): RefreshState {
  if (!ctx.stepState) throw new AppError('OPERATION_STATE_INVALID', `refresh ${ctx.operation.id} lost the state its checks saved`);
  return { ...ctx.stepState, phases: ctx.stepState.phases.map((p) => ({ ...p })) };
}

/** ends the running phase and starts `name` (a phase already running is left as it is) */
function phase(state: RefreshState, name: string, now: Date): RefreshState {
  const last = state.phases[state.phases.length - 1];
  if (last?.name === name && !last.endedAt) return state;
  if (last && !last.endedAt) last.endedAt = now.toISOString();
  state.phases.push({ name, startedAt: now.toISOString() });
  return state;
}

const allocatedBytes = async (client: SqlClient, database: string): Promise<number | undefined> => {
  const size = await databaseSize(client, database);
  return size && size.dataBytes + size.logBytes;
};

const isEncrypted = async (client: SqlClient, database: string): Promise<boolean> => {
  const r = await client.query<{ is_encrypted: boolean | number }>({ text: 'SELECT is_encrypted FROM sys.databases WHERE name = @db', params: [{ name: 'db', type: 'nvarchar', value: database }] });
  const v = r.recordsets[0]?.[0]?.is_encrypted;
  return v === true || v === 1;
};

export function refreshPlaybook(deps: RefreshDeps): Playbook {
  const instances = async (input: RefreshInput): Promise<{ estate: Estate; source: InstanceConfig; target: InstanceConfig; container: BackupContainerConfig }> => {
    const estate = await deps.estate();
    const find = (name: string): InstanceConfig => {
      const i = estate.instances.find((x) => same(x.name, name));
      if (!i) throw new AppError('TARGET_UNKNOWN', `refresh ${input.job} names instance ${name}, which is not in the estate`);
      return i;
    };
    const container = estate.backupContainers.find((c) => same(c.name, input.container));
    if (!container) throw new AppError('CONTAINER_UNKNOWN', `refresh ${input.job} writes its backup to container ${input.container}, which is not in the estate`);
    return { estate, source: find(input.source.instance), target: find(input.target.instance), container };
  };

  const steps: Record<string, StepHandler<RefreshInput, RefreshState>> = {
    async check(ctx) {
      const { input } = ctx;
      const { estate, source, target } = await instances(input);
      const staging = `${input.target.database}_refresh_${input.stamp}`;
      const checks: Check[] = [];
      const add = (code: string, ok: boolean, message: string): void => void checks.push({ code, ok, message });
      const protection = protectionOf(estate, target.name, input.target.database);
      add(protection.production ? 'TARGET_PROTECTED' : 'TARGET_NON_PRODUCTION', !protection.production, protection.production ? `${protection.why}: a refresh never replaces a production database` : protection.why);
      const pitr = source.kind === 'managedInstance' && target.kind === 'managedInstance';
      if (pitr && (!deps.pointInTime || !source.armResourceId || !target.armResourceId)) {
        add('REFRESH_NOT_SUPPORTED', false, `${source.name} → ${target.name} is a point-in-time restore through ARM, and the app has no ARM or the estate lacks the instances' armResourceId`);
      }
      const sourceSql = deps.sqlClient(source);
      const targetSql = deps.sqlClient(target);
      const size = await databaseSize(sourceSql, input.source.database);
      add(size === undefined ? 'SOURCE_NOT_FOUND' : 'SOURCE_FOUND', size !== undefined, size === undefined ? `${input.source.database} does not exist on ${source.name}` : `${input.source.database} on ${source.name}: ${((size.dataBytes + size.logBytes) / 1024 ** 3).toFixed(2)} GiB allocated`);
      if (size) {
        const { volumes, dataPath, logPath } = await targetVolumes(targetSql);
        const verdict = spaceVerdict(target.name, { ...size, dataPath, logPath }, volumes);
        add(verdict.ok ? 'SPACE' : 'NOT_ENOUGH_SPACE', verdict.ok, verdict.message);
      }
      const [sourceMajor, targetMajor] = await Promise.all([majorVersion(sourceSql), majorVersion(targetSql)]);
      if (source.kind === 'managedInstance' && target.kind === 'sqlServer') {
        if (!deps.managedInstanceFacts || !source.armResourceId) add('PORTABILITY_UNKNOWN', false, `the update policy and TDE protector of ${source.name} cannot be read (no ARM, or no armResourceId in the estate)`);
        else {
          const facts = await deps.managedInstanceFacts(source.armResourceId);
          const problem = portabilityProblem({ sourceInstance: source.name, facts, encrypted: await isEncrypted(sourceSql, input.source.database), target: target.name, targetMajor: targetMajor ?? 0 });
          add(problem?.code ?? 'PORTABLE', !problem, problem?.message ?? `${source.name} uses the ${facts.databaseFormat} update policy: its backups restore on ${target.name} (SQL Server ${targetMajor}.0)`);
        }
      } else if (sourceMajor !== undefined && targetMajor !== undefined) {
        add(sourceMajor > targetMajor ? 'BACKUP_NEWER_THAN_TARGET' : 'VERSIONS', sourceMajor <= targetMajor, sourceMajor > targetMajor ? `${source.name} runs SQL Server ${sourceMajor}.0; ${target.name} runs ${targetMajor}.0 and cannot restore newer versions` : `${source.name} ${sourceMajor}.0 → ${target.name} ${targetMajor}.0`);
      }
      // the scripts are read once, here: every later step runs the text that was checked
      const texts: string[] = [];
      const scriptsFrom: string[] = [];
      for (const [i, spec] of input.sanitizeScripts.entries()) {
        const label = scriptName(spec, i);
        let text: string;
        try {
          const read = typeof spec === 'string' ? { text: spec, from: 'the estate (inline)' } : await deps.readBeside(spec.path);
          text = read.text;
          scriptsFrom.push(`${label}: ${read.from}`);
        } catch (err) {
          add('SANITIZE_SCRIPT_NOT_FOUND', false, `${label}: ${(err as Error).message}`);
          continue;
        }
        let batches: string[];
        try {
          batches = splitBatches(text);
        } catch (err) {
          add('SANITIZE_SCRIPT_EMPTY', false, `${label}: ${(err as Error).message}`);
          continue;
        }
        add(batches.length > 0 ? 'SCRIPT_PARSES' : 'SANITIZE_SCRIPT_EMPTY', batches.length > 0, batches.length > 0 ? `${label}: ${batches.length} batch${batches.length > 1 ? 'es' : ''}` : `${label} has no T-SQL batch (only GO separators or blank lines)`);
        texts.push(text);
      }
      const oldName = `${input.target.database}_old_${input.stamp}`;
      for (const name of [staging, oldName]) if (await databaseState(targetSql, name)) add('STAGING_EXISTS', false, `${name} already exists on ${target.name} (a leftover of an earlier run?)`);
      const state: RefreshState = { checks, phases: [], staging, scriptsFrom };
      const failed = checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        const code = (failed[0].code as ErrorCode) ?? 'BAD_REQUEST';
        return fail(code, `refresh ${input.job} was not started: ${failed.map((c) => c.message).join('; ')}; nothing was touched`, state);
      }
      await deps.scripts.save(ctx.operation.id, texts);
      // managed instance to managed instance: no backup at all, a point-in-time restore through ARM
      return pitr ? next('pointInTime', phase(state, 'restore', ctx.now)) : next('backup', phase(state, 'backup', ctx.now));
    },

    async pointInTime(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { source, target } = await instances(input);
      const arm = deps.pointInTime;
      if (!arm || !source.armResourceId || !target.armResourceId) return fail('REFRESH_NOT_SUPPORTED', 'the app has no ARM for a point-in-time restore', state);
      if (!state.pitr) {
        // the newest point a managed instance can surely restore: its log backups run every 5-10 minutes
        const point = state.pointInTime ?? new Date(ctx.now.getTime() - 15 * 60_000).toISOString();
        const poller = await arm.start(target.armResourceId, state.staging, `${source.armResourceId}/databases/${input.source.database}`, point);
        return wait(deps.pollMs, `point-in-time restore of ${source.name}/${input.source.database} as of ${point} into ${state.staging} on ${target.name}`, { ...state, pitr: poller, pointInTime: point });
      }
      const r = await arm.poll(state.pitr);
      if (!r.done) return wait(Math.max(250, Math.min(r.retryAfterMs, deps.pollMs)), `point-in-time restore into ${state.staging} on ${target.name} in progress`, { ...state, pitr: r.state });
      if (r.error) return fail('RESTORE_FAILED', `the point-in-time restore of ${source.name}/${input.source.database} into ${state.staging} on ${target.name} failed: ${r.error.armCode ?? ''} ${r.error.message}; the old copy was not touched`, { ...state, pitr: r.state });
      return next('sanitize', phase({ ...state, pitr: r.state }, 'sanitize', ctx.now));
    },

    async backup(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { source, container: config } = await instances(input);
      const client = deps.sqlClient(source);
      const container = deps.container(config);
      let backup = state.backup;
      if (!backup) {
        const bytes = (await allocatedBytes(client, input.source.database)) ?? 0;
        const plan = planBackup(source.kind, input.source.database, bytes, `${APP_BACKUP_PREFIX}refresh/${input.job}/${input.stamp}`, input.stamp);
        backup = { urls: plan.paths.map((p) => container.urlOf(p)), job: `mi-autopilot refresh ${ctx.operation.id.slice(-24)}`, done: false };
      }
      if (!backup.done) {
        const sas = await container.sas('write', new Date(ctx.operation.deadline), ctx.now);
        await client.batch(createSasCredential(config.url, sas));
        const options = planBackup(source.kind, input.source.database, 0, '', input.stamp).options;
        const command = `BACKUP DATABASE ${quoteName(input.source.database)} TO ${backup.urls.map((u) => `URL = ${quoteLiteral(u)}`).join(', ')} WITH ${options};`;
        const job = await serverJob(client, backup.job, command, `mi-autopilot: copy-only backup of ${input.source.database} for refresh ${input.job} (operation ${ctx.operation.id})`);
        if (job.state === 'running') {
          const firstLook = state.lookedAt !== backup.job;
          const r = await client.batch<{ percent_complete: number }>("SELECT percent_complete FROM sys.dm_exec_requests WHERE command LIKE 'BACKUP%';").catch(() => undefined);
          const percent = Number(r?.recordsets[0]?.[0]?.percent_complete ?? 0);
          await ctx.progress(Math.round(percent * 0.4), `backing up ${input.source.database} on ${source.name} (${Math.round(percent)}%, ${backup.urls.length} stripe${backup.urls.length > 1 ? 's' : ''})`);
          // a job just started is looked at again soon (a small database is done in a second), then at the poll
          return wait(firstLook ? Math.min(deps.pollMs, 1000) : deps.pollMs, `backing up ${input.source.database} on ${source.name}`, { ...state, backup, lookedAt: backup.job });
        }
        await client.batch(dropCredential(config.url)).catch(() => undefined);
        if (job.state === 'failed') return fail('BACKUP_FAILED', `the copy-only backup of ${input.source.database} on ${source.name} failed: ${job.message}; the target was not touched`, { ...state, backup });
        backup = { ...backup, done: true };
      }
      return next('restore', phase({ ...state, backup }, 'restore', ctx.now));
    },

    async restore(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      if (state.restoreOperationId) return next('restoreWait', state);
      const first = state.backup?.urls[0];
      if (!first) return fail('OPERATION_STATE_INVALID', 'the backup left no blob to restore', state);
      const id = await deps.startRestore(first, { instance: input.target.instance, database: state.staging }, `refresh ${input.job} (operation ${ctx.operation.id})`);
      return next('restoreWait', { ...state, restoreOperationId: id });
    },

    async restoreWait(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const op = await deps.operationState(state.restoreOperationId as string);
      if (!op) return fail('RESTORE_FAILED', `restore operation ${state.restoreOperationId} is gone`, state);
      if (op.state === 'failed' || op.state === 'cancelled') {
        return fail('RESTORE_FAILED', `the restore of ${state.staging} on ${input.target.instance} ended ${op.state}${op.error ? `: ${op.error.code}: ${op.error.message}` : ''} (operation ${state.restoreOperationId}); the old copy was not touched`, state);
      }
      if (op.state !== 'succeeded') {
        await ctx.progress(40 + Math.round((op.progress?.percent ?? 0) * 0.4), `restoring ${state.staging} on ${input.target.instance} (operation ${state.restoreOperationId})`);
        // woken when the restore ends, not at the next poll (the poll stays the safety net)
        return waitOn([operationEnded(state.restoreOperationId as string)], deps.pollMs, `restoring ${state.staging} on ${input.target.instance} (operation ${state.restoreOperationId})`, state);
      }
      return next('sanitize', phase(state, 'sanitize', ctx.now));
    },

    async sanitize(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { target } = await instances(input);
      const client = deps.sqlClient(target);
      // (a run the checks of an older version started kept no copy: its scripts were all inline)
      const inline = input.sanitizeScripts.every((x): x is string => typeof x === 'string') ? (input.sanitizeScripts as string[]) : undefined;
      const scripts = (await deps.scripts.load(ctx.operation.id)) ?? inline;
      if (!scripts) return fail('OPERATION_STATE_INVALID', `the sanitizing scripts the checks read for ${ctx.operation.id} are gone; the old copy was not touched`, state);
      let at = state.sanitized ?? { script: 0, batch: 0 };
      const messages = [...(state.scriptMessages ?? [])];
      while (at.script < scripts.length) {
        const batches = splitBatches(scripts[at.script]);
        if (at.batch >= batches.length) {
          at = { script: at.script + 1, batch: 0 };
          continue;
        }
        const jobName = `mi-autopilot sanitize ${ctx.operation.id.slice(-20)} ${at.script + 1}.${at.batch + 1}`;
        const job = await serverJob(client, jobName, batches[at.batch], `mi-autopilot: sanitizing script ${at.script + 1} of refresh ${input.job}`, state.staging);
        if (job.state === 'running') {
          const firstLook = state.lookedAt !== jobName;
          return wait(firstLook ? Math.min(deps.pollMs, 1000) : deps.pollMs, `sanitizing ${state.staging}: script ${at.script + 1}, batch ${at.batch + 1}`, { ...state, sanitized: at, scriptMessages: messages, lookedAt: jobName });
        }
        if (job.state === 'failed') return fail('SANITIZE_FAILED', `script ${at.script + 1} (batch ${at.batch + 1}) failed in ${state.staging} on ${target.name}: ${job.message}; the old copy was not touched`, { ...state, sanitized: at, scriptMessages: messages });
        messages.push(`script ${at.script + 1}, batch ${at.batch + 1}: ${job.message}`.slice(0, 500));
        at = { script: at.script, batch: at.batch + 1 };
      }
      // the app never holds the column master key: encrypted columns cannot have been masked
      const db = quoteName(state.staging);
      const ae = await client.batch<{ col: string }>(
        `SELECT s.name + N'.' + t.name + N'.' + c.name AS col FROM ${db}.sys.columns c JOIN ${db}.sys.tables t ON t.object_id = c.object_id JOIN ${db}.sys.schemas s ON s.schema_id = t.schema_id WHERE c.encryption_type IS NOT NULL ORDER BY col`,
      );
      const alwaysEncrypted = (ae.recordsets[0] ?? []).map((r) => r.col);
      return next('validate', phase({ ...state, sanitized: at, scriptMessages: messages, alwaysEncrypted }, 'validate', ctx.now));
    },

    async validate(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { source, target } = await instances(input);
      const [src, copy] = await Promise.all([rowCounts(deps.sqlClient(source), input.source.database), rowCounts(deps.sqlClient(target), state.staging)]);
      const differences: string[] = [];
      for (const [table, rows] of src) {
        const c = copy.get(table);
        if (c === undefined) differences.push(`${table} is missing in the copy`);
        else if ((Math.abs(rows - c) / Math.max(rows, 1)) * 100 > input.rowCountTolerancePercent) differences.push(`${table}: ${rows} rows in ${source.name}/${input.source.database}, ${c} in the copy`);
      }
      for (const table of copy.keys()) if (!src.has(table)) differences.push(`${table} exists only in the copy`);
      const validation = { tables: copy.size, differences };
      if (differences.length > 0) {
        return fail('VALIDATION_FAILED', `${differences.length} table${differences.length > 1 ? 's differ' : ' differs'} beyond the job's tolerance of ${input.rowCountTolerancePercent}% (${differences.slice(0, 10).join('; ')}); the copy did not go live`, { ...state, validation });
      }
      return next('users', phase({ ...state, validation }, 'users', ctx.now));
    },

    // users whose logins are elsewhere are re-mapped to the target's login of their name before the copy goes live
    async users(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { target } = await instances(input);
      const users = await remapOrphanedUsers(deps.sqlClient(target), state.staging);
      return next('swap', phase({ ...state, users }, 'swap', ctx.now));
    },

    async swap(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { target } = await instances(input);
      const client = deps.sqlClient(target);
      const live = input.target.database;
      const oldName = `${live}_old_${input.stamp}`;
      const liveState = await databaseState(client, live);
      const oldState = await databaseState(client, oldName);
      const stagingState = await databaseState(client, state.staging);
      if (!stagingState && liveState && (oldState || state.oldCopy)) return next('retain', { ...state, swapped: true, oldCopy: state.oldCopy ?? (oldState ? oldName : undefined) });
      if (liveState && !oldState) {
        // sessions on the live copy get their grace, then they are ended
        const sessions = await client.query<{ n: number }>({ text: 'SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE database_id = DB_ID(@db) AND session_id <> @@SPID', params: [{ name: 'db', type: 'nvarchar', value: live }] });
        const n = Number(sessions.recordsets[0]?.[0]?.n ?? 0);
        const since = state.sessionsSince ?? ctx.now.toISOString();
        const graceEnds = new Date(new Date(since).getTime() + input.sessionGraceSeconds * 1000);
        if (n > 0 && ctx.now < graceEnds) {
          return wait(Math.min(deps.pollMs, graceEnds.getTime() - ctx.now.getTime()), `${n} session${n > 1 ? 's' : ''} on ${live}: ended at ${graceEnds.toISOString()} unless they leave first`, { ...state, sessionsSince: since });
        }
        await client.batch(`ALTER DATABASE ${quoteName(live)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\nALTER DATABASE ${quoteName(live)} MODIFY NAME = ${quoteName(oldName)};`);
        await client.batch(`ALTER DATABASE ${quoteName(oldName)} SET MULTI_USER;`);
        state.oldCopy = oldName;
      }
      await client.batch(`ALTER DATABASE ${quoteName(state.staging)} MODIFY NAME = ${quoteName(live)};`);
      return next('retain', phase({ ...state, swapped: true }, 'retain', ctx.now));
    },

    async retain(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const { target } = await instances(input);
      const client = deps.sqlClient(target);
      const old = await databasesStartingWith(client, `${input.target.database}_old_`);
      const dropped = [...(state.dropped ?? [])];
      for (const name of old.slice(input.keepPreviousCopies)) {
        await client.batch(`IF DB_ID(${quoteLiteral(name)}) IS NOT NULL BEGIN ALTER DATABASE ${quoteName(name)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${quoteName(name)}; END`);
        dropped.push(name);
      }
      return next('finish', { ...state, dropped });
    },

    async finish(ctx) {
      const { input } = ctx;
      const state = stateOf(ctx);
      const last = state.phases[state.phases.length - 1];
      if (last && !last.endedAt) last.endedAt = ctx.now.toISOString();
      await ctx.progress(100, `${input.target.database} on ${input.target.instance} refreshed from ${input.source.instance}/${input.source.database}`);
      return succeed({
        job: input.job,
        slot: input.slot,
        source: `${input.source.instance}/${input.source.database}`,
        target: `${input.target.instance}/${input.target.database}`,
        backup: state.backup?.urls,
        pointInTime: state.pointInTime,
        restoreOperation: state.restoreOperationId,
        phases: state.phases.map((p) => ({ ...p, seconds: p.endedAt ? Math.round((new Date(p.endedAt).getTime() - new Date(p.startedAt).getTime()) / 100) / 10 : undefined })),
        sanitized: { scripts: input.sanitizeScripts.length, from: state.scriptsFrom ?? [], messages: state.scriptMessages ?? [] },
        users: state.users,
        notMasked: (state.alwaysEncrypted ?? []).map((c) => `${c}: Always Encrypted (the app has no column master key; sanitizing scripts cannot have changed it)`),
        validation: state.validation,
        // the copy that was live before this run (kept unless it is in `dropped`)
        previousCopy: state.oldCopy,
        dropped: state.dropped ?? [],
        checks: state.checks,
      });
    },

    // whatever ends the run before it succeeds: the live copy online and untouched, no staging copy
    async cleanup(ctx) {
      const { input } = ctx;
      const state = ctx.stepState;
      const { source, target } = await instances(input);
      const parts: string[] = [];
      if (!state) return cleanedUp(`nothing was started; ${input.target.database} on ${target.name} was not touched`);
      if (state.backup && !state.backup.done) {
        if (await stopJob(deps.sqlClient(source), state.backup.job).catch(() => false)) parts.push(`the backup job on ${source.name} was stopped`);
      }
      if (state.pitr && state.pitr.status === 'InProgress' && deps.pointInTime) {
        const r = await deps.pointInTime.poll(state.pitr).catch(() => undefined);
        if (r && !r.done) return wait(deps.pollMs, `waiting for the point-in-time restore into ${state.staging} to end, to drop it`, { ...state, pitr: r.state });
      }
      if (state.restoreOperationId) {
        const op = await deps.operationState(state.restoreOperationId);
        if (op && !['succeeded', 'failed', 'cancelled'].includes(op.state)) {
          await deps.cancelOperation(state.restoreOperationId, `refresh ${input.job} is ending: ${ctx.ending?.error.message ?? ''}`).catch(() => undefined);
          return wait(deps.pollMs, `waiting for restore operation ${state.restoreOperationId} to stop`, state);
        }
      }
      const client = deps.sqlClient(target);
      const live = input.target.database;
      if (state.swapped) return cleanedUp(`the new copy is already live as ${live} on ${target.name}${state.oldCopy ? ` (the previous one is ${state.oldCopy})` : ''}`);
      // a swap cut between its two renames is put back
      if (state.oldCopy && !(await databaseState(client, live)) && (await databaseState(client, state.oldCopy))) {
        await client.batch(`ALTER DATABASE ${quoteName(state.oldCopy)} MODIFY NAME = ${quoteName(live)};`);
        await client.batch(`ALTER DATABASE ${quoteName(live)} SET MULTI_USER;`).catch(() => undefined);
        parts.push(`${state.oldCopy} was renamed back to ${live}`);
      }
      if (await databaseState(client, state.staging)) {
        await client.batch(`ALTER DATABASE ${quoteName(state.staging)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${quoteName(state.staging)};`);
        parts.push(`the staging copy ${state.staging} was dropped`);
      }
      const liveNow = await databaseState(client, live);
      parts.push(liveNow ? `${live} on ${target.name} is ${liveNow} and was not changed` : `${live} did not exist on ${target.name} before and does not now`);
      return cleanedUp(parts.join('; '));
    },
  };

  return definePlaybook<RefreshInput, RefreshState>({
    kind: REFRESH_KIND,
    input: refreshInputSchema,
    state: refreshStateSchema,
    firstStep: 'check',
    steps,
    cleanupStep: 'cleanup',
    // the refresh holds its target; the restore it starts holds the staging name
    defaultDeadlineMs: 12 * 3600_000,
  });
}
