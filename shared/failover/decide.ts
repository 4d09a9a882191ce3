// The one decision point of the failover playbooks: (link and policy, latest health and history,
// recent operations, the signal) -> none | notify | await-approval | act, with the playbook, the
// estimated data loss and every reason. Pure: the callers (the link-health sweep, the alert
// function, the failovers API) store and show every decision, including "nothing, because ...".
import type { InstanceConfig, LinkConfig } from '../config/schema';
import type { LinkHistoryPoint } from '../link/store';
import type { LinkHealthRecord } from '../link/types';
import type { AlertSignal, DataLossEstimate, DecisionKind, DecisionReason, FailoverDecision, FailoverOperationView, FailoverSignal, FailoverType, LinkSide, ManualSignal } from './types';

export interface DecisionInput {
  link: LinkConfig;
  /** the estate's instances (names and ARM ids of both sides) */
  instances: InstanceConfig[];
  /** the link's current health record; undefined when never sampled */
  health: LinkHealthRecord | undefined;
  /** recent samples, oldest first */
  history: LinkHistoryPoint[];
  /** the link's failover operations, any age */
  operations: FailoverOperationView[];
  /** failure signals for this link since it was last healthy, this one not counted */
  priorSignals: number;
  signal: FailoverSignal;
  now: Date;
}

const PLANNED_TOLERATES: ReadonlyArray<string> = ['ROLE_DRIFT', 'LAG_ABOVE_THRESHOLD', 'CERTIFICATE_EXPIRING', 'LOG_FILLING'];
const OPEN: ReadonlyArray<FailoverOperationView['state']> = ['pending', 'running', 'waiting', 'awaiting-approval'];
const other = (side: LinkSide): LinkSide => (side === 'sqlServer' ? 'managedInstance' : 'sqlServer');

export function signalKey(signal: FailoverSignal, now: Date): string {
  if (signal.kind === 'health') return `health.v${signal.version}`;
  if (signal.kind === 'alert') return `alert:${signal.alertId.toLowerCase()}:${signal.monitorCondition.toLowerCase()}`;
  return `manual:${signal.by}:${now.toISOString()}`;
}

/** Which side is primary now: the last sample that could tell, else the estate's topology. */
export function currentPrimary(input: Pick<DecisionInput, 'health' | 'history' | 'link'>): LinkSide {
  const fromHealth = input.health?.metrics.primary;
  if (fromHealth) return fromHealth;
  for (let i = input.history.length - 1; i >= 0; i--) {
    const p = input.history[i].primary;
    if (p) return p;
  }
  return input.link.primary;
}

/**
 * Data at risk if the secondary takes over now (REFERENCE 4.2): the RPO of the newest sample in
 * which both sides answered, plus that sample's age (commits after it may not have reached the
 * secondary). Undefined when no such sample is known.
 */
export function estimateDataLoss(health: LinkHealthRecord | undefined, history: LinkHistoryPoint[], now: Date): DataLossEstimate | undefined {
  const candidates: Array<{ at: string; rpo?: number; observed: string }> = history.map((p) => ({ at: p.at, rpo: p.rpoSeconds, observed: p.observed }));
  if (health) candidates.push({ at: health.sampledAt, rpo: health.metrics.rpoSeconds, observed: health.observed });
  const good = candidates.filter((c) => c.observed !== 'unknown' && c.rpo !== undefined).sort((a, b) => a.at.localeCompare(b.at)).pop();
  if (!good || good.rpo === undefined) return undefined;
  const age = Math.max(0, Math.ceil((now.getTime() - new Date(good.at).getTime()) / 1000));
  return { seconds: good.rpo + age, basedOnSampleAt: good.at, rpoSecondsAtSample: good.rpo, sampleAgeSeconds: age };
}

const unreachableSides = (health: LinkHealthRecord | undefined): Set<LinkSide> =>
  new Set((health?.reasons ?? []).filter((r) => r.code === 'INSTANCE_UNREACHABLE' && r.side).map((r) => r.side as LinkSide));

class Builder {
  readonly reasons: DecisionReason[] = [];
  estimate?: DataLossEstimate;
  type?: FailoverType;
  toSide?: LinkSide;
  constructor(private readonly input: DecisionInput) {}

  because(code: DecisionReason['code'], message: string): this {
    this.reasons.push({ code, message });
    return this;
  }

