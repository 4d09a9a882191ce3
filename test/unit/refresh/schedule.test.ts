// When a refresh job is due: NCRONTAB in the job's time zone, across daylight saving changes,
// after downtime (one run for every missed slot), for a job that never ran, and what is refused.
import { CronExpressionParser } from 'cron-parser';
import { AppError } from '../../../shared/errors';
import { dueRun, nextRun, scheduleProblem, type ScheduledJob } from '../../../shared/refresh/schedule';

const job = (schedule: string, timeZone = 'UTC', name = 'refresh-sales'): ScheduledJob => ({ name, schedule, timeZone });
const at = (iso: string): Date => new Date(iso);
const MINUTE = 60_000;

/** A scheduler ticking every minute (a little after second 0) from `from` to `to`: the slots it runs. */
function simulate(j: ScheduledJob, from: string, to: string, tickOffsetMs = 150): string[] {
  const runs: string[] = [];
  let last: string | undefined;
  for (let t = Date.parse(from) + tickOffsetMs; t <= Date.parse(to) + tickOffsetMs; t += MINUTE) {
    const due = dueRun(j, last, new Date(t));
    if (due) {
      runs.push(due.scheduledFor);
      last = due.scheduledFor;
    }
  }
  return runs;
}

describe('every minute', () => {
  const everyMinute = job('0 * * * * *');

  test('due once per minute, on the minute', () => {
    expect(dueRun(everyMinute, '2025-01-01T00:00:00.000Z', at('2025-01-01T00:00:59.999Z'))).toBeUndefined();
    expect(dueRun(everyMinute, '2025-01-01T00:00:00.000Z', at('2025-01-01T00:01:00.250Z'))).toEqual({ scheduledFor: '2025-01-01T00:01:00.000Z', missed: 1 });
    expect(dueRun(everyMinute, '2025-01-01T00:01:00.000Z', at('2025-01-01T00:01:00.250Z'))).toBeUndefined();
  });

  test('ten minutes down: the latest slot runs, once', () => {
    expect(dueRun(everyMinute, '2025-01-01T00:00:00.000Z', at('2025-01-01T00:10:30Z'))).toEqual({ scheduledFor: '2025-01-01T00:10:00.000Z', missed: 10 });
  });

  test('a ticking scheduler runs each minute exactly once', () => {
    const runs = simulate(everyMinute, '2025-01-01T00:00:00Z', '2025-01-01T01:00:00Z');
    expect(runs).toHaveLength(61);
    expect(new Set(runs).size).toBe(61);
  });

  test('Berlin, spring forward: the skipped hour is one instant (03:00 CEST), counted once', () => {
    const berlin = job('0 * * * * *', 'Europe/Berlin');
    // 01:59 CET = 00:59Z; 02:00-02:59 do not exist; 03:00 CEST = 01:00Z
    expect(nextRun(berlin, at('2025-03-30T00:59:00Z'))).toBe('2025-03-30T01:00:00.000Z');
    expect(dueRun(berlin, '2025-03-30T00:58:00.000Z', at('2025-03-30T01:01:10Z'))).toEqual({ scheduledFor: '2025-03-30T01:01:00.000Z', missed: 3 });
    // the whole day, midnight to midnight: 23 hours of minutes
    expect(dueRun(berlin, '2025-03-29T23:00:00.000Z', at('2025-03-30T22:00:00Z'))).toEqual({ scheduledFor: '2025-03-30T22:00:00.000Z', missed: 23 * 60 });
  });

  test('Berlin, fall back: the repeated hour runs the first time only', () => {
    const berlin = job('0 * * * * *', 'Europe/Berlin');
    // 02:59 CEST = 00:59Z; then 02:00-02:59 CET (01:00Z-01:59Z) repeat; 03:00 CET = 02:00Z
    expect(dueRun(berlin, '2025-10-26T00:59:00.000Z', at('2025-10-26T01:30:00Z'))).toBeUndefined();
    expect(nextRun(berlin, at('2025-10-26T00:59:00Z'))).toBe('2025-10-26T02:00:00.000Z');
    const runs = simulate(berlin, '2025-10-26T00:55:00Z', '2025-10-26T02:02:00Z');
    expect(runs).toEqual([
      '2025-10-26T00:55:00.000Z', '2025-10-26T00:56:00.000Z', '2025-10-26T00:57:00.000Z', '2025-10-26T00:58:00.000Z', '2025-10-26T00:59:00.000Z',
      '2025-10-26T02:00:00.000Z', '2025-10-26T02:01:00.000Z', '2025-10-26T02:02:00.000Z',
    ]);
    // the whole 25-hour day has 24 hours of minutes
    expect(dueRun(berlin, '2025-10-25T22:00:00.000Z', at('2025-10-26T23:00:00Z'))).toEqual({ scheduledFor: '2025-10-26T23:00:00.000Z', missed: 24 * 60 });
  });
});

