// The dashboard's Refresh jobs panel in headless Chromium, against a fake Functions host with canned
// answers: every job with its schedule in words, its next run and its last run (read on the links'
// 10 s poll, not the operations' 3 s one); Run now after a confirmation, POST /run with the key, and
// the operation it started opened; a run not started (409) or a job gone (404) said plainly; Pause
// and Resume; and a refresh operation's output in its detail, the columns no script could mask first.
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ago, cannedOperation, dashboardBrowser, detailShows, FakeFunctionsHost, inMs, INJECTED, listOperations, MINUTE, type Op, operationWithAudit, row, until, type Seen } from '../../helpers/dashboardHarness';
import type { RefreshJobView, RefreshOutputView } from '../../../shared/dashboard/format';
import { salesDevJob } from '../../fixtures/dashboard/refreshJobs';

const KEY = 'test-only-function-key-R3fr';
const HOUR = 60 * MINUTE;

const ID = {
  salesLast: 'op-mifz0a1b-5a1e5a1e',
  financeLast: 'op-mifz1b2c-f1f1f1f1',
  hrLast: 'op-mifz2c3d-4a4a4a4a',
  started: 'op-mig00002-0e0e0e0e',
  restore: 'op-mifz0a2c-7e7e7e7e',
};

/** The next run of each job, as the app computes it when the job runs on its own. */
const NEXT: Record<string, string> = {};

function jobs(): RefreshJobView[] {
  NEXT.Sales_dev = inMs(3 * HOUR + 10 * MINUTE);
  NEXT.Finance_test = inMs(20 * HOUR + 10 * MINUTE);
  NEXT.HR_qa = inMs(45 * MINUTE);
  return [
    {
      ...salesDevJob(),
      nextRun: NEXT.Sales_dev,
      lastRun: { slot: ago(2 * HOUR + 15 * MINUTE), operationId: ID.salesLast, state: 'succeeded', startedAt: ago(2 * HOUR + 15 * MINUTE), endedAt: ago(2 * HOUR), durationSeconds: 843 },
    },
    {
      name: 'Finance_test',
      schedule: '0 30 1 * * MON-FRI',
      timeZone: 'UTC',
      enabled: true,
      paused: false,
      source: 'sql-onprem/Finance',
      target: 'sql-test/Finance',
      nextRun: NEXT.Finance_test,
      lastRun: {
        slot: `manual:${ago(50 * MINUTE)}`,
        operationId: ID.financeLast,
        state: 'failed',
        startedAt: ago(50 * MINUTE),
        endedAt: ago(40 * MINUTE),
        durationSeconds: 600,
        error: { code: 'VALIDATION_FAILED', message: `1 table differs beyond the job's tolerance of 0% (dbo.Ledger: 1200 rows in sql-onprem/Finance, 1100 in the copy ${INJECTED}); the copy did not go live` },
      },
    },
    {
      name: 'HR_qa',
      schedule: '0 */15 * * * *',
      timeZone: 'UTC',
      enabled: true,
      paused: true,
      source: 'sql-onprem/HR',
      target: 'sql-qa/HR',
      lastRun: { slot: `manual:${ago(5 * MINUTE)}`, operationId: ID.hrLast, state: 'running', startedAt: ago(5 * MINUTE) },
    },
    { name: 'Archive_copy', schedule: '0 0 3 1 * *', timeZone: 'America/New_York', enabled: false, paused: false, source: 'sql-onprem/Archive', target: 'sql-dev/Archive' },
  ];
}

