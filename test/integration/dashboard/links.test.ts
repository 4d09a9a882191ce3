// The dashboard's Links panel in headless Chromium, against a small local server that fakes
// GET /api/links (and enough of the operations API for the rest of the page). What a DBA paged at
// night needs: the links that need attention first, in words and not color alone, why, which side
// is primary, the lag and its last hour; a hundred links that fit a 1366 px laptop; a poll of its
// own that re-renders nothing when nothing changed; and an error of its own that leaves the
// operations list alone.
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ago, dashboardBrowser, FakeFunctionsHost, INJECTED, MINUTE, sqlServerUnreachable, until, type Seen } from '../../helpers/dashboardHarness';
import type { LagPoint, LinkView, OperationView } from '../../../shared/dashboard/format';

const KEY = 'test-only-function-key-L1nk';

/** An hour of samples, one a minute, oldest first. */
function hour(sample: (i: number) => [number | null, string]): LagPoint[] {
  return Array.from({ length: 60 }, (_x, i) => {
    const [lagSeconds, state] = sample(i);
    return { at: ago((59 - i) * MINUTE + 5_000), lagSeconds, state };
  });
}

const sides = { sqlServer: 'sql-onprem', managedInstance: 'mi-prod', expectedPrimary: 'sqlServer' };
const asExpected = { roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' }, primary: 'sqlServer' };

function healthy(name: string, over: Partial<LinkView> = {}): LinkView {
  return {
    name,
    ...sides,
    state: 'healthy',
    since: ago(3 * 3600_000),
    message: 'healthy',
    reasons: [],
    observed: 'healthy',
    sampledAt: ago(20_000),
    ...asExpected,
    lagSeconds: 1.2,
    rpoSeconds: 0.8,
    rtoSeconds: 2,
    logSendQueueKb: 12,
    redoQueueKb: 40,
    notes: [],
    lag: hour((i) => [i % 7 === 0 ? 2 : 1, 'healthy']),
    ...over,
  };
}

/** One link of every kind a night can bring. */
function mixedLinks(): LinkView[] {
  return [
    healthy('Link_Sales'),
    healthy('Link_Finance', {
      state: 'degraded',
      since: ago(12 * MINUTE),
      observed: 'degraded',
      message: 'degraded: Finance on mi-prod is 312 s behind (threshold 60 s)',
      reasons: [{ code: 'LAG_ABOVE_THRESHOLD', severity: 'degraded', database: 'Finance', message: 'Finance on mi-prod is 312 s behind (threshold 60 s)' }],
      lagSeconds: 312,
      rpoSeconds: 290,
      rtoSeconds: 45,
      logSendQueueKb: 12_700,
      lag: hour((i) => (i < 45 ? [2, 'healthy'] : [(i - 44) * 20, 'degraded'])),
    }),
    healthy('Link_Orders', {
      sqlServer: 'sql-orders',
      state: 'broken',
      since: ago(4 * MINUTE),
      observed: 'broken',
      message: 'broken: mi-prod is disconnected from the primary of Link_Orders',
      reasons: [{ code: 'DISCONNECTED', severity: 'broken', message: 'mi-prod is disconnected from the primary of Link_Orders' }],
      roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' },
      lagSeconds: undefined,
      rpoSeconds: 240,
      rtoSeconds: undefined,
      confirmationDueAt: new Date(Date.now() + 8_000).toISOString(),
      lag: hour((i) => (i < 54 ? [1, 'healthy'] : [null, 'broken'])),
    }),
    healthy('Link_HR', {
      ...sqlServerUnreachable('sql-hr', 'unknown', 30 * MINUTE, 'connect ETIMEDOUT 10.0.4.12:1433'),
      lagSeconds: undefined,
      rpoSeconds: undefined,
      rtoSeconds: undefined,
      notes: ["ARM could not be asked about mi-prod's links (429 Too Many Requests): judged from the DMVs alone"],
      lag: hour((i) => (i < 30 ? [1, 'healthy'] : [null, 'unknown'])),
    }),
    { name: 'Link_New', ...sides, state: 'unknown', message: 'not sampled yet: the first sweep runs within LINK_HEALTH_SCHEDULE (a minute by default)', reasons: [] },
    healthy('Link_Payroll', {
      state: 'broken',
      since: ago(90_000),
      observed: 'broken',
      message: 'broken: both sql-onprem and mi-prod say they are the primary of Link_Payroll: transactions on each are not on the other (split brain)',
      reasons: [
        { code: 'SPLIT_BRAIN', severity: 'broken', message: 'both sql-onprem and mi-prod say they are the primary of Link_Payroll: transactions on each are not on the other (split brain)' },
        { code: 'LINK_ERROR', severity: 'broken', database: 'Payroll', message: `Payroll: the link is in state ${INJECTED}` },
      ],
      roles: { sqlServer: 'PRIMARY', managedInstance: 'PRIMARY' },
      primary: undefined,
      lagSeconds: undefined,
      rpoSeconds: undefined,
      rtoSeconds: undefined,
      lag: hour((i) => (i < 58 ? [0, 'healthy'] : [null, 'broken'])),
    }),
    healthy('Link_Inventory', {
      state: 'degraded',
      since: ago(2 * 3600_000),
      observed: 'degraded',
      message: 'degraded: mi-prod is the primary of Link_Inventory; the estate expects sql-onprem',
      reasons: [{ code: 'ROLE_DRIFT', severity: 'degraded', message: 'mi-prod is the primary of Link_Inventory; the estate expects sql-onprem' }],
      roles: { sqlServer: 'SECONDARY', managedInstance: 'PRIMARY' },
      primary: 'managedInstance',
      lagSeconds: 0,
      rpoSeconds: 0,
      rtoSeconds: 0,
    }),
  ];
}

/** A hundred links: 97 healthy, 2 degraded, 1 broken, with long names and instance names. */
function hundredLinks(): LinkView[] {
  const links = Array.from({ length: 97 }, (_x, i) =>
    healthy(`Link_${String(i).padStart(3, '0')}_SalesArchive_Reporting_with_a_long_name`, { sqlServer: `sql-onprem-reporting-cluster-${i}`, managedInstance: `mi-prod-westeurope-general-purpose-${i}` }),
  );
  const [, finance, orders] = mixedLinks();
  return [...links, { ...finance, name: 'Link_Finance_2' }, finance, orders];
}

class FakeApi extends FakeFunctionsHost {
  links: LinkView[] = mixedLinks();
  linksAnswer: [number, unknown] | undefined;

  readonly ops: OperationView[] = [
    { id: 'op-mifx3k2a-0a1b2c3d', kind: 'restore', target: 'sql-dev/sales_dev', state: 'running', step: 'restore', progress: { percent: 42, message: 'RESTORE 42%' }, createdAt: ago(MINUTE), updatedAt: ago(30_000) },
    { id: 'op-mifw9x1e-0c1d2e3f', kind: 'restore', target: 'sql-2019/sales_dev', state: 'failed', step: 'precheck', error: { code: 'BACKUP_NEWER_THAN_TARGET', message: 'backup is newer' }, createdAt: ago(12 * MINUTE), updatedAt: ago(12 * MINUTE) },
  ];

  override reset(): void {
    super.reset();
    this.links = mixedLinks();
    this.linksAnswer = undefined;
  }

  linkRequests(): Seen[] {
    return this.seen.filter((s) => s.path === '/api/links');
  }

  protected route(_method: string, url: URL): [number, unknown] {
    const q = url.searchParams;
    if (url.pathname === '/api/links') {
      if (this.linksAnswer) return this.linksAnswer;
      // the lag history only when asked for, as functions/linksApi.ts
      return [200, { links: q.get('lagMinutes') ? this.links : this.links.map(({ lag: _lag, ...rest }) => rest) }];
    }
    if (url.pathname === '/api/operations') {
      const states = (q.get('state') ?? '').split(',').flatMap((s) => (s === 'open' ? ['pending', 'running', 'waiting', 'awaiting-approval'] : [s]));
      return [200, { operations: this.ops.filter((o) => !q.get('state') || states.includes(o.state)) }];
    }
    if (url.pathname === '/api/events') return [200, { events: [], counters: {} }];
    const m = /^\/api\/operations\/([^/]+)$/.exec(url.pathname);
    const op = m && this.ops.find((o) => o.id === m[1]);
    return op ? [200, { ...op, audit: [] }] : [404, { error: { code: 'OPERATION_NOT_FOUND', message: 'no such operation' } }];
  }
}

const api = new FakeApi(KEY);
const open = dashboardBrowser(api, /Failed to load resource/);

const link = (name: string): string => `#links-rows tr.link[data-name="${name}"]`;
const names = (page: Page): Promise<string[]> => page.$$eval('#links-rows tr.link', (trs) => trs.map((t) => t.getAttribute('data-name') ?? ''));

async function load(page: Page, rows: number): Promise<void> {
  await page.goto(`${api.url}/api/dashboard?code=${encodeURIComponent(KEY)}`);
  await page.locator('#links-rows tr.link').nth(rows - 1).waitFor();
  await page.waitForSelector('tr.op[data-id="op-mifx3k2a-0a1b2c3d"]');
}

test('the Links panel: the worst first, each state in words, why, which side is primary, the lag and its last hour', async () => {
  const { page, errors, foreign } = await open();
  await load(page, 7);

  const asked = api.linkRequests();
  expect(asked.length).toBeGreaterThan(0);
  for (const s of asked) {
    expect(s.query.toString()).toBe('lagMinutes=60');
    expect(s.key).toBe(KEY);
  }

  expect(await names(page)).toEqual(['Link_Orders', 'Link_Payroll', 'Link_HR', 'Link_New', 'Link_Finance', 'Link_Inventory', 'Link_Sales']);
  expect(await page.$$eval('#links-rows td.lstate .badge', (b) => b.map((x) => x.textContent))).toEqual(['broken', 'broken', 'unknown', 'unknown', 'degraded', 'degraded', 'healthy']);
  expect(await page.textContent('#links-summary')).toBe('1 healthy, 2 degraded, 2 unknown, 2 broken');
  expect(await page.getAttribute(`${link('Link_Orders')} td.lstate`, 'class')).toBe('lstate link-broken');

  // the degraded one: its reason's code with its message, the lag, the estimates, the queues
  const finance = link('Link_Finance');
  expect(await page.textContent(`${finance} td.lnote`)).toBe('LAG_ABOVE_THRESHOLD Finance on mi-prod is 312 s behind (threshold 60 s)');
  expect(await page.getAttribute(`${finance} td.lnote .rcode`, 'title')).toBe('LAG_ABOVE_THRESHOLD (Finance): Finance on mi-prod is 312 s behind (threshold 60 s)');
  expect(await page.textContent(`${finance} td.llag`)).toBe('5 min 12 s');
  expect(await page.textContent(`${finance} td.lrpo`)).toBe('4 min 50 s');
  expect(await page.textContent(`${finance} td.lrto`)).toBe('45 s');
  expect(await page.getAttribute(`${finance} td.llag`, 'title')).toBe('log send queue 12.4 MB · redo queue 40 KB');
  expect(await page.textContent(`${finance} td.lsince`)).toBe('12 min ago');
  expect(await page.getAttribute(`${finance} td.lsince time`, 'title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d local · .* UTC$/);
  expect(await page.textContent(`${finance} td.lroles`)).toBe('sql-onprem PRIMARY → mi-prod SECONDARY');
  // its last hour: a line, tinted where the samples were degraded, the max in its hover text
  expect(await page.getAttribute(`${finance} svg.spark path.line`, 'd')).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
  expect(await page.locator(`${finance} svg.spark rect.b-degraded`).count()).toBe(1);
  expect(await page.textContent(`${finance} svg.spark title`)).toBe('lag, last hour: max 5 min, latest 5 min · 60 samples, 15 not healthy');
  const svg = await page.locator(`${finance} svg.spark`).boundingBox();
  expect(svg!.width).toBeGreaterThan(80);

  // broken and being confirmed; its lag unknown; its sparkline stops where the samples lost the lag
  const orders = link('Link_Orders');
  expect(await page.textContent(`${orders} td.lstate`)).toBe('broken confirming…');
  expect(await page.getAttribute(`${orders} .confirming`, 'title')).toMatch(/^re-sampled every few seconds to confirm a change; next sample due \d{4}-/);
  expect(await page.textContent(`${orders} td.lnote .rcode`)).toBe('DISCONNECTED');
  expect(await page.textContent(`${orders} td.llag`)).toBe('–');
  expect(await page.textContent(`${orders} td.lrpo`)).toBe('4 min');
  expect(await page.textContent(`${orders} td.lroles`)).toBe('sql-orders PRIMARY → mi-prod SECONDARY');
  expect(await page.textContent(`${orders} svg.spark title`)).toMatch(/6 without a lag, 6 not healthy$/);
  expect(await page.locator(`${orders} svg.spark rect.b-broken`).count()).toBe(1);

  // split brain: both primary, marked (not by color alone); the injected markup is text
  const payroll = link('Link_Payroll');
  expect(await page.textContent(`${payroll} td.lroles`)).toBe('⚠ unexpected roles: sql-onprem PRIMARY ⇄ mi-prod PRIMARY');
  expect(await page.getAttribute(`${payroll} td.lroles`, 'title')).toMatch(/split brain/);
  expect(await page.$$eval(`${payroll} td.lnote .rcode`, (b) => b.map((x) => x.textContent))).toEqual(['SPLIT_BRAIN', 'LINK_ERROR']);
  expect(await page.getAttribute(`${payroll} td.lnote`, 'title')).toContain(`LINK_ERROR (Payroll): Payroll: the link is in state ${INJECTED}`);
  expect(await page.$('#injected')).toBeNull();

  // failed over: the primary first, flagged as not the expected one
  const inventory = link('Link_Inventory');
  expect(await page.textContent(`${inventory} td.lroles`)).toBe('⚠ unexpected roles: mi-prod PRIMARY → sql-onprem SECONDARY');
  expect(await page.getAttribute(`${inventory} td.lroles`, 'class')).toBe('lroles unexpected');
  expect(await page.getAttribute(`${inventory} td.lroles`, 'title')).toMatch(/^mi-prod is the primary; the estate expects sql-onprem/);
  expect(await page.textContent(`${inventory} td.llag`)).toBe('0 s');

  // unreachable: unknown, the side it could not read has no role; its note is there, quietly
  const hr = link('Link_HR');
  expect(await page.textContent(`${hr} td.lroles`)).toBe('sql-hr ? → mi-prod SECONDARY');
  expect(await page.getAttribute(`${hr} td.lroles`, 'title')).toMatch(/^sql-hr's role is not known/);
  expect(await page.textContent(`${hr} td.lnote .muted`)).toMatch(/^· ARM could not be asked/);
  expect(await page.textContent(`${hr} td.lnote .rcode`)).toBe('INSTANCE_UNREACHABLE');

  // never sampled: only what the estate says
  const fresh = link('Link_New');
  expect(await page.textContent(`${fresh} td.lsince`)).toBe('–');
  expect(await page.textContent(`${fresh} td.lspark`)).toBe('no samples');
  expect(await page.textContent(`${fresh} td.lroles`)).toBe('sql-onprem → mi-prod');
  expect(await page.textContent(`${fresh} td.llag`)).toBe('–');
  expect(await page.textContent(`${fresh} td.lnote`)).toMatch(/^not sampled yet/);
  expect(await page.getAttribute(`${fresh} .badge`, 'title')).toBe('unknown: the link was never sampled');

  // healthy
  const sales = link('Link_Sales');
  expect(await page.textContent(`${sales} td.lnote`)).toBe('healthy');
  expect(await page.textContent(`${sales} td.llag`)).toBe('1 s');
  expect(await page.getAttribute(`${sales} svg.spark path.line`, 'd')).toMatch(/^M/);
  expect(await page.locator(`${sales} svg.spark rect`).count()).toBe(0);

  // a row unfolds to every reason in full, its notes and numbers; again, and it folds
  await page.click(`${payroll} td.lname button`);
  const more = '#links-rows tr.link-more[data-for="Link_Payroll"]';
  await page.waitForSelector(more);
  expect(await page.getAttribute(`${payroll} td.lname button`, 'aria-expanded')).toBe('true');
  expect(await page.$$eval(`${more} ul.reasons li`, (li) => li.map((x) => x.textContent))).toEqual([
    'SPLIT_BRAIN both sql-onprem and mi-prod say they are the primary of Link_Payroll: transactions on each are not on the other (split brain) (broken)',
    `LINK_ERROR Payroll: Payroll: the link is in state ${INJECTED} (broken)`,
  ]);
  expect(await page.$('#injected')).toBeNull();
  expect(await page.textContent(more)).toMatch(/last sample (just now|\d+ s ago) said broken/);
  await page.click(`${hr} td.lsince`);
  await page.waitForSelector('#links-rows tr.link-more[data-for="Link_HR"]');
  expect(await page.textContent('#links-rows tr.link-more[data-for="Link_HR"] ul.lnotes')).toMatch(/judged from the DMVs alone/);
  await page.click(`${payroll} td.lname button`);
  await page.waitForSelector(more, { state: 'detached' });
  expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Link_Payroll');
  expect(await names(page)).toEqual(['Link_Orders', 'Link_Payroll', 'Link_HR', 'Link_New', 'Link_Finance', 'Link_Inventory', 'Link_Sales']);

  // the operations list is there too, below
  expect(await page.locator('tr.op').count()).toBe(2);
  const panel = await page.locator('#links').boundingBox();
  const ops = await page.locator('#ops').boundingBox();
  expect(ops!.y).toBeGreaterThanOrEqual(panel!.y + panel!.height);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-links.png') });
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

test('a hundred links fit 1366 px: no horizontal overflow, compact rows, the counts, the few bad ones on top', async () => {
  api.links = hundredLinks();
  const { page, errors } = await open();
  await load(page, 100);

  expect(await page.textContent('#links-summary')).toBe('97 healthy, 2 degraded, 1 broken');
  expect((await names(page)).slice(0, 4)).toEqual(['Link_Orders', 'Link_Finance', 'Link_Finance_2', 'Link_000_SalesArchive_Reporting_with_a_long_name']);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
  expect(await page.$eval('.links-scroll', (d) => d.scrollWidth <= d.clientWidth)).toBe(true);
  const table = await page.locator('#links-table').boundingBox();
  expect(table!.x + table!.width).toBeLessThanOrEqual(1366);

  for (const name of ['Link_Orders', 'Link_Finance', 'Link_042_SalesArchive_Reporting_with_a_long_name']) {
    const row = await page.locator(link(name)).boundingBox();
    expect(row!.height).toBeLessThanOrEqual(30); // one line each
    // what must be read whole is not cut off by an ellipsis
    for (const cell of ['td.lstate', 'td.lsince', 'td.llag', 'td.lrpo', 'td.lrto', 'td.lspark']) {
      expect(await page.$eval(`${link(name)} ${cell}`, (td) => td.scrollWidth <= td.clientWidth)).toBe(true);
    }
    // the long ones are cut, and whole in their hover text
    expect(await page.$eval(`${link(name)} td.lnote`, (td) => td.clientWidth)).toBeGreaterThan(150);
  }
  expect(await page.getAttribute(`${link('Link_042_SalesArchive_Reporting_with_a_long_name')} td.lroles`, 'title')).toBe('sql-onprem-reporting-cluster-42 is the primary, as the estate expects');

  // the panel scrolls inside itself: the operations list is still on the first screen
  const ops = await page.locator('#ops').boundingBox();
  expect(ops!.y).toBeLessThan(768 - 60);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-links-100.png') });

  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width: w, height: h });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(w);
    expect(await page.$eval(`${link('Link_Orders')} td.lstate`, (td) => td.scrollWidth <= td.clientWidth)).toBe(true);
  }
  expect(errors).toEqual([]);
});

test('its own poll every 10 s, one request at a time with the operations, nothing rebuilt when nothing changed, nothing while hidden', async () => {
  const { page, errors } = await open();
  await page.clock.install();
  api.delayMs = 120; // long enough that overlapping requests would show
  await load(page, 7);
  await page.clock.pauseAt(Date.now() + 1000);
  const rows = page.locator('#links-rows tr.link');
  await page.$$eval('#links-rows tr.link', (trs) => trs.forEach((t) => t.setAttribute('data-kept', 'yes')));
  await page.$eval('#links-summary', (s) => s.setAttribute('data-kept', 'yes'));
  const updated = (await page.textContent('#links-updated')) ?? '';
  expect(updated).toMatch(/^updated \d\d:\d\d:\d\d · every 10 s$/);

  // the operations' 3 s poll does not ask for the links
  const first = api.linkRequests().length;
  const ops = api.seen.filter((s) => s.path === '/api/operations').length;
  await page.clock.runFor(3500);
  await until(() => api.seen.filter((s) => s.path === '/api/operations').length > ops);
  expect(api.linkRequests().length).toBe(first);

  // 10 s on: asked again, the same answer, the same elements
  await page.clock.runFor(7000);
  await until(() => api.linkRequests().length > first);
  await page.locator('#links-updated').filter({ hasNotText: updated }).waitFor();
  expect(await rows.count()).toBe(7);
  expect(await page.$$eval('#links-rows tr.link', (trs) => trs.every((t) => t.getAttribute('data-kept') === 'yes'))).toBe(true);
  expect(await page.getAttribute('#links-summary', 'data-kept')).toBe('yes');

  // one link changes: only its row is rebuilt, and it moves to its place
  api.links = api.links.map((l) =>
    l.name === 'Link_Finance'
      ? { ...l, state: 'broken', observed: 'broken', since: new Date().toISOString(), reasons: [{ code: 'NOT_SYNCHRONIZING', severity: 'broken', database: 'Finance', message: 'Finance is not synchronizing to mi-prod' }] }
      : l,
  );
  const second = api.linkRequests().length;
  await page.clock.runFor(10_500);
  await until(() => api.linkRequests().length > second);
  await page.locator(`${link('Link_Finance')} td.lstate`, { hasText: 'broken' }).waitFor();
  expect(await names(page)).toEqual(['Link_Finance', 'Link_Orders', 'Link_Payroll', 'Link_HR', 'Link_New', 'Link_Inventory', 'Link_Sales']);
  expect(await page.getAttribute(link('Link_Finance'), 'data-kept')).toBeNull();
  for (const name of ['Link_Orders', 'Link_Payroll', 'Link_HR', 'Link_New', 'Link_Inventory', 'Link_Sales']) expect(await page.getAttribute(link(name), 'data-kept')).toBe('yes');
  expect(await page.textContent('#links-summary')).toBe('1 healthy, 1 degraded, 2 unknown, 3 broken');
  expect(api.maxInFlight).toBe(1);

  // hidden: no request, however long; visible again: at once
  const setVisibility = (state: string) =>
    page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' }); document.dispatchEvent(new Event('visibilitychange'))`);
  await api.settled();
  await setVisibility('hidden');
  const hidden = api.seen.length;
  await page.clock.runFor(60_000);
  expect(api.seen.length).toBe(hidden);
  const links = api.linkRequests().length;
  await setVisibility('visible');
  await until(() => api.linkRequests().length > links);
  expect(api.maxInFlight).toBe(1);
  expect(errors).toEqual([]);
});

test('a refused (401), forbidden (403) or failing (500) /api/links is said in the panel; the operations list carries on, and the panel recovers', async () => {
  api.linksAnswer = [401, undefined];
  const { page, errors } = await open();
  await page.goto(`${api.url}/api/dashboard?code=${encodeURIComponent(KEY)}`);
  await page.waitForSelector('tr.op[data-id="op-mifx3k2a-0a1b2c3d"]');
  await page.waitForSelector('#links-error:not([hidden])');
  expect(await page.textContent('#links-error')).toBe('Could not load the links: the function key was refused (401)');
  expect(await page.textContent('#links-rows')).toBe('not loaded');
  // not the key panel: the operations were answered with this key
  expect(await page.isHidden('#keypanel')).toBe(true);
  expect(await page.isVisible('#app')).toBe(true);
  expect(await page.isHidden('#alert')).toBe(true);

  api.linksAnswer = [403, undefined];
  await page.click('#refresh');
  await page.locator('#links-error', { hasText: 'the app refused the request (403)' }).waitFor();

  api.linksAnswer = undefined;
  await page.click('#refresh');
  await page.locator('#links-rows tr.link').nth(6).waitFor();
  await page.waitForSelector('#links-error', { state: 'hidden' });

  // an error after a success keeps the last rows, with the error above them
  api.linksAnswer = [500, { error: { code: 'STORAGE_UNAVAILABLE', message: 'the link health store could not be read' } }];
  await page.click('#refresh');
  await page.waitForSelector('#links-error:not([hidden])');
  expect(await page.textContent('#links-error')).toBe('Could not load the links: the link health store could not be read (STORAGE_UNAVAILABLE, HTTP 500)');
  expect(await page.locator('#links-rows tr.link').count()).toBe(7);
  expect(await page.locator('tr.op').count()).toBe(2);
  expect(await page.isHidden('#alert')).toBe(true);
  expect(await page.textContent('#status')).toMatch(/^updated /);

  // an estate with no links says so
  api.linksAnswer = [200, { links: [] }];
  await page.click('#refresh');
  await page.locator('#links-rows tr.empty', { hasText: 'the estate has no links' }).waitFor();
  expect(await page.textContent('#links-summary')).toBe('no links in the estate');
  expect(await page.isHidden('#links-error')).toBe(true);
  expect(errors).toEqual([]);
});
