// The dashboard's failover helpers: a link's decisions, a refused request, the approvals waiting, a
// failover operation's output; as TypeScript and as the page gets them (inlined, with no `exports`).
import {
  approvalsWaiting,
  blobDisplay,
  decisionBadge,
  decisionSummary,
  type DecisionView,
  deliveriesText,
  estimateText,
  estimateTitle,
  failoverEffect,
  failoverRefusal,
  failoverSummary,
  failoverTypeText,
  failoverWhat,
  type OperationView,
  policyText,
  redirectText,
  rowNote,
  sideName,
  sidesText,
  typeAllowed,
} from '../../../shared/dashboard/format';
import { helpersSource } from '../../../shared/dashboard/page';

const decision = (over: Partial<DecisionView>): DecisionView => ({
  link: 'Link_Orders',
  kind: 'none',
  dryRun: false,
  reasons: [],
  summary: 'Link_Orders: nothing to do',
  signalKey: 'health.v1',
  decidedAt: '2026-12-05T10:00:00.000Z',
  signal: { kind: 'health', description: 'health healthy -> degraded (sample v1)' },
  deliveries: 1,
  ...over,
});

const op = (over: Partial<OperationView>): OperationView => ({ id: 'op-mifx3k2a-1a2b3c4d', kind: 'failover', target: 'link:Link_Sales', state: 'succeeded', step: 'done', ...over });

const estimate = { seconds: 12, basedOnSampleAt: '2026-12-05T09:59:00.000Z', rpoSecondsAtSample: 4, sampleAgeSeconds: 8 };