const refreshOutput: RefreshOutputView = {
  job: 'Sales_dev',
  slot: '2026-12-06T01:00:00.000Z',
  source: 'sql-onprem/Sales',
  target: 'sql-dev/Sales_dev',
  backup: [
    'https://acct.blob.core.windows.net/backups/mi-autopilot/refresh/Sales_dev/20261206T010000Z/Sales_1of2.bak?sv=2024-05-04&sig=N0tShownAnywhere',
    'https://acct.blob.core.windows.net/backups/mi-autopilot/refresh/Sales_dev/20261206T010000Z/Sales_2of2.bak?sv=2024-05-04&sig=N0tShownAnywhere',
  ],
  restoreOperation: ID.restore,
  phases: [
    { name: 'backup', startedAt: '2026-12-06T01:00:02.000Z', endedAt: '2026-12-06T01:04:14.000Z', seconds: 252 },
    { name: 'restore', startedAt: '2026-12-06T01:04:14.000Z', endedAt: '2026-12-06T01:12:44.000Z', seconds: 510 },
    { name: 'sanitize', startedAt: '2026-12-06T01:12:44.000Z', endedAt: '2026-12-06T01:13:05.300Z', seconds: 21.3 },
    { name: 'validate', startedAt: '2026-12-06T01:13:05.300Z', endedAt: '2026-12-06T01:13:09.000Z', seconds: 3.7 },
    { name: 'swap', startedAt: '2026-12-06T01:13:09.000Z', endedAt: '2026-12-06T01:13:09.400Z', seconds: 0.4 },
  ],
  sanitized: { scripts: 2, from: ['script 1: the estate (inline)', 'script 2 (sanitize/mask.sql): blob /acct/estate/sanitize/mask.sql'], messages: ['script 1, batch 1: (1200 rows affected)', `script 2, batch 1: (35 rows affected) ${INJECTED}`] },
  users: { remapped: ['sales_app'], orphaned: ['sales_reporting'], failed: [] },
  notMasked: [
    'dbo.Customers.SSN: Always Encrypted (the app has no column master key; sanitizing scripts cannot have changed it)',
    'hr.Employees.Salary: Always Encrypted (the app has no column master key; sanitizing scripts cannot have changed it)',
  ],
  validation: { tables: 14, differences: [] },
  previousCopy: 'Sales_dev_old_20261206T010000Z',
  dropped: ['Sales_dev_old_20261122T010000Z'],
  checks: [
    { code: 'TARGET_NON_PRODUCTION', ok: true, message: 'sql-dev/Sales_dev is not a production database' },
    { code: 'SOURCE_FOUND', ok: true, message: 'Sales on sql-onprem: 12.40 GiB allocated' },
    { code: 'VERSIONS', ok: true, message: 'sql-onprem 16.0 → sql-dev 16.0' },
  ],
};

function operations(): Op[] {
  const base = cannedOperation({ kind: 'refresh', target: 'sql-dev/sales_dev', step: 'finish', createdBy: 'schedule 0 0 2 * * SUN (Europe/Berlin)', runMinutes: 15 });
  const input = (job: string, source: string, target: string, slot: string, requestedBy: string): Record<string, unknown> => {
    const [si, sd] = source.split('/');
    const [ti, td] = target.split('/');
    return { job, slot, requestedBy, source: { instance: si, database: sd }, target: { instance: ti, database: td }, container: 'backups', sanitizeScripts: [], keepPreviousCopies: 1, rowCountTolerancePercent: 0, sessionGraceSeconds: 60, stamp: '20261206T010000Z' };
  };
  return [
    base(ID.hrLast, 0.2, { target: 'sql-qa/hr', state: 'running', step: 'restoreWait', progress: { percent: 52, message: 'restoring HR_refresh_20261206T095500Z on sql-qa (operation op-x)' }, createdBy: 'api', input: input('HR_qa', 'sql-onprem/HR', 'sql-qa/HR', `manual:${ago(5 * MINUTE)}`, 'api') }),
    base(ID.financeLast, 40, {
      target: 'sql-test/finance',
      state: 'failed',
      step: 'validate',
      createdBy: 'dba@contoso.com',
      error: { code: 'VALIDATION_FAILED', message: "1 table differs beyond the job's tolerance of 0% (dbo.Ledger: 1200 rows in sql-onprem/Finance, 1100 in the copy); the copy did not go live" },
      input: input('Finance_test', 'sql-onprem/Finance', 'sql-test/Finance', `manual:${ago(50 * MINUTE)}`, 'dba@contoso.com'),
    }),
    base(ID.salesLast, 120, { output: refreshOutput, input: input('Sales_dev', 'sql-onprem/Sales', 'sql-dev/Sales_dev', '2026-12-06T01:00:00.000Z', 'schedule 0 0 2 * * SUN (Europe/Berlin)') }),
  ];
}

class FakeApi extends FakeFunctionsHost {
  jobs = jobs();
  ops = operations();
  /** the answer of GET /api/refreshes, when a test sets it */
  listAnswer: [number, unknown] | undefined;
  /** the next answer of POST /api/refreshes/{job}/run, when a test sets it */
  runAnswer: [number, unknown] | undefined;

  override reset(): void {
    super.reset();
    this.jobs = jobs();
    this.ops = operations();
    this.listAnswer = undefined;
    this.runAnswer = undefined;
  }

