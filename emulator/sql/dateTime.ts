// Dates and times: parsing the string forms SQL Server accepts, formatting with CONVERT styles,
// datetime's 1/300 s rounding, and the date parts of DATEADD / DATEDIFF / DATEPART. Every Date is
// read in UTC: the emulated servers run on UTC, as Azure hosts do.
import { SqlError } from '../sqlError';
import type { SqlType } from '../tds/types';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const dateConversionFailed = (): SqlError =>
  new SqlError(241, 1, 16, 'Conversion failed when converting date and/or time from character string.');

/** datetime keeps time in 1/300 s ticks: milliseconds end in 0, 3 or 7 */
export function roundToDatetime(d: Date): Date {
  const ms = d.getUTCMilliseconds();
  const rounded = Math.round(Math.round(ms * 0.3) / 0.3);
  return new Date(d.getTime() - ms + rounded);
}

export function truncateToDate(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** the value a date type holds: datetime rounds to 1/300 s, date drops the time */
export function normaliseDate(d: Date, type: SqlType): Date {
  if (type === 'datetime') return roundToDatetime(d);
  if (type === 'date') return truncateToDate(d);
  return d;
}

/** A string as SQL Server reads it into a date/time (ISO 8601, ODBC, yyyymmdd, mdy with / - .). */
export function parseDateString(text: string): Date | undefined {
  const s = text.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(.*))?$/i.exec(s);
  if (m) return build(+m[1], +m[2], +m[3], m[4]);
  m = /^(\d{4})(\d{2})(\d{2})(?:\s+(.*))?$/.exec(s);
  if (m) return build(+m[1], +m[2], +m[3], m[4]);
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+(.*))?$/.exec(s);
  if (m) return build(+m[3], +m[1], +m[2], m[4]);
  m = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:\s+(.*))?$/.exec(s);
  if (m) return build(+m[1], +m[2], +m[3], m[4]);
  m = /^([A-Za-z]{3,9})\s+(\d{1,2}),?\s+(\d{4})(?:\s+(.*))?$/.exec(s);
  if (m) {
    const month = monthFromName(m[1]);
    return month ? build(+m[3], month, +m[2], m[4]) : undefined;
  }
  m = /^(\d{1,2})\s+([A-Za-z]{3,9}),?\s+(\d{4})(?:\s+(.*))?$/.exec(s);
  if (m) {
    const month = monthFromName(m[2]);
    return month ? build(+m[3], month, +m[1], m[4]) : undefined;
  }
  if (/^\d{1,2}:\d{2}/.test(s)) return build(1900, 1, 1, s);
  return undefined;
}

function monthFromName(name: string): number | undefined {
  const i = MONTH_NAMES.findIndex((n) => n.toLowerCase().startsWith(name.toLowerCase()) && name.length >= 3);
  return i < 0 ? undefined : i + 1;
}

