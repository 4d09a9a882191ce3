// The dashboard's refresh helpers: a schedule in words, a job's badges and next run, its last run,
// the panel's counts, a refused run, the confirmation's words, a refresh operation's output; as
// TypeScript and as the page gets them (inlined, with no `exports`).
import {
  absoluteTime,
  notMaskedColumns,
  type OperationView,
  phaseSeconds,
  localWhen,
  refreshCounts,
  refreshJobBadges,
  type RefreshJobView,
  refreshNoNextRun,
  refreshRefusal,
  refreshRunBadge,
  refreshRunEffect,
  refreshSummary,
  rowNote,
  scheduleText,
  slotText,
} from '../../../shared/dashboard/format';
import { helpersSource } from '../../../shared/dashboard/page';
import { salesDevJob } from '../../fixtures/dashboard/refreshJobs';

const job = (over: Partial<RefreshJobView>): RefreshJobView => ({
  ...salesDevJob(),
  nextRun: '2026-12-06T01:00:00.000Z',
  ...over,
});

const run = (state: string, over: Partial<NonNullable<RefreshJobView['lastRun']>> = {}): NonNullable<RefreshJobView['lastRun']> => ({
  slot: '2026-11-29T01:00:00.000Z',
  operationId: 'op-mifx3k2a-1a2b3c4d',
  state,
  startedAt: '2026-11-29T01:00:01.000Z',
  ...over,
});

const AE = 'Always Encrypted (the app has no column master key; sanitizing scripts cannot have changed it)';

const output = {
  job: 'Sales_dev',
  source: 'sql-onprem/Sales',
  target: 'sql-dev/Sales_dev',
  phases: [
    { name: 'backup', startedAt: '2026-12-06T01:00:02.000Z', endedAt: '2026-12-06T01:04:14.000Z', seconds: 252 },
    { name: 'restore', startedAt: '2026-12-06T01:04:14.000Z', endedAt: '2026-12-06T01:12:44.000Z', seconds: 510 },
    { name: 'swap', startedAt: '2026-12-06T01:12:44.000Z', endedAt: '2026-12-06T01:12:44.400Z', seconds: 0.4 },
  ],
  notMasked: [`dbo.Customers.SSN: ${AE}`, `hr.Employees.Salary: ${AE}`],
  validation: { tables: 14, differences: [] },
};

describe('a schedule in words', () => {
  test('daily, weekly, on weekdays, on a few days', () => {
    expect(scheduleText('0 0 2 * * *')).toBe('daily at 02:00');
    expect(scheduleText('0 0 2 * * SUN')).toBe('Sundays at 02:00');
    expect(scheduleText('0 0 2 * * 0')).toBe('Sundays at 02:00');
    expect(scheduleText('0 0 2 * * 7')).toBe('Sundays at 02:00');
    expect(scheduleText('0 30 1 * * MON-FRI')).toBe('Monday to Friday at 01:30');
    expect(scheduleText('0 30 1 * * 1-5')).toBe('Monday to Friday at 01:30');
    expect(scheduleText('0 0 6 * * SAT,SUN')).toBe('Saturdays and Sundays at 06:00');
    expect(scheduleText('0 0 22 * * 1,3,5')).toBe('Mondays, Wednesdays and Fridays at 22:00');
    expect(scheduleText('0 0 22 * * fri,mon')).toBe('Mondays and Fridays at 22:00');
    expect(scheduleText('0 0 4 * * FRI-7')).toBe('Fridays, Saturdays and Sundays at 04:00');
    expect(scheduleText('0 0 4 * * 0-6')).toBe('daily at 04:00');
  });

  test('several times a day, seconds when not zero', () => {
    expect(scheduleText('0 30 1,13 * * MON-FRI')).toBe('Monday to Friday at 01:30 and 13:30');
    expect(scheduleText('0 0 14,2,8 * * *')).toBe('daily at 02:00, 08:00 and 14:00');
    expect(scheduleText('0 0 */6 * * *')).toBe('daily at 00:00, 06:00, 12:00 and 18:00');
    expect(scheduleText('30 15 3 * * *')).toBe('daily at 03:15:30');
    expect(scheduleText('  0  0  2  *  *  SUN ')).toBe('Sundays at 02:00');
  });

  test('monthly: the day as an ordinal, and the months that have no such day', () => {
    expect(scheduleText('0 0 3 1 * *')).toBe('on the 1st of each month at 03:00');
    expect(scheduleText('0 0 3 2 * *')).toBe('on the 2nd of each month at 03:00');
    expect(scheduleText('0 0 3 13 * *')).toBe('on the 13th of each month at 03:00');
    expect(scheduleText('0 0 3 22 * *')).toBe('on the 22nd of each month at 03:00');
    expect(scheduleText('0 0 3 31 * *')).toBe('on the 31st of each month that has one at 03:00');
  });

  test('every few minutes, every hour', () => {
    expect(scheduleText('0 */15 * * * *')).toBe('every 15 minutes');
    expect(scheduleText('0 */1 * * * *')).toBe('every minute');
    expect(scheduleText('0 * * * * *')).toBe('every minute');
    expect(scheduleText('0 0 * * * *')).toBe('every hour, on the hour');
    expect(scheduleText('0 30 * * * *')).toBe('every hour at :30');
  });

  test('anything else is not simple: the page shows the expression alone', () => {
    for (const s of [
      '0 0 2 13 * FRI', // NCRONTAB ands the two day fields: Friday the 13th
      '0 0 2 * 1 *', // a month
      '0 */7 * * * *', // not every 7 minutes across the hour
      '0 0 */5 * * *',
      '* * * * * *',
      '*/10 * * * * *',
      '0 0 2 L * *',
      '0 0 2 * * MON#1',
      '0 0 2-4 * * *',
      '0 0 1,2,3,4,5,6,7 * * *',
      '0 0 25 * * *',
      '0 61 2 * * *',
      '0 0 2 * * MON-SUN',
      '0 0 2 * *',
      '',
    ]) {
      expect([s, scheduleText(s)]).toEqual([s, '']);
    }
    expect(scheduleText(undefined)).toBe('');
  });
});

