// The dashboard's failover views in headless Chromium, against a fake Functions host with canned
// answers: a link's decisions (asked for only while its panel is open, refreshed on the links' poll),
// the form that asks POST /api/failovers for a playbook (a dry run unless unticked, after a
// confirmation), a refusal said plainly, the approvals waiting on top, and a failover operation's
// plan, checks, actions and sides in its detail.
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ago, cannedOperation, dashboardBrowser, detailShows, FakeFunctionsHost, inMs, INJECTED, listOperations, MINUTE, type Op, type OpenedPage, operationWithAudit, row, sqlServerUnreachable, until, type Seen } from '../../helpers/dashboardHarness';
import type { DecisionView, LinkView } from '../../../shared/dashboard/format';

const KEY = 'test-only-function-key-F4il';

const ID = {
  awaiting: 'op-mifz1a2b-a0a0a0a0',
  restoreApproval: 'op-mifz0b1c-b1b1b1b1',
  dryRun: 'op-mifyx9z8-c2c2c2c2',
  repair: 'op-mifyw8y7-d3d3d3d3',
  offline: 'op-mifyv7x6-e4e4e4e4',
  running: 'op-mifz2c3d-f5f5f5f5',
  started: 'op-mig00001-0d0d0d0d',
};

function links(): LinkView[] {
  const base = { sqlServer: 'sql-onprem', managedInstance: 'mi-prod', expectedPrimary: 'sqlServer', roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' }, primary: 'sqlServer', sampledAt: ago(20_000), reasons: [] };
  return [
    { ...base, name: 'Link_Sales', state: 'healthy', since: ago(300 * MINUTE), message: 'healthy', observed: 'healthy', lagSeconds: 1, rpoSeconds: 1, rtoSeconds: 2 },
    { ...base, name: 'Link_Orders', ...sqlServerUnreachable('sql-orders', 'broken', 4 * MINUTE, 'connect ETIMEDOUT') },
    { ...base, name: 'Link_Payroll', state: 'healthy', since: ago(60 * MINUTE), message: 'healthy', observed: 'healthy', roles: { sqlServer: 'SECONDARY', managedInstance: 'PRIMARY' }, primary: 'managedInstance' },
  ];
}

/** Link_Orders' night: an alert delivered three times (one decision, one operation awaiting approval), and the health signals around it. */
function ordersDecisions(): DecisionView[] {
  return [
    {
      link: 'Link_Orders',
      kind: 'await-approval',
      type: 'forced',
      toSide: 'managedInstance',
      estimate: { seconds: 12, basedOnSampleAt: ago(3 * MINUTE), rpoSecondsAtSample: 4, sampleAgeSeconds: 8 },
      dryRun: false,
      reasons: [
        { code: 'PRIMARY_UNREACHABLE', message: 'sql-orders (the primary) does not answer; mi-prod does' },
        { code: 'OVER_BUDGET', message: `estimated data loss 12 s is over the budget of 5 s: a person must approve ${INJECTED}` },
      ],
      summary: 'Link_Orders: forced failover to mi-prod: waiting for an approval (estimated data loss 12 s is over the budget of 5 s: a person must approve)',
      signalKey: 'alert:2f1c0a9e:fired',
      decidedAt: ago(2 * MINUTE),
      signal: { kind: 'alert', description: 'alert sql-orders-down Fired (Sev0) via route orders-down' },
      operationId: ID.awaiting,
      deliveries: 3,
    },
    {
      link: 'Link_Orders',
      kind: 'notify',
      type: 'forced',
      toSide: 'managedInstance',
      estimate: { seconds: 9, basedOnSampleAt: ago(3 * MINUTE), rpoSecondsAtSample: 4, sampleAgeSeconds: 5 },
      dryRun: false,
      reasons: [
        { code: 'PRIMARY_UNREACHABLE', message: 'sql-orders (the primary) does not answer; mi-prod does' },
        { code: 'WAITING_FOR_SIGNALS', message: '2 of the 3 consecutive signals the policy needs before a forced' },
      ],
      summary: 'Link_Orders: notify only (2 of the 3 consecutive signals the policy needs before a forced)',
      signalKey: 'health.v41',
      decidedAt: ago(3 * MINUTE),
      signal: { kind: 'health', description: 'health degraded -> broken (sample v41)' },
      deliveries: 1,
    },
    {
      link: 'Link_Orders',
      kind: 'none',
      dryRun: false,
      reasons: [{ code: 'DEGRADED_ONLY', message: 'Link_Orders is degraded, not broken: nothing to fail over' }],
      summary: 'Link_Orders: nothing to do (Link_Orders is degraded, not broken: nothing to fail over)',
      signalKey: 'health.v40',
      decidedAt: ago(9 * MINUTE),
      signal: { kind: 'health', description: 'health healthy -> degraded (sample v40)' },
      deliveries: 1,
    },
  ];
}

const plannedPlan = [
  'check both sides, the link and ARM (roles, synchronization, the way back)',
  'switch DAG_Sales to synchronous commit on sql-onprem (ALTER AVAILABILITY GROUP ... MODIFY ... SYNCHRONOUS_COMMIT)',
  'switch it on mi-prod (ARM PATCH replicationMode Sync)',
  'wait until the last hardened LSNs of Sales match on both sides and stay equal for 10 s',
  'ARM failover Planned of DAG_Sales (from sql-onprem; issued once, its poller saved)',
  'verify that mi-prod is PRIMARY and sql-onprem SECONDARY',
  'switch both sides back to asynchronous commit',
];

function operations(): Op[] {
  const base = cannedOperation({ kind: 'failover', target: 'link:Link_Sales', step: 'done', createdBy: 'api (self-declared)', runMinutes: 1 });
  return [
    base(ID.running, 0.5, { kind: 'restore', target: 'sql-dev/sales_dev', state: 'running', step: 'restore', progress: { percent: 42, message: 'RESTORE 42%' } }),
    base(ID.restoreApproval, 1, {
      kind: 'restore',
      target: 'mi-prod/sales',
      state: 'awaiting-approval',
      step: 'swap',
      approval: { prompt: 'Replace the production database Sales on mi-prod?', requestedAt: ago(MINUTE), expiresAt: inMs(20 * MINUTE) },
    }),
    base(ID.awaiting, 2, {
      target: 'link:Link_Orders',
      state: 'awaiting-approval',
      step: 'forced',
      createdBy: 'alert sql-orders-down',
      approval: {
        prompt:
          'forced failover of link Link_Orders to mi-prod: estimated data loss 12 s (RPO 4 s at the last sample + 8 s since). estimated data loss over the budget of 5 s. It will: record the estimated data loss on the operation; ARM failover ForcedAllowDataLoss of DAG_Orders on mi-prod.',
        requestedAt: ago(2 * MINUTE),
        expiresAt: inMs(28 * MINUTE + 30_000),
      },
      input: { link: 'Link_Orders', type: 'forced', dryRun: false, requestedBy: 'alert sql-orders-down', decision: { signalKey: 'alert:2f1c0a9e:fired', summary: 'Link_Orders: forced failover to mi-prod: waiting for an approval' }, estimate: { seconds: 12, basedOnSampleAt: ago(3 * MINUTE), rpoSecondsAtSample: 4, sampleAgeSeconds: 8 } },
    }),
    base(ID.dryRun, 20, {
      target: 'link:Link_Sales/dry-run',
      input: { link: 'Link_Sales', type: 'planned', dryRun: true, requestedBy: 'api (self-declared)', decision: { signalKey: 'manual:api:1', summary: 'Link_Sales: planned failover to mi-prod: starting' } },
      output: {
        link: 'Link_Sales',
        type: 'planned',
        dryRun: true,
        toSide: 'managedInstance',
        plan: plannedPlan,
        checks: [
          { code: 'ROLES', ok: true, message: 'sql-onprem is PRIMARY, mi-prod SECONDARY' },
          { code: 'SYNCHRONIZING', ok: true, message: 'Sales is SYNCHRONIZING on mi-prod' },
          { code: 'WAY_BACK', ok: false, message: 'mi-prod runs update policy AlwaysUpToDate: there is no failback to SQL Server 2022' },
        ],
        actions: [],
        sides: { sqlServer: { instance: 'sql-onprem', role: 'PRIMARY', availabilityMode: 'asynchronous' }, managedInstance: { instance: 'mi-prod', role: 'SECONDARY', availabilityMode: 'asynchronous' } },
      },
    }),
    base(ID.repair, 40, {
      target: 'link:Link_Payroll',
      input: { link: 'Link_Payroll', type: 'split-brain-repair', dryRun: false, requestedBy: 'health', decision: { signalKey: 'health.v12', summary: 'Link_Payroll: split-brain-repair failover to mi-prod: starting' } },
      output: {
        link: 'Link_Payroll',
        type: 'split-brain-repair',
        dryRun: false,
        toSide: 'managedInstance',
        plan: ['check both sides', 'back up the diverged log of Payroll on sql-onprem', 'demote sql-onprem to SECONDARY', 'resume the link until it synchronizes'],
        checks: [{ code: 'BOTH_PRIMARY', ok: true, message: 'both sql-onprem and mi-prod say PRIMARY' }],
        actions: [
          { at: '2026-12-05T03:10:01.000Z', what: 'sql-onprem: BACKUP LOG Payroll to failover/Link_Payroll/a1b2/Payroll_diverged.trn' },
          { at: '2026-12-05T03:10:44.000Z', what: 'sql-onprem: demoted to SECONDARY' },
          { at: '2026-12-05T03:12:30.000Z', what: 'Payroll is SYNCHRONIZING again' },
        ],
        sides: { sqlServer: { instance: 'sql-onprem', role: 'SECONDARY', availabilityMode: 'asynchronous' }, managedInstance: { instance: 'mi-prod', role: 'PRIMARY', availabilityMode: 'asynchronous' } },
        redirect: { fqdn: 'app-payroll.db.contoso.internal', previous: 'sql-onprem.contoso.internal', current: 'mi-prod.a1b2c3.database.windows.net', changed: true },
        preserved: [{ database: 'Payroll', blobUrl: 'https://acct.blob.core.windows.net/backups/failover/Link_Payroll/a1b2/Payroll_diverged.trn?sv=2024&sig=N0tShownAnywhere', firstLsn: '61000000012300001', lastLsn: '61000000045600001' }],
      },
    }),
    base(ID.offline, 60, {
      target: 'link:Link_Sales',
      output: {
        link: 'Link_Sales',
        type: 'offline-failback',
        dryRun: false,
        toSide: 'sqlServer',
        plan: ['copy-only backup on mi-prod', 'restore on sql-onprem as Sales_failback'],
        checks: [],
        actions: [{ at: '2026-12-05T04:00:00.000Z', what: 'restored on sql-onprem: Sales_failback' }],
        followUp: ['On sql-onprem: check Sales_failback (row counts, application smoke test).', 'Point the applications at sql-onprem.', 'To protect the data again, re-create the link.'],
      },
    }),
  ];
}

class FakeApi extends FakeFunctionsHost {
  ops = operations();
  decisions: Record<string, DecisionView[]> = { Link_Orders: ordersDecisions(), Link_Sales: [], Link_Payroll: [] };
  /** the next answer of POST /api/failovers, when a test sets it */
  failoverAnswer: [number, unknown] | undefined;

  override reset(): void {
    super.reset();
    this.ops = operations();
    this.decisions = { Link_Orders: ordersDecisions(), Link_Sales: [], Link_Payroll: [] };
    this.failoverAnswer = undefined;
  }

  decisionRequests(): Seen[] {
    return this.seen.filter((s) => /^\/api\/links\/[^/]+\/decisions$/.test(s.path));
  }

  protected route(method: string, url: URL, body: Record<string, unknown>): [number, unknown] {
    const p = url.pathname;
    const q = url.searchParams;
    if (method === 'GET' && p === '/api/links') return [200, { links: links() }];
    if (method === 'GET' && p === '/api/events') return [200, { events: [], counters: {} }];
    const d = /^\/api\/links\/([^/]+)\/decisions$/.exec(p);
    if (method === 'GET' && d) {
      const name = decodeURIComponent(d[1]);
      const list = this.decisions[name];
      if (!list) return [404, { error: { code: 'LINK_NOT_FOUND', message: `no link ${name}` } }];
      const policy = { mode: 'approval', allowedTypes: ['planned', 'forced'], dataLossBudgetSeconds: 5, cooldownMinutes: 60, consecutiveSignals: 3, approvalTimeoutMinutes: 30, dryRun: false };
      return [200, { link: name, policy, decisions: list.slice(0, Number(q.get('limit') ?? 50)) }];
    }
    if (method === 'POST' && p === '/api/failovers') return this.failoverAnswer ?? this.startFailover(body);
    if (method === 'GET' && p === '/api/operations') return listOperations(this.ops, q);
    const m = /^\/api\/operations\/([^/]+)(?:\/(approve|reject|cancel))?$/.exec(p);
    const op = m && this.ops.find((o) => o.id === m[1]);
    if (!m || !op) return [404, { error: { code: 'OPERATION_NOT_FOUND', message: `operation ${m?.[1]} does not exist` } }];
    if (method === 'GET' && !m[2]) return operationWithAudit(op);
    if (method === 'POST' && m[2] === 'approve') {
      const now = new Date().toISOString();
      op.approval = { ...op.approval!, decision: 'approved', decidedBy: String(body.by), decidedVia: 'self-declared', decidedAt: now, comment: String(body.comment ?? '') };
      op.state = 'running';
      op.updatedAt = now;
      return [200, op];
    }
    return [404, { error: { code: 'BAD_REQUEST', message: 'no such route' } }];
  }

  /** A dry run of a planned failover starts; anything forced is refused (the primary still answers). */
  private startFailover(body: Record<string, unknown>): [number, unknown] {
    const now = new Date().toISOString();
    const link = String(body.link);
    if (body.type === 'forced') {
      const decision: DecisionView = {
        link,
        kind: 'notify',
        type: 'forced',
        toSide: 'managedInstance',
        estimate: { seconds: 1, basedOnSampleAt: ago(20_000), rpoSecondsAtSample: 0.6, sampleAgeSeconds: 0.4 },
        dryRun: false,
        reasons: [
          { code: 'MANUAL_REQUEST', message: 'forced asked by api (self-declared)' },
          { code: 'PRIMARY_AVAILABLE', message: `sql-onprem (the primary) still answers (healthy: no reasons): a forced failover would lose data and gain nothing ${INJECTED}` },
        ],
        summary: `${link}: notify only (sql-onprem (the primary) still answers (healthy: no reasons): a forced failover would lose data and gain nothing)`,
        signalKey: `manual:api:${now}`,
        decidedAt: now,
        signal: { kind: 'manual', description: 'forced asked by api (self-declared)' },
        deliveries: 1,
      };
      this.decisions[link] = [decision, ...(this.decisions[link] ?? [])];
      return [409, { error: { code: 'FAILOVER_NOT_STARTED', message: decision.summary }, decision }];
    }
    const decision: DecisionView = {
      link,
      kind: 'act',
      type: String(body.type),
      toSide: 'managedInstance',
      dryRun: body.dryRun === true,
      reasons: [{ code: 'MANUAL_REQUEST', message: `${String(body.type)}${body.dryRun ? ' dry run' : ''} asked by api (self-declared)` }],
      summary: `${link}: ${String(body.type)} failover to mi-prod: starting (${String(body.type)} dry run asked by api (self-declared))`,
      signalKey: `manual:api:${now}`,
      decidedAt: now,
      signal: { kind: 'manual', description: `${String(body.type)} dry run asked by api (self-declared)` },
      operationId: ID.started,
      deliveries: 1,
    };
    this.decisions[link] = [decision, ...(this.decisions[link] ?? [])];
    const op: Op = {
      id: ID.started,
      kind: 'failover',
      target: `link:${link}/dry-run`,
      state: 'pending',
      step: 'check',
      attempt: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: 'api (self-declared)',
      input: { link, type: body.type, dryRun: body.dryRun, requestedBy: 'api (self-declared)', decision: { signalKey: decision.signalKey, summary: decision.summary } },
    };
    this.ops.push(op);
    return [202, { decision, operation: op }];
  }
}

const api = new FakeApi(KEY);
// a refused failover answers 409, which the browser logs as a failed resource
const open = dashboardBrowser(api, /Failed to load resource/);

const linkRow = (name: string): string => `#links-rows tr.link[data-name="${name}"]`;
const texts = (page: Page, selector: string): Promise<string[]> => page.$$eval(selector, (els) => els.map((x) => (x.textContent ?? '').trim()));

async function load(page: Page): Promise<void> {
  await page.goto(`${api.url}/api/dashboard?code=${encodeURIComponent(KEY)}`);
  await page.waitForSelector(linkRow('Link_Payroll'));
  await page.waitForSelector(row(ID.running));
}

/** A fresh page with the dashboard loaded. */
async function openLoaded(): Promise<OpenedPage> {
  const opened = await open();
  await load(opened.page);
  return opened;
}

/** A fresh page with the dashboard loaded and the failover panel of Link_Sales open (it has no decisions yet). */
async function openSalesPanel(): Promise<OpenedPage> {
  const opened = await openLoaded();
  await opened.page.click(`${linkRow('Link_Sales')} td.lfo button`);
  await opened.page.waitForSelector('#fo-decisions li.muted >> text=no decisions yet');
  return opened;
}

test('a link’s decisions are asked for only once its panel is open: time, kind, summary, signal, estimate, deliveries, the operation; reasons on unfolding; refreshed on the links’ poll', async () => {
  const { page, errors, foreign } = await open();
  await page.clock.install();
  await load(page);
  await page.clock.pauseAt(Date.now() + 1000);
  await api.settled();
  // nothing asked for any link, and no panel, until one is opened
  expect(api.decisionRequests()).toEqual([]);
  expect(await page.isHidden('#fo')).toBe(true);
  expect(await texts(page, '#links-rows td.lfo button')).toEqual(['Decisions', 'Decisions', 'Decisions']);
  expect(await page.getAttribute(`${linkRow('Link_Orders')} td.lfo button`, 'aria-expanded')).toBe('false');

  await page.click(`${linkRow('Link_Orders')} td.lfo button`);
  await page.waitForSelector('#fo-decisions li.dec');
  expect(api.decisionRequests().map((s) => `${s.path}?${s.query.toString()}`)).toEqual(['/api/links/Link_Orders/decisions?limit=20']);
  expect(api.decisionRequests()[0].key).toBe(KEY);
  expect(await page.getAttribute(`${linkRow('Link_Orders')} td.lfo button`, 'aria-expanded')).toBe('true');
  // the click opened the panel, not the row's own reasons
  expect(await page.$('#links-rows tr.link-more')).toBeNull();
  expect(await page.inputValue('#fo-link')).toBe('Link_Orders');
  expect(await page.textContent('#fo-sides')).toBe('sql-orders ? → mi-prod SECONDARY · broken');
  expect(await page.textContent('#fo-policy')).toBe(
    'policy approval · allows planned, forced · data-loss budget 5 s · cooldown 60 min · 3 signals in a row before a forced failover · approvals expire after 30 min',
  );

  const items = page.locator('#fo-decisions li.dec');
  expect(await items.count()).toBe(3);
  const first = items.nth(0);
  expect(await first.locator('.badge').textContent()).toBe('await-approval');
  expect(await first.locator('.dwhat').textContent()).toBe('forced → mi-prod');
  expect(await first.locator('.dsum').textContent()).toBe('forced failover to mi-prod: waiting for an approval (estimated data loss 12 s is over the budget of 5 s: a person must approve)');
  expect(await first.locator('time').textContent()).toBe('2 min ago');
  expect(await first.locator('.dsig').textContent()).toBe('alert sql-orders-down Fired (Sev0) via route orders-down');
  expect(await first.locator('.dest').textContent()).toBe('est. loss 12 s');
  expect(await first.locator('.dest').getAttribute('title')).toMatch(/^RPO 4 s at the last sample both sides answered \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\) \+ 8 s since$/);
  expect(await first.locator('.ddel').textContent()).toBe('delivered 3×');
  expect(await first.locator('button.dop').textContent()).toBe(ID.awaiting);
  // delivered once: no count; no operation: no button; no estimate: none shown
  expect(await items.nth(1).locator('.badge').textContent()).toBe('notify');
  expect(await items.nth(1).locator('.dest').textContent()).toBe('est. loss 9 s');
  expect(await items.nth(1).locator('.ddel').count()).toBe(0);
  expect(await items.nth(1).locator('button.dop').count()).toBe(0);
  expect(await items.nth(2).locator('.badge').textContent()).toBe('none');
  expect(await items.nth(2).locator('.dest').count()).toBe(0);
  expect(await items.nth(2).locator('.dsig').textContent()).toBe('health healthy -> degraded (sample v40)');

  // the reasons are folded; unfolded, every one with its code (markup in a message stays text)
  const reasons = first.locator('details ul.dreasons');
  expect(await reasons.isVisible()).toBe(false);
  expect(await first.locator('details summary').textContent()).toBe('why: 2 reasons');
  await first.locator('details summary').click();
  await reasons.waitFor();
  expect(await reasons.locator('li').allTextContents()).toEqual([
    'PRIMARY_UNREACHABLE sql-orders (the primary) does not answer; mi-prod does',
    `OVER_BUDGET estimated data loss 12 s is over the budget of 5 s: a person must approve ${INJECTED}`,
  ]);
  expect(await page.$('#injected')).toBeNull();
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-failover-decisions.png'), fullPage: true });

  // the links' poll asks again, for this link only; a new decision on top, what was unfolded stays unfolded
  const earlier = api.decisions.Link_Orders;
  api.decisions.Link_Orders = [
    { ...earlier[2], reasons: [{ code: 'RECOVERED', message: 'Link_Orders is healthy again' }], summary: 'Link_Orders: nothing to do (Link_Orders is healthy again)', signalKey: 'health.v42', decidedAt: new Date().toISOString(), signal: { kind: 'health', description: 'health broken -> healthy (sample v42)' } },
    ...earlier,
  ];
  const before = api.decisionRequests().length;
  await page.clock.runFor(10_500);
  await until(() => api.decisionRequests().length > before);
  await page.locator('#fo-decisions li.dec').nth(3).waitFor();
  expect(await page.locator('#fo-decisions li.dec').nth(0).locator('.dsig').textContent()).toBe('health broken -> healthy (sample v42)');
  expect(await page.locator('#fo-decisions li.dec').nth(1).locator('details').getAttribute('open')).toBe('');
  expect(await page.locator('#fo-decisions li.dec').nth(2).locator('details').getAttribute('open')).toBeNull();
  expect(new Set(api.decisionRequests().map((s) => s.path))).toEqual(new Set(['/api/links/Link_Orders/decisions']));

  // its operation opens in the operation detail
  await page.locator('#fo-decisions li.dec').nth(1).locator('button.dop').click();
  await detailShows(page, ID.awaiting);
  expect(await page.textContent('#detail-title')).toBe('failover on link:Link_Orders');

  // another link from the selector; closed: nothing more is asked
  await page.selectOption('#fo-link', 'Link_Sales');
  await page.locator('#fo-decisions li.muted', { hasText: 'no decisions yet' }).waitFor();
  expect(api.decisionRequests().at(-1)!.path).toBe('/api/links/Link_Sales/decisions');
  expect(await page.getAttribute(`${linkRow('Link_Orders')} td.lfo button`, 'aria-expanded')).toBe('false');
  expect(await page.getAttribute(`${linkRow('Link_Sales')} td.lfo button`, 'aria-expanded')).toBe('true');
  await page.click('#fo-close');
  expect(await page.isHidden('#fo')).toBe(true);
  expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")')).toBe('failover decisions of Link_Sales');
  await api.settled();
  const closed = api.decisionRequests().length;
  const linkPolls = api.seen.filter((s) => s.path === '/api/links').length;
  for (const n of [1, 2]) {
    await page.clock.runFor(10_500);
    await until(() => api.seen.filter((s) => s.path === '/api/links').length >= linkPolls + n);
  }
  await api.settled();
  expect(api.decisionRequests().length).toBe(closed);
  expect(api.maxInFlight).toBe(1);
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

test('the form asks for a dry run by default, confirms first, and sends {link, type, dryRun} with the key; the operation it started opens', async () => {
  const { page, errors } = await openSalesPanel();
  expect(await page.isChecked('#fo-dry')).toBe(true);
  expect(await page.inputValue('#fo-type')).toBe('planned');
  expect(await texts(page, '#fo-type option')).toEqual([
    'planned',
    'failback (not allowed)',
    'forced',
    'cutover (not allowed)',
    'offline-failback (not allowed)',
    'split-brain-repair (not allowed)',
  ]);
  expect(await page.textContent('#fo-type-hint')).toMatch(/^SQL Server → managed instance without data loss/);

  // Back sends nothing
  await page.click('#fo-start');
  await page.waitForSelector('#confirm[open]');
  expect(await page.textContent('#confirm-title')).toBe('Dry run a planned failover?');
  expect(await page.textContent('#confirm-what')).toBe('planned failover dry run of link Link_Salesnow sql-onprem PRIMARY → mi-prod SECONDARY · healthy');
  expect(await page.textContent('#confirm-effect')).toMatch(/^A dry run changes nothing/);
  expect(await page.isHidden('#confirm-by-row')).toBe(true);
  expect(await page.textContent('#confirm-ok')).toBe('Run the dry run');
  await page.click('#confirm-back');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  expect(api.posts()).toEqual([]);

  // by keyboard: the form's button, then Enter on the dialog's
  await page.focus('#fo-start');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#confirm[open]');
  expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('confirm-ok');
  const [posted] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${api.url}/api/failovers`), page.keyboard.press('Enter')]);
  expect(posted.postDataJSON()).toEqual({ link: 'Link_Sales', type: 'planned', dryRun: true });
  expect(posted.headers()['x-functions-key']).toBe(KEY);
  expect(posted.url()).not.toContain('code=');
  await page.waitForSelector('#confirm', { state: 'hidden' });

  // "started operation X", and X opens
  await page.waitForSelector('#fo-result:not([hidden])');
  expect(await page.textContent('#fo-result')).toBe(
    `Started operation ${ID.started} (planned dry run of Link_Sales): planned failover to mi-prod: starting (planned dry run asked by api (self-declared))`,
  );
  await detailShows(page, ID.started);
  expect(await page.textContent('#flash')).toBe(`Started operation ${ID.started} (planned dry run of Link_Sales).`);
  expect(await page.textContent('#detail-body .fobox h3')).toBe('Failover dry run: planned of Link_Sales');
  expect(await page.textContent('#detail-body .fobox')).toContain('the steps so far are in the audit trail below');
  // its decision comes into the list
  await page.locator('#fo-decisions li.dec .badge', { hasText: 'act' }).waitFor();
  expect(await page.textContent('#fo-decisions li.dec button.dop')).toBe(ID.started);
  expect(errors).toEqual([]);
});

test('a refusal (409) shows the decision’s summary and reasons plainly; a bad request (400) its message in the dialog', async () => {
  const { page, errors } = await openSalesPanel();

  await page.selectOption('#fo-type', 'forced');
  expect(await page.textContent('#fo-type-hint')).toMatch(/^The primary does not answer/);
  await page.uncheck('#fo-dry');
  await page.click('#fo-start');
  await page.waitForSelector('#confirm[open]');
  expect(await page.textContent('#confirm-title')).toBe('Start a forced failover?');
  expect(await page.textContent('#confirm-ok')).toBe('Start the failover');
  expect(await page.getAttribute('#confirm-ok', 'class')).toBe('danger');
  expect(await page.textContent('#confirm-effect')).toMatch(/The link’s policy still decides/);
  const [posted] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/failovers')), page.click('#confirm-ok')]);
  expect(posted.postDataJSON()).toEqual({ link: 'Link_Sales', type: 'forced', dryRun: false });

  // not a crash: the dialog closes on the answer, the panel says why
  await page.waitForSelector('#confirm', { state: 'hidden' });
  await page.waitForSelector('#fo-result.bad:not([hidden])');
  expect(await page.textContent('#fo-result p')).toBe(
    'Not started (forced failover of Link_Sales): notify only (sql-onprem (the primary) still answers (healthy: no reasons): a forced failover would lose data and gain nothing)',
  );
  expect(await page.textContent('#fo-result .badge')).toBe('notify');
  expect(await texts(page, '#fo-result ul.refusal-reasons li')).toEqual([
    'MANUAL_REQUEST forced asked by api (self-declared)',
    `PRIMARY_AVAILABLE sql-onprem (the primary) still answers (healthy: no reasons): a forced failover would lose data and gain nothing ${INJECTED}`,
  ]);
  expect(await page.$('#injected')).toBeNull();
  expect(await page.isHidden('#alert')).toBe(true);
  expect(await page.isHidden('#keypanel')).toBe(true);
  // the refused decision is stored: the list shows it
  await page.locator('#fo-decisions li.dec .dsig', { hasText: 'forced asked by api' }).waitFor();
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-failover-refused.png') });

  // a 400: the app's message, in the dialog, which stays open to correct
  api.failoverAnswer = [400, { error: { code: 'BAD_REQUEST', message: 'type must be one of planned, forced, failback, offline-failback, cutover, split-brain-repair' } }];
  await page.click('#fo-start');
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#confirm-error:not([hidden])');
  expect(await page.textContent('#confirm-error')).toBe('Not started: type must be one of planned, forced, failback, offline-failback, cutover, split-brain-repair (BAD_REQUEST, HTTP 400)');
  expect(await page.isVisible('#confirm')).toBe(true);
  expect(await page.isDisabled('#confirm-ok')).toBe(false);
  await page.click('#confirm-back');
  expect(api.posts().map((s) => s.path)).toEqual(['/api/failovers', '/api/failovers']);
  expect(errors).toEqual([]);
});

test('a failover awaiting approval is on top, first in the approvals strip with its prompt and expiry; Approve… asks, then POSTs /approve', async () => {
  const { page, errors } = await openLoaded();
  await page.waitForSelector('#approvals:not([hidden])');
  expect(await page.textContent('#approvals-title')).toBe('Approvals waiting · 2 (1 failover)');
  // above the links and the operations
  const strip = await page.locator('#approvals').boundingBox();
  expect(strip!.y + strip!.height).toBeLessThanOrEqual((await page.locator('#links').boundingBox())!.y);
  expect(await page.$$eval('#approvals-list li.appr', (lis) => lis.map((l) => l.getAttribute('data-id')))).toEqual([ID.awaiting, ID.restoreApproval]);
  const item = page.locator(`#approvals-list li.appr[data-id="${ID.awaiting}"]`);
  expect(await item.locator('.tag').textContent()).toBe('failover');
  expect(await item.locator('.ahead b').textContent()).toBe('link:Link_Orders');
  expect(await item.locator('.aprompt').textContent()).toMatch(/^forced failover of link Link_Orders to mi-prod: estimated data loss 12 s/);
  expect(await item.locator('.ahead').textContent()).toMatch(/asked 2 min ago · expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(28 min left\)$/);
  expect(await item.locator('button').allTextContents()).toEqual(['…a0a0a0a0', 'Approve…', 'Reject…']);

  await item.locator('button.act-approve').click();
  await page.waitForSelector('#confirm[open]');
  expect(await page.textContent('#confirm-title')).toBe('Approve this operation?');
  expect(await page.textContent('#confirm-approval')).toContain('forced failover of link Link_Orders to mi-prod');
  expect(await page.textContent('#confirm-approval')).toMatch(/\(28 min left\)/);
  expect(await page.isVisible('#confirm-by')).toBe(true);
  await page.fill('#confirm-by', 'dba@contoso.com');
  await page.fill('#confirm-text', 'sql-orders is gone; 12 s accepted');
  const [approve] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/operations/${ID.awaiting}/approve`)), page.click('#confirm-ok')]);
  expect(approve.postDataJSON()).toEqual({ by: 'dba@contoso.com', comment: 'sql-orders is gone; 12 s accepted' });
  expect(approve.headers()['x-functions-key']).toBe(KEY);

  // the operation opens, says so, and leaves the strip
  await detailShows(page, ID.awaiting);
  await page.waitForSelector('#flash >> text=Approved');
  expect(await page.textContent('#flash')).toBe(`Approved ${ID.awaiting} (link:Link_Orders).`);
  await page.waitForSelector(`#approvals-list li.appr[data-id="${ID.awaiting}"]`, { state: 'detached' });
  expect(await page.textContent('#approvals-title')).toBe('Approvals waiting · 1');
  expect(api.posts().map((s) => s.path)).toEqual([`/api/operations/${ID.awaiting}/approve`]);
  expect(errors).toEqual([]);
});

test('a failover operation’s detail: its plan in order, checks ✓/✗, actions as a timeline, the sides, preserved backups with LSN ranges, what is left to do', async () => {
  const { page, errors } = await openLoaded();
  // the list's note: the roles it left, or the dry run's count
  expect(await page.textContent(`${row(ID.repair)} td.note`)).toBe('mi-prod PRIMARY (asynchronous) · sql-onprem SECONDARY (asynchronous)');
  expect(await page.textContent(`${row(ID.dryRun)} td.note`)).toBe('dry run: 7 steps planned, 1 of 3 checks failed');
  expect(await page.textContent(`${row(ID.offline)} td.note`)).toBe('3 steps left to do by hand');

  await page.click(`${row(ID.dryRun)} td.target`);
  await detailShows(page, ID.dryRun);
  const box = '#detail-body .fobox';
  await page.waitForSelector(box);
  expect(await page.textContent(`${box} h3`)).toBe('Failover dry run: planned of Link_Sales');
  expect(await texts(page, `${box} ol.plan li`)).toEqual(plannedPlan);
  expect(await page.$$eval(`${box} ol.plan`, (ol) => ol.length)).toBe(1);
  expect(await texts(page, `${box} ul.checks li`)).toEqual([
    '✓passed: ROLES sql-onprem is PRIMARY, mi-prod SECONDARY',
    '✓passed: SYNCHRONIZING Sales is SYNCHRONIZING on mi-prod',
    '✗failed: WAY_BACK mi-prod runs update policy AlwaysUpToDate: there is no failback to SQL Server 2022',
  ]);
  expect(await page.$$eval(`${box} ul.checks li`, (lis) => lis.map((l) => l.className))).toEqual(['ok', 'ok', 'bad']);
  expect(await page.textContent(`${box} h4 >> nth=1`)).toBe('Checks · 1 of 3 failed');
  expect(await page.textContent(box)).toContain('new primarymi-prod (would be)');
  expect(await page.textContent(box)).toContain('decisionLink_Sales: planned failover to mi-prod: starting');
  expect(await texts(page, `${box} table.sides tbody tr`)).toEqual(['SQL Serversql-onpremPRIMARYasynchronous', 'managed instancemi-prodSECONDARYasynchronous']);
  expect(await page.$(`${box} ol.timeline`)).toBeNull();

  await page.click(`${row(ID.repair)} td.target`);
  await detailShows(page, ID.repair);
  await page.locator(`${box} h3`, { hasText: 'split-brain-repair' }).waitFor();
  expect(await page.textContent(`${box} h3`)).toBe('Failover: split-brain-repair of Link_Payroll');
  expect(await page.$$eval(`${box} ol.timeline li`, (lis) => lis.map((l) => [l.querySelector('time')?.getAttribute('datetime'), (l.textContent ?? '').replace(/^\d\d:\d\d:\d\d/, 'hh:mm:ss')]))).toEqual([
    ['2026-12-05T03:10:01.000Z', 'hh:mm:sssql-onprem: BACKUP LOG Payroll to failover/Link_Payroll/a1b2/Payroll_diverged.trn'],
    ['2026-12-05T03:10:44.000Z', 'hh:mm:sssql-onprem: demoted to SECONDARY'],
    ['2026-12-05T03:12:30.000Z', 'hh:mm:ssPayroll is SYNCHRONIZING again'],
  ]);
  expect(await texts(page, `${box} table.sides tbody tr`)).toEqual(['SQL Serversql-onpremSECONDARYasynchronous', 'managed instancemi-prodPRIMARYasynchronous']);
  // the tables fit the detail column
  for (const t of ['table.sides', 'table.preserved']) expect(await page.$eval(`${box} ${t}`, (x) => x.getBoundingClientRect().right <= x.parentElement!.getBoundingClientRect().right + 0.5)).toBe(true);
  expect(await texts(page, `${box} table.preserved tbody tr td`)).toEqual(['Payroll', 'Payroll_diverged.trn', '61000000012300001\u00a0– 61000000045600001']);
  expect(await page.getAttribute(`${box} table.preserved tbody td[title]`, 'title')).toBe('https://acct.blob.core.windows.net/backups/failover/Link_Payroll/a1b2/Payroll_diverged.trn');
  expect(await page.textContent(box)).toContain('redirectapp-payroll.db.contoso.internal → mi-prod.a1b2c3.database.windows.net (was sql-onprem.contoso.internal)');
  // the audit trail is still there, below
  await page.waitForSelector('#detail-body .audit table');

  await page.click(`${row(ID.offline)} td.target`);
  await detailShows(page, ID.offline);
  await page.locator(`${box} ol.follow`).waitFor();
  expect(await texts(page, `${box} ol.follow li`)).toEqual([
    'On sql-onprem: check Sales_failback (row counts, application smoke test).',
    'Point the applications at sql-onprem.',
    'To protect the data again, re-create the link.',
  ]);
  expect(await page.textContent(`${box} h4 >> nth=-1`)).toBe('Still to do by hand');

  // one still waiting: what it was asked, the estimate, and where its steps are
  await page.click(`${row(ID.awaiting)} td.target`);
  await detailShows(page, ID.awaiting);
  await page.locator(`${box} h3`, { hasText: 'forced' }).waitFor();
  const waiting = (await page.textContent(box)) ?? '';
  expect(waiting).toMatch(/data lossest\. loss 12 s \(RPO 4 s at the last sample both sides answered \(.*\) \+ 8 s since\)/);
  expect(waiting).toContain('the steps so far are in the audit trail below');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-failover-detail.png') });
  expect(errors).toEqual([]);
});