function build(year: number, month: number, day: number, time: string | undefined): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return undefined;
  let ms = Date.UTC(year, month - 1, day);
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (time === undefined || time.trim() === '') return new Date(ms);
  const t = /^(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?(?:[.:](\d{1,7}))?\s*(AM|PM)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(time.trim());
  if (!t) return undefined;
  let hour = +t[1];
  const minute = +(t[2] ?? 0);
  const second = +(t[3] ?? 0);
  const millis = t[4] ? Math.round(Number('0.' + t[4]) * 1000) : 0;
  if (t[5]) {
    if (hour > 12) return undefined;
    hour = (hour % 12) + (t[5].toUpperCase() === 'PM' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  ms += ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  if (t[6] && t[6].toUpperCase() !== 'Z') {
    // an explicit offset: the instant in UTC
    const sign = t[6][0] === '-' ? -1 : 1;
    const digits = t[6].slice(1).replace(':', '');
    ms -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60000;
  }
  return new Date(ms);
}

export function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function fraction(d: Date, digits: number): string {
  if (digits <= 0) return '';
  return '.' + (pad(d.getUTCMilliseconds(), 3) + '0000').slice(0, digits);
}

const ymd = (d: Date, sep = '-'): string => `${pad(d.getUTCFullYear(), 4)}${sep}${pad(d.getUTCMonth() + 1)}${sep}${pad(d.getUTCDate())}`;
const hms = (d: Date): string => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

function twelveHour(d: Date): { hour: number; suffix: string } {
  const h = d.getUTCHours();
  return { hour: h % 12 === 0 ? 12 : h % 12, suffix: h < 12 ? 'AM' : 'PM' };
}

/** digits of fractional seconds a type shows */
function fractionDigits(type: SqlType, scale: number | undefined): number {
  if (type === 'datetime') return 3;
  if (type === 'datetime2' || type === 'datetimeoffset') return scale ?? 7;
  return 0;
}

/** CONVERT(varchar, date, style); style undefined = CAST's default for the type */
export function formatDate(d: Date, type: SqlType, scale: number | undefined, style: number | undefined): string {
  const digits = fractionDigits(type, scale);
  const offset = type === 'datetimeoffset' ? ' +00:00' : '';
  const effective = style ?? (type === 'datetime' ? 0 : 121);
  switch (effective) {
    case 0:
    case 100: {
      const { hour, suffix } = twelveHour(d);
      return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.getUTCFullYear()} ${String(hour).padStart(2, ' ')}:${pad(d.getUTCMinutes())}${suffix}`;
    }
    case 109: {
      const { hour, suffix } = twelveHour(d);
      return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.getUTCFullYear()} ${String(hour).padStart(2, ' ')}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}:${pad(d.getUTCMilliseconds(), 3)}${suffix}`;
    }
    case 1:
    case 101:
      return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${effective === 1 ? pad(d.getUTCFullYear() % 100) : d.getUTCFullYear()}`;
    case 102:
      return ymd(d, '.');
    case 103:
      return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
    case 104:
      return `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
    case 110:
      return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${d.getUTCFullYear()}`;
    case 111:
      return ymd(d, '/');
    case 112:
      return ymd(d, '');
    case 8:
    case 108:
      return hms(d);
    case 113:
      return `${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${hms(d)}:${pad(d.getUTCMilliseconds(), 3)}`;
    case 23:
      return ymd(d);
    case 20:
    case 120:
      return `${ymd(d)} ${hms(d)}`;
    case 21:
    case 25:
    case 121:
      if (type === 'date') return ymd(d);
      return `${ymd(d)} ${hms(d)}${fraction(d, digits)}${offset}`;
    case 126:
    case 127: {
      if (type === 'date') return ymd(d);
      // datetime leaves out .mmm when it is zero; datetime2 always shows its scale
      const frac = type === 'datetime' && d.getUTCMilliseconds() === 0 ? '' : fraction(d, digits);
      const zone = type === 'datetimeoffset' ? (effective === 127 ? 'Z' : '+00:00') : '';
      return `${ymd(d)}T${hms(d)}${frac}${zone}`;
    }
    default:
      throw new SqlError(281, 1, 16, `${effective} is not a valid style number when converting from ${type} to a character string.`);
  }
}

export function dayName(d: Date): string {
  return DAY_NAMES[d.getUTCDay()];
}

export function monthName(d: Date): string {
  return MONTH_NAMES[d.getUTCMonth()];
}

// ---------------------------------------------------------------- date parts

export type DatePart =
  | 'year' | 'quarter' | 'month' | 'dayofyear' | 'day' | 'week' | 'weekday' | 'hour' | 'minute' | 'second'
  | 'millisecond' | 'microsecond' | 'nanosecond' | 'tzoffset' | 'iso_week';

const DATEPART_ALIASES: Record<string, DatePart> = {
  YEAR: 'year', YY: 'year', YYYY: 'year', QUARTER: 'quarter', QQ: 'quarter', Q: 'quarter', MONTH: 'month', MM: 'month',
  M: 'month', DAYOFYEAR: 'dayofyear', DY: 'dayofyear', Y: 'dayofyear', DAY: 'day', DD: 'day', D: 'day', WEEK: 'week',
  WK: 'week', WW: 'week', WEEKDAY: 'weekday', DW: 'weekday', W: 'weekday', HOUR: 'hour', HH: 'hour', MINUTE: 'minute',
  MI: 'minute', N: 'minute', SECOND: 'second', SS: 'second', S: 'second', MILLISECOND: 'millisecond', MS: 'millisecond',
  MICROSECOND: 'microsecond', MCS: 'microsecond', NANOSECOND: 'nanosecond', NS: 'nanosecond', TZOFFSET: 'tzoffset',
  TZ: 'tzoffset', ISO_WEEK: 'iso_week', ISOWK: 'iso_week', ISOWW: 'iso_week',
};

export function datePartFromName(name: string, functionName: string): DatePart {
  const part = DATEPART_ALIASES[name.toUpperCase()];
  if (!part) throw new SqlError(155, 1, 15, `'${name}' is not a recognized ${functionName.toLowerCase()} option.`);
  return part;
}

const MS_PER: Partial<Record<DatePart, number>> = {
  day: 86400000, dayofyear: 86400000, weekday: 86400000, week: 604800000, hour: 3600000, minute: 60000, second: 1000, millisecond: 1,
};

export function dateAdd(part: DatePart, amount: number, d: Date): Date {
  const n = Math.trunc(amount);
  if (part === 'year' || part === 'quarter' || part === 'month') {
    const months = part === 'year' ? n * 12 : part === 'quarter' ? n * 3 : n;
    const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
    const year = Math.floor(total / 12);
    const month0 = total - year * 12;
    const day = Math.min(d.getUTCDate(), daysInMonth(year, month0));
    const result = new Date(d.getTime());
    result.setUTCFullYear(year, month0, day);
    return result;
  }
  if (part === 'microsecond' || part === 'nanosecond') return new Date(d.getTime() + Math.trunc(n / (part === 'microsecond' ? 1000 : 1000000)));
  const unit = MS_PER[part];
  if (unit === undefined) throw new SqlError(9810, 1, 16, `The datepart ${part} is not supported by date function dateadd for data type datetime2.`);
  return new Date(d.getTime() + n * unit);
}

const DAY_MS = 86400000;

/** boundaries of `part` crossed from a to b, as SQL Server's DATEDIFF counts them */
export function dateDiff(part: DatePart, a: Date, b: Date): number {
  switch (part) {
    case 'year':
      return b.getUTCFullYear() - a.getUTCFullYear();
    case 'quarter':
      return b.getUTCFullYear() * 4 + Math.floor(b.getUTCMonth() / 3) - (a.getUTCFullYear() * 4 + Math.floor(a.getUTCMonth() / 3));
    case 'month':
      return b.getUTCFullYear() * 12 + b.getUTCMonth() - (a.getUTCFullYear() * 12 + a.getUTCMonth());
    case 'day':
    case 'dayofyear':
    case 'weekday':
      return Math.floor(b.getTime() / DAY_MS) - Math.floor(a.getTime() / DAY_MS);
    case 'week': // Sundays crossed; 1970-01-01 was a Thursday
      return Math.floor((Math.floor(b.getTime() / DAY_MS) + 4) / 7) - Math.floor((Math.floor(a.getTime() / DAY_MS) + 4) / 7);
    case 'hour':
    case 'minute':
    case 'second':
    case 'millisecond': {
      const unit = MS_PER[part] as number;
      return Math.floor(b.getTime() / unit) - Math.floor(a.getTime() / unit);
    }
    case 'microsecond':
      return (b.getTime() - a.getTime()) * 1000;
    case 'nanosecond':
      return (b.getTime() - a.getTime()) * 1000000;
    default:
      throw new SqlError(9810, 1, 16, `The datepart ${part} is not supported by date function datediff for data type datetime2.`);
  }
}

/** DATEPART with SET DATEFIRST 7 (Sunday = 1), as us_english sessions have it */
export function datePart(part: DatePart, d: Date): number {
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'quarter':
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'month':
      return d.getUTCMonth() + 1;
    case 'dayofyear':
      return dayOfYear(d);
    case 'day':
      return d.getUTCDate();
    case 'week': {
      const jan1 = new Date(Date.UTC(d.getUTCFullYear(), 0, 1)).getUTCDay();
      return Math.floor((dayOfYear(d) - 1 + jan1) / 7) + 1;
    }
    case 'weekday':
      return d.getUTCDay() + 1;
    case 'hour':
      return d.getUTCHours();
    case 'minute':
      return d.getUTCMinutes();
    case 'second':
      return d.getUTCSeconds();
    case 'millisecond':
      return d.getUTCMilliseconds();
    case 'microsecond':
      return d.getUTCMilliseconds() * 1000;
    case 'nanosecond':
      return d.getUTCMilliseconds() * 1000000;
    case 'tzoffset':
      return 0;
    case 'iso_week': {
      const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const dayNumber = (target.getUTCDay() + 6) % 7;
      target.setUTCDate(target.getUTCDate() - dayNumber + 3);
      const firstThursday = new Date(Date.UTC(target.getUTCFullYear(), 0, 4));
      return 1 + Math.round(((target.getTime() - firstThursday.getTime()) / DAY_MS - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
    }
  }
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}
