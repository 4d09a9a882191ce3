// The failover decision point: what it decides for each signal under each policy, and why.
import { instanceSchema, linkSchema, type InstanceConfig, type LinkConfig } from '../../../shared/config/schema';
import { decide, estimateDataLoss, signalKey, type DecisionInput } from '../../../shared/failover/decide';
import type { AlertSignal, FailoverOperationView, FailoverSignal, ManualSignal } from '../../../shared/failover/types';
import type { LinkHistoryPoint } from '../../../shared/link/store';
import type { LinkHealthRecord, LinkReason, LinkState } from '../../../shared/link/types';

const NOW = new Date('2026-12-06T03:00:00.000Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();
const MI_ID = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi-prod';

const instances: InstanceConfig[] = [
  instanceSchema.parse({ name: 'sql-onprem', kind: 'sqlServer', endpoint: { host: 'sql-onprem.corp', port: 1433 }, auth: { type: 'sql', user: 'a', passwordSetting: 'P' }, environment: 'production' }),
  instanceSchema.parse({ name: 'mi-prod', kind: 'managedInstance', endpoint: { host: 'mi-prod.x.database.windows.net', port: 1433 }, armResourceId: MI_ID, auth: { type: 'sql', user: 'a', passwordSetting: 'P' }, environment: 'production' }),
];

function link(failover: Record<string, unknown> = {}): LinkConfig {
  return linkSchema.parse({
    name: 'Link_Sales',
    sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' },
    managedInstance: { instance: 'mi-prod' },
    distributedAvailabilityGroup: 'Link_Sales',
    databases: ['Sales'],
    failover: { mode: 'automatic', allowedTypes: ['planned', 'forced', 'failback', 'split-brain-repair'], dataLossBudgetSeconds: 30, consecutiveSignals: 1, ...failover },
  });
}

const unreachable = (side: 'sqlServer' | 'managedInstance'): LinkReason => ({ code: 'INSTANCE_UNREACHABLE', severity: 'unknown', side, message: `${side === 'sqlServer' ? 'sql-onprem' : 'mi-prod'} could not be read: connect ECONNREFUSED` });

function health(state: LinkState, reasons: LinkReason[] = [], metrics: Partial<LinkHealthRecord['metrics']> = {}, at = ago(5)): LinkHealthRecord {
  return {
    link: 'Link_Sales',
    state,
    since: at,
    reasons,
    message: state,
    metrics: { perDatabase: [], roles: {}, ...metrics },
    notes: [],
    observed: state,
    runs: { notHealthy: 0, broken: 0, healthy: 0, notBroken: 0 },
    sampledAt: at,
    version: 7,
  };
}

const primaryDown = (): LinkHealthRecord => health('unknown', [unreachable('sqlServer')]);
/** a good sample (both sides answered) `secondsAgo` ago with this RPO */
const goodSample = (rpoSeconds: number, secondsAgo: number, primary: 'sqlServer' | 'managedInstance' = 'sqlServer'): LinkHistoryPoint => ({ at: ago(secondsAgo), state: 'healthy', observed: 'healthy', reasons: [], primary, lagSeconds: rpoSeconds, rpoSeconds });

const broken: FailoverSignal = { kind: 'health', from: 'healthy', to: 'unknown', version: 7 };

function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return { link: link(), instances, health: primaryDown(), history: [goodSample(5, 3)], operations: [], priorSignals: 0, signal: broken, now: NOW, ...over };
}
const codes = (d: { reasons: { code: string }[] }): string[] => d.reasons.map((r) => r.code);

describe('the data-loss estimate', () => {
  test('is the last good sample\'s RPO plus its age, never a sample where a side was unreachable', () => {
    const history = [goodSample(4, 70), goodSample(6, 10), { ...goodSample(0, 2), observed: 'unknown' as const, rpoSeconds: undefined }];
    expect(estimateDataLoss(primaryDown(), history, NOW)).toEqual({ seconds: 16, basedOnSampleAt: ago(10), rpoSecondsAtSample: 6, sampleAgeSeconds: 10 });
    expect(estimateDataLoss(primaryDown(), [], NOW)).toBeUndefined();
  });
});

