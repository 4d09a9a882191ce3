// The link-health evaluator. Pure: a sample (what each side and ARM said), the previous numbers
// and the thresholds in; the state the sample points at, every reason and the numbers out; then the
// state the link is in, with hysteresis. No I/O, so every rule has its own unit test.
import type {
  ArmLinkView,
  DatabaseReplicaView,
  LinkHealthRecord,
  LinkMetrics,
  LinkReason,
  LinkSample,
  LinkState,
  LinkThresholds,
  Observation,
  SideView,
} from './types';
import { isUnreachable } from './types';

export interface LinkTopology {
  name: string;
  /** the distributed availability group's name on both sides and in ARM (usually the link's name) */
  distributedAvailabilityGroup: string;
  sqlServerInstance: string;
  managedInstance: string;
  /** which side the estate says is primary */
  primary: 'sqlServer' | 'managedInstance';
  databases: string[];
}

const SEVERITY: Record<LinkState, number> = { healthy: 0, degraded: 1, broken: 2, unknown: 3 };
const DAY_MS = 24 * 3600_000;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const seconds = (from: string | undefined, to: string | undefined): number | undefined =>
  from && to ? Math.max(0, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 1000)) : undefined;
const big = (v: string | undefined): bigint | undefined => (v !== undefined && /^\d+$/.test(v) ? BigInt(v) : undefined);
const max = (values: Array<number | undefined>): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length ? Math.max(...defined) : undefined;
};

function row(side: SideView | undefined, database: string, local: boolean): DatabaseReplicaView | undefined {
  return side?.databases.find((d) => d.local === local && same(d.database, database));
}

