// When a refresh job is due: its six-field NCRONTAB schedule (second minute hour day month
// day-of-week) read in the job's own IANA time zone. Pure: no I/O and no clock; the caller passes
// `now` and the last slot it ran (from the run store).
//
// The rules, as Azure Functions' NCRONTAB reads a schedule, plus what a wall clock adds:
// - a date matches when its month, its day of the month AND its day of the week are all in their
//   fields (NCRONTAB ands the two day fields; classic cron ors them): "0 0 2 13 * FRI" is 02:00 on
//   every Friday the 13th;
// - a time the clock skips (spring forward: 02:30 in Berlin on the last Sunday of March) happens
//   when the clock reaches it, at the end of the gap (03:00 CEST); every skipped time of one gap is
//   that one instant, so it counts once;
// - a time the clock shows twice (fall back: 02:30 in Berlin on the last Sunday of October) happens
//   the first time only, so a job never runs twice for one slot; an every-minute job pauses for the
//   repeated hour;
// - a run missed while the app was down runs once: only the latest occurrence is returned, with the
//   number of occurrences since the last slot (`missed`);
// - a job that never ran starts with the occurrence within the last timer period (`graceMs`), not
//   with last week's slot.
import { AppError } from '../errors';
import { timeZoneProblem } from '../config/validate';

export interface ScheduledJob {
  name: string;
  /** NCRONTAB, six fields: second minute hour day month day-of-week */
  schedule: string;
  /** IANA time zone name; UTC when absent */
  timeZone?: string;
}

export interface DueRun {
  /** the slot to run: the latest occurrence <= now, as an ISO instant (UTC) */
  scheduledFor: string;
  /** how many occurrences fell in (lastScheduledFor, now], this one included (1 when on time) */
  missed: number;
}

/** One timer period: how recent an occurrence must be to start a job that never ran. */
export const DEFAULT_GRACE_MS = 60_000;

const DAY = 86_400;
/** wall clocks are at most 14 h ahead of or 12 h behind UTC; one hour more of margin */
const MARGIN = 15 * 3600;
/** a schedule that matches some date matches one within a 400-year Gregorian cycle */
const SEARCH_DAYS = 400 * 366;