describe('health signals', () => {
  test('healthy again is nothing to do; degraded is worth a notification, never a failover', () => {
    expect(decide(input({ signal: { kind: 'health', from: 'broken', to: 'healthy', version: 9 }, health: health('healthy') }))).toMatchObject({ kind: 'none', reasons: [{ code: 'RECOVERED' }] });
    const degraded = decide(input({ signal: { kind: 'health', from: 'healthy', to: 'degraded', version: 9 }, health: health('degraded', [{ code: 'STALLED', severity: 'degraded', message: 'x' }]) }));
    expect(degraded).toMatchObject({ kind: 'notify', type: undefined, reasons: [{ code: 'DEGRADED_ONLY', message: expect.stringContaining('STALLED') }] });
  });

  test('primary down, policy automatic, 5 s of lag within a 30-s budget: a forced failover to the managed instance, with its estimate', () => {
    const d = decide(input());
    expect(d).toMatchObject({ kind: 'act', type: 'forced', toSide: 'managedInstance', dryRun: false, estimate: { seconds: 8, rpoSecondsAtSample: 5, sampleAgeSeconds: 3 } });
    expect(codes(d)).toEqual(['PRIMARY_UNREACHABLE', 'WITHIN_BUDGET']);
    expect(d.summary).toBe('Link_Sales: forced failover to mi-prod: starting (estimated data loss 8 s (RPO 5 s at 2026-12-06T02:59:57.000Z + 3 s since) is within the budget of 30 s)');
    expect(d.signalKey).toBe('health.v7');
  });

  test('with 120 s of lag it waits for an approval whose reason shows the estimate', () => {
    const d = decide(input({ history: [goodSample(120, 3)] }));
    expect(d).toMatchObject({ kind: 'await-approval', type: 'forced', estimate: { seconds: 123 } });
    expect(d.reasons.at(-1)).toEqual({ code: 'OVER_BUDGET', message: expect.stringContaining('estimated data loss 123 s') });
  });

  test('without a sample in which both sides answered, it never acts on its own', () => {
    expect(decide(input({ history: [] }))).toMatchObject({ kind: 'await-approval', estimate: undefined, reasons: [{ code: 'PRIMARY_UNREACHABLE' }, { code: 'ESTIMATE_UNKNOWN' }] });
  });

  test('the policy mode decides between notifying, asking and acting', () => {
    expect(decide(input({ link: link({ mode: 'notify' }) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'PRIMARY_UNREACHABLE' }, { code: 'POLICY_NOTIFY' }] });
    expect(decide(input({ link: link({ mode: 'approval' }) }))).toMatchObject({ kind: 'await-approval', reasons: [{ code: 'PRIMARY_UNREACHABLE' }, { code: 'POLICY_APPROVAL' }] });
    expect(decide(input({ link: link({ allowedTypes: ['planned'] }) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'PRIMARY_UNREACHABLE' }, { code: 'TYPE_NOT_ALLOWED' }] });
  });

  test('it waits for the consecutive signals the policy asks for', () => {
    const strict = link({ consecutiveSignals: 3 });
    expect(decide(input({ link: strict, priorSignals: 1 }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'PRIMARY_UNREACHABLE' }, { code: 'WAITING_FOR_SIGNALS', message: expect.stringContaining('2 of the 3') }] });
    expect(decide(input({ link: strict, priorSignals: 2 })).kind).toBe('act');
  });

  test('cooldown: a failover within it is not started and the decision says why; a cancelled one does not count', () => {
    const recent: FailoverOperationView = { id: 'op-1', type: 'forced', state: 'succeeded', createdAt: ago(600), endedAt: ago(500) };
    const d = decide(input({ operations: [recent] }));
    expect(d).toMatchObject({ kind: 'notify', type: 'forced' });
    expect(d.reasons.at(-1)).toEqual({ code: 'COOLDOWN', message: expect.stringMatching(/op-1 .*within the 60-minute cooldown of Link_Sales \(50 min left\)/) });
    expect(decide(input({ operations: [{ ...recent, state: 'cancelled' }] })).kind).toBe('act');
    expect(decide(input({ operations: [{ ...recent, createdAt: ago(3601) }] })).kind).toBe('act');
  });

  test('one failover at a time', () => {
    const open: FailoverOperationView = { id: 'op-2', type: 'forced', state: 'awaiting-approval', createdAt: ago(30) };
    expect(decide(input({ operations: [open] }))).toMatchObject({ kind: 'none', reasons: [{ code: 'PRIMARY_UNREACHABLE' }, { code: 'ALREADY_RUNNING' }] });
  });

  test('no failover when the primary still answers, when the secondary is the one down, or when both are', () => {
    const disconnected = health('broken', [{ code: 'DISCONNECTED', severity: 'broken', message: 'mi-prod is disconnected' }], { primary: 'sqlServer' });
    expect(decide(input({ health: disconnected, signal: { kind: 'health', from: 'degraded', to: 'broken', version: 8 } }))).toMatchObject({ kind: 'notify', type: undefined, reasons: [{ code: 'PRIMARY_AVAILABLE', message: expect.stringContaining('DISCONNECTED') }] });
    expect(decide(input({ health: health('unknown', [unreachable('managedInstance')]) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'SECONDARY_UNREACHABLE' }] });
    expect(decide(input({ health: health('unknown', [unreachable('sqlServer'), unreachable('managedInstance')]) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'SECONDARY_UNREACHABLE', message: expect.stringContaining('nothing to fail over to') }] });
  });

  test('after a failover the managed instance is primary: its outage fails over to SQL Server', () => {
    const d = decide(input({ health: health('unknown', [unreachable('managedInstance')]), history: [goodSample(2, 4, 'managedInstance')] }));
    expect(d).toMatchObject({ kind: 'act', type: 'forced', toSide: 'sqlServer', estimate: { seconds: 6 } });
  });

  test('split brain: repaired automatically only under an automatic policy', () => {
    const split = health('broken', [{ code: 'SPLIT_BRAIN', severity: 'broken', message: 'both primary' }], { roles: { sqlServer: 'PRIMARY', managedInstance: 'PRIMARY' } });
    const signal: FailoverSignal = { kind: 'health', from: 'healthy', to: 'broken', version: 8 };
    expect(decide(input({ health: split, signal }))).toMatchObject({ kind: 'act', type: 'split-brain-repair', reasons: [{ code: 'SPLIT_BRAIN' }, { code: 'POLICY_AUTOMATIC' }] });
    expect(decide(input({ health: split, signal, link: link({ mode: 'approval' }) }))).toMatchObject({ kind: 'await-approval', type: 'split-brain-repair' });
    expect(decide(input({ health: split, signal, link: link({ allowedTypes: ['forced'] }) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'SPLIT_BRAIN' }, { code: 'TYPE_NOT_ALLOWED' }] });
  });

  test('a dry-run policy says what it would have done and starts nothing', () => {
    const d = decide(input({ link: link({ dryRun: true }) }));
    expect(d).toMatchObject({ kind: 'notify', wouldBe: 'act', dryRun: true, type: 'forced', estimate: { seconds: 8 } });
    expect(codes(d)).toEqual(['PRIMARY_UNREACHABLE', 'WITHIN_BUDGET', 'DRY_RUN']);
    expect(d.summary).toMatch(/^Link_Sales: dry run, would be: forced failover to mi-prod: starting/);
  });
});