/** What one sample says: the state it points at, why, and the numbers (worst database). */
export function observe(sample: LinkSample, previous: LinkMetrics | undefined, topology: LinkTopology, thresholds: LinkThresholds, now: Date): Observation {
  const reasons: LinkReason[] = [];
  const add = (r: LinkReason): void => void reasons.push(r);
  const sql = isUnreachable(sample.sqlServer) ? undefined : (sample.sqlServer ?? undefined);
  const mi = isUnreachable(sample.managedInstance) ? undefined : (sample.managedInstance ?? undefined);
  const arm = isUnreachable(sample.arm) ? undefined : (sample.arm ?? undefined);
  if (isUnreachable(sample.sqlServer)) add({ code: 'INSTANCE_UNREACHABLE', severity: 'unknown', side: 'sqlServer', message: `${topology.sqlServerInstance} could not be read: ${sample.sqlServer.unreachable}` });
  if (isUnreachable(sample.managedInstance)) add({ code: 'INSTANCE_UNREACHABLE', severity: 'unknown', side: 'managedInstance', message: `${topology.managedInstance} could not be read: ${sample.managedInstance.unreachable}` });
  // ARM is the control plane: when it does not answer, the DMVs of both sides still tell the health
  const notes: string[] = [];
  if (isUnreachable(sample.arm)) notes.push(`ARM could not be asked about ${topology.managedInstance}'s links (${sample.arm.unreachable}): judged from the DMVs alone`);
  if (sample.sqlServer === null) add({ code: 'LINK_MISSING', severity: 'broken', message: `${topology.sqlServerInstance} has no distributed availability group ${topology.distributedAvailabilityGroup}` });
  if (sample.managedInstance === null) add({ code: 'LINK_MISSING', severity: 'broken', message: `${topology.managedInstance} has no distributed availability group ${topology.distributedAvailabilityGroup}` });
  if (sample.arm === null) add({ code: 'LINK_MISSING', severity: 'broken', message: `ARM lists no link ${topology.distributedAvailabilityGroup} on ${topology.managedInstance}` });

  const roles = { sqlServer: sql?.role, managedInstance: mi?.role };
  const name = (side: 'sqlServer' | 'managedInstance'): string => (side === 'sqlServer' ? topology.sqlServerInstance : topology.managedInstance);
  let primary: 'sqlServer' | 'managedInstance' | undefined;
  if (roles.sqlServer === 'PRIMARY' && roles.managedInstance === 'PRIMARY') {
    add({ code: 'SPLIT_BRAIN', severity: 'broken', message: `both ${topology.sqlServerInstance} and ${topology.managedInstance} say they are the primary of ${topology.name}: transactions on each are not on the other (split brain)` });
  } else if (roles.sqlServer === 'SECONDARY' && roles.managedInstance === 'SECONDARY') {
    add({ code: 'ROLE_DRIFT', severity: 'broken', message: `neither ${topology.sqlServerInstance} nor ${topology.managedInstance} is the primary of ${topology.name}` });
  } else if (roles.sqlServer === 'PRIMARY' || roles.managedInstance === 'SECONDARY') {
    primary = 'sqlServer';
  } else if (roles.managedInstance === 'PRIMARY' || roles.sqlServer === 'SECONDARY') {
    primary = 'managedInstance';
  }
  if (primary && primary !== topology.primary) {
    add({ code: 'ROLE_DRIFT', severity: 'degraded', message: `${name(primary)} is the primary of ${topology.name}; the estate expects ${name(topology.primary)}` });
  }

  const primarySide = primary === 'sqlServer' ? sql : primary === 'managedInstance' ? mi : undefined;
  const secondarySide = primary === 'sqlServer' ? mi : primary === 'managedInstance' ? sql : undefined;
  const secondaryName = primary === 'managedInstance' ? topology.sqlServerInstance : topology.managedInstance;
  if (primarySide?.remoteConnected === false || arm?.databases.some((d) => d.connectedState === 'DISCONNECTED')) {
    add({ code: 'DISCONNECTED', severity: 'broken', message: `${secondaryName} is disconnected from the primary of ${topology.name}` });
  }
  const lastError = primarySide?.lastConnectError ?? secondarySide?.lastConnectError;
  if (lastError && primarySide?.remoteConnected === false) {
    add({ code: 'LINK_ERROR', severity: 'broken', message: `the last connection error of ${topology.name} is ${lastError.number}: ${lastError.description}` });
  }

  const perDatabase: LinkMetrics['perDatabase'] = [];
  for (const database of topology.databases) {
    const pLocal = row(primarySide, database, true);
    const pRemote = row(primarySide, database, false);
    const sLocal = row(secondarySide, database, true);
    const lag = pRemote?.secondaryLagSeconds;
    const rpo = seconds(pRemote?.lastCommitTime, pLocal?.lastCommitTime);
    const redoQueue = sLocal?.redoQueueKb ?? pRemote?.redoQueueKb;
    const redoRate = sLocal?.redoRateKbps ?? pRemote?.redoRateKbps;
    const rto = redoQueue !== undefined && redoRate !== undefined && redoRate > 0 ? Math.round(redoQueue / redoRate) : redoQueue === 0 ? 0 : undefined;
    const sendQueue = pRemote?.logSendQueueKb;
    const hardened = sLocal?.lastHardenedLsn ?? pRemote?.lastHardenedLsn;
    const endOfLog = pLocal?.endOfLogLsn;
    perDatabase.push({ database, lagSeconds: lag, rpoSeconds: rpo, rtoSeconds: rto, logSendQueueKb: sendQueue, redoQueueKb: redoQueue, hardenedLsn: hardened, endOfLogLsn: endOfLog });
    const state = pRemote?.synchronizationState ?? sLocal?.synchronizationState;
    if (state === 'NOT SYNCHRONIZING' && !reasons.some((r) => r.code === 'DISCONNECTED')) {
      add({ code: 'NOT_SYNCHRONIZING', severity: 'broken', database, message: `${database} is not synchronizing to ${secondaryName}` });
    }
    if (lag !== undefined && lag > thresholds.maxLagSeconds) {
      add({ code: 'LAG_ABOVE_THRESHOLD', severity: 'degraded', database, message: `${database} on ${secondaryName} is ${lag} s behind (threshold ${thresholds.maxLagSeconds} s)` });
    } else if (sendQueue !== undefined && sendQueue > thresholds.maxLogSendQueueKb) {
      add({ code: 'LAG_ABOVE_THRESHOLD', severity: 'degraded', database, message: `${database}: ${sendQueue} KB of log not yet sent to ${secondaryName} (threshold ${thresholds.maxLogSendQueueKb} KB)` });
    } else if (redoQueue !== undefined && redoQueue > thresholds.maxRedoQueueKb) {
      add({ code: 'LAG_ABOVE_THRESHOLD', severity: 'degraded', database, message: `${database}: ${redoQueue} KB of log not yet redone on ${secondaryName} (threshold ${thresholds.maxRedoQueueKb} KB)` });
    }
    // a stalled link: the primary's log moves on and the secondary hardens nothing, whatever the lag says
    const before = previous?.perDatabase.find((d) => same(d.database, database));
    const [h0, h1, e0, e1] = [big(before?.hardenedLsn), big(hardened), big(before?.endOfLogLsn), big(endOfLog)];
    if (h0 !== undefined && h1 !== undefined && e0 !== undefined && e1 !== undefined && e1 > e0 && h1 === h0 && h1 < e1 && !reasons.some((r) => r.code === 'DISCONNECTED')) {
      // degraded, not broken: one sample without progress can be a pause; a lasting stall shows as lag too
      add({ code: 'STALLED', severity: 'degraded', database, message: `${database}: the primary's log moved on (to LSN ${e1}) but ${secondaryName} hardened nothing since the last sample (still ${h1})` });
    }
    const used = Object.entries(sample.sqlServerExtras?.logUsedPercent ?? {}).find(([db]) => same(db, database))?.[1];
    if (used !== undefined && used > thresholds.maxLogUsedPercent) {
      add({ code: 'LOG_FILLING', severity: 'degraded', database, message: `${database}'s log on ${topology.sqlServerInstance} is ${Math.round(used)}% full (threshold ${thresholds.maxLogUsedPercent}%): the link holds log truncation until the log is replicated` });
    }
    const seeding = mi?.seeding?.[database.toLowerCase()] ?? sql?.seeding?.[database.toLowerCase()];
    const armDb = arm?.databases.find((d) => same(d.database, database));
    if (armDb?.replicaState && /error$/i.test(armDb.replicaState)) {
      add({ code: 'LINK_ERROR', severity: 'broken', database, message: `${database}: the link is in state ${armDb.replicaState}${armDb.mostRecentLinkError ? `: ${armDb.mostRecentLinkError}` : ''}` });
    } else if (seeding !== undefined || (armDb?.replicaState && /seeding|creatinglink/i.test(armDb.replicaState))) {
      const pct = seeding ?? parseFloat(armDb?.seedingProgress ?? '');
      add({ code: 'SEEDING', severity: 'degraded', database, message: `${database} is still being seeded to ${topology.managedInstance}${Number.isFinite(pct) ? ` (${Math.round(pct)}%)` : ''}` });
    }
  }
  certificate(sample, arm, topology, thresholds, now, add);

  const worst = <K extends keyof LinkMetrics['perDatabase'][number]>(k: K): number | undefined => max(perDatabase.map((d) => d[k] as number | undefined));
  const metrics: LinkMetrics = {
    primary,
    roles,
    lagSeconds: worst('lagSeconds'),
    rpoSeconds: worst('rpoSeconds'),
    rtoSeconds: worst('rtoSeconds'),
    logSendQueueKb: worst('logSendQueueKb'),
    redoQueueKb: worst('redoQueueKb'),
    perDatabase,
  };
  const observed = reasons.reduce<LinkState>((s, r) => (SEVERITY[r.severity] > SEVERITY[s] ? r.severity : s), 'healthy');
  return { observed, reasons, metrics, notes };
}