  refreshReads(): Seen[] {
    return this.seen.filter((s) => s.method === 'GET' && s.path === '/api/refreshes');
  }

  protected route(method: string, url: URL): [number, unknown] {
    const p = url.pathname;
    const q = url.searchParams;
    if (method === 'GET' && p === '/api/links') return [200, { links: [] }];
    if (method === 'GET' && p === '/api/events') return [200, { events: [], counters: {} }];
    if (method === 'GET' && p === '/api/refreshes') return this.listAnswer ?? [200, { refreshes: this.jobs }];
    const r = /^\/api\/refreshes\/([^/]+)\/(run|pause|resume)$/.exec(p);
    if (method === 'POST' && r) {
      const job = this.jobs.find((j) => j.name.toLowerCase() === decodeURIComponent(r[1]).toLowerCase());
      if (r[2] === 'run' && this.runAnswer) return this.runAnswer;
      if (!job) return [404, { error: { code: 'REFRESH_JOB_NOT_FOUND', message: `no refresh job named ${r[1]} in the estate` } }];
      if (r[2] === 'run') return this.run(job);
      // as functions/refreshesApi.ts: the state, and no next run while paused
      job.paused = r[2] === 'pause';
      job.nextRun = job.paused || !job.enabled ? undefined : NEXT[job.name];
      return [200, { name: job.name, paused: job.paused }];
    }
    if (method === 'GET' && p === '/api/operations') return listOperations(this.ops, q);
    const m = /^\/api\/operations\/([^/]+)$/.exec(p);
    const op = m && this.ops.find((o) => o.id === m[1]);
    if (method === 'GET' && op) return operationWithAudit(op);
    return [404, { error: { code: 'OPERATION_NOT_FOUND', message: `operation ${m?.[1]} does not exist` } }];
  }

  /** Run now: a pending operation, as the engine creates it, recorded as the job's last run. */
  private run(job: RefreshJobView): [number, unknown] {
    const now = new Date().toISOString();
    const [ti, td] = job.target.split('/');
    const op: Op = {
      id: ID.started,
      kind: 'refresh',
      target: job.target.toLowerCase(),
      state: 'pending',
      step: 'check',
      attempt: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: 'api',
      input: { job: job.name, slot: `manual:${now}`, requestedBy: 'api', source: { instance: 'sql-onprem', database: 'Sales' }, target: { instance: ti, database: td } },
    };
    this.ops.push(op);
    job.lastRun = { slot: `manual:${now}`, operationId: op.id, state: 'pending', startedAt: now };
    return [202, op];
  }
}

const api = new FakeApi(KEY);
// a 409 or 404 answer is logged by the browser as a failed resource
const open = dashboardBrowser(api, /Failed to load resource/);

const job = (name: string): string => `#rj-rows tr.rj[data-name="${name}"]`;
const texts = (page: Page, selector: string): Promise<string[]> => page.$$eval(selector, (els) => els.map((x) => (x.textContent ?? '').replace(/\s+/g, ' ').trim()));
/** The text as it reads on the screen (line breaks and cells as spaces). */
const text = async (page: Page, selector: string): Promise<string> => (await page.innerText(selector)).replace(/\s+/g, ' ').trim();

async function load(page: Page): Promise<void> {
  await page.goto(`${api.url}/api/dashboard?code=${encodeURIComponent(KEY)}`);
  await page.waitForSelector(job('Archive_copy'));
  await page.waitForSelector(row(ID.salesLast));
}

