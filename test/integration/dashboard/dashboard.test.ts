// The dashboard in headless Chromium, served by its function handler from a small local server
// that fakes the operations API with canned operations of every state. What a DBA on a 1366 px
// laptop needs: it fits, filters and pages through the API, acts only after a confirmation, says
// what to do about a missing or refused key, and polls without piling up requests or re-rendering.
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ALL, cannedOperation, dashboardBrowser, detailShows, FakeFunctionsHost, type Op, OPEN, operationWithAudit, row, until, type Seen } from '../../helpers/dashboardHarness';

const KEY = 'test-only-function-key-7Hq2';

const minutesAgo = (min: number): string => new Date(Date.now() - min * 60_000).toISOString();

const ID = {
  running: 'op-mifx3k2a-0a1b2c3d',
  waiting: 'op-mifx2z9q-4e5f6a7b',
  approval: 'op-mifx2p1c-8c9d0e1f',
  approvalGone: 'op-mifx2o0b-2a3b4c5d',
  pending: 'op-mifx3m7d-6e7f8a9b',
  failed: 'op-mifw9x1e-0c1d2e3f',
  skipped: 'op-mifw8a2f-4a5b6c7d',
  restored: 'op-mifw7b3g-8e9f0a1b',
  cancelled: 'op-mifw6c4h-2c3d4e5f',
  chain: 'op-mifw5d5i-6a7b8c9d',
  oldest: 'op-mif00000-0000demo',
};