function certificate(sample: LinkSample, arm: ArmLinkView | undefined, topology: LinkTopology, thresholds: LinkThresholds, now: Date, add: (r: LinkReason) => void): void {
  const expiries = [sample.sqlServerExtras?.certificateExpiry, ...(arm?.databases.map((d) => d.certificateExpiry) ?? [])].filter((e): e is string => e !== undefined);
  if (expiries.length === 0) return;
  const soonest = expiries.map((e) => new Date(e).getTime()).reduce((a, b) => Math.min(a, b));
  const days = (soonest - now.getTime()) / DAY_MS;
  const name = sample.sqlServerExtras?.certificateName ? ` ${sample.sqlServerExtras.certificateName}` : '';
  const on = new Date(soonest).toISOString().slice(0, 10);
  if (days < 0) add({ code: 'CERTIFICATE_EXPIRING', severity: 'broken', message: `${topology.sqlServerInstance}'s link endpoint certificate${name} expired on ${on}: the link cannot authenticate` });
  else if (days < thresholds.certificateWarningDays) add({ code: 'CERTIFICATE_EXPIRING', severity: 'degraded', message: `${topology.sqlServerInstance}'s link endpoint certificate${name} expires on ${on}, in ${Math.floor(days)} days: rotate it before then` });
}