test('every job: its ends, its schedule in words with the expression and zone, its next run (local and relative), paused or disabled, and its last run', async () => {
  const { page, errors, foreign } = await open();
  await load(page);
  expect(api.refreshReads().length).toBeGreaterThan(0);
  for (const s of api.refreshReads()) {
    expect(s.key).toBe(KEY);
    expect(s.query.toString()).toBe('');
  }

  expect(await page.$$eval('#rj-rows tr.rj', (trs) => trs.map((t) => t.getAttribute('data-name')))).toEqual(['Sales_dev', 'Finance_test', 'HR_qa', 'Archive_copy']);
  expect(await text(page, '#rj-summary')).toBe('4 jobs · 1 paused · 1 disabled · last runs: 1 failed, 1 running');
  expect(await page.textContent('#rj-summary .rj-bad')).toBe('1 failed');
  expect(await page.textContent('#rj-updated')).toMatch(/^updated \d\d:\d\d:\d\d · every 10 s$/);

  // a job on its schedule, last run succeeded
  const sales = job('Sales_dev');
  expect(await text(page, `${sales} td.rjname`)).toBe('Sales_dev');
  expect(await text(page, `${sales} td.rjends`)).toBe('sql-onprem/Sales → sql-dev/Sales_dev');
  expect(await text(page, `${sales} td.rjsched`)).toBe('Sundays at 02:00 Europe/Berlin 0 0 2 * * SUN');
  expect(await page.textContent(`${sales} td.rjsched code`)).toBe('0 0 2 * * SUN');
  expect(await text(page, `${sales} td.rjnext`)).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) \d{4}-\d\d-\d\d \d\d:\d\d \(in 3 h\)$/);
  expect(await page.getAttribute(`${sales} td.rjnext time`, 'datetime')).toBe(NEXT.Sales_dev);
  expect(await page.getAttribute(`${sales} td.rjnext .rjwhen`, 'title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d local · .* UTC$/);
  expect(await page.textContent(`${sales} td.rjlast .badge`)).toBe('succeeded');
  expect(await page.getAttribute(`${sales} td.rjlast .rjstate`, 'class')).toBe('rjstate succeeded');
  expect(await text(page, `${sales} td.rjlast`)).toBe('succeeded scheduled, ended 2 h ago · took 14 min 3 s · …5a1e5a1e');
  expect(await page.getAttribute(`${sales} td.rjlast .rjslot`, 'title')).toMatch(/^scheduled for \w{3} \d{4}-/);
  expect(await texts(page, `${sales} td.rjact button`)).toEqual(['Run now…', 'Pause']);
  expect(await page.getAttribute(`${sales} td.rjact button.rjrun`, 'aria-label')).toBe('Run now… Sales_dev');

  // a failed run now: its code and message, the markup in it as text
  const finance = job('Finance_test');
  expect(await text(page, `${finance} td.rjsched`)).toBe('Monday to Friday at 01:30 UTC 0 30 1 * * MON-FRI');
  expect(await text(page, `${finance} td.rjnext`)).toMatch(/\(in 20 h\)$/);
  expect(await page.textContent(`${finance} td.rjlast .badge`)).toBe('failed');
  expect(await text(page, `${finance} td.rjlast`)).toMatch(/^failed run now, ended 40 min ago · took 10 min · …f1f1f1f1 VALIDATION_FAILED 1 table differs/);
  expect(await page.textContent(`${finance} .rjerr .rcode`)).toBe('VALIDATION_FAILED');
  expect(await page.textContent(`${finance} .rjerr`)).toContain(`1100 in the copy ${INJECTED}); the copy did not go live`);
  expect(await page.getAttribute(finance, 'class')).toBe('rj rj-failed');
  expect(await page.$('#injected')).toBeNull();

  // paused, its run now still running: no next run, a badge in words, Resume
  const hr = job('HR_qa');
  expect(await texts(page, `${hr} td.rjname .badge`)).toEqual(['paused']);
  expect(await page.getAttribute(`${hr} td.rjname .badge`, 'title')).toMatch(/^paused: its schedule starts no run until it is resumed/);
  expect(await text(page, `${hr} td.rjsched`)).toBe('every 15 minutes UTC 0 */15 * * * *');
  expect(await text(page, `${hr} td.rjnext`)).toBe('none: paused');
  expect(await text(page, `${hr} td.rjlast`)).toBe('running run now, started 5 min ago · …4a4a4a4a');
  expect(await texts(page, `${hr} td.rjact button`)).toEqual(['Run now…', 'Resume']);

  // disabled in the estate, never run
  const archive = job('Archive_copy');
  expect(await texts(page, `${archive} td.rjname .badge`)).toEqual(['disabled']);
  expect(await text(page, `${archive} td.rjsched`)).toBe('on the 1st of each month at 03:00 America/New_York 0 0 3 1 * *');
  expect(await text(page, `${archive} td.rjnext`)).toBe('none: disabled in the estate');
  expect(await text(page, `${archive} td.rjlast`)).toBe('never run');

  // a last run's id opens its operation
  await page.click(`${finance} td.rjlast button.rjop`);
  await detailShows(page, ID.financeLast);
  expect(await page.textContent('#detail-title')).toBe('refresh on sql-test/finance');

  // between the links and the operations, the page no wider than the screen
  const panel = await page.locator('#rj').boundingBox();
  expect(panel!.y).toBeGreaterThanOrEqual((await page.locator('#links').boundingBox())!.y);
  expect((await page.locator('#ops').boundingBox())!.y).toBeGreaterThanOrEqual(panel!.y + panel!.height);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-refresh.png') });
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

test('the jobs are read on the links’ 10 s poll, not on the operations’ 3 s one, and not while the tab is hidden', async () => {
  const { page, errors } = await open();
  await page.clock.install();
  api.delayMs = 60;
  await load(page);
  await page.clock.pauseAt(Date.now() + 1000);
  await api.settled();
  const first = api.refreshReads().length;
  expect(first).toBe(1);

  const lists = api.seen.filter((s) => s.path === '/api/operations').length;
  await page.clock.runFor(3500);
  await until(() => api.seen.filter((s) => s.path === '/api/operations').length > lists);
  await api.settled();
  expect(api.refreshReads().length).toBe(first);

  // a job's last run ends: the row says so on the next read
  api.jobs[2].lastRun = { ...api.jobs[2].lastRun!, state: 'succeeded', endedAt: new Date().toISOString(), durationSeconds: 400 };
  await page.clock.runFor(7000);
  await until(() => api.refreshReads().length > first);
  await page.locator(`${job('HR_qa')} td.rjlast .badge`, { hasText: 'succeeded' }).waitFor();
  expect(await text(page, '#rj-summary')).toBe('4 jobs · 1 paused · 1 disabled · last runs: 1 failed');
  expect(api.maxInFlight).toBe(1);

  await api.settled();
  await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }); document.dispatchEvent(new Event('visibilitychange'))`);
  const hidden = api.refreshReads().length;
  await page.clock.runFor(60_000);
  expect(api.refreshReads().length).toBe(hidden);
  expect(errors).toEqual([]);
});

test('Run now… confirms what a run does, then POSTs /api/refreshes/{job}/run with {} and the key; the operation it started opens', async () => {
  const { page, errors } = await open();
  await load(page);

  // Back sends nothing
  await page.click(`${job('Sales_dev')} button.rjrun`);
  await page.waitForSelector('#confirm[open]');
  expect(await page.textContent('#confirm-title')).toBe('Run refresh job Sales_dev now?');
  expect(await text(page, '#confirm-what')).toBe('Refresh job Sales_dev from sql-onprem/Sales into sql-dev/Sales_dev');
  const effect = (await page.textContent('#confirm-effect')) ?? '';
  expect(effect).toMatch(/^It backs up sql-onprem\/Sales \(copy-only/);
  expect(effect).toContain('runs the job’s sanitizing scripts in it and validates its row counts against the source; only then does it replace the copy of sql-dev/Sales_dev with it');
  expect(effect).toContain('Anything that fails before that leaves sql-dev/Sales_dev as it is.');
  expect(effect).toContain('else by “api”');
  expect(await page.isHidden('#confirm-by-row')).toBe(true);
  expect(await page.isHidden('#confirm-text-row')).toBe(true);
  expect(await page.textContent('#confirm-ok')).toBe('Run the refresh');
  expect(await page.getAttribute('#confirm-ok', 'class')).toBe('danger');
  await page.click('#confirm-back');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  expect(api.posts()).toEqual([]);

  await page.click(`${job('Sales_dev')} button.rjrun`);
  await page.waitForSelector('#confirm[open]');
  const [posted] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${api.url}/api/refreshes/Sales_dev/run`), page.click('#confirm-ok')]);
  expect(posted.postDataJSON()).toEqual({});
  expect(posted.headers()['x-functions-key']).toBe(KEY);
  expect(posted.url()).not.toContain('code=');
  await page.waitForSelector('#confirm', { state: 'hidden' });

  // the operation opens beside the list, and the panel says what started
  await detailShows(page, ID.started);
  expect(await page.textContent('#flash')).toBe(`Started operation ${ID.started} (refresh Sales_dev).`);
  expect(await page.textContent('#detail-title')).toBe('refresh on sql-dev/sales_dev');
  expect(await page.textContent('#detail-body .rjbox h3')).toBe('Refresh Sales_dev');
  expect(await page.textContent('#detail-body .rjbox')).toContain('Its phases, checks and results come with its output when it ends');
  expect(await text(page, '#rj-result')).toBe(`Started operation ${ID.started} (refresh Sales_dev).`);
  expect(await page.getAttribute('#rj-result', 'class')).toBe('flash');
  await page.waitForSelector(row(ID.started));
  // the job's row shows its new last run
  await page.locator(`${job('Sales_dev')} td.rjlast .badge`, { hasText: 'pending' }).waitFor();
  expect(await text(page, `${job('Sales_dev')} td.rjlast`)).toMatch(/^pending run now, started (just now|\d+ s ago) · …0e0e0e0e$/);
  expect(api.posts().map((s) => s.path)).toEqual(['/api/refreshes/Sales_dev/run']);
  expect(errors).toEqual([]);
});

