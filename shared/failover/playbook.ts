// The failover playbooks (REFERENCE 3) on the operation engine: one kind, `failover`, whose input
// names the type; each type is a route through the steps below. Every step looks at the world
// before it acts, so a step re-run after a crash continues instead of repeating: the ARM failover
// is issued once (its poller saved, ARM read back before posting again), synchronous commit is put
// back by the cleanup whatever ended the operation, and a dry run stops after the checks.
import type { PollerState } from '../arm/poller';
import { ArmError } from '../arm/errors';
import { APP_BACKUP_PREFIX } from '../events/blobCreated';
import type { BackupContainerConfig, Estate, InstanceConfig, LinkConfig } from '../config/schema';
import { AppError, type ErrorCode } from '../errors';
import type { StepHandler } from '../ops/playbook';
import { definePlaybook, type Playbook } from '../ops/playbook';
import { awaitApproval, cleanedUp, fail, next, succeed, wait, type StepContext, type StepResult } from '../ops/types';
import type { ClientRedirect } from '../redirect/clientRedirect';
import { serverJob } from '../sql/agentJobs';
import { createSasCredential, dropCredential } from '../sql/credentials';
import { quoteLiteral, quoteName } from '../sql/quote';
import type { BackupContainer } from '../storage/backupContainer';
import { compareLsns, failedChecks, otherSide, precheck, rolesAre, type SideFacts } from './checks';
import { FAILOVER_KIND, failoverInputSchema, failoverStateSchema, type FailoverInput, type FailoverState } from './input';
import { planFor } from './plan';
import { armUnreachable, type LinkObservation, type LinkSides } from './sides';
import type { FailoverCheck, FailoverOutput, FailoverType, LinkSide } from './types';

export interface FailoverDeps {
  estate(): Promise<Estate>;
  sides(link: LinkConfig, instances: InstanceConfig[]): LinkSides;
  /** undefined when the app has no ARM (redirection is then reported as not possible) */
  redirect?: ClientRedirect;
  container(config: BackupContainerConfig): BackupContainer;
  /** offline failback: starts a restore of a blob to an explicit target; its operation id */
  startRestore?(blobUrl: string, target: { instance: string; database: string }, requestedBy: string): Promise<string>;
  /** offline failback: the state and error of an operation */
  operationState?(id: string): Promise<{ state: string; error?: { code: string; message: string } } | undefined>;
  /** an outcome for the link's webhooks (best effort) */
  notifyOutcome?(link: string, summary: string, detail: unknown): Promise<void>;
  /** how often waiting steps look again */
  pollMs: number;
  /** how long roles may take to show after a role change, a split brain to settle */
  verifyTimeoutMs: number;
}

type Ctx = StepContext<FailoverInput, FailoverState>;

const ROUTES: Record<FailoverType, string[]> = {
  planned: ['check', 'sync', 'syncWait', 'converge', 'failover', 'failoverWait', 'verify', 'async', 'asyncWait', 'redirect', 'finish'],
  failback: ['check', 'converge', 'failover', 'failoverWait', 'verify', 'redirect', 'finish'],
  cutover: ['check', 'sync', 'syncWait', 'converge', 'failover', 'failoverWait', 'verify', 'awaitFullBackup', 'removeLink', 'removeLinkWait', 'dropAvailabilityGroup', 'redirect', 'finish'],
  forced: ['check', 'force', 'forceWait', 'verify', 'redirect', 'finish'],
  'split-brain-repair': ['check', 'preserve', 'demote', 'demoteWait', 'resume', 'settle', 'finish'],
  'offline-failback': ['check', 'offlineBackup', 'offlineRestore', 'offlineRestoreWait', 'finish'],
};

function after(type: FailoverType, step: string): string {
  const route = ROUTES[type];
  const i = route.indexOf(step);
  if (i < 0 || i === route.length - 1) throw new AppError('OPERATION_STATE_INVALID', `a ${type} failover has no step after '${step}'`);
  return route[i + 1];
}


function stateOf(ctx: Ctx): FailoverState {
  if (!ctx.stepState) throw new AppError('OPERATION_STATE_INVALID', `operation ${ctx.operation.id} lost the state its checks saved`);
  return { ...ctx.stepState, actions: [...ctx.stepState.actions] };
}

function did(state: FailoverState, ctx: Ctx, what: string): void {
  state.actions.push({ at: ctx.now.toISOString(), what });
  ctx.log(what);
}

/** is this side in synchronous commit, by its own setting (SQL Server: both members; the MI: ARM) */
function syncOn(obs: LinkObservation, side: LinkSide): boolean | undefined {
  if (side === 'sqlServer') {
    const m = obs.sqlServer.modes;
    if (!m.sqlServer || !m.managedInstance) return undefined;
    return m.sqlServer === 'SYNCHRONOUS_COMMIT' && m.managedInstance === 'SYNCHRONOUS_COMMIT';
  }
  const arm = obs.arm;
  if (arm === null || armUnreachable(arm)) return undefined;
  return arm.replicationMode === 'Sync';
}