/** The operations of a night: one of every state, long names included, and enough finished ones to page. */
function cannedOperations(): Op[] {
  const base = cannedOperation({
    kind: 'restore',
    target: 'sql-dev/sales_dev',
    step: 'done',
    createdBy: 'backupUploaded',
    runMinutes: 1,
    more: { deadline: new Date(Date.now() + 6 * 3600_000).toISOString(), input: { blobPath: 'sql-onprem/Sales/FULL/Sales_20261205_0200_1of2.bak', target: { instance: 'sql-dev', database: 'Sales_dev' } } },
  });
  const backup = {
    kind: 'full',
    backupSetGuid: '6f1c3a52-0d4e-4b7e-9a55-3c2f1e0b9d11',
    firstLsn: '41000000012300001',
    lastLsn: '41000000045600001',
    backupStartDate: '2026-12-05T01:58:10.000Z',
    backupFinishDate: '2026-12-05T02:00:13.000Z',
    files: ['sql-onprem/Sales/FULL/Sales_20261205_0200_1of2.bak', 'sql-onprem/Sales/FULL/Sales_20261205_0200_2of2.bak'],
  };
  const set = (kind: string, at: string, first: string, last: string, files: string[]) => ({ kind, backupSetGuid: `guid-${kind}-${at}`, firstLsn: first, lastLsn: last, backupFinishDate: `2026-12-05T${at}:00.000Z`, files });
  const chain = [
    set('full', '04:00', '52000000001000001', '52000000004000001', ['sql-onprem/Sales/FULL/Sales_20261205_0400_1of1.bak']),
    set('log', '04:01', '52000000004000001', '52000000009000001', ['sql-onprem/Sales/LOG/Sales_20261205_0401_1of1.bak']),
    set('log', '04:16', '52000000009000001', '52000000012000001', ['sql-onprem/Sales/LOG/Sales_20261205_0416_1of1.bak']),
  ];
  const ops: Op[] = [
    base(ID.pending, 0.2, { kind: 'demo', target: 'local/demo', state: 'pending', step: 'start', startedAt: undefined }),
    base(ID.running, 0.5, { state: 'running', step: 'restore', progress: { percent: 42, message: 'RESTORE DATABASE Sales_dev on sql-dev: 42% (2 stripes)', at: minutesAgo(0.5) } }),
    base(ID.waiting, 3, {
      target: 'sql-onprem-reporting-with-a-long-name/SalesArchive_2019_reporting_copy',
      state: 'waiting',
      step: 'locate',
      waitingFor: 'waiting for every stripe of sql-onprem/Sales/FULL/Sales_20261205_0300: 1 of 2 arrived (the other is named Sales_20261205_0300_2of2.bak)',
      nextRunAt: new Date(Date.now() + 20_000).toISOString(),
    }),
    base(ID.approval, 6, {
      target: 'mi-prod/sales',
      state: 'awaiting-approval',
      step: 'swap',
      approval: {
        prompt: 'Replace the production database Sales on mi-prod with the full backup of 2026-12-05 02:00? The current copy is kept as Sales_old_20261205060000.',
        requestedAt: minutesAgo(6),
        expiresAt: new Date(Date.now() + (3 * 60 + 12) * 60_000 + 30_000).toISOString(),
      },
    }),
    base(ID.approvalGone, 7, {
      target: 'mi-prod/sales_reporting',
      state: 'awaiting-approval',
      step: 'swap',
      approval: { prompt: 'Replace Sales_reporting on mi-prod?', requestedAt: minutesAgo(7), expiresAt: new Date(Date.now() + 60 * 60_000).toISOString() },
    }),
    base(ID.failed, 12, {
      target: 'sql-2019/sales_dev',
      state: 'failed',
      step: 'precheck',
      error: { code: 'BACKUP_NEWER_THAN_TARGET', message: 'backup was taken on SQL Server 2022 (16.0); target sql-2019 runs SQL Server 2019 (15.0) and cannot restore newer versions; nothing was changed on sql-2019' },
    }),
    base(ID.skipped, 14, {
      step: 'locate',
      output: { skipped: true, reason: `sql-onprem/Sales/FULL/Sales_20261205_0200_2of2.bak is restored into Sales_dev by operation ${ID.restored}`, coveredBy: ID.restored },
    }),
    base(ID.restored, 15, {
      step: 'scripts',
      output: {
        instance: 'sql-dev',
        database: 'Sales_dev',
        source: 'sql-onprem/Sales',
        files: [{ kind: 'full', stripes: 2, first: 'http://127.0.0.1:10000/devstoreaccount1/backups/sql-onprem/Sales/FULL/Sales_20261205_0200_1of2.bak' }],
        restoreSeconds: 252,
        previousCopy: 'Sales_dev_old_20261205020412',
        validation: { tables: 14, comparedWith: 'sql-onprem/Sales', differences: ['dbo.Orders: 120412 rows here, 120415 on sql-onprem/Sales'], moreDifferences: 0 },
        backup,
        chain: [backup],
      },
    }),
    base(ID.cancelled, 40, { state: 'cancelled', step: 'restore', error: { code: 'CANCELLED', message: 'cancelled by dba@contoso: wrong backup; the existing Sales_dev on sql-dev was not changed' } }),
    base(ID.chain, 50, {
      target: 'mi-prod/sales_copy',
      step: 'scripts',
      output: { instance: 'mi-prod', database: 'Sales_copy', files: [{ kind: 'full', stripes: 1 }, { kind: 'log', stripes: 1 }, { kind: 'log', stripes: 1 }], restoreSeconds: 3780, backup: chain[2], chain },
    }),
  ];
  // enough finished operations for a second page at 25 a page
  for (let i = 0; i < 26; i++) ops.push(base(`op-mifv${String(i).padStart(4, '0')}-demo${String(i).padStart(4, '0')}`, 60 + i * 10, { kind: 'demo', target: 'local/demo', output: { ok: true } }));
  ops.push(base(ID.oldest, 2000, { kind: 'demo', target: 'local/demo', output: { ok: true } }));
  return ops;
}