describe('a job and its runs', () => {
  test('next run: local, with its weekday', () => {
    const iso = '2026-12-06T01:00:00.000Z';
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(iso).getDay()];
    expect(localWhen(iso)).toBe(`${day} ${absoluteTime(iso, false).slice(0, 16)}`);
    expect(localWhen(iso)).toMatch(/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(localWhen('not a date')).toBe('not a date');
    expect(localWhen(undefined)).toBe('');
  });

  test('paused and disabled in words, each with what it means; none for a job that runs on its own', () => {
    expect(refreshJobBadges(job({}))).toEqual([]);
    expect(refreshJobBadges(job({ paused: true }))).toEqual([
      { label: 'paused', cls: 'rj-paused', title: 'paused: its schedule starts no run until it is resumed; Run now still runs it' },
    ]);
    expect(refreshJobBadges(job({ enabled: false }))).toEqual([
      { label: 'disabled', cls: 'rj-disabled', title: 'enabled: false in the estate: its schedule starts no run; Run now still runs it' },
    ]);
    expect(refreshJobBadges(job({ enabled: false, paused: true })).map((b) => b.label)).toEqual(['disabled', 'paused']);
  });

  test('why there is no next run', () => {
    expect(refreshNoNextRun(job({}))).toBe('');
    expect(refreshNoNextRun(job({ nextRun: undefined, paused: true }))).toBe('none: paused');
    expect(refreshNoNextRun(job({ nextRun: undefined, enabled: false, paused: true }))).toBe('none: disabled in the estate');
    expect(refreshNoNextRun(job({ nextRun: undefined }))).toBe('not known');
  });

  test('the last run’s state badge; an operation gone is unknown, not a state it has no color for', () => {
    expect(refreshRunBadge(run('succeeded'))).toEqual({ label: 'succeeded', cls: 'succeeded', title: 'finished successfully' });
    expect(refreshRunBadge(run('failed'))).toMatchObject({ label: 'failed', cls: 'failed' });
    expect(refreshRunBadge(run('running'))).toMatchObject({ label: 'running', cls: 'running' });
    expect(refreshRunBadge(run('unknown'))).toEqual({ label: 'unknown', cls: 'rj-unknown', title: 'its operation was not found: retention deletes finished operations after RETENTION_DAYS' });
    expect(refreshRunBadge(run('exploded'))).toMatchObject({ label: 'exploded', cls: 'rj-unknown' });
  });

  test('a slot: Run now or the scheduled time', () => {
    expect(slotText('2026-11-29T01:00:00.000Z')).toBe(`scheduled for ${localWhen('2026-11-29T01:00:00.000Z')}`);
    expect(slotText('manual:2026-12-06T09:12:00.000Z')).toBe(`Run now, asked ${localWhen('2026-12-06T09:12:00.000Z')}`);
    expect(slotText('manual:')).toBe('Run now');
    expect(slotText('')).toBe('');
    expect(slotText(undefined)).toBe('');
  });

  test('the panel’s summary: jobs, paused, disabled, and the last runs that need a look', () => {
    expect(refreshCounts([])).toEqual({ total: 0, paused: 0, disabled: 0, failed: 0, running: 0, text: 'no refresh jobs in the estate' });
    expect(refreshCounts([job({ lastRun: run('succeeded') })]).text).toBe('1 job');
    const all = refreshCounts([
      job({ lastRun: run('succeeded') }),
      job({ name: 'b', lastRun: run('failed') }),
      job({ name: 'c', paused: true, lastRun: run('waiting') }),
      job({ name: 'd', enabled: false }),
      job({ name: 'e', lastRun: run('cancelled') }),
      job({ name: 'f', lastRun: run('unknown') }),
    ]);
    expect(all).toEqual({ total: 6, paused: 1, disabled: 1, failed: 2, running: 1, text: '6 jobs · 1 paused · 1 disabled · last runs: 2 failed, 1 running' });
  });
});