  decide(kind: DecisionKind, dryRun = false): FailoverDecision {
    const { link, now, signal } = this.input;
    const policyDryRun = link.failover.dryRun && signal.kind !== 'manual' && (kind === 'act' || kind === 'await-approval');
    if (policyDryRun) this.because('DRY_RUN', `the policy of ${link.name} is a dry run: nothing is started`);
    const final: DecisionKind = policyDryRun ? 'notify' : kind;
    const decision: FailoverDecision = {
      link: link.name,
      kind: final,
      type: this.type,
      toSide: this.toSide,
      estimate: this.estimate,
      dryRun: dryRun || policyDryRun,
      wouldBe: policyDryRun ? kind : undefined,
      reasons: this.reasons,
      summary: '',
      signalKey: signalKey(signal, now),
      decidedAt: now.toISOString(),
    };
    decision.summary = summarize(decision, this.input);
    return decision;
  }
}

function sideName(input: DecisionInput, side: LinkSide): string {
  return side === 'sqlServer' ? input.link.sqlServer.instance : input.link.managedInstance.instance;
}

function summarize(d: FailoverDecision, input: DecisionInput): string {
  const what = d.type ? `${d.type} failover${d.toSide ? ` to ${sideName(input, d.toSide)}` : ''}` : 'no failover';
  const main = d.reasons.length ? d.reasons[d.reasons.length - 1].message : '';
  const verb: Record<DecisionKind, string> = { none: 'nothing to do', notify: 'notify only', 'await-approval': `${what}: waiting for an approval`, act: `${what}: starting` };
  const head = d.wouldBe ? `dry run, would be: ${verb[d.wouldBe]}` : d.dryRun && d.kind === 'act' ? `dry run of a ${what}: starting (it changes nothing)` : verb[d.kind];
  return `${d.link}: ${head}${main ? ` (${main})` : ''}`;
}

/** Cooldown and one-at-a-time: the reason not to start, if any. */
function blockedByOthers(b: Builder, input: DecisionInput, cooldown = true): DecisionKind | undefined {
  const { operations, link, now } = input;
  const open = operations.find((o) => OPEN.includes(o.state));
  if (open) {
    b.because('ALREADY_RUNNING', `operation ${open.id} (${open.type}) of ${link.name} is still ${open.state}`);
    return 'none';
  }
  if (!cooldown) return undefined;
  const cooldownMs = link.failover.cooldownMinutes * 60_000;
  const recent = operations
    .filter((o) => o.state !== 'cancelled' && now.getTime() - new Date(o.createdAt).getTime() < cooldownMs)
    .sort((a, b2) => b2.createdAt.localeCompare(a.createdAt))[0];
  if (recent) {
    const left = Math.ceil((cooldownMs - (now.getTime() - new Date(recent.createdAt).getTime())) / 60_000);
    b.because('COOLDOWN', `operation ${recent.id} (${recent.type}, ${recent.state}) started at ${recent.createdAt}, within the ${link.failover.cooldownMinutes}-minute cooldown of ${link.name} (${left} min left)`);
    return 'notify';
  }
  return undefined;
}

/** The policy's verdict on a forced failover or a split-brain repair the signals ask for. */
function underPolicy(b: Builder, input: DecisionInput, type: 'forced' | 'split-brain-repair'): DecisionKind {
  const policy = input.link.failover;
  if (!policy.allowedTypes.includes(type)) {
    b.because('TYPE_NOT_ALLOWED', `${type} is not among the allowed types of ${input.link.name} (${policy.allowedTypes.join(', ')})`);
    return 'notify';
  }
  // the cooldown keeps failovers from flapping; repairing the split brain a failover left is not one
  const blocked = blockedByOthers(b, input, type !== 'split-brain-repair');
  if (blocked) return blocked;
  const seen = input.priorSignals + 1;
  if (seen < policy.consecutiveSignals) {
    b.because('WAITING_FOR_SIGNALS', `${seen} of the ${policy.consecutiveSignals} consecutive signals the policy needs before a ${type}`);
    return 'notify';
  }
  if (policy.mode === 'notify') {
    b.because('POLICY_NOTIFY', `the policy of ${input.link.name} only notifies`);
    return 'notify';
  }
  if (type === 'split-brain-repair') {
    if (policy.mode === 'automatic') {
      b.because('POLICY_AUTOMATIC', 'the policy repairs a split brain automatically (the old primary\'s diverged log is backed up first)');
      return 'act';
    }
    b.because('POLICY_APPROVAL', 'the policy asks a person before demoting the old primary');
    return 'await-approval';
  }
  const estimate = b.estimate;
  if (!estimate) {
    b.because('ESTIMATE_UNKNOWN', `no sample of ${input.link.name} in which both sides answered is known, so the data loss cannot be estimated`);
    return 'await-approval';
  }
  const budget = policy.dataLossBudgetSeconds;
  if (policy.mode === 'approval') {
    b.because('POLICY_APPROVAL', `the policy asks a person first; estimated data loss ${estimate.seconds} s (budget ${budget} s)`);
    return 'await-approval';
  }
  if (estimate.seconds <= budget) {
    b.because('WITHIN_BUDGET', `estimated data loss ${estimate.seconds} s (RPO ${estimate.rpoSecondsAtSample} s at ${estimate.basedOnSampleAt} + ${estimate.sampleAgeSeconds} s since) is within the budget of ${budget} s`);
    return 'act';
  }
  b.because('OVER_BUDGET', `estimated data loss ${estimate.seconds} s (RPO ${estimate.rpoSecondsAtSample} s at ${estimate.basedOnSampleAt} + ${estimate.sampleAgeSeconds} s since) is over the budget of ${budget} s: a person must approve`);
  return 'await-approval';
}