test('a run not started (409) or a job gone (404) says the app’s message plainly; another error stays in the dialog', async () => {
  const { page, errors } = await open();
  await load(page);

  const message = `slot manual:2026-12-06T10:00:00.000Z of Finance_test is older than the last one run (operation ${ID.financeLast}) ${INJECTED}`;
  api.runAnswer = [409, { error: { code: 'REFRESH_NOT_STARTED', message } }];
  await page.click(`${job('Finance_test')} button.rjrun`);
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  await page.waitForSelector('#rj-result.bad:not([hidden])');
  expect(await text(page, '#rj-result')).toBe(`Not started (refresh Finance_test): ${message}`);
  expect(await page.$('#injected')).toBeNull();
  expect(await page.isHidden('#keypanel')).toBe(true);
  expect(await page.isHidden('#alert')).toBe(true);
  expect(await page.isHidden('#detail')).toBe(true);
  // the focus is back on the button that asked
  expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")')).toBe('Run now… Finance_test');

  api.runAnswer = [404, { error: { code: 'REFRESH_JOB_NOT_FOUND', message: 'no refresh job named Finance_test in the estate (jobs: Sales_dev, HR_qa, Archive_copy)' } }];
  await page.click(`${job('Finance_test')} button.rjrun`);
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.locator('#rj-result', { hasText: 'no refresh job named' }).waitFor();
  expect(await text(page, '#rj-result')).toBe('Not started (refresh Finance_test): no refresh job named Finance_test in the estate (jobs: Sales_dev, HR_qa, Archive_copy)');
  expect(await page.isHidden('#confirm')).toBe(true);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-refresh-refused.png') });

  // anything else: in the dialog, which stays open to try again
  api.runAnswer = [500, { error: { code: 'STORAGE_UNAVAILABLE', message: 'the run store could not be read' } }];
  await page.click(`${job('Finance_test')} button.rjrun`);
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#confirm-error:not([hidden])');
  expect(await page.textContent('#confirm-error')).toBe('Not started: the run store could not be read (STORAGE_UNAVAILABLE, HTTP 500)');
  expect(await page.isVisible('#confirm')).toBe(true);
  expect(await page.isDisabled('#confirm-ok')).toBe(false);
  expect(await page.textContent('#confirm-ok')).toBe('Run the refresh');
  await page.click('#confirm-back');
  expect(api.posts().map((s) => s.path)).toEqual(['/api/refreshes/Finance_test/run', '/api/refreshes/Finance_test/run', '/api/refreshes/Finance_test/run']);
  expect(errors).toEqual([]);
});