/** A few links for the Links panel above the operations (its own tests are in links.test.ts). */
function cannedLinks(): unknown[] {
  const lag = Array.from({ length: 60 }, (_x, i) => ({ at: minutesAgo(59 - i), lagSeconds: i < 50 ? 1 : 90 + i, state: i < 50 ? 'healthy' : 'degraded' }));
  const base = { sqlServer: 'sql-onprem', managedInstance: 'mi-prod', expectedPrimary: 'sqlServer', roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' }, primary: 'sqlServer', sampledAt: minutesAgo(0.3), reasons: [] };
  return [
    { ...base, name: 'Link_Sales', state: 'healthy', since: minutesAgo(300), message: 'healthy', observed: 'healthy', lagSeconds: 1, rpoSeconds: 1, rtoSeconds: 2, lag: lag.map((p) => ({ ...p, lagSeconds: 1, state: 'healthy' })) },
    {
      ...base,
      name: 'Link_Finance',
      state: 'degraded',
      since: minutesAgo(9),
      observed: 'degraded',
      message: 'degraded: Finance on mi-prod is 149 s behind (threshold 60 s)',
      reasons: [{ code: 'LAG_ABOVE_THRESHOLD', severity: 'degraded', database: 'Finance', message: 'Finance on mi-prod is 149 s behind (threshold 60 s)' }],
      lagSeconds: 149,
      rpoSeconds: 140,
      rtoSeconds: 12,
      lag,
    },
    { name: 'Link_New', sqlServer: 'sql-onprem', managedInstance: 'mi-prod', expectedPrimary: 'sqlServer', state: 'unknown', message: 'not sampled yet', reasons: [] },
  ];
}

/** The fake API: the app's routes and answers, canned operations, every request recorded. */
class FakeApi extends FakeFunctionsHost {
  ops = cannedOperations();

  override reset(): void {
    super.reset();
    this.ops = cannedOperations();
  }

  lists(): Seen[] {
    return this.seen.filter((s) => s.method === 'GET' && s.path === '/api/operations');
  }

  find(id: string): Op | undefined {
    return this.ops.find((o) => o.id === id);
  }

  protected route(method: string, url: URL, body: Record<string, unknown>): [number, unknown] {
    const p = url.pathname;
    if (method === 'GET' && p === '/api/links') return [200, { links: cannedLinks() }];
    if (method === 'GET' && p === '/api/events') return [200, { events: [], counters: { 'restore started': 3, 'skipped: already restored': 9 } }];
    if (method === 'GET' && p === '/api/operations') {
      const q = url.searchParams;
      const states = q.get('state') ? q.get('state')!.split(',').flatMap((s) => (s === 'open' ? OPEN : [s])) : ALL;
      const target = q.get('target')?.toLowerCase();
      const all = this.ops
        .filter((o) => states.includes(o.state) && (!q.get('kind') || o.kind === q.get('kind')) && (!target || o.target === target))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const limit = Number(q.get('limit') ?? 100);
      const token = q.get('continuation');
      const from = token ? all.findIndex((o) => `${Date.parse(o.createdAt)}-${o.id}` === token) : 0;
      const page = all.slice(from, from + limit);
      const next = all[from + limit];
      return [200, { operations: page, continuation: next ? `${Date.parse(next.createdAt)}-${next.id}` : undefined }];
    }
    const m = /^\/api\/operations\/([^/]+)(?:\/(cancel|retry|approve|reject))?$/.exec(p);
    const op = m && this.find(m[1]);
    if (!m || !op) return [404, { error: { code: 'OPERATION_NOT_FOUND', message: `operation ${m?.[1]} does not exist` } }];
    const now = new Date().toISOString();
    if (method === 'GET' && !m[2]) return operationWithAudit(op, 'locate', 'started by BlobCreated');
    if (method !== 'POST') return [404, { error: { code: 'BAD_REQUEST', message: 'no such route' } }];
    const by = typeof body.by === 'string' ? body.by : 'api';
    if (m[2] === 'cancel') {
      op.cancelRequested = { by: `${by} (self-declared)`, reason: String(body.reason || 'cancelled through the API'), at: now };
      op.updatedAt = now;
      return [202, op];
    }
    if (m[2] === 'retry') {
      const fresh: Op = { ...op, id: 'op-mifx9r3t-7e7e7e7e', state: 'pending', step: 'locate', error: undefined, retryOf: op.id, createdAt: now, updatedAt: now, createdBy: `${by} (self-declared)` };
      this.ops.push(fresh);
      return [202, fresh];
    }
    if (op.id === ID.approvalGone) return [409, { error: { code: 'NOT_AWAITING_APPROVAL', message: `${op.id} is not awaiting approval: it expired at ${now} (APPROVAL_EXPIRED)` } }];
    op.approval = { ...op.approval!, decision: m[2] === 'approve' ? 'approved' : 'rejected', decidedBy: by, decidedVia: 'self-declared', decidedAt: now, comment: String(body.comment ?? '') };
    op.state = m[2] === 'approve' ? 'running' : 'pending';
    op.updatedAt = now;
    return [200, op];
  }
}

const api = new FakeApi(KEY);
/** A fresh browser profile (so no key from an earlier test) at a laptop's size; page errors fail the test. */
const open = dashboardBrowser(api, /401|Failed to load resource/);

async function load(page: Page, hash = ''): Promise<void> {
  await page.goto(`${api.url}/api/dashboard?code=${encodeURIComponent(KEY)}${hash}`);
  await page.waitForSelector(`${row(ID.running)} td.progress .bar`);
  await page.waitForSelector('#links-rows tr.link[data-name="Link_New"]');
}

test('at 1366×768 it fits with no horizontal scroll, progress and updated visible; the key leaves the address bar', async () => {
  const { page, errors, foreign } = await open();
  await load(page);

  expect(page.url()).toBe(`${api.url}/api/dashboard`);
  expect(await page.evaluate("sessionStorage.getItem('mi-autopilot.functionKey')")).toBe(KEY);
  expect(await page.content()).not.toContain(KEY);
  expect(api.seen.length).toBeGreaterThan(0);
  for (const s of api.seen) {
    expect(s.key).toBe(KEY); // in a header, never in a URL
    expect(s.query.has('code')).toBe(false);
  }

  const fits = async (width: number): Promise<void> => {
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    for (const id of [ID.running, ID.waiting, ID.restored]) {
      for (const cell of ['td.progress', 'td.updated', 'td.note', 'td.state']) {
        const box = await page.locator(`${row(id)} ${cell}`).boundingBox();
        expect(box).not.toBeNull();
        expect(box!.x + box!.width).toBeLessThanOrEqual(width);
        expect(box!.width).toBeGreaterThan(40);
      }
      // whole, not cut off by an ellipsis
      for (const cell of ['td.progress', 'td.updated', 'td.state']) {
        expect(await page.$eval(`${row(id)} ${cell}`, (td) => td.scrollWidth <= td.clientWidth)).toBe(true);
      }
    }
    expect(await page.$eval(`${row(ID.approval)} td.state`, (td) => td.scrollWidth <= td.clientWidth)).toBe(true);
  };
  await fits(1366);
  // the Links panel above the operations, the one that needs attention first
  expect(await page.$$eval('#links-rows tr.link', (trs) => trs.map((t) => t.getAttribute('data-name')))).toEqual(['Link_New', 'Link_Finance', 'Link_Sales']);
  expect(await page.textContent('#links-summary')).toBe('1 healthy, 1 degraded, 1 unknown');
  expect((await page.locator('#links').boundingBox())!.y).toBeLessThan((await page.locator('#ops').boundingBox())!.y);
  expect(await page.textContent(`${row(ID.running)} td.progress`)).toMatch(/42%/);
  expect(await page.textContent(`${row(ID.running)} td.updated`)).toMatch(/^(just now|\d+ s ago)$/);
  expect(await page.getAttribute(`${row(ID.running)} td.updated time`, 'title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d local · .* UTC$/);
  expect(await page.textContent(`${row(ID.failed)} td.note`)).toMatch(/^BACKUP_NEWER_THAN_TARGET backup was taken/);
  expect(await page.textContent(`${row(ID.waiting)} td.note`)).toMatch(/^waiting for every stripe/);
  expect(await page.getAttribute(`${row(ID.waiting)} td.note`, 'title')).toMatch(/Sales_20261205_0300_2of2\.bak\)$/);
  expect(await page.textContent(`${row(ID.restored)} td.note`)).toBe('full 2026-12-05 02:00, 2 stripes');
  expect(await page.textContent(`${row(ID.restored)} td.id`)).toBe('…8e9f0a1b');
  expect(await page.getAttribute(`${row(ID.restored)} td.id button`, 'title')).toBe(ID.restored);
  // open first, then the finished ones
  const order = await page.$$eval('tr.op', (trs) => trs.map((t) => t.getAttribute('data-id')));
  expect(order.indexOf(ID.approval)).toBeLessThan(order.indexOf(ID.failed));
  const shot = path.join(os.tmpdir(), 'mi-autopilot-dashboard-1366.png');
  await page.screenshot({ path: shot });

  // the detail of a restore opens beside the table: what was restored, and the table still fits
  await page.click(`${row(ID.restored)} td.target`);
  await page.waitForSelector('#detail-body .audit table');
  const restored = (await page.textContent('#detail-body .restored')) ?? '';
  for (const expected of ['sql-dev / Sales_dev', 'full', '6f1c3a52-0d4e-4b7e-9a55-3c2f1e0b9d11', '2026-12-05 02:00:13', '41000000012300001\u00a0– 41000000045600001', 'Sales_20261205_0200_2of2.bak', '4 min 12 s', 'Sales_dev_old_20261205020412', '14 tables compared with sql-onprem/Sales', 'dbo.Orders']) {
    expect(restored).toContain(expected);
  }
  expect(page.url()).toContain(`#op=${ID.restored}`);
  await fits(1366);
  const detailBox = await page.locator('#detail').boundingBox();
  const tableBox = await page.locator('#ops').boundingBox();
  expect(detailBox!.x).toBeGreaterThanOrEqual(tableBox!.x + tableBox!.width); // beside, not over
  expect(tableBox!.width).toBeGreaterThan(850);
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-1366-detail.png') });

  // a chain shows its sets in order
  await page.click(`${row(ID.chain)} td.target`);
  await detailShows(page, ID.chain);
  expect(await page.textContent(`${row(ID.chain)} td.note`)).toBe('full + 2 log, up to 2026-12-05 04:16 (3 files)');
  expect(await page.$$eval('#detail-body .restored table.mini tbody tr', (trs) => trs.map((t) => t.textContent))).toEqual([
    'full2026-12-05 04:0052000000001000001\u00a0– 520000000040000011',
    'log2026-12-05 04:0152000000004000001\u00a0– 520000000090000011',
    'log2026-12-05 04:1652000000009000001\u00a0– 520000000120000011',
  ]);

  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width: w, height: h });
    await fits(w);
    await page.screenshot({ path: path.join(os.tmpdir(), `mi-autopilot-dashboard-${w}-detail.png`) });
  }
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
  console.log(`dashboard screenshots in ${os.tmpdir()}: mi-autopilot-dashboard-1366.png, -1366-detail.png, -1280-detail.png, -1920-detail.png`);
});