/** The link is broken or unknown: what failing over would do. */
function onFailure(b: Builder, input: DecisionInput): DecisionKind {
  const { health, link } = input;
  if (health?.reasons.some((r) => r.code === 'SPLIT_BRAIN')) {
    b.because('SPLIT_BRAIN', `both ${link.sqlServer.instance} and ${link.managedInstance.instance} say they are primary`);
    b.type = 'split-brain-repair';
    return underPolicy(b, input, 'split-brain-repair');
  }
  const primary = currentPrimary(input);
  const secondary = other(primary);
  const down = unreachableSides(health);
  if (!down.has(primary)) {
    if (down.has(secondary)) {
      b.because('SECONDARY_UNREACHABLE', `${sideName(input, secondary)} (the secondary) does not answer; ${sideName(input, primary)} still serves: a failover would go to the side that is down`);
    } else {
      b.because('PRIMARY_AVAILABLE', `${sideName(input, primary)} (the primary) still answers${health ? ` (${health.state}: ${health.reasons.map((r) => r.code).join(', ') || 'no reasons'})` : ''}: a forced failover would lose data and gain nothing`);
    }
    return 'notify';
  }
  if (down.has(secondary)) {
    b.because('SECONDARY_UNREACHABLE', `neither ${sideName(input, primary)} nor ${sideName(input, secondary)} answers: there is nothing to fail over to`);
    return 'notify';
  }
  b.because('PRIMARY_UNREACHABLE', `${sideName(input, primary)} (the primary) does not answer; ${sideName(input, secondary)} does`);
  b.type = 'forced';
  b.toSide = secondary;
  b.estimate = estimateDataLoss(health, input.history, input.now);
  return underPolicy(b, input, 'forced');
}

function onAlert(b: Builder, input: DecisionInput, alert: AlertSignal): DecisionKind {
  if (alert.monitorCondition === 'Resolved') {
    b.because('ALERT_RESOLVED', `alert ${alert.alertRule} is resolved: an approval still pending for it is withdrawn`);
    return 'none';
  }
  if (alert.action === 'notify') {
    b.because('ALERT_NOTIFY_ROUTE', `route ${alert.route} only notifies: ${alert.summary}`);
    return 'notify';
  }
  const primary = currentPrimary(input);
  const secondaryInstance = input.instances.find((i) => i.name.toLowerCase() === sideName(input, other(primary)).toLowerCase());
  const onSecondary = secondaryInstance?.armResourceId && alert.targetResourceIds.some((id) => id.toLowerCase() === secondaryInstance.armResourceId?.toLowerCase());
  if (onSecondary) {
    b.because('ALERT_ON_SECONDARY', `alert ${alert.alertRule} is about ${secondaryInstance.name}, the secondary: failing over would move the workload onto it`);
    return 'notify';
  }
  if (!input.health) {
    b.because('NOT_SAMPLED', `alert ${alert.alertRule} fired, but ${input.link.name} has not been sampled yet, so the app cannot tell which side answers`);
    return 'notify';
  }
  if (!unreachableSides(input.health).has(primary)) {
    b.because('HEALTH_DISAGREES', `alert ${alert.alertRule} fired, but the sample of ${input.health.sampledAt} shows ${sideName(input, primary)} (the primary) answering (${input.health.state}); the next samples decide`);
    return 'notify';
  }
  return onFailure(b, input);
}