describe('alert signals', () => {
  const alert = (over: Partial<AlertSignal> = {}): AlertSignal => ({
    kind: 'alert',
    alertId: '/subscriptions/0/providers/Microsoft.AlertsManagement/alerts/ABC',
    alertRule: 'sql-onprem-down',
    monitorCondition: 'Fired',
    severity: 'Sev0',
    targetResourceIds: ['/subscriptions/0/resourcegroups/rg/providers/microsoft.compute/virtualmachines/sql-onprem-vm'],
    route: 'mi-down',
    action: 'failover',
    summary: 'Resource Health: sql-onprem-vm Unavailable',
    ...over,
  });

  test('one alert is one signal however it is delivered: the key ignores case', () => {
    expect(signalKey(alert(), NOW)).toBe(signalKey(alert({ alertId: alert().alertId.toLowerCase() }), NOW));
    expect(signalKey(alert(), NOW)).not.toBe(signalKey(alert({ monitorCondition: 'Resolved' }), NOW));
  });

  test('a fired failover alert with the primary down acts like the sweep would', () => {
    expect(decide(input({ signal: alert() }))).toMatchObject({ kind: 'act', type: 'forced', toSide: 'managedInstance', signalKey: 'alert:/subscriptions/0/providers/microsoft.alertsmanagement/alerts/abc:fired' });
  });

  test('the app\'s own sample outranks the alert: a primary that answers is not failed over', () => {
    const d = decide(input({ signal: alert(), health: health('healthy', [], { primary: 'sqlServer' }) }));
    expect(d).toMatchObject({ kind: 'notify', reasons: [{ code: 'HEALTH_DISAGREES', message: expect.stringContaining('shows sql-onprem (the primary) answering') }] });
    expect(decide(input({ signal: alert(), health: undefined })).reasons[0].code).toBe('NOT_SAMPLED');
  });

  test('an alert about the secondary, a notify route and a resolved alert start nothing', () => {
    expect(decide(input({ signal: alert({ targetResourceIds: [MI_ID.toLowerCase()] }) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'ALERT_ON_SECONDARY' }] });
    expect(decide(input({ signal: alert({ action: 'notify' }) }))).toMatchObject({ kind: 'notify', reasons: [{ code: 'ALERT_NOTIFY_ROUTE', message: expect.stringContaining('Resource Health: sql-onprem-vm Unavailable') }] });
    expect(decide(input({ signal: alert({ monitorCondition: 'Resolved' }) }))).toMatchObject({ kind: 'none', reasons: [{ code: 'ALERT_RESOLVED' }] });
  });
});