function describeSides(obs: LinkObservation): NonNullable<FailoverOutput['sides']> {
  const one = (side: LinkSide): { instance: string; role?: string; availabilityMode?: string } => {
    const s = obs[side];
    if (s.unreachable) return { instance: s.instance, role: 'unreachable' };
    const sync = syncOn(obs, side);
    return { instance: s.instance, role: s.role, availabilityMode: sync === undefined ? undefined : sync ? 'synchronous' : 'asynchronous' };
  };
  return { sqlServer: one('sqlServer'), managedInstance: one('managedInstance') };
}

function sentence(sides: NonNullable<FailoverOutput['sides']>): string {
  return (['sqlServer', 'managedInstance'] as const)
    .map((k) => `${sides[k].instance} is ${sides[k].role ?? 'of unknown role'}${sides[k].availabilityMode ? ` (${sides[k].availabilityMode} commit)` : ''}`)
    .join(', ');
}

/** a check's verdict (its codes are the checks' own vocabulary, not error codes) */
const verdict = (check: string, ok: boolean, message: string): FailoverCheck => ({ code: check, ok, message });

function armFailure(e: unknown): AppError | undefined {
  if (e instanceof ArmError) return new AppError('FAILOVER_REFUSED', `ARM refused: ${e.armCode}: ${e.message}`, { isTransient: e.isTransient });
  return undefined;
}