describe('decisions', () => {
  test('each kind a badge in words, with what it meant; a dry run says what it would have been', () => {
    expect(decisionBadge(decision({ kind: 'none' }))).toEqual({ label: 'none', cls: 'dk-none', title: 'nothing to do: no operation started' });
    expect(decisionBadge(decision({ kind: 'notify' }))).toMatchObject({ label: 'notify', cls: 'dk-notify' });
    expect(decisionBadge(decision({ kind: 'await-approval' }))).toMatchObject({ label: 'await-approval', cls: 'dk-await-approval', title: 'an operation started that waits for a person to approve it' });
    expect(decisionBadge(decision({ kind: 'act' }))).toMatchObject({ label: 'act', cls: 'dk-act', title: 'an operation started' });
    expect(decisionBadge(decision({ kind: 'notify', dryRun: true, wouldBe: 'act' })).title).toBe('notified only: no operation started; the policy is a dry run: it would have been act');
    expect(decisionBadge(decision({ kind: 'act', dryRun: true })).title).toBe('an operation started; a dry run (it changes nothing)');
    // a kind this page does not know is shown as it is, never with another kind's color
    expect(decisionBadge(decision({ kind: 'escalate' }))).toEqual({ label: 'escalate', cls: 'dk-unknown', title: 'escalate' });
  });

  test('the estimate in a few words, and what it is made of', () => {
    expect(estimateText(estimate)).toBe('est. loss 12 s');
    expect(estimateText({ ...estimate, seconds: 252 })).toBe('est. loss 4 min 12 s');
    expect(estimateText({ ...estimate, seconds: 0 })).toBe('est. loss 0 s');
    expect(estimateText(undefined)).toBe('');
    expect(estimateText({ seconds: 'soon' })).toBe('');
    expect(estimateTitle(estimate)).toMatch(/^RPO 4 s at the last sample both sides answered \(2026-12-0[45] \d\d:\d\d:00\) \+ 8 s since$/);
    expect(estimateTitle({ seconds: 3 })).toBe('');
    expect(estimateTitle(null)).toBe('');
  });

  test('deliveries only when the same signal came more than once', () => {
    expect(deliveriesText(3)).toBe('delivered 3×');
    expect(deliveriesText(2)).toBe('delivered 2×');
    expect(deliveriesText(1)).toBe('');
    expect(deliveriesText(undefined)).toBe('');
    expect(deliveriesText(Number.NaN)).toBe('');
  });

  test('the playbook and the side it goes to, by name when the link is known', () => {
    const link = { sqlServer: 'sql-orders', managedInstance: 'mi-prod' };
    expect(failoverWhat({ type: 'forced', toSide: 'managedInstance' }, link)).toBe('forced → mi-prod');
    expect(failoverWhat({ type: 'failback', toSide: 'sqlServer' }, link)).toBe('failback → sql-orders');
    expect(failoverWhat({ type: 'planned', toSide: 'managedInstance' })).toBe('planned → the managed instance');
    expect(failoverWhat({ type: 'split-brain-repair' }, link)).toBe('split-brain-repair');
    expect(failoverWhat({}, link)).toBe('');
    expect(sideName('sqlServer', null)).toBe('SQL Server');
    expect(sideName('elsewhere', link)).toBe('');
  });

  test('the summary without the link name the panel already shows', () => {
    expect(decisionSummary(decision({ summary: 'Link_Orders: notify only (cooldown)' }))).toBe('notify only (cooldown)');
    expect(decisionSummary(decision({ summary: 'Link_Sales: notify only' }))).toBe('Link_Sales: notify only');
    expect(decisionSummary(decision({ link: undefined, summary: 'Link_Orders: x' }))).toBe('Link_Orders: x');
    expect(decisionSummary(decision({ summary: 'Link_Orders: ' }))).toBe('Link_Orders: ');
    expect(decisionSummary(decision({ summary: undefined }))).toBe('');
  });

  test('the policy in one line, and which types it allows', () => {
    const policy = { mode: 'approval', allowedTypes: ['planned', 'forced'], dataLossBudgetSeconds: 30, cooldownMinutes: 60, consecutiveSignals: 3, approvalTimeoutMinutes: 30, dryRun: true };
    expect(policyText(policy)).toBe(
      'policy approval · allows planned, forced · data-loss budget 30 s · cooldown 60 min · 3 signals in a row before a forced failover · approvals expire after 30 min · dry run: signals start nothing',
    );
    expect(policyText({ mode: 'notify', consecutiveSignals: 1 })).toBe('policy notify · 1 signal before a forced failover');
    expect(policyText(null)).toBe('');
    expect(typeAllowed(policy, 'forced')).toBe(true);
    expect(typeAllowed(policy, 'cutover')).toBe(false);
    expect(typeAllowed(null, 'cutover')).toBe(true); // not known: the API decides
  });

  test('each playbook in a sentence; the confirmation says what a dry run and the real one do', () => {
    for (const t of ['planned', 'failback', 'forced', 'cutover', 'offline-failback', 'split-brain-repair']) expect(failoverTypeText(t)).not.toBe('');
    expect(failoverTypeText('toString')).toBe('');
    expect(failoverEffect('planned', true)).toMatch(/^A dry run changes nothing: it checks both sides and returns the plan and every check’s verdict\. The playbook: SQL Server → managed instance/);
    expect(failoverEffect('forced', false)).toMatch(/^The primary does not answer: .* The link’s policy still decides/);
    expect(failoverEffect('unknown', false)).toMatch(/^The link’s policy still decides/);
  });
});

describe('a refused POST /api/failovers', () => {
  test('409 FAILOVER_NOT_STARTED: the decision’s summary and reasons', () => {
    const d = decision({ kind: 'notify', summary: 'Link_Sales: notify only (cooldown)', reasons: [{ code: 'COOLDOWN', message: 'within the cooldown' }] });
    expect(failoverRefusal({ error: { code: 'FAILOVER_NOT_STARTED', message: d.summary }, decision: d })).toEqual({ summary: d.summary, code: 'FAILOVER_NOT_STARTED', reasons: [{ code: 'COOLDOWN', message: 'within the cooldown' }], decision: d });
  });

  test('an error with no decision: its message; reasons that are not reasons are left out; nothing at all: undefined', () => {
    expect(failoverRefusal({ error: { code: 'LOCKED', message: 'the link is busy' } })).toEqual({ summary: 'the link is busy', code: 'LOCKED', reasons: [], decision: undefined });
    const odd = failoverRefusal({ decision: { kind: 'none', summary: '', reasons: [null, 'x', { code: 'RECOVERED', message: 'ok' }] }, error: { message: 'not started' } });
    expect(odd?.summary).toBe('not started');
    expect(odd?.reasons).toEqual([{ code: 'RECOVERED', message: 'ok' }]);
    expect(failoverRefusal(null)).toBeUndefined();
    expect(failoverRefusal('409')).toBeUndefined();
    expect(failoverRefusal({})).toBeUndefined();
  });
});