test('a skipped operation shows a grey "skipped" badge, its reason and a link to the operation that covered it', async () => {
  const { page, errors } = await open();
  await load(page);
  const state = page.locator(`${row(ID.skipped)} td.state`);
  expect(await state.textContent()).toBe('skipped');
  expect(await state.getAttribute('class')).toBe('state skipped');
  expect(await page.textContent(`${row(ID.restored)} td.state`)).toBe('succeeded');
  expect(await page.textContent(`${row(ID.skipped)} td.note`)).toMatch(/is restored into Sales_dev by operation/);

  await page.click(`${row(ID.skipped)} td.id button`);
  await page.waitForSelector('#detail-body .skipped-box a');
  expect(await page.textContent('#detail-body .skipped-box')).toContain('Skipped: nothing was done');
  expect(await page.$('#detail .actions')).toBeNull();
  await page.click('#detail-body .skipped-box a');
  await detailShows(page, ID.restored);
  expect(await page.getAttribute(row(ID.restored), 'class')).toContain('selected');
  expect(errors).toEqual([]);
});

test('the filters send their query to the API and live in the hash, which a reload keeps', async () => {
  const { page, errors } = await open();
  await load(page);
  const lists = api.lists().map((s) => s.query.toString());
  expect(lists).toContain('state=open&limit=50');
  expect(lists).toContain('state=succeeded%2Cfailed%2Ccancelled&limit=50');

  const listed = (query: string) => page.waitForRequest((r) => r.url() === `${api.url}/api/operations?${query}`);
  await Promise.all([listed('state=failed&limit=50'), page.selectOption('#f-state', 'failed')]);
  await page.waitForSelector(row(ID.failed));
  await page.waitForSelector(row(ID.running), { state: 'detached' });
  expect(await page.locator('tr.op').count()).toBe(1);
  expect(await page.isHidden('#ops-open')).toBe(true);

  await page.fill('#f-kind', 'restore');
  await Promise.all([listed('state=failed&kind=restore&limit=50'), page.press('#f-kind', 'Enter')]);
  await page.fill('#f-target', 'sql-2019/sales_dev');
  await Promise.all([listed('state=failed&kind=restore&target=sql-2019%2Fsales_dev&limit=50'), page.press('#f-target', 'Enter')]);
  await Promise.all([listed('state=failed&kind=restore&target=sql-2019%2Fsales_dev&limit=25'), page.selectOption('#f-limit', '25')]);
  const hash = new URL(page.url()).hash;
  expect(hash).toBe('#state=failed&kind=restore&target=sql-2019%2Fsales_dev&limit=25');
  expect(page.url()).not.toContain(KEY);

  // a reload (or the same link in another tab of this session) asks for the same
  const [again] = await Promise.all([listed('state=failed&kind=restore&target=sql-2019%2Fsales_dev&limit=25'), page.reload()]);
  expect(again.headers()['x-functions-key']).toBe(KEY);
  await page.waitForSelector(row(ID.failed));
  expect(await page.inputValue('#f-state')).toBe('failed');
  expect(await page.inputValue('#f-kind')).toBe('restore');
  expect(await page.inputValue('#f-target')).toBe('sql-2019/sales_dev');
  expect(await page.inputValue('#f-limit')).toBe('25');

  await Promise.all([listed('state=open&kind=restore&target=sql-2019%2Fsales_dev&limit=25'), page.selectOption('#f-state', 'open')]);
  await page.click('#f-reset');
  await page.waitForSelector(row(ID.running));
  expect(new URL(page.url()).hash).toBe('');
  expect(errors).toEqual([]);
});