function onManual(b: Builder, input: DecisionInput, request: ManualSignal): DecisionKind {
  const { link, health } = input;
  b.type = request.type;
  b.because('MANUAL_REQUEST', `${request.by} asked for a ${request.type}${request.dryRun ? ' dry run' : ''}`);
  if (!link.failover.allowedTypes.includes(request.type)) {
    b.because('TYPE_NOT_ALLOWED', `${request.type} is not among the allowed types of ${link.name} (${link.failover.allowedTypes.join(', ')}); add it to the link's failover.allowedTypes in the estate`);
    return 'none';
  }
  // a dry run changes nothing: it runs whatever the state, and its plan gives every check's verdict
  if (request.dryRun) {
    b.toSide = request.type === 'failback' || request.type === 'offline-failback' ? 'sqlServer' : request.type === 'split-brain-repair' ? undefined : 'managedInstance';
    if (request.type === 'forced') b.estimate = estimateDataLoss(health, input.history, input.now);
    return 'act';
  }
  const blocked = blockedByOthers(b, input);
  if (blocked) return blocked === 'notify' ? 'none' : blocked;
  const primary = currentPrimary(input);
  switch (request.type) {
    case 'planned':
    case 'cutover':
    case 'failback': {
      const from: LinkSide = request.type === 'failback' ? 'managedInstance' : 'sqlServer';
      if (primary !== from) {
        b.because('WRONG_DIRECTION', `${sideName(input, primary)} is already the primary of ${link.name}; a ${request.type} goes from ${sideName(input, from)}${request.type === 'failback' ? '' : ' (to go back, ask for a failback)'}`);
        return 'none';
      }
      // degraded for a reason a planned role change does not mind (the roles drifted by a failover, lag the
      // playbook waits out, a certificate or a log to look at) is fine: its own checks read both sides
      const harmless = health?.state === 'degraded' && health.reasons.every((r) => PLANNED_TOLERATES.includes(r.code));
      if (health?.state !== 'healthy' && !harmless) {
        b.because('NOT_HEALTHY_FOR_PLANNED', `a ${request.type} needs a healthy link and ${link.name} is ${health ? `${health.state} (${health.reasons.map((r) => r.code).join(', ')})` : 'not sampled yet'}; for a primary that is down, ask for a forced failover`);
        return 'none';
      }
      b.toSide = other(from);
      return 'act';
    }
    case 'offline-failback':
      b.toSide = 'sqlServer';
      return 'act';
    case 'split-brain-repair':
      if (!health?.reasons.some((r) => r.code === 'SPLIT_BRAIN')) {
        b.because('NOT_HEALTHY_FOR_PLANNED', `${link.name} shows no split brain${health ? ` (${health.state})` : ''}: there is nothing to repair`);
        return 'none';
      }
      return 'act';
    case 'forced': {
      if (!unreachableSides(health).has(primary)) {
        b.because('PRIMARY_AVAILABLE', `${sideName(input, primary)} (the primary) answers: use a planned failover, which loses nothing`);
        return 'none';
      }
      b.toSide = other(primary);
      b.estimate = estimateDataLoss(health, input.history, input.now);
      const budget = link.failover.dataLossBudgetSeconds;
      if (!b.estimate) {
        b.because('ESTIMATE_UNKNOWN', `the data loss cannot be estimated (no sample in which both sides answered): a person must approve`);
        return 'await-approval';
      }
      if (b.estimate.seconds > budget) {
        b.because('OVER_BUDGET', `estimated data loss ${b.estimate.seconds} s is over the budget of ${budget} s: a person must approve`);
        return 'await-approval';
      }
      b.because('WITHIN_BUDGET', `estimated data loss ${b.estimate.seconds} s is within the budget of ${budget} s`);
      return 'act';
    }
  }
}

export function decide(input: DecisionInput): FailoverDecision {
  const b = new Builder(input);
  const { signal } = input;
  if (signal.kind === 'manual') return b.decide(onManual(b, input, signal), signal.dryRun);
  if (signal.kind === 'alert') return b.decide(onAlert(b, input, signal));
  if (signal.to === 'healthy') return b.because('RECOVERED', `${input.link.name} is healthy again`).decide('none');
  if (signal.to === 'degraded') {
    return b.because('DEGRADED_ONLY', `${input.link.name} is degraded (${input.health?.reasons.map((r) => r.code).join(', ') || 'no reasons'}): worth a look, not a failover`).decide('notify');
  }
  return b.decide(onFailure(b, input));
}