// --- parsing -------------------------------------------------------------------------------------

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { label: 'second', min: 0, max: 59 },
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 7 is read as Sunday too, as cron-parser (the estate validator) reads it
  { label: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

interface ParsedSchedule {
  /** seconds since midnight (wall clock) that match, ascending */
  times: number[];
  days: boolean[];
  months: boolean[];
  weekdays: boolean[];
}

function parseValue(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.label === 'month' ? 1 : 0);
  if (!/^\d+$/.test(text)) {
    const extension = /[LWH#]/i.test(text) ? '; NCRONTAB has no L, W, # or H' : '';
    throw new Error(`${spec.label} field: "${text}" is not a number${spec.names ? ` or a name (${spec.names[0]}…)` : ''}${extension}`);
  }
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new Error(`${spec.label} field: ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

function parseField(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`${spec.label} field: "${part}" is not a value, range or step; NCRONTAB has no L, W, # or H`);
    const [, range, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new Error(`${spec.label} field: a step must be at least 1`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      if (range === '?' && spec.label !== 'day' && spec.label !== 'day-of-week') throw new Error(`${spec.label} field: "?" is only for the day fields`);
      from = spec.min;
      to = spec.label === 'day-of-week' ? 6 : spec.max;
    } else if (range.includes('-')) {
      const [a, b, ...rest] = range.split('-');
      if (rest.length > 0) throw new Error(`${spec.label} field: "${range}" is not a range`);
      from = parseValue(a, spec);
      to = parseValue(b, spec);
      if (from > to) throw new Error(`${spec.label} field: the range "${range}" runs backwards`);
    } else {
      from = parseValue(range, spec);
      // "5/15": from 5 to the end of the field, every 15
      to = stepText === undefined ? from : spec.label === 'day-of-week' ? 6 : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(spec.label === 'day-of-week' && v === 7 ? 0 : v);
  }
  return [...values].sort((a, b) => a - b);
}

const flags = (values: number[], size: number): boolean[] => {
  const out = new Array<boolean>(size).fill(false);
  for (const v of values) out[v] = true;
  return out;
};

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const parsedCache = new Map<string, ParsedSchedule>();

function parseSchedule(expression: string): ParsedSchedule {
  const cached = parsedCache.get(expression);
  if (cached) return cached;
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`has ${fields.length} field${fields.length === 1 ? '' : 's'}; NCRONTAB needs 6: second minute hour day month day-of-week, e.g. "0 0 2 * * *"`);
  }
  let parsedFields: number[][];
  try {
    parsedFields = fields.map((f, i) => parseField(f, FIELDS[i]));
  } catch (err) {
    throw new Error(`is not valid: ${(err as Error).message}`);
  }
  const [seconds, minutes, hours, days, months, weekdays] = parsedFields;
  if (!months.some((m) => days.some((d) => d <= DAYS_IN_MONTH[m - 1]))) {
    throw new Error('never happens: no month it names has the day it names');
  }
  const times: number[] = [];
  for (const h of hours) for (const m of minutes) for (const s of seconds) times.push(h * 3600 + m * 60 + s);
  const parsed: ParsedSchedule = { times, days: flags(days, 32), months: flags(months, 13), weekdays: flags(weekdays, 7) };
  if (parsedCache.size > 500) parsedCache.clear();
  parsedCache.set(expression, parsed);
  return parsed;
}

// --- time zones ----------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC, in seconds, at an instant (epoch seconds). */
function offsetAt(timeZone: string, instant: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant * 1000))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) / 1000;
  return wall - instant;
}

/**
 * How the wall-clock times of one local day become instants. Without a transition: wall - offset.
 * With one (at instant `at`, from `before` to `after`): a time before it on the old offset keeps
 * that offset (so a repeated time is its first instant); a time on or after it on the new offset
 * takes the new one; a time neither can give (skipped) is the transition itself.
 */
interface DayClock {
  start: number;
  before: number;
  after: number;
  at: number;
}

const dayClocks = new Map<string, DayClock>();

function dayClock(timeZone: string, day: number): DayClock {
  const key = `${timeZone}|${day}`;
  let clock = dayClocks.get(key);
  if (!clock) {
    clock = readDayClock(timeZone, day);
    if (dayClocks.size >= 5000) dayClocks.clear();
    dayClocks.set(key, clock);
  }
  return clock;
}

function readDayClock(timeZone: string, day: number): DayClock {
  const start = day * DAY;
  const lo0 = start - MARGIN;
  const hi0 = start + DAY + MARGIN;
  const before = offsetAt(timeZone, lo0);
  const after = offsetAt(timeZone, hi0);
  if (before === after) return { start, before, after, at: Number.POSITIVE_INFINITY };
  let lo = lo0;
  let hi = hi0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return { start, before, after: offsetAt(timeZone, hi), at: hi };
}

function instantOf(clock: DayClock, time: number): number {
  const wall = clock.start + time;
  if (wall - clock.before < clock.at) return wall - clock.before;
  if (wall - clock.after >= clock.at) return wall - clock.after;
  return clock.at;
}