test('older and newer pages follow the continuation, and back', async () => {
  const { page, errors } = await open();
  await load(page, '#limit=25');
  const first = api.lists().find((s) => s.query.get('state') === 'succeeded,failed,cancelled');
  expect(first?.query.get('continuation')).toBeNull();
  expect(await page.isDisabled('#newer')).toBe(true);
  await page.waitForSelector('#older:not([disabled])');
  const finished = api.ops.filter((o) => ['succeeded', 'failed', 'cancelled'].includes(o.state)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const token = `${Date.parse(finished[25].createdAt)}-${finished[25].id}`;

  const [older] = await Promise.all([page.waitForRequest((r) => new URL(r.url()).searchParams.get('continuation') === token), page.click('#older')]);
  expect(new URL(older.url()).searchParams.get('state')).toBe('succeeded,failed,cancelled');
  expect(new URL(older.url()).searchParams.get('limit')).toBe('25');
  await page.waitForSelector(row(ID.oldest));
  expect(await page.$(row(ID.restored))).toBeNull();
  expect(await page.$(row(ID.running))).not.toBeNull(); // the open ones stay on top
  expect(await page.textContent('#page-info')).toBe('page 2');
  expect(await page.isDisabled('#older')).toBe(true);
  // the open list is never paged along
  for (const s of api.lists().filter((x) => x.query.get('state') === 'open')) expect(s.query.has('continuation')).toBe(false);

  const [newer] = await Promise.all([page.waitForRequest((r) => new URL(r.url()).searchParams.get('state') === 'succeeded,failed,cancelled'), page.click('#newer')]);
  expect(new URL(newer.url()).searchParams.has('continuation')).toBe(false);
  await page.waitForSelector(row(ID.restored));
  expect(await page.$(row(ID.oldest))).toBeNull();
  expect(await page.textContent('#page-info')).toBe('page 1');
  expect(errors).toEqual([]);
});

test('cancel, retry, approve and reject ask first, name the operation, and send what the API takes', async () => {
  const { page, errors } = await open();
  await load(page);
  const posted = (suffix: string) => page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(suffix));

  // cancel: Back and Escape send nothing
  await page.click(`${row(ID.running)} td.target`);
  await page.click('#detail .act-cancel');
  await page.waitForSelector('#confirm[open]');
  const what = (await page.textContent('#confirm-what')) ?? '';
  expect(what).toContain(ID.running);
  expect(what).toContain('sql-dev/sales_dev');
  expect(await page.textContent('#confirm-title')).toBe('Cancel this operation?');
  await page.click('#confirm-back');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  await page.click('#detail .act-cancel');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#confirm', { state: 'hidden' });
  expect(api.posts()).toEqual([]);

  // a name is needed once
  await page.click('#detail .act-cancel');
  await page.click('#confirm-ok');
  expect(await page.textContent('#confirm-error')).toMatch(/Enter your name/);
  expect(api.posts()).toEqual([]);
  await page.fill('#confirm-by', 'dba@contoso.com');
  await page.fill('#confirm-text', 'wrong backup');
  const [cancel] = await Promise.all([posted(`/api/operations/${ID.running}/cancel`), page.click('#confirm-ok')]);
  expect(cancel.postDataJSON()).toEqual({ by: 'dba@contoso.com', reason: 'wrong backup' });
  expect(cancel.headers()['x-functions-key']).toBe(KEY);
  await page.waitForSelector('#confirm', { state: 'hidden' });
  expect(await page.textContent('#flash')).toBe(`Cancel requested for ${ID.running} (sql-dev/sales_dev).`);
  await page.waitForSelector('#detail-body >> text=Cancel requested');
  await page.locator(`${row(ID.running)} td.note`, { hasText: /^cancel requested by dba@contoso\.com/ }).waitFor();

  // retry: the new operation is shown and selected
  await page.click(`${row(ID.failed)} td.target`);
  await page.click('#detail .act-retry');
  await page.waitForSelector('#confirm[open]');
  expect(await page.inputValue('#confirm-by')).toBe('dba@contoso.com'); // remembered
  expect(await page.isHidden('#confirm-text-row')).toBe(true);
  const [retry] = await Promise.all([posted(`/api/operations/${ID.failed}/retry`), page.click('#confirm-ok')]);
  expect(retry.postDataJSON()).toEqual({ by: 'dba@contoso.com' });
  await detailShows(page, 'op-mifx9r3t-7e7e7e7e');
  expect(await page.textContent('#flash')).toContain('Retry started: new operation op-mifx9r3t-7e7e7e7e');
  expect(await page.textContent('#detail-body')).toContain(`retry of${ID.failed}`);
  expect(page.url()).toContain('#op=op-mifx9r3t-7e7e7e7e');
  await page.waitForSelector(`${row('op-mifx9r3t-7e7e7e7e')}.selected`);

  // approve: the prompt and the time left are in the dialog
  await page.click(`${row(ID.approval)} td.target`);
  await page.click('#detail .act-approve');
  await page.waitForSelector('#confirm[open]');
  expect(await page.textContent('#confirm-approval')).toContain('Replace the production database Sales on mi-prod');
  expect(await page.textContent('#confirm-approval')).toMatch(/expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(3 h 12 min left\)/);
  expect(await page.textContent('#confirm-what')).toContain('mi-prod/sales');
  await page.fill('#confirm-text', 'lag checked');
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-approve.png') });
  const [approve] = await Promise.all([posted(`/api/operations/${ID.approval}/approve`), page.click('#confirm-ok')]);
  expect(approve.postDataJSON()).toEqual({ by: 'dba@contoso.com', comment: 'lag checked' });
  await page.waitForSelector('#confirm', { state: 'hidden' });
  await page.waitForSelector('#detail-body .approval >> text=Approval: approved');

  // reject, refused by the API: its words are shown in the dialog, which stays open
  await page.click(`${row(ID.approvalGone)} td.target`);
  await page.click('#detail .act-reject');
  await page.waitForSelector('#confirm[open]');
  const [reject] = await Promise.all([posted(`/api/operations/${ID.approvalGone}/reject`), page.click('#confirm-ok')]);
  expect(reject.postDataJSON()).toEqual({ by: 'dba@contoso.com', comment: '' });
  await page.waitForSelector('#confirm-error:not([hidden])');
  expect(await page.textContent('#confirm-error')).toMatch(/^Not done: op-mifx2o0b-2a3b4c5d is not awaiting approval: it expired at .* \(APPROVAL_EXPIRED\) \(NOT_AWAITING_APPROVAL, HTTP 409\)$/);
  expect(await page.isVisible('#confirm')).toBe(true);
  await page.click('#confirm-back');

  expect(api.posts().map((s) => `${s.path}`)).toEqual([
    `/api/operations/${ID.running}/cancel`,
    `/api/operations/${ID.failed}/retry`,
    `/api/operations/${ID.approval}/approve`,
    `/api/operations/${ID.approvalGone}/reject`,
  ]);
  expect(errors).toEqual([]);
});

