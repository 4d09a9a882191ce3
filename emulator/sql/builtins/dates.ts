// Date and time functions. The clock is the engine's (ctx.now()), so tests and drills can move time.
import { SqlError } from '../../sqlError';
import type { SqlValue } from '../../tds/types';
import { convertValue } from '../convert';
import { dateAdd, dateDiff, datePart, datePartFromName, dayName, daysInMonth, monthName, normaliseDate, parseDateString, roundToDatetime } from '../dateTime';
import { BIGINT, DATETIME, DATETIME2, DATETIMEOFFSET, INT, isDateType, nvarchar, type TypeInfo } from '../sqlTypes';
import type { FunctionTable } from './types';

/** the type a date argument has inside date functions: strings and numbers are read as datetime */
const dateArgType = (t: TypeInfo): TypeInfo => (isDateType(t) ? t : DATETIME);

function asDate(v: SqlValue, t: TypeInfo): Date {
  if (v instanceof Date) return v;
  return convertValue(v, t, isDateType(t) ? t : DATETIME2, undefined, false) as Date;
}

const num = (v: SqlValue): number => Number(typeof v === 'boolean' ? (v ? 1 : 0) : v);

function checkInt(n: number, fn: string): number {
  if (n > 2147483647 || n < -2147483648)
    throw new SqlError(
      535,
      0,
      16,
      `The ${fn} function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use ${fn} with a less precise datepart.`,
    );
  return n;
}

const clock = (type: TypeInfo, round: boolean): FunctionTable[string] => ({
  arity: [0, 0],
  resultType: () => type,
  evaluate: ({ ev }) => (round ? roundToDatetime(ev.ctx.now()) : new Date(ev.ctx.now().getTime())),
});

export const DATE_FUNCTIONS: FunctionTable = {
  GETDATE: clock(DATETIME, true),
  GETUTCDATE: clock(DATETIME, true),
  CURRENT_TIMESTAMP: clock(DATETIME, true),
  SYSDATETIME: clock(DATETIME2, false),
  SYSUTCDATETIME: clock(DATETIME2, false),
  SYSDATETIMEOFFSET: clock(DATETIMEOFFSET, false),
  DATEADD: {
    arity: [3, 3],
    datePart: true,
    resultType: (t) => dateArgType(t[2]),
    evaluate: ({ args, types }) => {
      const part = datePartFromName(String(args[0]), 'dateadd');
      const target = dateArgType(types[2]);
      const result = dateAdd(part, num(convertValue(args[1], types[1], INT, undefined, false)), asDate(args[2], types[2]));
      if (result.getUTCFullYear() < (target.type === 'datetime' ? 1753 : 1) || result.getUTCFullYear() > 9999)
        throw new SqlError(517, 1, 16, `Adding a value to a '${target.type}' column caused an overflow.`);
      return normaliseDate(result, target.type);
    },
  },
  DATEDIFF: {
    arity: [3, 3],
    datePart: true,
    resultType: () => INT,
    evaluate: ({ args, types }) =>
      checkInt(dateDiff(datePartFromName(String(args[0]), 'datediff'), asDate(args[1], types[1]), asDate(args[2], types[2])), 'datediff'),
  },
  DATEDIFF_BIG: {
    arity: [3, 3],
    datePart: true,
    resultType: () => BIGINT,
    evaluate: ({ args, types }) => dateDiff(datePartFromName(String(args[0]), 'datediff_big'), asDate(args[1], types[1]), asDate(args[2], types[2])),
  },
  DATEPART: {
    arity: [2, 2],
    datePart: true,
    resultType: () => INT,
    evaluate: ({ args, types }) => datePart(datePartFromName(String(args[0]), 'datepart'), asDate(args[1], types[1])),
  },
  DATENAME: {
    arity: [2, 2],
    datePart: true,
    resultType: () => nvarchar(30),
    evaluate: ({ args, types }) => {
      const part = datePartFromName(String(args[0]), 'datename');
      const d = asDate(args[1], types[1]);
      if (part === 'month') return monthName(d);
      if (part === 'weekday') return dayName(d);
      return String(datePart(part, d));
    },
  },
  YEAR: { arity: [1, 1], resultType: () => INT, evaluate: ({ args, types }) => asDate(args[0], types[0]).getUTCFullYear() },
  MONTH: { arity: [1, 1], resultType: () => INT, evaluate: ({ args, types }) => asDate(args[0], types[0]).getUTCMonth() + 1 },
  DAY: { arity: [1, 1], resultType: () => INT, evaluate: ({ args, types }) => asDate(args[0], types[0]).getUTCDate() },
  EOMONTH: {
    arity: [1, 2],
    resultType: () => ({ type: 'date' }),
    evaluate: ({ args, types }) => {
      const d = dateAdd('month', args.length > 1 ? num(args[1]) : 0, asDate(args[0], types[0]));
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), daysInMonth(d.getUTCFullYear(), d.getUTCMonth())));
    },
  },
  DATEFROMPARTS: {
    arity: [3, 3],
    resultType: () => ({ type: 'date' }),
    evaluate: ({ args }) => {
      const [y, m, d] = args.map(num);
      if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m - 1) || y < 1 || y > 9999)
        throw new SqlError(289, 1, 16, 'Cannot construct data type date, some of the arguments have values which are not valid.');
      const date = new Date(Date.UTC(2000, m - 1, d));
      date.setUTCFullYear(y);
      return date;
    },
  },
  ISDATE: {
    arity: [1, 1],
    handlesNull: true,
    resultType: () => INT,
    evaluate: ({ args }) => {
      if (args[0] instanceof Date) return 1;
      if (typeof args[0] !== 'string') return 0;
      const d = parseDateString(args[0]);
      return d && d.getUTCFullYear() >= 1753 ? 1 : 0;
    },
  },
};