export interface Decision {
  record: LinkHealthRecord;
  /** the state changed with this sample */
  transition?: { from: LinkState | undefined; to: LinkState };
}

/**
 * Hysteresis. The state changes only when `samplesToChange` consecutive samples agree: that many
 * not healthy make a healthy link degraded, that many broken make it broken, that many healthy make
 * it healthy again, and a broken link becomes degraded only after that many samples that are not
 * broken (one sample of a link catching up does not downgrade an outage). Two exceptions, both
 * because claiming a health it cannot see would be worse: split brain is reported at the first
 * sample, and a sample that could not read a side makes the link unknown at once (never healthy).
 */
export function decide(previous: LinkHealthRecord | undefined, link: string, obs: Observation, thresholds: LinkThresholds, at: string): Decision {
  const n = thresholds.samplesToChange;
  const prevRuns = { notHealthy: 0, broken: 0, healthy: 0, notBroken: 0, ...previous?.runs };
  const runs = {
    notHealthy: obs.observed === 'degraded' || obs.observed === 'broken' ? prevRuns.notHealthy + 1 : 0,
    broken: obs.observed === 'broken' ? prevRuns.broken + 1 : 0,
    healthy: obs.observed === 'healthy' ? prevRuns.healthy + 1 : 0,
    notBroken: obs.observed === 'degraded' || obs.observed === 'healthy' ? prevRuns.notBroken + 1 : 0,
    failing: obs.observed === 'unknown' || obs.observed === 'broken' ? (prevRuns.failing ?? 0) + 1 : 0,
  };
  let state: LinkState;
  if (!previous) state = obs.observed;
  else if (obs.observed === 'unknown' || obs.reasons.some((r) => r.code === 'SPLIT_BRAIN')) state = obs.observed;
  else if (runs.broken >= n) state = 'broken';
  else if (runs.healthy >= n) state = 'healthy';
  // out of broken: degraded once N samples are not broken and the last one is degraded (a healthy
  // last sample waits for its own N, so a link catching up goes straight back to healthy)
  else if (previous.state === 'broken') state = runs.notBroken >= n && obs.observed === 'degraded' ? 'degraded' : 'broken';
  else if (runs.notHealthy >= n) state = 'degraded';
  else state = previous.state;
  const changed = state !== previous?.state;
  const record: LinkHealthRecord = {
    link,
    state,
    since: changed || !previous ? at : previous.since,
    reasons: obs.reasons,
    message: describe(state, obs, runs, n),
    metrics: obs.metrics,
    notes: obs.notes,
    observed: obs.observed,
    runs,
    sampledAt: at,
    version: (previous?.version ?? 0) + 1,
  };
  return { record, transition: changed ? { from: previous?.state, to: state } : undefined };
}

function describe(state: LinkState, obs: Observation, runs: LinkHealthRecord['runs'], n: number): string {
  const why = obs.reasons.map((r) => r.message).join('; ');
  if (state === obs.observed) return why ? `${state}: ${why}` : `${state}`;
  const agreeing = obs.observed === 'healthy' ? runs.healthy : obs.observed === 'broken' ? runs.broken : state === 'broken' ? runs.notBroken : runs.notHealthy;
  return `${state} (the last ${agreeing} of ${n} samples needed say ${obs.observed}${why ? `: ${why}` : ''})`;
}