describe('daily at 02:00 in Berlin', () => {
  const daily = job('0 0 2 * * *', 'Europe/Berlin');

  test('March: 02:00 does not exist on the 30th; it runs once when the clock reaches it (03:00 CEST)', () => {
    const runs = simulate(daily, '2025-03-28T00:00:00Z', '2025-04-01T12:00:00Z');
    expect(runs).toEqual([
      '2025-03-28T01:00:00.000Z', // 02:00 CET
      '2025-03-29T01:00:00.000Z',
      '2025-03-30T01:00:00.000Z', // the skipped 02:00: 03:00 CEST
      '2025-03-31T00:00:00.000Z', // 02:00 CEST
      '2025-04-01T00:00:00.000Z',
    ]);
  });

  test('October: 02:00 happens twice on the 26th; it runs the first time only', () => {
    const runs = simulate(daily, '2025-10-24T12:00:00Z', '2025-10-28T12:00:00Z');
    expect(runs).toEqual([
      '2025-10-25T00:00:00.000Z', // 02:00 CEST
      '2025-10-26T00:00:00.000Z', // the first 02:00 (CEST); not again at 01:00Z (02:00 CET)
      '2025-10-27T01:00:00.000Z', // 02:00 CET
      '2025-10-28T01:00:00.000Z',
    ]);
    expect(dueRun(daily, '2025-10-26T00:00:00.000Z', at('2025-10-26T01:00:30Z'))).toBeUndefined();
  });

  test('a time inside the gap (02:30) runs at its end (03:00 CEST), and the repeated 02:30 once', () => {
    const half = job('0 30 2 * * *', 'Europe/Berlin');
    expect(nextRun(half, at('2025-03-29T12:00:00Z'))).toBe('2025-03-30T01:00:00.000Z');
    expect(nextRun(half, at('2025-03-30T01:00:00Z'))).toBe('2025-03-31T00:30:00.000Z');
    expect(nextRun(half, at('2025-10-25T12:00:00Z'))).toBe('2025-10-26T00:30:00.000Z');
    expect(nextRun(half, at('2025-10-26T00:30:00Z'))).toBe('2025-10-27T01:30:00.000Z');
  });
});

