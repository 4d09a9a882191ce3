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
  lsnRange,
  operationsQuery,
  type OperationView,
  parseFilters,
  recordedTime,
  relativeTime,
  rowNote,
  shortId,
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

describe('as inlined into the page', () => {
  // the page declares the helpers from their source: they must work with no module around them
  const inlined = new Function(`'use strict';\n${helpersSource()}\nreturn { relativeTime, backupSummary, stateBadge, rowNote, parseFilters, filtersHash, operationsQuery, allowedActions, timeLeft, apiErrorText };`)() as Record<string, (...args: unknown[]) => unknown>;

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
});