describe('requests by hand', () => {
  const manual = (type: ManualSignal['type'], dryRun = false): FailoverSignal => ({ kind: 'manual', type, dryRun, by: 'dba@contoso' });
  const healthy = health('healthy', [], { primary: 'sqlServer', roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' } });

  test('a planned failover needs a healthy link with SQL Server primary; a failback needs the managed instance primary', () => {
    expect(decide(input({ signal: manual('planned'), health: healthy }))).toMatchObject({ kind: 'act', type: 'planned', toSide: 'managedInstance' });
    expect(decide(input({ signal: manual('planned'), health: primaryDown() }))).toMatchObject({ kind: 'none', reasons: [{ code: 'MANUAL_REQUEST' }, { code: 'NOT_HEALTHY_FOR_PLANNED', message: expect.stringContaining('ask for a forced failover') }] });
    expect(decide(input({ signal: manual('failback'), health: healthy }))).toMatchObject({ kind: 'none', reasons: [{ code: 'MANUAL_REQUEST' }, { code: 'WRONG_DIRECTION' }] });
    const miPrimary = health('healthy', [], { primary: 'managedInstance' });
    expect(decide(input({ signal: manual('failback'), health: miPrimary }))).toMatchObject({ kind: 'act', type: 'failback', toSide: 'sqlServer' });
    expect(decide(input({ signal: manual('planned'), health: miPrimary })).reasons[1]).toMatchObject({ code: 'WRONG_DIRECTION', message: expect.stringContaining('ask for a failback') });
  });

  test('a type the policy does not allow is refused with how to allow it', () => {
    expect(decide(input({ signal: manual('cutover'), health: healthy })).reasons[1]).toEqual({ code: 'TYPE_NOT_ALLOWED', message: expect.stringContaining("add it to the link's failover.allowedTypes") });
  });

  test('a forced failover by hand: refused while the primary answers, within the budget it acts, over it a person approves', () => {
    expect(decide(input({ signal: manual('forced'), health: healthy }))).toMatchObject({ kind: 'none', reasons: [{ code: 'MANUAL_REQUEST' }, { code: 'PRIMARY_AVAILABLE' }] });
    expect(decide(input({ signal: manual('forced') }))).toMatchObject({ kind: 'act', toSide: 'managedInstance', estimate: { seconds: 8 } });
    expect(decide(input({ signal: manual('forced'), history: [goodSample(90, 3)] }))).toMatchObject({ kind: 'await-approval', estimate: { seconds: 93 } });
  });

  test('a dry run of any allowed type runs whatever the state, and says so', () => {
    for (const type of ['planned', 'forced', 'failback', 'split-brain-repair'] as const) {
      expect(decide(input({ signal: manual(type, true), health: primaryDown() }))).toMatchObject({ kind: 'act', type, dryRun: true });
    }
    expect(decide(input({ signal: manual('cutover', true) }))).toMatchObject({ kind: 'none', reasons: [{ code: 'MANUAL_REQUEST' }, { code: 'TYPE_NOT_ALLOWED' }] });
  });

  test('cooldown and one-at-a-time hold for requests by hand too', () => {
    const recent: FailoverOperationView = { id: 'op-1', type: 'planned', state: 'succeeded', createdAt: ago(60) };
    expect(decide(input({ signal: manual('failback'), health: health('healthy', [], { primary: 'managedInstance' }), operations: [recent] }))).toMatchObject({ kind: 'none', reasons: [{ code: 'MANUAL_REQUEST' }, { code: 'COOLDOWN' }] });
  });
});

describe('after a failover', () => {
  const splitBrain = (): LinkHealthRecord => health('broken', [{ code: 'SPLIT_BRAIN', severity: 'broken', message: 'both primary' }]);
  const forcedJustNow: FailoverOperationView = { id: 'op-forced', type: 'forced', state: 'succeeded', createdAt: ago(120), endedAt: ago(100) };

  test('the split brain a forced failover left is repaired within the cooldown (the cooldown is against flapping failovers)', () => {
    const d = decide(input({ link: link({ cooldownMinutes: 60 }), health: splitBrain(), signal: { kind: 'health', from: 'unknown', to: 'broken', version: 9 }, operations: [forcedJustNow] }));
    expect(d).toMatchObject({ kind: 'act', type: 'split-brain-repair' });
    expect(codes(d)).not.toContain('COOLDOWN');
  });

  test('a forced failover is still held back by the cooldown', () => {
    const d = decide(input({ link: link({ cooldownMinutes: 60 }), operations: [forcedJustNow] }));
    expect(d.kind).toBe('notify');
    expect(codes(d)).toContain('COOLDOWN');
  });

  test('a failback is allowed on a link degraded only because the roles drifted; not on one that is stalled', () => {
    const drifted = health('degraded', [{ code: 'ROLE_DRIFT', severity: 'degraded', message: 'mi-prod is primary' }], { primary: 'managedInstance' });
    const back: ManualSignal = { kind: 'manual', type: 'failback', dryRun: false, by: 'ana' };
    expect(decide(input({ health: drifted, signal: back, history: [] }))).toMatchObject({ kind: 'act', toSide: 'sqlServer' });
    const stalled = health('degraded', [{ code: 'ROLE_DRIFT', severity: 'degraded', message: 'x' }, { code: 'STALLED', severity: 'degraded', message: 'y' }], { primary: 'managedInstance' });
    const refused = decide(input({ health: stalled, signal: back, history: [] }));
    expect(refused.kind).toBe('none');
    expect(codes(refused)).toContain('NOT_HEALTHY_FOR_PLANNED');
  });
});