describe('Run now', () => {
  test('a refusal (409) or an unknown job (404): the app’s message alone; anything else is not a refusal', () => {
    const body = { error: { code: 'REFRESH_NOT_STARTED', message: 'slot manual:… of Sales_dev is older than the last one run (operation op-1)' } };
    expect(refreshRefusal(409, body)).toBe('slot manual:… of Sales_dev is older than the last one run (operation op-1)');
    expect(refreshRefusal(404, { error: { code: 'REFRESH_JOB_NOT_FOUND', message: 'no refresh job named X in the estate' } })).toBe('no refresh job named X in the estate');
    expect(refreshRefusal(409, null)).toBe('');
    expect(refreshRefusal(404, undefined)).toBe('');
    expect(refreshRefusal(409, { error: { code: 'X', message: '' } })).toBe('');
    expect(refreshRefusal(500, body)).toBe('');
    expect(refreshRefusal(400, body)).toBe('');
  });

  test('the confirmation says it backs up the source and replaces the target’s copy only after sanitizing and validating', () => {
    const text = refreshRunEffect(job({}));
    expect(text).toMatch(/^It backs up sql-onprem\/Sales \(copy-only/);
    expect(text).toContain('restores that backup on sql-dev as a staging copy');
    expect(text).toContain('runs the job’s sanitizing scripts in it and validates its row counts against the source; only then does it replace the copy of sql-dev/Sales_dev with it');
    expect(text).toContain('Anything that fails before that leaves sql-dev/Sales_dev as it is.');
    expect(text).toMatch(/else by “api”\.$/);
    expect(text).not.toMatch(/paused|disabled/);
    expect(refreshRunEffect(job({ paused: true }))).toContain('The job is paused: Run now runs it anyway, and its schedule stays as it is.');
    expect(refreshRunEffect(job({ enabled: false, paused: true }))).toContain('The job is disabled in the estate: Run now runs it anyway');
    // managed instance to managed instance takes no backup
    const pitr = refreshRunEffect(job({ copy: 'pointInTime' }));
    expect(pitr).toMatch(/^It restores sql-onprem\/Sales as of 15 minutes ago on sql-dev as a staging copy \(a point-in-time restore: no backup is taken\), runs the job’s sanitizing scripts/);
    expect(pitr).not.toContain('backs up');
  });
});

describe('a refresh operation’s output', () => {
  test('phases in seconds, to a tenth below a minute', () => {
    expect(phaseSeconds(0.4)).toBe('0.4 s');
    expect(phaseSeconds(21.34)).toBe('21.3 s');
    expect(phaseSeconds(12)).toBe('12 s');
    expect(phaseSeconds(0)).toBe('0 s');
    expect(phaseSeconds(252)).toBe('4 min 12 s');
    expect(phaseSeconds(3700)).toBe('1 h 1 min');
    expect(phaseSeconds(undefined)).toBe('');
    expect(phaseSeconds(-1)).toBe('');
    expect(phaseSeconds(Number.NaN)).toBe('');
  });

  test('the columns NOT masked, each split into the column and why', () => {
    expect(notMaskedColumns(output)).toEqual([
      { column: 'dbo.Customers.SSN', why: AE },
      { column: 'hr.Employees.Salary', why: AE },
    ]);
    expect(notMaskedColumns({ notMasked: ['dbo.T.c', '', 42] })).toEqual([{ column: 'dbo.T.c', why: '' }]);
    expect(notMaskedColumns({ notMasked: [] })).toEqual([]);
    expect(notMaskedColumns({})).toEqual([]);
    expect(notMaskedColumns(null)).toEqual([]);
  });

  test('the row note: from where, how long, how many tables, and the columns NOT masked (in the warning tone)', () => {
    expect(refreshSummary(output)).toBe('from sql-onprem/Sales in 12 min 42 s · 14 tables validated · 2 columns NOT masked');
    expect(refreshSummary({ ...output, notMasked: [], validation: { tables: 1, differences: [] } })).toBe('from sql-onprem/Sales in 12 min 42 s · 1 table validated');
    expect(refreshSummary({ phases: [{ name: 'swap', startedAt: '', seconds: 3 }] })).toBe('refreshed in 3 s');
    expect(refreshSummary({})).toBe('');
    expect(refreshSummary(undefined)).toBe('');
    const op: OperationView = { id: 'op-1', kind: 'refresh', target: 'sql-dev/sales_dev', state: 'succeeded', step: 'finish', output };
    expect(rowNote(op)).toEqual({ code: '', text: refreshSummary(output), full: refreshSummary(output), tone: 'warn' });
    expect(rowNote({ ...op, output: { ...output, notMasked: [] } }).tone).toBe('');
    // failed: its error, as any operation's
    expect(rowNote({ ...op, state: 'failed', output: undefined, error: { code: 'VALIDATION_FAILED', message: '1 table differs' } })).toMatchObject({ code: 'VALIDATION_FAILED', tone: 'err' });
  });
});

describe('as inlined into the page', () => {
  const inlined = new Function(
    `'use strict';\n${helpersSource()}\nreturn { scheduleText, localWhen, refreshJobBadges, refreshNoNextRun, refreshRunBadge, slotText, refreshCounts, refreshRefusal, refreshRunEffect, phaseSeconds, notMaskedColumns, refreshSummary, rowNote };`,
  )() as Record<string, (...args: unknown[]) => unknown>;

  test('the refresh helpers work without the module around them', () => {
    expect(inlined.scheduleText('0 30 1,13 * * MON-FRI')).toBe('Monday to Friday at 01:30 and 13:30');
    expect(inlined.scheduleText('0 0 3 1 * *')).toBe('on the 1st of each month at 03:00');
    expect(inlined.scheduleText('0 */15 * * * *')).toBe('every 15 minutes');
    expect(inlined.localWhen('2026-12-06T01:00:00.000Z')).toBe(localWhen('2026-12-06T01:00:00.000Z'));
    expect(inlined.refreshJobBadges(job({ paused: true }))).toEqual(refreshJobBadges(job({ paused: true })));
    expect(inlined.refreshNoNextRun(job({ nextRun: undefined, paused: true }))).toBe('none: paused');
    expect(inlined.refreshRunBadge(run('failed'))).toEqual(refreshRunBadge(run('failed')));
    expect(inlined.slotText('manual:2026-12-06T09:12:00.000Z')).toBe(slotText('manual:2026-12-06T09:12:00.000Z'));
    expect(inlined.refreshCounts([job({ lastRun: run('failed') })])).toMatchObject({ text: '1 job · last runs: 1 failed' });
    expect(inlined.refreshRefusal(409, { error: { code: 'REFRESH_NOT_STARTED', message: 'taken' } })).toBe('taken');
    expect(inlined.refreshRunEffect(job({}))).toBe(refreshRunEffect(job({})));
    expect(inlined.phaseSeconds(21.34)).toBe('21.3 s');
    expect(inlined.notMaskedColumns(output)).toEqual(notMaskedColumns(output));
    expect(inlined.refreshSummary(output)).toBe(refreshSummary(output));
    expect(inlined.rowNote({ id: 'op-1', kind: 'refresh', target: 't', state: 'succeeded', step: 'finish', output })).toMatchObject({ tone: 'warn' });
  });
});