/** How many of the day's times happen at or before `limit` (instants grow with the time of day). */
function countAtOrBefore(clock: DayClock, times: number[], limit: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (instantOf(clock, times[mid]) <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const dateMatches = (s: ParsedSchedule, day: number): boolean => {
  const d = new Date(day * DAY * 1000);
  return s.months[d.getUTCMonth() + 1] && s.days[d.getUTCDate()] && s.weekdays[d.getUTCDay()];
};

// --- the job's view ------------------------------------------------------------------------------

interface Compiled {
  schedule: ParsedSchedule;
  timeZone: string;
}

function compile(job: ScheduledJob): Compiled {
  const timeZone = job.timeZone ?? 'UTC';
  const tzProblem = timeZoneProblem(timeZone);
  if (tzProblem) throw new AppError('CONFIGURATION_INVALID', `refresh job ${job.name}: time zone ${tzProblem}`);
  try {
    return { schedule: parseSchedule(job.schedule), timeZone };
  } catch (err) {
    throw new AppError('CONFIGURATION_INVALID', `refresh job ${job.name}: schedule "${job.schedule}" ${(err as Error).message}`);
  }
}

const seconds = (ms: number): number => Math.floor(ms / 1000);
const iso = (instant: number): string => new Date(instant * 1000).toISOString();
const dayOf = (instant: number): number => Math.floor(instant / DAY);

function instantArg(job: ScheduledJob, what: string, value: Date | string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('BAD_REQUEST', `refresh job ${job.name}: ${what} "${String(value)}" is not a time`);
  return ms;
}

/**
 * The slot to run now, if any: the latest occurrence of the job's schedule that is <= now and
 * after `lastScheduledFor` (or, for a job that never ran, within the last `graceMs`).
 */
export function dueRun(job: ScheduledJob, lastScheduledFor: string | undefined, now: Date, graceMs = DEFAULT_GRACE_MS): DueRun | undefined {
  const { schedule, timeZone } = compile(job);
  const nowMs = instantArg(job, 'now', now);
  const lo = seconds(lastScheduledFor === undefined ? nowMs - graceMs : instantArg(job, 'lastScheduledFor', lastScheduledFor));
  const hi = seconds(nowMs);
  if (lo >= hi || schedule.times.length === 0) return undefined;
  let latest: number | undefined;
  let count = 0;
  const skippedCounted = new Set<number>();
  for (let day = dayOf(hi + MARGIN); day >= dayOf(lo - MARGIN); day--) {
    if (!dateMatches(schedule, day)) continue;
    const clock = dayClock(timeZone, day);
    const upTo = countAtOrBefore(clock, schedule.times, hi);
    const upToLo = countAtOrBefore(clock, schedule.times, lo);
    if (upTo === upToLo) continue;
    if (latest === undefined) latest = instantOf(clock, schedule.times[upTo - 1]);
    count += upTo - upToLo;
    // the times a gap skipped are one instant (the end of the gap): count it once
    if (clock.at > lo && clock.at <= hi) {
      const atGap = countAtOrBefore(clock, schedule.times, clock.at) - countAtOrBefore(clock, schedule.times, clock.at - 1);
      if (atGap > 0) {
        count -= atGap;
        skippedCounted.add(clock.at);
      }
    }
  }
  if (latest === undefined) return undefined;
  return { scheduledFor: iso(latest), missed: count + skippedCounted.size };
}

/** The first occurrence of the job's schedule strictly after `after`, as an ISO instant (UTC). */
export function nextRun(job: ScheduledJob, after: Date): string {
  const { schedule, timeZone } = compile(job);
  const from = seconds(instantArg(job, 'after', after));
  const first = dayOf(from - MARGIN);
  for (let day = first; day <= first + SEARCH_DAYS; day++) {
    if (!dateMatches(schedule, day)) continue;
    const clock = dayClock(timeZone, day);
    const i = countAtOrBefore(clock, schedule.times, from);
    if (i < schedule.times.length) return iso(instantOf(clock, schedule.times[i]));
  }
  throw new AppError('CONFIGURATION_INVALID', `refresh job ${job.name}: schedule "${job.schedule}" has no occurrence within 400 years`);
}

/** The schedule's problem, or undefined when the job's schedule and time zone can be evaluated. */
export function scheduleProblem(job: ScheduledJob): string | undefined {
  try {
    compile(job);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