test('Pause and Resume toggle a job at once, with the key, and the focus stays on the button', async () => {
  const { page, errors } = await open();
  await load(page);
  const sales = job('Sales_dev');

  const [paused] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${api.url}/api/refreshes/Sales_dev/pause`), page.click(`${sales} button.rjtoggle`)]);
  expect(paused.headers()['x-functions-key']).toBe(KEY);
  await page.locator(`${sales} button.rjtoggle`, { hasText: 'Resume' }).waitFor();
  expect(await texts(page, `${sales} td.rjname .badge`)).toEqual(['paused']);
  expect(await text(page, `${sales} td.rjnext`)).toBe('none: paused');
  expect(await text(page, '#rj-result')).toBe('Paused Sales_dev: its schedule starts no run until it is resumed (Run now still runs it).');
  expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")')).toBe('Resume Sales_dev');
  await page.locator('#rj-summary', { hasText: '2 paused' }).waitFor();

  // by keyboard: the focused button again
  const [resumed] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${api.url}/api/refreshes/Sales_dev/resume`), page.keyboard.press('Enter')]);
  expect(resumed.headers()['x-functions-key']).toBe(KEY);
  await page.locator(`${sales} button.rjtoggle`, { hasText: 'Pause' }).waitFor();
  expect(await page.$$(`${sales} td.rjname .badge`)).toHaveLength(0);
  // the next run is back with the list read after it
  await page.locator(`${sales} td.rjnext time`).waitFor();
  expect(await text(page, `${sales} td.rjnext`)).toMatch(/\(in 3 h\)$/);
  expect(await text(page, '#rj-result')).toBe('Resumed Sales_dev: its schedule starts its runs again.');
  expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")')).toBe('Pause Sales_dev');
  await page.locator('#rj-summary', { hasText: '1 paused' }).waitFor();

  // a paused job resumes the same way
  await page.click(`${job('HR_qa')} button.rjtoggle`);
  await page.locator(`${job('HR_qa')} button.rjtoggle`, { hasText: 'Pause' }).waitFor();
  expect(api.posts().map((s) => s.path)).toEqual(['/api/refreshes/Sales_dev/pause', '/api/refreshes/Sales_dev/resume', '/api/refreshes/HR_qa/resume']);
  expect(errors).toEqual([]);
});