describe('approvals waiting', () => {
  test('only the ones awaiting approval, failovers first, then the one that expires first; each once', () => {
    const at = (min: number): string => new Date(Date.parse('2026-12-05T10:00:00.000Z') + min * 60_000).toISOString();
    const restoreSoon = op({ id: 'r-soon', kind: 'restore', state: 'awaiting-approval', approval: { prompt: 'swap?', expiresAt: at(5) } });
    const restoreLate = op({ id: 'r-late', kind: 'restore', state: 'awaiting-approval', approval: { prompt: 'swap?', expiresAt: at(50) } });
    const failoverLate = op({ id: 'f-late', state: 'awaiting-approval', approval: { prompt: 'forced?', expiresAt: at(30) } });
    const failoverSoon = op({ id: 'f-soon', state: 'awaiting-approval', approval: { prompt: 'forced?', expiresAt: at(10) } });
    const noExpiry = op({ id: 'f-none', state: 'awaiting-approval', approval: { prompt: 'repair?' } });
    const running = op({ id: 'f-run', state: 'running' });
    const ids = approvalsWaiting([restoreLate, running, failoverLate, restoreSoon, noExpiry, failoverSoon, failoverSoon]).map((o) => o.id);
    expect(ids).toEqual(['f-soon', 'f-late', 'f-none', 'r-soon', 'r-late']);
    expect(approvalsWaiting([])).toEqual([]);
  });
});

describe('a failover operation’s output', () => {
  const sides = { sqlServer: { instance: 'sql-onprem', role: 'SECONDARY', availabilityMode: 'asynchronous' }, managedInstance: { instance: 'mi-prod', role: 'PRIMARY' } };

  test('the sides, the primary first', () => {
    expect(sidesText(sides)).toBe('mi-prod PRIMARY · sql-onprem SECONDARY (asynchronous)');
    expect(sidesText({ sqlServer: { instance: 'sql-onprem', role: 'unreachable' }, managedInstance: { instance: 'mi-prod' } })).toBe('sql-onprem unreachable · mi-prod role unknown');
    expect(sidesText(undefined)).toBe('');
  });

  test('its row note: a dry run counts its steps and checks; a real one says the roles it left and what is left to do', () => {
    const checks = [
      { code: 'ROLES', ok: true, message: '' },
      { code: 'WAY_BACK', ok: false, message: '' },
    ];
    expect(failoverSummary({ dryRun: true, plan: ['a', 'b', 'c'], checks })).toBe('dry run: 3 steps planned, 1 of 2 checks failed');
    expect(failoverSummary({ dryRun: true, plan: ['a'], checks: [checks[0]] })).toBe('dry run: 1 step planned, the check passed');
    expect(failoverSummary({ dryRun: true })).toBe('dry run');
    expect(failoverSummary({ dryRun: false, sides, followUp: ['x', 'y'] })).toBe('mi-prod PRIMARY · sql-onprem SECONDARY (asynchronous) · 2 steps left to do by hand');
    expect(failoverSummary({ dryRun: false, checks: [checks[0], checks[0]] })).toBe('all 2 checks passed');
    expect(failoverSummary(null)).toBe('');
    expect(rowNote(op({ output: { dryRun: false, sides } }))).toMatchObject({ text: 'mi-prod PRIMARY · sql-onprem SECONDARY (asynchronous)', tone: '' });
    expect(rowNote(op({ state: 'failed', error: { code: 'FAILOVER_PRECHECK_FAILED', message: 'no' }, output: { sides } }))).toMatchObject({ code: 'FAILOVER_PRECHECK_FAILED', tone: 'err' });
  });

  test('the redirection in words', () => {
    expect(redirectText({ fqdn: 'app.db.internal', previous: 'sql-onprem.internal', current: 'mi-prod.internal', changed: true })).toBe('app.db.internal → mi-prod.internal (was sql-onprem.internal)');
    expect(redirectText({ fqdn: 'app.db.internal', current: 'mi-prod.internal', changed: false })).toBe('app.db.internal → mi-prod.internal (already pointed there)');
    expect(redirectText(undefined)).toBe('');
  });

  test('a blob address is shown without its query: a SAS token never reaches the page', () => {
    expect(blobDisplay('https://acct.blob.core.windows.net/backups/f/Payroll_diverged.trn?sv=2024&sig=abc')).toBe('https://acct.blob.core.windows.net/backups/f/Payroll_diverged.trn');
    expect(blobDisplay('https://acct.blob.core.windows.net/backups/f/x.bak#frag')).toBe('https://acct.blob.core.windows.net/backups/f/x.bak');
    expect(blobDisplay('https://acct.blob.core.windows.net/backups/f/x.bak')).toBe('https://acct.blob.core.windows.net/backups/f/x.bak');
    expect(blobDisplay(42)).toBe('');
  });
});

