// The dashboard's pure helpers: as TypeScript, and as the page gets them (their source, declared
// together in a scope that has no `exports`).
import {
  absoluteTime,
  allowedActions,
  apiErrorText,
  backupSummary,
  chainKinds,
  duration,
  escapeHtml,
  filtersHash,
  isSkipped,
  kbText,
  lagMax,
  type LagPoint,
  linkQueuesText,
  linkMessage,
  linkReasonText,
  linkSort,
  linkState,
  linkStateBadge,
  linkSummaryCounts,
  type LinkView,
  lsnRange,
  operationsQuery,
  type OperationView,
  parseFilters,
  recordedTime,
  relativeTime,
  rolesText,
  rowNote,
  secondsText,
  shortId,
  sparklineBands,
  sparklinePath,
  sparklineTitle,
  sparklineXs,
  stateBadge,
  timeLeft,
  timeTitle,
} from '../../../shared/dashboard/format';
import { helpersSource } from '../../../shared/dashboard/page';

const NOW = Date.parse('2026-12-05T10:00:00.000Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

const op = (over: Partial<OperationView>): OperationView => ({ id: 'op-mifx3k2a-1a2b3c4d', kind: 'restore', target: 'sql-dev/sales_dev', state: 'running', step: 'restore', ...over });

const restoreOutput = {
  instance: 'sql-dev',
  database: 'Sales_dev',
  files: [{ kind: 'full', stripes: 2, first: 'https://acct.blob.core.windows.net/backups/sql-onprem/Sales/FULL/Sales_20261205_0200_1of2.bak' }],
  restoreSeconds: 252,
  backup: {
    kind: 'full',
    backupSetGuid: '6f1c3a52-0d4e-4b7e-9a55-3c2f1e0b9d11',
    firstLsn: '41000000012300001',
    lastLsn: '41000000045600001',
    backupStartDate: '2026-12-05T01:58:10.000Z',
    backupFinishDate: '2026-12-05T02:00:13.000Z',
    files: ['sql-onprem/Sales/FULL/Sales_20261205_0200_1of2.bak', 'sql-onprem/Sales/FULL/Sales_20261205_0200_2of2.bak'],
  },
};

describe('times', () => {
  test('relative time in words, past and future', () => {
    expect(relativeTime(ago(2_000), NOW)).toBe('just now');
    expect(relativeTime(ago(42_000), NOW)).toBe('42 s ago');
    expect(relativeTime(ago(2 * 60_000 + 5_000), NOW)).toBe('2 min ago');
    expect(relativeTime(ago(3 * 3600_000), NOW)).toBe('3 h ago');
    expect(relativeTime(ago(5 * 86400_000), NOW)).toBe('5 d ago');
    expect(relativeTime(ago(-4 * 60_000), NOW)).toBe('in 4 min');
    expect(relativeTime(undefined, NOW)).toBe('');
    expect(relativeTime('not a date', NOW)).toBe('');
  });

  test('absolute time in UTC, and the hover text with both zones', () => {
    expect(absoluteTime('2026-12-05T02:00:13.000Z', true)).toBe('2026-12-05 02:00:13');
    expect(absoluteTime('garbage', true)).toBe('garbage');
    expect(timeTitle('2026-12-05T02:00:13.000Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d local · 2026-12-05 02:00:13 UTC$/);
  });

  test('a backup date keeps the digits the server recorded', () => {
    expect(recordedTime('2026-12-05T02:00:13.000Z', false)).toBe('2026-12-05 02:00');
    expect(recordedTime('2026-12-05T02:00:13.000Z', true)).toBe('2026-12-05 02:00:13');
    expect(recordedTime(undefined, true)).toBe('');
  });

  test('time left before an approval expires', () => {
    expect(timeLeft(ago(-(3 * 3600_000 + 12 * 60_000)), NOW)).toBe('3 h 12 min left');
    expect(timeLeft(ago(-40_000), NOW)).toBe('40 s left');
    expect(timeLeft(ago(-2 * 3600_000), NOW)).toBe('2 h left');
    expect(timeLeft(ago(5 * 60_000), NOW)).toBe('expired 5 min ago');
  });

  test('durations', () => {
    expect(duration(45)).toBe('45 s');
    expect(duration(252)).toBe('4 min 12 s');
    expect(duration(3780)).toBe('1 h 3 min');
    expect(duration(undefined)).toBe('');
  });
});

describe('operations', () => {
  test('ids are shortened to their random tail', () => {
    expect(shortId('op-mifx3k2a-1a2b3c4d')).toBe('…1a2b3c4d');
    expect(shortId('op-short')).toBe('op-short');
  });

  test('escapeHtml escapes what could open a tag or end an attribute', () => {
    expect(escapeHtml(`<b a="x">'&`)).toBe('&lt;b a=&quot;x&quot;&gt;&#39;&amp;');
    expect(escapeHtml(undefined)).toBe('');
  });

  test('a skipped operation is not shown as a success', () => {
    const skipped = op({ state: 'succeeded', output: { skipped: true, reason: 'restored by op-x', coveredBy: 'op-x' } });
    expect(isSkipped(skipped)).toBe(true);
    expect(stateBadge(skipped)).toEqual({ label: 'skipped', cls: 'skipped', title: 'nothing was done: restored by op-x' });
    expect(rowNote(skipped)).toMatchObject({ text: 'restored by op-x', tone: 'muted' });
    expect(stateBadge(op({ state: 'succeeded', output: restoreOutput }))).toMatchObject({ label: 'succeeded', cls: 'succeeded' });
    expect(isSkipped(op({ state: 'failed', output: { skipped: true } }))).toBe(false);
  });

  test('the state badge says when a cancel was asked', () => {
    expect(stateBadge(op({ cancelRequested: { by: 'dba', reason: 'wrong', at: ago(0) } })).title).toMatch(/cancel requested by dba/);
  });

  test('the row note: error code, wait reason, approval, what was restored', () => {
    expect(rowNote(op({ state: 'failed', error: { code: 'LOG_CHAIN_GAP', message: 'missing 12 to 34' } }))).toEqual({ code: 'LOG_CHAIN_GAP', text: 'missing 12 to 34', full: 'LOG_CHAIN_GAP: missing 12 to 34', tone: 'err' });
    expect(rowNote(op({ state: 'waiting', waitingFor: 'stripe 2 of 2' }))).toMatchObject({ text: 'stripe 2 of 2', tone: 'warn' });
    expect(rowNote(op({ state: 'awaiting-approval', approval: { prompt: 'replace Sales?' } })).text).toBe('needs approval: replace Sales?');
    expect(rowNote(op({ state: 'running', progress: { percent: 42, message: 'RESTORE 42%' } })).text).toBe('RESTORE 42%');
    expect(rowNote(op({ state: 'succeeded', output: restoreOutput })).text).toBe('full 2026-12-05 02:00, 2 stripes');
    expect(rowNote(op({ state: 'pending', ending: { as: 'cancelled', because: { code: 'CANCELLED', message: 'by dba' } } }))).toMatchObject({ code: 'CANCELLED', tone: 'err' });
    expect(rowNote(op({ kind: 'demo', state: 'succeeded', output: { ok: true } })).text).toBe('');
  });

  test('actions by state', () => {
    expect(allowedActions(op({ state: 'running' }))).toEqual(['cancel']);
    expect(allowedActions(op({ state: 'pending' }))).toEqual(['cancel']);
    expect(allowedActions(op({ state: 'waiting', cancelRequested: { by: 'a', reason: 'b', at: ago(0) } }))).toEqual([]);
    expect(allowedActions(op({ state: 'awaiting-approval' }))).toEqual(['approve', 'reject', 'cancel']);
    expect(allowedActions(op({ state: 'failed' }))).toEqual(['retry']);
    expect(allowedActions(op({ state: 'cancelled' }))).toEqual(['retry']);
    expect(allowedActions(op({ state: 'succeeded' }))).toEqual([]);
  });
});

describe('what was restored', () => {
  test('one backup set: kind, finish date, stripes', () => {
    expect(backupSummary(restoreOutput)).toBe('full 2026-12-05 02:00, 2 stripes');
    expect(backupSummary({ backup: { ...restoreOutput.backup, files: ['one.bak'] } })).toBe('full 2026-12-05 02:00');
  });

  test('a chain: its kinds and the last finish date', () => {
    const set = (kind: string, finished: string, files: string[]) => ({ kind, backupSetGuid: 'g', firstLsn: '1', lastLsn: '2', backupFinishDate: finished, files });
    const chain = [set('full', '2026-12-05T04:00:00Z', ['f1', 'f2']), set('log', '2026-12-05T04:01:00Z', ['l1']), set('log', '2026-12-05T04:02:00Z', ['l2'])];
    expect(backupSummary({ backup: chain[2], chain })).toBe('full + 2 log, up to 2026-12-05 04:02 (4 files)');
    expect(chainKinds(['full', 'differential', 'log', 'log', 'log'])).toBe('full + diff + 3 log');
  });

  test('older outputs with files only, and nothing for a skipped or empty output', () => {
    expect(backupSummary({ files: [{ kind: 'full', stripes: 2, first: 'x' }] })).toBe('full, 2 stripes');
    expect(backupSummary({ files: [{ kind: 'full', stripes: 1, first: 'x' }, { kind: 'log', stripes: 1, first: 'y' }] })).toBe('full + log (2 files)');
    expect(backupSummary({ skipped: true, reason: 'x' })).toBe('');
    expect(backupSummary(undefined)).toBe('');
    expect(backupSummary({ instance: 'sql-dev' })).toBe('');
  });

  test('LSN ranges', () => {
    expect(lsnRange('41000000012300001', '41000000045600001')).toBe('41000000012300001\u00a0– 41000000045600001');
    expect(lsnRange(undefined, undefined)).toBe('');
  });
});

describe('filters in the hash and the query', () => {
  test('round trip, defaults left out, unknown and unsafe values dropped', () => {
    const f = parseFilters('#state=failed&kind=restore&target=sql-dev%2Fsales_dev&limit=25&op=op-abc');
    expect(f).toEqual({ state: 'failed', kind: 'restore', target: 'sql-dev/sales_dev', limit: 25, op: 'op-abc' });
    expect(parseFilters('#' + filtersHash(f))).toEqual(f);
    expect(filtersHash(parseFilters(''))).toBe('');
    expect(parseFilters('#state=bogus&kind=Bad%20Kind&limit=0&op=../x')).toEqual({ state: 'recent', kind: '', target: '', limit: 50, op: '' });
  });

  test('the key never goes into the hash', () => {
    const f = parseFilters('#code=secret&state=open');
    expect(filtersHash(f)).toBe('state=open');
    expect(filtersHash({ ...f, code: 'secret' } as never)).not.toMatch(/secret|code/);
  });

  test('the API query', () => {
    const f = parseFilters('#kind=restore&target=sql-dev%2Fsales_dev&limit=25');
    expect(operationsQuery(f, 'open', undefined)).toBe('state=open&kind=restore&target=sql-dev%2Fsales_dev&limit=25');
    expect(operationsQuery(f, 'succeeded,failed,cancelled', '1765000000000-op-x')).toBe('state=succeeded%2Cfailed%2Ccancelled&kind=restore&target=sql-dev%2Fsales_dev&limit=25&continuation=1765000000000-op-x');
    expect(operationsQuery(parseFilters(''), '', undefined)).toBe('limit=50');
  });

  test('API errors in plain words', () => {
    expect(apiErrorText(409, { error: { code: 'NOT_AWAITING_APPROVAL', message: 'op-x is not awaiting approval' } })).toBe('op-x is not awaiting approval (NOT_AWAITING_APPROVAL, HTTP 409)');
    expect(apiErrorText(401, null)).toBe('the function key was refused (401)');
    expect(apiErrorText(502, '<html>')).toBe('the app answered HTTP 502 without an explanation');
  });
});

describe('links', () => {
  const link = (over: Partial<LinkView>): LinkView => ({
    name: 'Link_Sales',
    sqlServer: 'sql-onprem',
    managedInstance: 'mi-prod',
    expectedPrimary: 'sqlServer',
    state: 'healthy',
    message: 'healthy',
    reasons: [],
    ...over,
  });
  const minute = 60_000;
  const FROM = NOW - 60 * minute;
  const pts = (lags: Array<number | null>, state = 'healthy'): LagPoint[] => lags.map((v, i) => ({ at: new Date(FROM + i * minute).toISOString(), lagSeconds: v, state }));

  test('the state badge names the state, colors it by a known class, and says when the last sample disagrees', () => {
    expect(linkStateBadge(link({ state: 'broken' }))).toEqual({ label: 'broken', cls: 'link-broken', title: 'broken: the link does not replicate, or both sides are primary' });
    expect(linkStateBadge(link({ state: 'healthy', observed: 'degraded', sampledAt: ago(0) })).title).toMatch(/^healthy: .*; the last sample alone says degraded$/);
    expect(linkStateBadge(link({ state: 'unknown' })).title).toBe('unknown: the link was never sampled');
    expect(linkStateBadge(link({ state: 'unknown', sampledAt: ago(0) })).title).toMatch(/could not read the link/);
    // a state this page does not know is never shown as healthy, nor given a class of its own
    expect(linkStateBadge(link({ state: '<img src=x>' }))).toMatchObject({ label: 'unknown', cls: 'link-unknown' });
    expect(linkState(undefined)).toBe('unknown');
  });

  test('the worst first: broken, unknown, degraded, healthy; by name within a state; the input is not changed', () => {
    const links = [link({ name: 'h-b' }), link({ name: 'd', state: 'degraded' }), link({ name: 'H-a' }), link({ name: 'u', state: 'unknown' }), link({ name: 'b2', state: 'broken' }), link({ name: 'b1', state: 'broken' }), link({ name: 'x', state: 'weird' })];
    expect(linkSort(links).map((l) => l.name)).toEqual(['b1', 'b2', 'u', 'x', 'd', 'H-a', 'h-b']);
    expect(links[0].name).toBe('h-b');
  });

  test('the summary counts each state, in words, zeros left out', () => {
    const links = [...Array.from({ length: 97 }, (_x, i) => link({ name: `L${i}` })), link({ state: 'degraded' }), link({ state: 'degraded' }), link({ state: 'broken' })];
    expect(linkSummaryCounts(links)).toEqual({ healthy: 97, degraded: 2, unknown: 0, broken: 1, total: 100, text: '97 healthy, 2 degraded, 1 broken' });
    expect(linkSummaryCounts([link({ state: 'unknown' }), link({ state: 'bogus' })]).text).toBe('2 unknown');
    expect(linkSummaryCounts([]).text).toBe('no links in the estate');
  });

  test('roles: the primary first, and marked when it is not the expected one', () => {
    expect(rolesText(link({ roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' }, primary: 'sqlServer' }))).toEqual({
      text: 'sql-onprem PRIMARY → mi-prod SECONDARY',
      unexpected: false,
      title: 'sql-onprem is the primary, as the estate expects',
    });
    const failedOver = rolesText(link({ roles: { sqlServer: 'SECONDARY', managedInstance: 'PRIMARY' }, primary: 'managedInstance' }));
    expect(failedOver).toMatchObject({ text: 'mi-prod PRIMARY → sql-onprem SECONDARY', unexpected: true });
    expect(failedOver.title).toMatch(/^mi-prod is the primary; the estate expects sql-onprem/);
    expect(rolesText(link({ expectedPrimary: 'managedInstance', roles: { sqlServer: 'SECONDARY', managedInstance: 'PRIMARY' } }))).toMatchObject({ text: 'mi-prod PRIMARY → sql-onprem SECONDARY', unexpected: false });
    expect(rolesText(link({ roles: { sqlServer: 'PRIMARY', managedInstance: 'PRIMARY' } }))).toMatchObject({ text: 'sql-onprem PRIMARY ⇄ mi-prod PRIMARY', unexpected: true, title: expect.stringMatching(/split brain/) });
    expect(rolesText(link({ roles: { sqlServer: 'RESOLVING', managedInstance: 'SECONDARY' } }))).toMatchObject({ text: 'sql-onprem RESOLVING → mi-prod SECONDARY', unexpected: true, title: expect.stringMatching(/^neither side is the primary/) });
    // one side unread: its role is a question mark, and no alarm about what is not known
    expect(rolesText(link({ roles: { sqlServer: 'PRIMARY' }, primary: 'sqlServer' })).text).toBe('sql-onprem PRIMARY → mi-prod ?');
    expect(rolesText(link({ roles: { managedInstance: 'SECONDARY' } }))).toEqual({
      text: 'sql-onprem ? → mi-prod SECONDARY',
      unexpected: false,
      title: "sql-onprem's role is not known (it was not read in the last sample); the estate expects sql-onprem to be the primary",
    });
    // never sampled: the expected direction, no roles
    expect(rolesText(link({}))).toEqual({ text: 'sql-onprem → mi-prod', unexpected: false, title: 'roles not known yet; the estate expects sql-onprem to be the primary' });
  });

  test('lag, RPO, RTO, queues and reasons in words', () => {
    expect(secondsText(0)).toBe('0 s');
    expect(secondsText(0.4)).toBe('0 s');
    expect(secondsText(252)).toBe('4 min 12 s');
    expect(secondsText(undefined)).toBe('–');
    expect(kbText(812)).toBe('812 KB');
    expect(kbText(12_700)).toBe('12.4 MB');
    expect(kbText(3 * 1024 * 1024)).toBe('3 GB');
    expect(kbText(undefined)).toBe('');
    expect(linkQueuesText(link({ logSendQueueKb: 12_700, redoQueueKb: 0 }))).toBe('log send queue 12.4 MB · redo queue 0 KB');
    expect(linkQueuesText(link({}))).toBe('');
    expect(linkReasonText({ code: 'LAG_ABOVE_THRESHOLD', severity: 'degraded', database: 'Sales', message: 'Sales on mi-prod is 312 s behind (threshold 60 s)' })).toBe('LAG_ABOVE_THRESHOLD (Sales): Sales on mi-prod is 312 s behind (threshold 60 s)');
    expect(linkReasonText({ code: 'DISCONNECTED', severity: 'broken', message: 'mi-prod is disconnected' })).toBe('DISCONNECTED: mi-prod is disconnected');
    // the message without the state the badge already shows
    expect(linkMessage(link({ state: 'degraded', message: 'degraded: Sales is 312 s behind' }))).toBe('Sales is 312 s behind');
    expect(linkMessage(link({ state: 'degraded', message: 'degraded (the last 2 of 3 samples needed say healthy)' }))).toBe('degraded (the last 2 of 3 samples needed say healthy)');
    expect(linkMessage(link({ state: 'healthy', message: 'healthy' }))).toBe('healthy');
    expect(linkMessage(link({ message: undefined }))).toBe('');
  });

  describe('the sparkline', () => {
    test('scaled to the largest lag: it touches the top, zero is at the bottom, a pixel of margin around', () => {
      const d = sparklinePath(pts([0, 50, 100]), 102, 22);
      expect(d).toBe('M1 21 L51 11 L101 1');
      expect(lagMax(pts([0, 50, 100]))).toBe(100);
    });

    test('a point with no lag is a gap: the line starts again after it', () => {
      expect(sparklinePath(pts([10, 20, null, 20, 10]), 102, 22)).toBe('M1 11 L26 1 M76 1 L101 11');
      expect(sparklinePath(pts([null, null]), 102, 22)).toBe('');
      expect(lagMax(pts([null]))).toBeUndefined();
    });

    test('a point alone (a single sample, or one between gaps) is a dot', () => {
      expect(sparklinePath(pts([7]), 102, 22)).toBe('M101 1h0');
      expect(sparklinePath(pts([null, 5, null, 10]), 102, 22)).toBe('M34.3 11h0 M101 1h0');
    });

    test('all zero: a flat line at the bottom, never a division by zero', () => {
      expect(sparklinePath(pts([0, 0, 0]), 102, 22)).toBe('M1 21 L51 21 L101 21');
    });

    test('lags under the minimum scale stay low; negative lags count as zero', () => {
      expect(sparklinePath(pts([0, 1, 2]), 102, 22, undefined, undefined, 10)).toBe('M1 21 L51 19 L101 17');
      expect(sparklinePath(pts([-3, 10]), 102, 22)).toBe('M1 21 L101 1');
    });

    test('placed by time in a window (the last hour), clamped to it; by index when times do not parse', () => {
      const points: LagPoint[] = [
        { at: new Date(FROM - 5 * minute).toISOString(), lagSeconds: 10 },
        { at: new Date(FROM + 30 * minute).toISOString(), lagSeconds: 10 },
        { at: new Date(NOW).toISOString(), lagSeconds: 10 },
      ];
      expect(sparklineXs(points, 102, FROM, NOW)).toEqual([1, 51, 101]);
      expect(sparklineXs([{ at: 'x', lagSeconds: 1 }, { at: 'y', lagSeconds: 1 }, { at: 'z', lagSeconds: 1 }], 102)).toEqual([1, 51, 101]);
      expect(sparklineXs([], 102)).toEqual([]);
    });

    test('bands where samples were not healthy: one per stretch of a state, each at least a pixel', () => {
      const points = [...pts([1, 2]), ...pts([30, 40], 'degraded'), ...pts([null], 'broken'), ...pts([1])].map((p, i) => ({ ...p, at: new Date(FROM + i * minute).toISOString() }));
      expect(sparklineBands(points, 102, FROM, FROM + 5 * minute)).toEqual([
        { x: 41, w: 40, state: 'degraded' },
        { x: 81, w: 20, state: 'broken' },
      ]);
      // the last sample's state holds to the right end; an odd state is unknown
      expect(sparklineBands(pts([1, 2], 'whatever'), 102)).toEqual([{ x: 1, w: 100, state: 'unknown' }]);
      expect(sparklineBands(pts([1]), 102)).toEqual([]);
      expect(sparklineBands(pts([1], 'broken'), 102)).toEqual([{ x: 101, w: 1, state: 'broken' }]);
    });

    test('its hover text: the max, the latest, how many samples had no lag or were not healthy', () => {
      expect(sparklineTitle([...pts([5, 252, null]), ...pts([30], 'degraded')])).toBe('lag, last hour: max 4 min 12 s, latest 30 s · 4 samples, 1 without a lag, 1 not healthy');
      expect(sparklineTitle(pts([null], 'unknown'))).toBe('lag, last hour: none known · 1 sample, 1 without a lag, 1 not healthy');
    });
  });
});

describe('as inlined into the page', () => {
  // the page declares the helpers from their source: they must work with no module around them
  const inlined = new Function(`'use strict';\n${helpersSource()}\nreturn { relativeTime, backupSummary, stateBadge, rowNote, parseFilters, filtersHash, operationsQuery, allowedActions, timeLeft, apiErrorText, linkSort, linkStateBadge, linkSummaryCounts, rolesText, sparklinePath, sparklineBands, sparklineTitle, linkQueuesText };`)() as Record<string, (...args: unknown[]) => unknown>;

  test('no helper refers to the module it came from', () => {
    expect(helpersSource()).not.toMatch(/\bexports\b|\brequire\(|__importDefault|_1\./);
  });

  test('the inlined helpers answer as the typed ones', () => {
    const skipped = op({ state: 'succeeded', output: { skipped: true, reason: 'r', coveredBy: 'op-x' } });
    expect(inlined.relativeTime(ago(125_000), NOW)).toBe(relativeTime(ago(125_000), NOW));
    expect(inlined.backupSummary(restoreOutput)).toBe('full 2026-12-05 02:00, 2 stripes');
    expect(inlined.stateBadge(skipped)).toEqual(stateBadge(skipped));
    expect(inlined.rowNote(op({ state: 'failed', error: { code: 'X', message: 'y' } }))).toEqual({ code: 'X', text: 'y', full: 'X: y', tone: 'err' });
    expect(inlined.parseFilters('#state=open&limit=25')).toEqual(parseFilters('#state=open&limit=25'));
    expect(inlined.filtersHash(parseFilters('#state=open&limit=25'))).toBe('state=open&limit=25');
    expect(inlined.operationsQuery(parseFilters(''), 'open', undefined)).toBe('state=open&limit=50');
    expect(inlined.allowedActions(op({ state: 'awaiting-approval' }))).toEqual(['approve', 'reject', 'cancel']);
    expect(inlined.timeLeft(ago(-60_000), NOW)).toBe('1 min left');
    expect(inlined.apiErrorText(404, null)).toMatch(/404/);
  });

  test('the links helpers too', () => {
    const links = [
      { name: 'a', sqlServer: 's', managedInstance: 'm', expectedPrimary: 'sqlServer', state: 'healthy', roles: { sqlServer: 'SECONDARY', managedInstance: 'PRIMARY' }, logSendQueueKb: 2048 },
      { name: 'b', sqlServer: 's', managedInstance: 'm', expectedPrimary: 'sqlServer', state: 'broken' },
    ];
    const points = [{ at: ago(60_000), lagSeconds: 4, state: 'degraded' }, { at: ago(0), lagSeconds: null, state: 'unknown' }];
    expect((inlined.linkSort(links) as LinkView[]).map((l) => l.name)).toEqual(['b', 'a']);
    expect(inlined.linkStateBadge(links[1])).toEqual(linkStateBadge(links[1]));
    expect(inlined.linkSummaryCounts(links)).toEqual(linkSummaryCounts(links));
    expect(inlined.rolesText(links[0])).toEqual(rolesText(links[0]));
    expect(inlined.sparklinePath(points, 50, 20, NOW - 3600_000, NOW)).toBe(sparklinePath(points, 50, 20, NOW - 3600_000, NOW));
    expect(inlined.sparklineBands(points, 50)).toEqual(sparklineBands(points, 50));
    expect(inlined.sparklineTitle(points)).toBe(sparklineTitle(points));
    expect(inlined.linkQueuesText(links[0])).toBe('log send queue 2 MB');
  });
});