test('a refresh operation’s detail: the columns NOT masked first, its phases with seconds, the backup blobs without their SAS, the scripts’ messages, the validation, the copies, the checks', async () => {
  const { page, errors } = await open();
  await load(page);
  // the list's note says it too
  expect(await page.textContent(`${row(ID.salesLast)} td.note`)).toBe('from sql-onprem/Sales in 13 min 7 s · 14 tables validated · 2 columns NOT masked');
  expect(await page.getAttribute(`${row(ID.salesLast)} td.note`, 'class')).toBe('note warn');

  await page.click(`${row(ID.salesLast)} td.target`);
  await detailShows(page, ID.salesLast);
  const box = '#detail-body .rjbox';
  await page.waitForSelector(`${box} table.phases`);
  expect(await page.textContent(`${box} h3`)).toBe('Refresh Sales_dev');
  const all = await text(page, box);
  expect(all).toContain('from sql-onprem/Sales');
  expect(all).toContain('into sql-dev/Sales_dev');
  expect(all).toMatch(/run scheduled for \w{3} 2026-12-0\d \d\d:00/);
  expect(all).toContain(`restore operation ${ID.restore}`);
  expect(all).toContain('previous copy kept as Sales_dev_old_20261206T010000Z');
  expect(all).toContain('copies dropped Sales_dev_old_20261122T010000Z');

  // NOT masked: highlighted, before everything else of the output
  expect(await page.textContent(`${box} .notmasked h4`)).toBe('⚠ 2 columns NOT masked');
  expect(await texts(page, `${box} .notmasked li`)).toEqual([
    'NOT masked dbo.Customers.SSN Always Encrypted (the app has no column master key; sanitizing scripts cannot have changed it)',
    'NOT masked hr.Employees.Salary Always Encrypted (the app has no column master key; sanitizing scripts cannot have changed it)',
  ]);
  expect(await texts(page, `${box} .notmasked code`)).toEqual(['dbo.Customers.SSN', 'hr.Employees.Salary']);
  const [nm, phases] = await Promise.all([page.locator(`${box} .notmasked`).boundingBox(), page.locator(`${box} table.phases`).boundingBox()]);
  expect(nm!.y).toBeLessThan(phases!.y);

  // the phases, each with its seconds, and the total
  expect(await page.$$eval(`${box} table.phases tbody tr`, (trs) => trs.map((t) => [t.children[0].textContent, t.querySelector('time')?.getAttribute('datetime'), t.children[2].textContent]))).toEqual([
    ['backup', '2026-12-06T01:00:02.000Z', '4 min 12 s'],
    ['restore', '2026-12-06T01:04:14.000Z', '8 min 30 s'],
    ['sanitize', '2026-12-06T01:12:44.000Z', '21.3 s'],
    ['validate', '2026-12-06T01:13:05.300Z', '3.7 s'],
    ['swap', '2026-12-06T01:13:09.000Z', '0.4 s'],
  ]);
  expect(await text(page, `${box} table.phases tfoot`)).toBe('total 13 min 7 s');

  // the backup's blobs, the file names whole, never their SAS
  expect(await texts(page, `${box} ol.files li`)).toEqual([
    'https://acct.blob.core.windows.net/backups/mi-autopilot/refresh/Sales_dev/20261206T010000Z/Sales_1of2.bak',
    'https://acct.blob.core.windows.net/backups/mi-autopilot/refresh/Sales_dev/20261206T010000Z/Sales_2of2.bak',
  ]);
  expect(await page.textContent('#detail-body h4 >> text=Backup')).toBe('Backup · 2 blobs (copy-only)');
  // (the Output JSON below shows the output as stored; the rendered part holds no query string)
  expect(await page.$eval(box, (b) => b.innerHTML)).not.toMatch(/sig=|\?sv=/);

  // the scripts and their messages (markup in one is text)
  expect(await page.textContent(`${box} h4 >> text=Sanitizing`)).toBe('Sanitizing · 2 scripts run');
  expect(await texts(page, `${box} ol.msgs li`)).toEqual(['script 1, batch 1: (1200 rows affected)', `script 2, batch 1: (35 rows affected) ${INJECTED}`]);
  expect(await texts(page, `${box} ul.from li`)).toEqual(['script 1: the estate (inline)', 'script 2 (sanitize/mask.sql): blob /acct/estate/sanitize/mask.sql']);
  // users whose logins are elsewhere: re-mapped, or named as unable to sign in
  expect(all).toContain('re-mapped sales_app to the target’s login of the same name');
  expect(all).toContain('orphaned sales_reporting no login of that name on the target: they cannot sign in');
  expect(await page.$('#injected')).toBeNull();
  expect(all).toContain('row counts 14 tables compared with sql-onprem/Sales');
  expect(all).toContain('differences none');

  // the checks, ✓ or ✗ and in words
  expect(await texts(page, `${box} ul.checks li`)).toEqual([
    '✓passed: TARGET_NON_PRODUCTION sql-dev/Sales_dev is not a production database',
    '✓passed: SOURCE_FOUND Sales on sql-onprem: 12.40 GiB allocated',
    '✓passed: VERSIONS sql-onprem 16.0 → sql-dev 16.0',
  ]);
  expect(await page.textContent(`${box} h4 >> nth=-1`)).toBe('Checks · all 3 passed');
  // not mistaken for a restore's output
  expect(await page.$('#detail-body .restored')).toBeNull();
  await page.waitForSelector('#detail-body .audit table');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-refresh-detail.png'), fullPage: true });

  // a failed one has no output: what it was asked, its error, and where its steps are
  await page.click(`${row(ID.financeLast)} td.target`);
  await detailShows(page, ID.financeLast);
  await page.locator(`${box} h3`, { hasText: 'Finance_test' }).waitFor();
  const failed = await text(page, box);
  expect(failed).toContain('from sql-onprem/Finance');
  expect(failed).toMatch(/run Run now, asked \w{3} \d{4}-/);
  expect(failed).toContain('asked by dba@contoso.com');
  expect(failed).toContain('No output was recorded; the error above and the audit trail below say how far it got.');
  expect(await page.textContent('#detail-body .errbox code')).toBe('VALIDATION_FAILED');
  expect(await page.$(`${box} .notmasked`)).toBeNull();
  expect(errors).toEqual([]);
});