export function failoverPlaybook(deps: FailoverDeps): Playbook {
  const world = async (ctx: Ctx): Promise<{ link: LinkConfig; sides: LinkSides; estate: Estate }> => {
    const estate = await deps.estate();
    const link = estate.links.find((l) => l.name.toLowerCase() === ctx.input.link.toLowerCase());
    if (!link) throw new AppError('LINK_NOT_FOUND', `link ${ctx.input.link} is no longer in the estate`);
    return { link, sides: deps.sides(link, estate.instances), estate };
  };

  const backupContainer = (estate: Estate, link: LinkConfig): BackupContainerConfig | undefined => {
    const wanted = link.failover.backupContainer;
    return wanted ? estate.backupContainers.find((c) => c.name.toLowerCase() === wanted.toLowerCase()) : estate.backupContainers[0];
  };

  const output = (ctx: Ctx, link: LinkConfig, state: FailoverState, obs?: LinkObservation): FailoverOutput => ({
    link: link.name,
    type: ctx.input.type,
    dryRun: ctx.input.dryRun,
    toSide: state.to,
    plan: state.plan,
    checks: state.checks,
    estimate: state.estimate,
    sides: obs && describeSides(obs),
    actions: state.actions,
    redirect: state.redirect,
    preserved: state.preserved,
    followUp: state.followUp,
  });

  /** one look at an ARM operation in flight: wait, fail, or go on */
  const pollArm = async (ctx: Ctx, state: FailoverState, sides: LinkSides, what: string, then: string): Promise<StepResult<FailoverState>> => {
    const poller = state.poller as PollerState | undefined;
    if (!poller) return next(then, state);
    const r = await sides.poll(poller);
    if (!r.done) return wait(Math.max(250, Math.min(r.retryAfterMs, deps.pollMs)), `ARM ${what} is in progress`, { ...state, poller: r.state });
    if (r.error) {
      if (r.error.armCode === 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole') {
        did(state, ctx, `ARM ${what}: the managed instance was already in the requested role`);
        return next(then, { ...state, poller: undefined, pollerFor: undefined });
      }
      return fail('FAILOVER_REFUSED', `ARM ${what} failed: ${r.error.armCode}: ${r.error.message}`, { ...state, poller: undefined, pollerFor: undefined });
    }
    did(state, ctx, `ARM ${what} finished`);
    return next(then, { ...state, poller: undefined, pollerFor: undefined });
  };

  /** waits for a condition up to a limit counted from the first look; then fails with `code` */
  const waitFor = (ctx: Ctx, state: FailoverState, limitMs: number, reason: string, code: ErrorCode, failure: string): StepResult<FailoverState> => {
    const since = state.waitingSince ?? ctx.now.toISOString();
    if (ctx.now.getTime() - new Date(since).getTime() >= limitMs) return fail(code, failure, { ...state, waitingSince: undefined });
    return wait(deps.pollMs, reason, { ...state, waitingSince: since });
  };

  const steps: Record<string, StepHandler<FailoverInput, FailoverState>> = {
    async check(ctx) {
      const { link, sides, estate } = await world(ctx);
      const obs = await sides.observe();
      const facts: SideFacts = {};
      if (['planned', 'failback', 'offline-failback'].includes(ctx.input.type)) {
        try {
          if (!obs.sqlServer.unreachable) facts.sqlServerMajorVersion = await sides.sqlServerMajorVersion();
          Object.assign(facts, await sides.managedInstanceFacts());
        } catch (e) {
          facts.unreadable = e instanceof Error ? e.message : String(e);
        }
      }
      const pre = precheck(ctx.input.type, ctx.input, link, obs, facts);
      const container = backupContainer(estate, link);
      if (ctx.input.type === 'split-brain-repair' || ctx.input.type === 'offline-failback') {
        pre.checks.push(
          verdict(
            'BACKUP_CONTAINER',
            container !== undefined,
            container ? `backups go to container ${container.name}` : link.failover.backupContainer ? `container ${link.failover.backupContainer} is not in the estate's backupContainers` : 'the estate has no backup container to write the backups to',
          ),
        );
      }
      const plan = planFor(ctx.input.type, {
        link,
        sqlServer: link.sqlServer.instance,
        managedInstance: link.managedInstance.instance,
        from: pre.from,
        to: pre.to,
        redirect: link.redirect ? `${link.redirect.recordName} (Private DNS)` : undefined,
        backupContainer: container?.name,
      });
      const state: FailoverState = { plan, checks: pre.checks, actions: [], estimate: ctx.input.estimate, from: pre.from, to: pre.to, replicas: pre.replicas };
      const sqlSync = syncOn(obs, 'sqlServer');
      const miSync = syncOn(obs, 'managedInstance');
      if (sqlSync !== undefined && miSync !== undefined) state.asyncBefore = { sqlServer: !sqlSync, managedInstance: !miSync };
      if (ctx.input.dryRun) return succeed(output(ctx, link, state, obs));
      const failed = failedChecks(pre.checks);
      if (failed.length > 0) return fail('FAILOVER_PRECHECK_FAILED', `${link.name}: the ${ctx.input.type} was not started: ${failed.map((c) => c.message).join('; ')}`, state);
      const first = after(ctx.input.type, 'check');
      if (ctx.input.approval) {
        const loss = ctx.input.type === 'split-brain-repair' ? `the diverged transactions on ${pre.from ? link[pre.from].instance : 'the old primary'} are backed up to a blob first, not applied to ${pre.to ? link[pre.to].instance : 'the new primary'}` : state.estimate ? `estimated data loss ${state.estimate.seconds} s (RPO ${state.estimate.rpoSecondsAtSample} s at ${state.estimate.basedOnSampleAt} + ${state.estimate.sampleAgeSeconds} s since)` : ctx.input.type === 'forced' ? 'the data loss cannot be estimated' : 'no data loss expected';
        const prompt = `${ctx.input.type} failover of link ${link.name}${pre.to ? ` to ${link[pre.to].instance}` : ''}: ${loss}. ${ctx.input.approval.reason}. It will: ${plan.slice(1).join('; ')}.`;
        return awaitApproval(prompt, first, state, ctx.input.approval.timeoutMinutes * 60_000);
      }
      return next(first, state);
    },

    async sync(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      if (!state.replicas) return fail('FAILOVER_PRECHECK_FAILED', 'the replica names of the distributed availability group are not known', state);
      await sides.setSqlServerModes('SYNCHRONOUS_COMMIT', state.replicas.sqlServer, state.replicas.managedInstance);
      did(state, ctx, `${sides.sqlServerInstance.name}: both members set to synchronous commit`);
      const poller = await sides.startReplicationMode('Sync');
      did(state, ctx, `${sides.managedInstance.name}: ARM PATCH replicationMode Sync issued`);
      return next(after(ctx.input.type, 'sync'), { ...state, poller, pollerFor: 'sync' });
    },

    async syncWait(ctx) {
      const { sides } = await world(ctx);
      return pollArm(ctx, stateOf(ctx), sides, 'replication mode Sync', after(ctx.input.type, 'syncWait'));
    },

    async converge(ctx) {
      const state = stateOf(ctx);
      const { link, sides } = await world(ctx);
      const primary = state.from as LinkSide;
      const obs = await sides.observe();
      const policy = link.failover;
      const since = state.waitingSince ?? ctx.now.toISOString();
      const elapsed = ctx.now.getTime() - new Date(since).getTime();
      const cmp = compareLsns(link, obs, primary, ctx.input.type !== 'failback');
      const down = obs.sqlServer.unreachable ?? obs.managedInstance.unreachable;
      if (cmp.match && !down) {
        const matchedSince = state.matchedSince ?? ctx.now.toISOString();
        const held = ctx.now.getTime() - new Date(matchedSince).getTime();
        if (held >= policy.lsnHoldSeconds * 1000) {
          did(state, ctx, `last hardened LSNs equal for ${Math.round(held / 1000)} s: ${cmp.lsns.map((l) => `${l.database} ${l.sqlServer}`).join(', ')}`);
          return next(after(ctx.input.type, 'converge'), { ...state, lsns: cmp.lsns, matchedSince: undefined, waitingSince: undefined });
        }
        return wait(Math.min(deps.pollMs, policy.lsnHoldSeconds * 1000 - held), `LSNs match; holding for ${policy.lsnHoldSeconds} s`, { ...state, lsns: cmp.lsns, matchedSince, waitingSince: since });
      }
      if (elapsed >= policy.convergeTimeoutSeconds * 1000) {
        const lag = obs[otherSide(primary)].databases.map((d) => d.secondaryLagSeconds).find((x) => x !== undefined) ?? obs[primary].databases.map((d) => d.secondaryLagSeconds).find((x) => x !== undefined);
        const lsnText = cmp.lsns.map((l) => `${l.database}: ${link.sqlServer.instance} ${l.sqlServer ?? '?'}, ${link.managedInstance.instance} ${l.managedInstance ?? '?'}`).join('; ');
        return fail(
          'PLANNED_FAILOVER_TIMEOUT',
          `${link.name}: the last hardened LSNs did not match for ${policy.lsnHoldSeconds} s within ${policy.convergeTimeoutSeconds} s (${down ? `a side does not answer: ${down}` : (cmp.why ?? 'they matched, but not for long enough')}); last LSNs ${lsnText}${lag !== undefined ? `; secondary lag ${lag} s` : ''}. Roles were not changed.`,
          { ...state, lsns: cmp.lsns, matchedSince: undefined, waitingSince: undefined },
        );
      }
      return wait(deps.pollMs, `waiting for the last hardened LSNs to match (${down ?? cmp.why})`, { ...state, lsns: cmp.lsns, matchedSince: undefined, waitingSince: since });
    },

    async failover(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      const to = state.to as LinkSide;
      if (state.poller && state.pollerFor === 'failover') return next(after(ctx.input.type, 'failover'), state);
      // look before posting: a crash after the POST and before its poller was saved must not post twice
      const arm = await sides.armLink();
      if (arm === null || armUnreachable(arm)) throw new AppError('FAILOVER_SIDE_UNREACHABLE', `ARM could not be asked about ${sides.link.distributedAvailabilityGroup} before the failover: ${arm === null ? 'no such link' : arm.unreachable}`);
      const miWillBe = to === 'managedInstance' ? 'Primary' : 'Secondary';
      if (arm.instanceLinkRole === miWillBe) {
        did(state, ctx, `ARM already shows ${sides.managedInstance.name} as ${miWillBe}: the failover was issued before (not issued again)`);
        return next('verify', { ...state, failoverIssuedAt: state.failoverIssuedAt ?? ctx.now.toISOString() });
      }
      if (arm.databases.some((d) => d.replicaState === 'LinkFailoverInProgress')) {
        did(state, ctx, 'ARM shows a failover in progress: it was issued before (not issued again)');
        return next('verify', { ...state, failoverIssuedAt: state.failoverIssuedAt ?? ctx.now.toISOString() });
      }
      if (ctx.attempt > 1 && state.failoverIssuedAt) {
        did(state, ctx, `the failover was issued at ${state.failoverIssuedAt}; not issued again`);
        return next('verify', state);
      }
      let poller: PollerState;
      try {
        poller = await sides.startFailover('Planned');
      } catch (e) {
        const refused = armFailure(e);
        if (refused && !refused.isTransient) return fail('FAILOVER_REFUSED', refused.message, state);
        throw refused ?? e;
      }
      did(state, ctx, `ARM failover Planned issued on ${sides.managedInstance.name}`);
      return next(after(ctx.input.type, 'failover'), { ...state, poller, pollerFor: 'failover', failoverIssuedAt: ctx.now.toISOString() });
    },

    async failoverWait(ctx) {
      const { sides } = await world(ctx);
      return pollArm(ctx, stateOf(ctx), sides, 'failover', after(ctx.input.type, 'failoverWait'));
    },

    async force(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      const to = state.to as LinkSide;
      const from = otherSide(to);
      if (state.poller && state.pollerFor === 'force') return next('forceWait', state);
      const obs = await sides.observe();
      if (obs[to].role === 'PRIMARY') {
        did(state, ctx, `${obs[to].instance} is already PRIMARY: the forced failover was done before (not done again)`);
        return next('verify', state);
      }
      // the primary may have come back while a person was deciding: then nothing is forced
      if (!obs[from].unreachable && obs[from].role === 'PRIMARY') {
        return fail('FAILOVER_PRECHECK_FAILED', `${obs[from].instance} (the primary) answers again as PRIMARY: a forced failover would lose data for nothing; use a planned failover if one is still wanted`, state);
      }
      if (obs[to].unreachable) throw new AppError('FAILOVER_SIDE_UNREACHABLE', `${obs[to].instance}, which would become primary, does not answer: ${obs[to].unreachable}`);
      if (to === 'sqlServer') {
        await sides.forceFailoverOnSqlServer();
        did(state, ctx, `${obs.sqlServer.instance}: FORCE_FAILOVER_ALLOW_DATA_LOSS`);
        return next('verify', { ...state, failoverIssuedAt: ctx.now.toISOString() });
      }
      const arm = obs.arm;
      if (arm && !armUnreachable(arm) && arm.databases.some((d) => d.replicaState === 'LinkFailoverInProgress')) {
        did(state, ctx, 'ARM shows a failover in progress: it was issued before (not issued again)');
        return next('verify', state);
      }
      let poller: PollerState;
      try {
        poller = await sides.startFailover('ForcedAllowDataLoss');
      } catch (e) {
        const refused = armFailure(e);
        if (refused && !refused.isTransient) return fail('FAILOVER_REFUSED', refused.message, state);
        throw refused ?? e;
      }
      did(state, ctx, `ARM failover ForcedAllowDataLoss issued on ${obs.managedInstance.instance}${state.estimate ? ` (estimated loss ${state.estimate.seconds} s)` : ''}`);
      return next('forceWait', { ...state, poller, pollerFor: 'force', failoverIssuedAt: ctx.now.toISOString() });
    },

    async forceWait(ctx) {
      const { sides } = await world(ctx);
      return pollArm(ctx, stateOf(ctx), sides, 'forced failover', 'verify');
    },

    async verify(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      const to = state.to as LinkSide;
      const obs = await sides.observe();
      const roles = rolesAre(obs, to, ctx.input.type !== 'forced');
      if (roles.ok) {
        did(state, ctx, `verified: ${roles.message}`);
        return next(after(ctx.input.type, 'verify'), { ...state, waitingSince: undefined });
      }
      return waitFor(ctx, state, deps.verifyTimeoutMs, `waiting for the roles to show (${roles.message})`, 'FAILOVER_NOT_VERIFIED', `${sides.link.name}: after the failover ${roles.message}; expected ${obs[to].instance} PRIMARY`);
    },

    async async(ctx) {
      const state = stateOf(ctx);
      const { link, sides } = await world(ctx);
      const before = state.asyncBefore;
      if (!link.failover.returnToAsync || !before) return next(after(ctx.input.type, 'async'), state);
      if (before.sqlServer && state.replicas) {
        await sides.setSqlServerModes('ASYNCHRONOUS_COMMIT', state.replicas.sqlServer, state.replicas.managedInstance);
        did(state, ctx, `${sides.sqlServerInstance.name}: back to asynchronous commit`);
      }
      if (before.managedInstance) {
        const poller = await sides.startReplicationMode('Async');
        did(state, ctx, `${sides.managedInstance.name}: ARM PATCH replicationMode Async issued`);
        return next(after(ctx.input.type, 'async'), { ...state, poller, pollerFor: 'async' });
      }
      return next(after(ctx.input.type, 'async'), state);
    },

    async asyncWait(ctx) {
      const { sides } = await world(ctx);
      return pollArm(ctx, stateOf(ctx), sides, 'replication mode Async', after(ctx.input.type, 'asyncWait'));
    },

    async redirect(ctx) {
      const state = stateOf(ctx);
      const { link, sides } = await world(ctx);
      const then = after(ctx.input.type, 'redirect');
      if (!link.redirect) return next(then, state);
      if (!deps.redirect) {
        did(state, ctx, `clients not redirected: the app has no ARM to update ${link.redirect.recordName}`);
        return next(then, state);
      }
      const to = state.to as LinkSide;
      const host = link.redirect.hostNames[to] ?? sides.instanceOf(to).endpoint.host;
      const r = await deps.redirect.pointTo({ zoneResourceId: link.redirect.zoneResourceId, recordName: link.redirect.recordName, ttlSeconds: link.redirect.ttlSeconds }, host);
      did(state, ctx, r.changed ? `${r.fqdn} now points to ${r.current} (was ${r.previous ?? 'absent'})` : `${r.fqdn} already pointed to ${r.current}`);
      return next(then, { ...state, redirect: r });
    },

    async awaitFullBackup(ctx) {
      const state = stateOf(ctx);
      const { link, sides } = await world(ctx);
      const missing: string[] = [];
      for (const db of link.databases) {
        const backups = await sides.fullBackupsAfter('managedInstance', db, new Date(0));
        if (!backups.some((b) => !b.copyOnly)) missing.push(db);
      }
      if (missing.length === 0) {
        did(state, ctx, `${sides.managedInstance.name} has taken its first automated full backup of ${link.databases.join(', ')}`);
        return next('removeLink', { ...state, waitingSince: undefined });
      }
      // no limit of its own: the operation's deadline bounds it (the backup comes on the service's schedule)
      return wait(Math.max(deps.pollMs, 5_000), `waiting for ${sides.managedInstance.name}'s first automated full backup of ${missing.join(', ')} before the link is removed`, { ...state, waitingSince: state.waitingSince ?? ctx.now.toISOString() });
    },

    async removeLink(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      if (state.poller && state.pollerFor === 'delete') return next('removeLinkWait', state);
      const arm = await sides.armLink();
      if (arm === null) {
        did(state, ctx, `ARM has no link ${sides.link.distributedAvailabilityGroup} on ${sides.managedInstance.name} any more`);
        return next('dropAvailabilityGroup', state);
      }
      try {
        const poller = await sides.startDelete();
        did(state, ctx, `ARM DELETE of ${sides.link.distributedAvailabilityGroup} issued on ${sides.managedInstance.name}`);
        return next('removeLinkWait', { ...state, poller, pollerFor: 'delete' });
      } catch (e) {
        const refused = armFailure(e);
        if (refused && !refused.isTransient) return fail('LINK_NOT_REMOVED', refused.message, state);
        throw refused ?? e;
      }
    },

    async removeLinkWait(ctx) {
      const { sides } = await world(ctx);
      return pollArm(ctx, stateOf(ctx), sides, 'link delete', 'dropAvailabilityGroup');
    },

    async dropAvailabilityGroup(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      await sides.dropOnSqlServer();
      did(state, ctx, `${sides.sqlServerInstance.name}: DROP AVAILABILITY GROUP ${sides.link.distributedAvailabilityGroup}`);
      return next(after(ctx.input.type, 'dropAvailabilityGroup'), state);
    },

    async preserve(ctx) {
      const state = stateOf(ctx);
      const { link, sides, estate } = await world(ctx);
      const old = state.from as LinkSide;
      const config = backupContainer(estate, link);
      if (!config) return fail('FAILOVER_PRECHECK_FAILED', 'no backup container to preserve the diverged data in', state);
      const container = deps.container(config);
      const short = ctx.operation.id.replace(/^op-(k-)?/, '').slice(0, 16);
      const ext = old === 'sqlServer' ? 'trn' : 'bak';
      const backups = state.backups ?? link.databases.map((db, i) => ({ database: db, blobUrl: container.urlOf(`${APP_BACKUP_PREFIX}failover/${link.name}/${short}/${db}_diverged.${ext}`), job: `mi-autopilot preserve ${short} ${i}`, done: false }));
      const client = sides.sql(old);
      const sas = await container.sas('write', new Date(ctx.operation.deadline), ctx.now);
      await client.batch(createSasCredential(config.url, sas));
      for (const b of backups) {
        if (b.done) continue;
        // on SQL Server the demotion follows the last backup in the same job step: the old primary
        // takes writes until it is secondary, and every moment between the two is log the backup misses
        const last = backups.filter((x) => !x.done).length === 1;
        const command =
          old === 'sqlServer'
            ? `BACKUP LOG ${quoteName(b.database)} TO URL = ${quoteLiteral(b.blobUrl)} WITH COPY_ONLY, CHECKSUM, FORMAT;` +
              (last ? `\nALTER AVAILABILITY GROUP ${quoteName(link.distributedAvailabilityGroup)} SET (ROLE = SECONDARY);` : '')
            : `BACKUP DATABASE ${quoteName(b.database)} TO URL = ${quoteLiteral(b.blobUrl)} WITH COPY_ONLY, CHECKSUM, FORMAT;`;
        const job = await serverJob(client, b.job, command, `mi-autopilot: preserve the diverged data of ${b.database} before the split brain of ${link.name} is repaired (operation ${ctx.operation.id})`);
        if (job.state === 'running') return wait(deps.pollMs, `backing up the diverged data of ${b.database} on ${sides.instanceOf(old).name}`, { ...state, backups });
        if (job.state === 'failed') return fail('BACKUP_FAILED', `the backup of ${b.database}'s diverged data on ${sides.instanceOf(old).name} failed: ${job.message}; the old primary was not demoted`, { ...state, backups });
        b.done = true;
        did(state, ctx, `${sides.instanceOf(old).name}: ${old === 'sqlServer' ? 'log' : 'copy-only full'} backup of ${b.database} written to ${b.blobUrl.split('?')[0]}${old === 'sqlServer' && command.includes('ROLE = SECONDARY') ? `, then SET (ROLE = SECONDARY) in the same job step` : ''}`);
      }
      await client.batch(dropCredential(config.url)).catch(() => undefined);
      const preserved: NonNullable<FailoverState['preserved']> = [];
      for (const b of backups) {
        const lsns = await sides.backupLsns(old, b.blobUrl);
        if (!lsns) return fail('BACKUP_FAILED', `msdb on ${sides.instanceOf(old).name} has no record of the backup ${b.blobUrl}; the old primary was not demoted`, { ...state, backups });
        preserved.push({ database: b.database, blobUrl: b.blobUrl, ...lsns });
      }
      did(state, ctx, `diverged data preserved: ${preserved.map((p) => `${p.database} LSN ${p.firstLsn}–${p.lastLsn}`).join(', ')}`);
      return next('demote', { ...state, backups, preserved });
    },

    async demote(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      const old = state.from as LinkSide;
      if (state.poller && state.pollerFor === 'demote') return next('demoteWait', state);
      const obs = await sides.side(old);
      if (obs.unreachable) throw new AppError('FAILOVER_SIDE_UNREACHABLE', `${obs.instance} does not answer: ${obs.unreachable}`);
      if (obs.role === 'SECONDARY') {
        did(state, ctx, `${obs.instance} is already SECONDARY`);
        return next('resume', state);
      }
      if (old === 'sqlServer') {
        await sides.demoteSqlServer();
        did(state, ctx, `${obs.instance}: SET (ROLE = SECONDARY)`);
        return next('resume', state);
      }
      const poller = await sides.startSetRole('Secondary', 'Planned');
      did(state, ctx, `${obs.instance}: ARM setRole Secondary issued`);
      return next('demoteWait', { ...state, poller, pollerFor: 'demote' });
    },

    async demoteWait(ctx) {
      const { sides } = await world(ctx);
      return pollArm(ctx, stateOf(ctx), sides, 'setRole Secondary', 'resume');
    },

    async resume(ctx) {
      const state = stateOf(ctx);
      const { sides } = await world(ctx);
      if (state.from !== 'sqlServer') return next('settle', state);
      const obs = await sides.side('sqlServer');
      // the demoted database keeps its diverged log until it is resumed: resume only what the backup holds
      const gaps = (state.preserved ?? []).flatMap((p) => {
        const d = obs.databases.find((x) => x.database.toLowerCase() === p.database.toLowerCase());
        const end = d?.endOfLogLsn && /^\d+$/.test(d.endOfLogLsn) ? BigInt(d.endOfLogLsn) : undefined;
        return end !== undefined && end > BigInt(p.lastLsn) ? [`${p.database}: its log reaches LSN ${d?.endOfLogLsn}, the backup ${p.lastLsn}`] : [];
      });
      if (gaps.length > 0) {
        return fail(
          'SPLIT_BRAIN_UNRESOLVED',
          `${obs.instance} took writes after its diverged log was backed up (${gaps.join('; ')}): its databases stay suspended with that log intact instead of being resumed, which would discard it. Back it up again by hand, then ALTER DATABASE ... SET HADR RESUME on ${obs.instance}.`,
          state,
        );
      }
      for (const d of obs.databases.filter((x) => x.isSuspended)) {
        await sides.resumeOnSqlServer(d.database);
        did(state, ctx, `${obs.instance}: ALTER DATABASE ${d.database} SET HADR RESUME`);
      }
      return next('settle', state);
    },

    async settle(ctx) {
      const state = stateOf(ctx);
      const { link, sides } = await world(ctx);
      const to = state.to as LinkSide;
      const from = otherSide(to);
      const obs = await sides.observe();
      const roles = rolesAre(obs, to, true);
      const behind = link.databases.filter((db) => {
        const d = obs[from].databases.find((x) => x.database.toLowerCase() === db.toLowerCase());
        return !d || d.isSuspended || !['SYNCHRONIZING', 'SYNCHRONIZED'].includes(d.synchronizationState ?? '');
      });
      if (roles.ok && behind.length === 0) {
        did(state, ctx, `${obs[from].instance} synchronizes again as the secondary of ${obs[to].instance}`);
        return next('finish', { ...state, waitingSince: undefined });
      }
      const status = behind.map((db) => {
        const d = obs[from].databases.find((x) => x.database.toLowerCase() === db.toLowerCase());
        return `${db} ${d ? (d.isSuspended ? `suspended (${d.suspendReason ?? '?'})` : (d.synchronizationState ?? '?')) : 'not in the link'}`;
      });
      return waitFor(ctx, state, deps.verifyTimeoutMs * 5, `waiting for ${obs[from].instance} to synchronize (${roles.message}${status.length ? `; ${status.join(', ')}` : ''})`, 'SPLIT_BRAIN_UNRESOLVED', `${link.name}: after the demotion ${roles.message}${status.length ? `; ${status.join(', ')}` : ''}; the diverged data is in ${(state.preserved ?? []).map((p) => p.blobUrl).join(', ')}`);
    },

    async offlineBackup(ctx) {
      const state = stateOf(ctx);
      const { link, sides, estate } = await world(ctx);
      const config = backupContainer(estate, link);
      if (!config) return fail('FAILOVER_PRECHECK_FAILED', 'no backup container for the copy-only backup', state);
      const container = deps.container(config);
      const short = ctx.operation.id.replace(/^op-(k-)?/, '').slice(0, 16);
      const backups = state.backups ?? link.databases.map((db, i) => ({ database: db, blobUrl: container.urlOf(`${APP_BACKUP_PREFIX}failover/${link.name}/${short}/${db}_offline_failback.bak`), job: `mi-autopilot offline failback ${short} ${i}`, done: false }));
      const client = sides.sql('managedInstance');
      const sas = await container.sas('write', new Date(ctx.operation.deadline), ctx.now);
      await client.batch(createSasCredential(config.url, sas));
      for (const b of backups) {
        if (b.done) continue;
        const job = await serverJob(client, b.job, `BACKUP DATABASE ${quoteName(b.database)} TO URL = ${quoteLiteral(b.blobUrl)} WITH COPY_ONLY, CHECKSUM, FORMAT;`, `mi-autopilot: copy-only backup of ${b.database} for an offline failback of ${link.name} (operation ${ctx.operation.id})`);
        if (job.state === 'running') return wait(deps.pollMs, `backing up ${b.database} on ${sides.managedInstance.name} (copy-only)`, { ...state, backups });
        if (job.state === 'failed') return fail('BACKUP_FAILED', `the copy-only backup of ${b.database} on ${sides.managedInstance.name} failed: ${job.message}`, { ...state, backups });
        b.done = true;
        did(state, ctx, `${sides.managedInstance.name}: copy-only backup of ${b.database} written to ${b.blobUrl}`);
      }
      await client.batch(dropCredential(config.url)).catch(() => undefined);
      return next('offlineRestore', { ...state, backups });
    },

    async offlineRestore(ctx) {
      const state = stateOf(ctx);
      const { link } = await world(ctx);
      if (!deps.startRestore) return fail('FAILOVER_PRECHECK_FAILED', 'the restore playbook is not available to this app', state);
      const started = [...(state.restoreOperations ?? [])];
      for (const b of state.backups ?? []) {
        if (started.some((r) => r.database === b.database)) continue;
        const id = await deps.startRestore(b.blobUrl, { instance: link.sqlServer.instance, database: `${b.database}_failback` }, `failover operation ${ctx.operation.id}`);
        started.push({ database: b.database, operationId: id });
        did(state, ctx, `restore of ${b.database} on ${link.sqlServer.instance} as ${b.database}_failback started (operation ${id})`);
      }
      return next('offlineRestoreWait', { ...state, restoreOperations: started });
    },

    async offlineRestoreWait(ctx) {
      const state = stateOf(ctx);
      const { link } = await world(ctx);
      for (const r of state.restoreOperations ?? []) {
        const op = await deps.operationState?.(r.operationId);
        if (!op) return fail('RESTORE_FAILED', `restore operation ${r.operationId} of ${r.database} is gone`, state);
        if (op.state === 'failed' || op.state === 'cancelled') return fail('RESTORE_FAILED', `the restore of ${r.database} on ${link.sqlServer.instance} ended ${op.state}: ${op.error ? `${op.error.code}: ${op.error.message}` : 'no error given'} (operation ${r.operationId})`, state);
        if (op.state !== 'succeeded') return wait(deps.pollMs, `restoring ${r.database} on ${link.sqlServer.instance} (operation ${r.operationId})`, state);
      }
      const dag = quoteName(link.distributedAvailabilityGroup);
      const followUp = [
        `On ${link.sqlServer.instance}: check ${link.databases.map((d) => `${d}_failback`).join(', ')} (row counts, application smoke test).`,
        `On ${link.sqlServer.instance}: DROP AVAILABILITY GROUP ${dag}; then take the old ${link.databases.join(', ')} out of ${link.sqlServer.availabilityGroup} and rename: ALTER DATABASE [<db>] MODIFY NAME = [<db>_old]; ALTER DATABASE [<db>_failback] MODIFY NAME = [<db>].`,
        `Point the applications at ${link.sqlServer.instance}.`,
        `To protect the data again, re-create the link from ${link.sqlServer.instance} to ${link.managedInstance.instance}: add ${link.databases.join(', ')} to ${link.sqlServer.availabilityGroup}, delete the managed instance's copy, then create the link (SSMS "New Managed Instance link", New-AzSqlInstanceLink, or ARM PUT …/distributedAvailabilityGroups/${link.distributedAvailabilityGroup} with instanceLinkRole Secondary) and CREATE AVAILABILITY GROUP ${dag} WITH (DISTRIBUTED) on ${link.sqlServer.instance}.`,
      ];
      did(state, ctx, `restored on ${link.sqlServer.instance}: ${(state.restoreOperations ?? []).map((r) => `${r.database}_failback`).join(', ')}`);
      return next('finish', { ...state, followUp });
    },

    async finish(ctx) {
      const state = stateOf(ctx);
      const { link, sides } = await world(ctx);
      const obs = await sides.observe();
      const out = output(ctx, link, state, obs);
      await deps.notifyOutcome?.(link.name, `${link.name}: ${ctx.input.type} succeeded; ${sentence(out.sides ?? describeSides(obs))}`, out).catch(() => undefined);
      return succeed(out);
    },

    // cancel, deadline, a failed step, an expired or rejected approval: put back asynchronous commit
    // where the playbook switched it, and say exactly what state each side is in
    async cleanup(ctx) {
      const state = ctx.stepState ? { ...ctx.stepState, actions: [...ctx.stepState.actions] } : undefined;
      const { link, sides } = await world(ctx);
      const parts: string[] = [];
      if (state?.poller && state.pollerFor === 'cleanup') {
        const r = await sides.poll(state.poller).catch((e: Error) => ({ done: true as const, error: e, state: state.poller as PollerState, retryAfterMs: 0 }));
        if (!r.done) return wait(Math.max(250, Math.min(r.retryAfterMs, deps.pollMs)), 'putting the managed instance back to asynchronous commit', { ...state, poller: r.state });
        parts.push(r.error ? `the managed instance's ARM PATCH back to Async failed: ${r.error.message}` : `${sides.managedInstance.name} is back to asynchronous commit`);
        state.poller = undefined;
        state.pollerFor = 'cleanup-done';
      }
      let obs = await sides.observe();
      const before = state?.asyncBefore;
      const switched = state?.actions.some((a) => a.what.includes('synchronous commit') || a.what.includes('replicationMode Sync'));
      if (before && switched && state) {
        if (before.sqlServer && syncOn(obs, 'sqlServer') === true && state.replicas) {
          try {
            await sides.setSqlServerModes('ASYNCHRONOUS_COMMIT', state.replicas.sqlServer, state.replicas.managedInstance);
            parts.push(`${sides.sqlServerInstance.name} is back to asynchronous commit`);
          } catch (e) {
            parts.push(`${sides.sqlServerInstance.name} could not be put back to asynchronous commit: ${(e as Error).message}`);
          }
        }
        if (before.managedInstance && syncOn(obs, 'managedInstance') === true && state.pollerFor !== 'cleanup-done') {
          try {
            const poller = await sides.startReplicationMode('Async');
            return wait(deps.pollMs, 'putting the managed instance back to asynchronous commit', { ...state, poller, pollerFor: 'cleanup' });
          } catch (e) {
            parts.push(`${sides.managedInstance.name} could not be put back to asynchronous commit: ${(e as Error).message}`);
          }
        }
        obs = await sides.observe();
      }
      if (state?.failoverIssuedAt) parts.push(`the ${ctx.input.type === 'forced' ? 'forced ' : ''}failover was issued at ${state.failoverIssuedAt}`);
      if (state?.preserved?.length) parts.push(`diverged data preserved in ${state.preserved.map((p) => p.blobUrl).join(', ')}`);
      const now = describeSides(obs);
      parts.push(`now ${sentence(now)}`);
      const report = parts.join('; ');
      await deps.notifyOutcome?.(link.name, `${link.name}: ${ctx.input.type} ended ${ctx.ending?.ending ?? 'failed'} (${ctx.ending?.error.code ?? ''}): ${report}`, { link: link.name, type: ctx.input.type, error: ctx.ending?.error, sides: now, actions: state?.actions ?? [] }).catch(() => undefined);
      return cleanedUp(report);
    },
  };

  return definePlaybook<FailoverInput, FailoverState>({
    kind: FAILOVER_KIND,
    input: failoverInputSchema,
    state: failoverStateSchema,
    firstStep: 'check',
    steps,
    cleanupStep: 'cleanup',
    // a cutover waits for the managed instance's first automated full backup
    defaultDeadlineMs: 6 * 3600_000,
    locks: (input) => input.databaseLocks,
  });
}