test('a refused key (401) and a missing key get a readable panel that never shows the key; a new key resumes', async () => {
  const { page } = await open();
  await page.goto(`${api.url}/api/dashboard?code=not-the-key-5150`);
  await page.waitForSelector('#keypanel:not([hidden])');
  expect(await page.textContent('#key-title')).toBe('The function key was refused (401)');
  const panel = (await page.textContent('#keypanel')) ?? '';
  expect(panel).toContain('local.settings.json');
  expect(panel).toContain('FUNCTIONS_DEFAULT_KEY');
  expect(panel).toContain('App keys');
  expect(await page.content()).not.toContain('not-the-key-5150');
  expect(page.url()).not.toContain('not-the-key-5150');
  expect(await page.isHidden('#app')).toBe(true);
  expect(await page.getAttribute('#key-input', 'type')).toBe('password');
  await page.screenshot({ path: path.join(os.tmpdir(), 'mi-autopilot-dashboard-401.png') });

  await page.fill('#key-input', KEY);
  await page.click('#key-form button[type=submit]');
  await page.waitForSelector(row(ID.running));
  expect(await page.inputValue('#key-input')).toBe('');
  expect(await page.isHidden('#keypanel')).toBe(true);

  // another tab with no key asks for it and calls nothing
  const seen = api.seen.length;
  const other = await page.context().newPage();
  await other.goto(`${api.url}/api/dashboard`);
  await other.waitForSelector('#keypanel:not([hidden])');
  expect(await other.textContent('#key-title')).toBe('No function key');
  expect(api.seen.length).toBe(seen);
});