test('an estate without refresh jobs says so in one line; an error is said in the panel and the rest of the page carries on', async () => {
  api.jobs = [];
  const { page, errors } = await open();
  await page.goto(`${api.url}/api/dashboard?code=${encodeURIComponent(KEY)}`);
  await page.waitForSelector(row(ID.salesLast));
  await page.locator('#rj-summary', { hasText: 'no refresh jobs' }).waitFor();
  expect(await text(page, '#rj-summary')).toBe('no refresh jobs in the estate (refreshJobs in the estate configuration)');
  expect(await page.isHidden('#rj-scroll')).toBe(true);

  // a failing read: the message in the panel, not in the page's alert; the last rows stay
  api.jobs = jobs();
  await page.click('#refresh');
  await page.waitForSelector(job('Archive_copy'));
  expect(await page.isVisible('#rj-scroll')).toBe(true);
  api.listAnswer = [500, { error: { code: 'STORAGE_UNAVAILABLE', message: 'the run store could not be read' } }];
  await page.click('#refresh');
  await page.waitForSelector('#rj-error:not([hidden])');
  expect(await page.textContent('#rj-error')).toBe('Could not load the refresh jobs: the run store could not be read (STORAGE_UNAVAILABLE, HTTP 500)');
  expect(await page.locator('#rj-rows tr.rj').count()).toBe(4);
  expect(await page.isHidden('#alert')).toBe(true);
  expect(await page.isHidden('#keypanel')).toBe(true);
  api.listAnswer = undefined;
  await page.click('#refresh');
  await page.waitForSelector('#rj-error', { state: 'hidden' });
  expect(errors).toEqual([]);
});