describe('America/New_York', () => {
  test('spring forward (9 March 2025, 02:00 EST -> 03:00 EDT): 02:30 runs at 03:00 EDT', () => {
    const j = job('0 30 2 * * *', 'America/New_York');
    expect(simulate(j, '2025-03-08T00:00:00Z', '2025-03-10T12:00:00Z')).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  test('fall back (2 November 2025, 02:00 EDT -> 01:00 EST): 01:30 runs once, on EDT', () => {
    const j = job('0 30 1 * * *', 'America/New_York');
    expect(simulate(j, '2025-11-01T00:00:00Z', '2025-11-03T12:00:00Z')).toEqual([
      '2025-11-01T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T05:30:00.000Z', // the first 01:30 (EDT); not 06:30Z (EST)
      '2025-11-03T06:30:00.000Z', // 01:30 EST
    ]);
  });

  test('every 15 minutes across both changes', () => {
    const j = job('0 */15 * * * *', 'America/New_York');
    const spring = simulate(j, '2025-03-09T06:00:00Z', '2025-03-09T08:00:00Z');
    expect(spring).toEqual(['2025-03-09T06:00:00.000Z', '2025-03-09T06:15:00.000Z', '2025-03-09T06:30:00.000Z', '2025-03-09T06:45:00.000Z', '2025-03-09T07:00:00.000Z', '2025-03-09T07:15:00.000Z', '2025-03-09T07:30:00.000Z', '2025-03-09T07:45:00.000Z', '2025-03-09T08:00:00.000Z']);
    const fall = simulate(j, '2025-11-02T05:00:00Z', '2025-11-02T07:30:00Z');
    // 01:00-01:45 EDT (05:00Z-05:45Z), not again on EST (06:00Z-06:45Z), then 02:00 EST (07:00Z)
    expect(fall).toEqual(['2025-11-02T05:00:00.000Z', '2025-11-02T05:15:00.000Z', '2025-11-02T05:30:00.000Z', '2025-11-02T05:45:00.000Z', '2025-11-02T07:00:00.000Z', '2025-11-02T07:15:00.000Z', '2025-11-02T07:30:00.000Z']);
  });
});

describe('missed runs', () => {
  test('a daily job down for a week runs once, with missed = 7', () => {
    const daily = job('0 0 2 * * *', 'Europe/Berlin');
    expect(dueRun(daily, '2025-01-01T01:00:00.000Z', at('2025-01-08T01:00:30Z'))).toEqual({ scheduledFor: '2025-01-08T01:00:00.000Z', missed: 7 });
    // and then not again
    expect(dueRun(daily, '2025-01-08T01:00:00.000Z', at('2025-01-08T01:05:00Z'))).toBeUndefined();
    // a week across the March change: still 7 slots, the latest on CEST
    expect(dueRun(daily, '2025-03-27T01:00:00.000Z', at('2025-04-03T00:05:00Z'))).toEqual({ scheduledFor: '2025-04-03T00:00:00.000Z', missed: 7 });
  });

  test('down for a week between two weekly slots: the one slot missed', () => {
    const weekly = job('0 0 2 * * SUN', 'Europe/Berlin');
    expect(dueRun(weekly, '2025-06-08T00:00:00.000Z', at('2025-06-20T09:00:00Z'))).toEqual({ scheduledFor: '2025-06-15T00:00:00.000Z', missed: 1 });
  });

  test('a last slot in the future (a clock set back) makes nothing due', () => {
    expect(dueRun(job('0 * * * * *'), '2025-01-01T01:00:00.000Z', at('2025-01-01T00:30:00Z'))).toBeUndefined();
  });
});

describe('a job that never ran', () => {
  const weekly = job('0 0 2 * * SUN', 'Europe/Berlin');

  test('does not run at once for the slot it missed last week', () => {
    // Tuesday: last Sunday's 02:00 has passed
    expect(dueRun(weekly, undefined, at('2025-06-10T12:00:00Z'))).toBeUndefined();
  });

  test('runs when an occurrence is within the last timer period', () => {
    expect(dueRun(weekly, undefined, at('2025-06-15T00:00:20Z'))).toEqual({ scheduledFor: '2025-06-15T00:00:00.000Z', missed: 1 });
    expect(dueRun(weekly, undefined, at('2025-06-15T00:01:30Z'))).toBeUndefined();
    expect(dueRun(weekly, undefined, at('2025-06-15T00:01:30Z'), 120_000)).toEqual({ scheduledFor: '2025-06-15T00:00:00.000Z', missed: 1 });
  });
});

describe('nextRun', () => {
  test('the first occurrence strictly after the instant, in the job time zone', () => {
    const daily = job('0 0 2 * * *', 'Europe/Berlin');
    expect(nextRun(daily, at('2025-06-01T00:00:00Z'))).toBe('2025-06-02T00:00:00.000Z');
    expect(nextRun(daily, at('2025-06-01T23:59:59.999Z'))).toBe('2025-06-02T00:00:00.000Z');
    expect(nextRun(daily, at('2025-01-15T12:00:00Z'))).toBe('2025-01-16T01:00:00.000Z');
    expect(nextRun(job('0 0 2 * * *'), at('2025-01-15T12:00:00Z'))).toBe('2025-01-16T02:00:00.000Z');
    expect(nextRun(job('0 0 9 * * MON-FRI', 'Asia/Tokyo'), at('2025-06-06T01:00:00Z'))).toBe('2025-06-09T00:00:00.000Z');
  });

  test('NCRONTAB ands the day fields: "the 13th" and "Friday" is Friday the 13th', () => {
    expect(nextRun(job('0 0 0 13 * FRI'), at('2025-01-01T00:00:00Z'))).toBe('2025-06-13T00:00:00.000Z');
    expect(nextRun(job('0 0 0 29 2 *'), at('2025-01-01T00:00:00Z'))).toBe('2028-02-29T00:00:00.000Z');
  });

  test('names, ranges, lists and steps', () => {
    expect(nextRun(job('0 5/20 * * * *'), at('2025-01-01T00:06:00Z'))).toBe('2025-01-01T00:25:00.000Z');
    expect(nextRun(job('30 0 6 * JAN-MAR,DEC sat,7'), at('2025-04-01T00:00:00Z'))).toBe('2025-12-06T06:00:30.000Z');
    expect(nextRun(job('0 0 22 ? * 1-5'), at('2025-06-07T00:00:00Z'))).toBe('2025-06-09T22:00:00.000Z');
  });

  test('agrees with cron-parser where the two read a schedule alike (one day field a wildcard, no time inside a daylight saving change)', () => {
    const cases: Array<[string, string]> = [
      ['0 0 2 * * *', 'Asia/Kolkata'],
      ['15 */7 1-5 * * *', 'UTC'],
      ['0 0 12 1,15 * *', 'Australia/Sydney'],
      ['0 45 23 * * SUN', 'America/Los_Angeles'],
    ];
    for (const [expr, tz] of cases) {
      let mine = new Date('2025-01-01T00:00:00Z');
      const theirs = CronExpressionParser.parse(expr, { currentDate: mine, tz });
      for (let i = 0; i < 50; i++) {
        const next = nextRun(job(expr, tz), mine);
        const expected = theirs.next().toDate().toISOString();
        expect(`${expr} ${tz}: ${next}`).toBe(`${expr} ${tz}: ${expected}`);
        mine = new Date(next);
      }
    }
  });
});

describe('refused', () => {
  const refusal = (fn: () => unknown): AppError => {
    try {
      fn();
    } catch (err) {
      return err as AppError;
    }
    throw new Error('not refused');
  };

  test.each([
    ['0 2 * * *', /has 5 fields/],
    ['0 0 2 L * *', /is not valid: day field: "L" is not a number; NCRONTAB has no L/],
    ['0 61 * * * *', /minute field: 61 is outside 0-59/],
    ['0 0 2 * * 1#2', /day-of-week field/],
    ['0 0 5-2 * * *', /runs backwards/],
    ['0 0 0 31 2 *', /never happens/],
    ['0 0 0 * FOO *', /not a number or a name/],
  ])('schedule %s', (schedule, message) => {
    const err = refusal(() => dueRun(job(schedule, 'UTC', 'nightly-dev'), undefined, new Date()));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('CONFIGURATION_INVALID');
    expect(err.message).toMatch(/^refresh job nightly-dev: schedule /);
    expect(err.message).toMatch(message);
    expect(refusal(() => nextRun(job(schedule, 'UTC', 'nightly-dev'), new Date())).code).toBe('CONFIGURATION_INVALID');
  });

  test.each([
    ['Mars/Olympus_Mons', /not a known time zone/],
    ['W. Europe Standard Time', /Windows time zone name/],
    ['+01:00', /not a time zone name/],
  ])('time zone %s', (timeZone, message) => {
    const err = refusal(() => nextRun(job('0 0 2 * * *', timeZone, 'nightly-dev'), new Date()));
    expect(err.code).toBe('CONFIGURATION_INVALID');
    expect(err.message).toMatch(/^refresh job nightly-dev: time zone /);
    expect(err.message).toMatch(message);
  });

  test('scheduleProblem says why, or nothing', () => {
    expect(scheduleProblem(job('0 0 2 * * *', 'Europe/Berlin'))).toBeUndefined();
    expect(scheduleProblem({ name: 'x', schedule: '0 0 2 * * *' })).toBeUndefined();
    expect(scheduleProblem(job('0 0 2 * *', 'Europe/Berlin'))).toMatch(/refresh job refresh-sales: schedule "0 0 2 \* \*" has 5 fields/);
  });
});

describe('against a minute-by-minute walk of the wall clock', () => {
  // An independent reading of the rules: walk UTC minute by minute, read the wall clock; a matching
  // wall time happens the first time the clock shows it, and wall times the clock jumps over happen
  // at the instant after the jump.
  const wallOf = (tz: string, ms: number): number => {
    const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  };
  function reference(tz: string, matches: (wall: Date) => boolean, from: number, to: number): number[] {
    const out = new Set<number>();
    const seen = new Set<number>();
    let prevWall = wallOf(tz, from - MINUTE);
    for (let t = from; t <= to; t += MINUTE) {
      const wall = wallOf(tz, t);
      for (let w = prevWall + MINUTE; w < wall; w += MINUTE) {
        if (!seen.has(w) && matches(new Date(w))) out.add(t);
        seen.add(w);
      }
      if (!seen.has(wall) && matches(new Date(wall))) out.add(t);
      seen.add(wall);
      prevWall = Math.max(prevWall, wall);
    }
    return [...out].sort((a, b) => a - b);
  }

  const cases: Array<[string, string, string, (d: Date) => boolean]> = [
    ['0 * * * * *', 'Europe/Berlin', '2025-03-29T00:00:00Z', () => true],
    ['0 */7 * * * *', 'Europe/Berlin', '2025-10-25T00:00:00Z', (d) => d.getUTCMinutes() % 7 === 0],
    ['0 30 2 * * *', 'America/New_York', '2025-03-08T00:00:00Z', (d) => d.getUTCHours() === 2 && d.getUTCMinutes() === 30],
    ['0 0,30 1 * * *', 'America/New_York', '2025-11-01T00:00:00Z', (d) => d.getUTCHours() === 1 && d.getUTCMinutes() % 30 === 0],
    // Lord Howe Island moves its clocks by 30 minutes, at 02:00
    ['0 */10 1-2 * * *', 'Australia/Lord_Howe', '2025-04-05T00:00:00Z', (d) => d.getUTCHours() >= 1 && d.getUTCHours() <= 2 && d.getUTCMinutes() % 10 === 0],
    ['0 */10 1-2 * * *', 'Australia/Lord_Howe', '2025-10-04T00:00:00Z', (d) => d.getUTCHours() >= 1 && d.getUTCHours() <= 2 && d.getUTCMinutes() % 10 === 0],
    // Santiago changes its clocks at midnight: the skipped and the repeated hour are at a day's edge
    ['0 */20 23,0 * * *', 'America/Santiago', '2025-04-04T00:00:00Z', (d) => (d.getUTCHours() === 23 || d.getUTCHours() === 0) && d.getUTCMinutes() % 20 === 0],
    ['0 */20 23,0 * * *', 'America/Santiago', '2025-09-05T00:00:00Z', (d) => (d.getUTCHours() === 23 || d.getUTCHours() === 0) && d.getUTCMinutes() % 20 === 0],
  ];

  test.each(cases)('%s in %s, three days from %s', (schedule, tz, start, matches) => {
    const from = Date.parse(start);
    const to = from + 3 * 24 * 3600_000;
    const expected = reference(tz, matches, from, to);
    const j = job(schedule, tz);
    const chain: number[] = [];
    for (let t = from - 1; ; ) {
      const next = Date.parse(nextRun(j, new Date(t)));
      if (next > to) break;
      chain.push(next);
      t = next;
    }
    expect(chain.map((t) => new Date(t).toISOString())).toEqual(expected.map((t) => new Date(t).toISOString()));
    // dueRun over windows of many lengths and places: the latest occurrence and the count
    let withRuns = 0;
    for (let i = 0; i < 60; i++) {
      const a = from + Math.floor((((i * 7919) % 997) / 997) * (to - from)) + (i % 3) * 1000;
      const b = Math.min(to, a + ((i * 104_729) % 48) * 3600_000 + (i % 5) * 17 * MINUTE);
      const inWindow = expected.filter((t) => t > a && t <= b);
      if (inWindow.length > 0) withRuns++;
      expect(dueRun(j, new Date(a).toISOString(), new Date(b))).toEqual(
        inWindow.length === 0 ? undefined : { scheduledFor: new Date(inWindow[inWindow.length - 1]).toISOString(), missed: inWindow.length },
      );
    }
    expect(withRuns).toBeGreaterThan(20);
  });
});