test('polling: one request at a time, unchanged rows and an open dialog survive a poll, nothing while hidden', async () => {
  const { page, errors } = await open();
  await page.clock.install();
  api.delayMs = 120; // long enough that overlapping requests would show
  await load(page);
  await page.clock.pauseAt(Date.now() + 1000);

  await page.click(`${row(ID.running)} td.target`);
  await page.waitForSelector('#detail-body .audit table');
  await page.click('#detail .act-cancel');
  await page.fill('#confirm-by', 'night dba');
  await page.$eval(row(ID.skipped), (tr) => tr.setAttribute('data-kept', 'yes'));
  const before = api.lists().length;
  api.find(ID.running)!.progress = { percent: 55, message: 'RESTORE 55%', at: new Date().toISOString() };
  api.find(ID.running)!.updatedAt = new Date().toISOString();

  await page.clock.runFor(3500);
  await page.locator(`${row(ID.running)} td.progress`, { hasText: '55%' }).waitFor();
  expect(api.lists().length).toBeGreaterThan(before);
  expect(await page.getAttribute(row(ID.skipped), 'data-kept')).toBe('yes'); // the same element: not re-rendered
  expect(await page.isVisible('#confirm')).toBe(true); // the dialog and what was typed are untouched
  expect(await page.inputValue('#confirm-by')).toBe('night dba');
  await page.click('#confirm-back');
  expect(api.maxInFlight).toBe(1);

  // hidden: no request, however long; visible again: at once
  await page.locator('#detail-body', { hasText: '55%' }).waitFor(); // the poll's last request is done
  const setVisibility = (state: string) =>
    page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' }); document.dispatchEvent(new Event('visibilitychange'))`);
  await setVisibility('hidden');
  const hidden = api.seen.length;
  await page.clock.runFor(30_000);
  expect(api.seen.length).toBe(hidden);
  await setVisibility('visible');
  await until(() => api.seen.length > hidden);
  expect(api.maxInFlight).toBe(1);
  expect(errors).toEqual([]);
});