describe('as inlined into the page', () => {
  const inlined = new Function(
    `'use strict';\n${helpersSource()}\nreturn { decisionBadge, estimateText, estimateTitle, deliveriesText, failoverWhat, decisionSummary, policyText, typeAllowed, failoverEffect, failoverRefusal, approvalsWaiting, failoverSummary, redirectText, blobDisplay, rowNote };`,
  )() as Record<string, (...args: unknown[]) => unknown>;

  test('the failover helpers work without the module around them', () => {
    expect(inlined.decisionBadge(decision({ kind: 'act' }))).toMatchObject({ label: 'act', cls: 'dk-act' });
    expect(inlined.estimateText(estimate)).toBe('est. loss 12 s');
    expect(inlined.estimateTitle(estimate)).toMatch(/^RPO 4 s/);
    expect(inlined.deliveriesText(3)).toBe('delivered 3×');
    expect(inlined.failoverWhat({ type: 'forced', toSide: 'managedInstance' }, { managedInstance: 'mi-prod' })).toBe('forced → mi-prod');
    expect(inlined.decisionSummary(decision({ summary: 'Link_Orders: act' }))).toBe('act');
    expect(inlined.policyText({ mode: 'automatic' })).toBe('policy automatic');
    expect(inlined.typeAllowed({ allowedTypes: ['planned'] }, 'forced')).toBe(false);
    expect(inlined.failoverEffect('planned', true)).toMatch(/^A dry run changes nothing/);
    expect(inlined.failoverRefusal({ error: { code: 'FAILOVER_NOT_STARTED', message: 'no' }, decision: decision({ summary: 'no' }) })).toMatchObject({ summary: 'no', code: 'FAILOVER_NOT_STARTED' });
    expect((inlined.approvalsWaiting([op({ id: 'a', state: 'awaiting-approval' }), op({ id: 'b' })]) as OperationView[]).map((o) => o.id)).toEqual(['a']);
    expect(inlined.failoverSummary({ dryRun: true, plan: ['a', 'b'] })).toBe('dry run: 2 steps planned');
    expect(inlined.redirectText({ fqdn: 'a', current: 'b', changed: false })).toBe('a → b (already pointed there)');
    expect(inlined.blobDisplay('x?sig=1')).toBe('x');
    expect(inlined.rowNote(op({ output: { dryRun: true, plan: ['a'] } }))).toMatchObject({ text: 'dry run: 1 step planned' });
  });
});
