// String functions. Comparisons inside them (CHARINDEX, REPLACE) follow the CI_AS collation.
import { SqlError } from '../../sqlError';
import type { SqlValue } from '../../tds/types';
import { convertValue } from '../convert';
import { patternIndex } from '../like';
import { INT, isStringType, nvarchar, type TypeInfo } from '../sqlTypes';
import type { FunctionTable, ScalarFunction } from './types';

/** the argument as text (non-strings convert the way CAST(x AS nvarchar(max)) does) */
export function text(value: SqlValue, t: TypeInfo): string {
  if (typeof value === 'string' && isStringType(t)) return value;
  return String(convertValue(value, t, { type: 'nvarchar', length: -1 }));
}

/** the string type a function returns for an argument of type t */
function stringType(t: TypeInfo | undefined, length?: number): TypeInfo {
  const type = t && t.type === 'nvarchar' ? 'nvarchar' : t && t.type === 'varchar' ? 'varchar' : 'varchar';
  const max = type === 'nvarchar' ? 4000 : 8000;
  const len = length ?? (t && isStringType(t) ? t.length : 30);
  return { type, length: len === undefined || len < 0 ? -1 : Math.min(len, max) };
}

const sameString: Pick<ScalarFunction, 'resultType'> = { resultType: (t) => stringType(t[0]) };
const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const num = (v: SqlValue): number => Number(typeof v === 'boolean' ? (v ? 1 : 0) : v);

function byteLength(value: SqlValue, t: TypeInfo): number {
  if (Buffer.isBuffer(value)) return value.length;
  switch (t.type) {
    case 'nvarchar':
      return String(value).length * 2;
    case 'varchar':
      return Buffer.byteLength(String(value), 'latin1');
    case 'tinyint':
      return 1;
    case 'smallint':
      return 2;
    case 'int':
      return 4;
    case 'bigint':
    case 'float':
    case 'datetime':
      return 8;
    case 'bit':
      return 1;
    case 'date':
      return 3;
    case 'datetime2':
      return 8;
    case 'datetimeoffset':
      return 10;
    case 'uniqueidentifier':
      return 16;
    case 'decimal': {
      const p = t.precision ?? 18;
      return p <= 9 ? 5 : p <= 19 ? 9 : p <= 28 ? 13 : 17;
    }
    default:
      return String(value).length;
  }
}

const QUOTE_PAIRS: Record<string, string> = { '[': ']', ']': ']', '"': '"', "'": "'", '(': ')', ')': ')', '<': '>', '>': '>', '{': '}', '}': '}', '`': '`' };

export const STRING_FUNCTIONS: FunctionTable = {
  LEN: {
    arity: [1, 1],
    resultType: () => INT,
    evaluate: ({ args, types }) => text(args[0], types[0]).replace(/ +$/, '').length,
  },
  DATALENGTH: {
    arity: [1, 1],
    resultType: () => INT,
    evaluate: ({ args, types }) => byteLength(args[0], types[0]),
  },
  UPPER: { ...sameString, arity: [1, 1], evaluate: ({ args, types }) => text(args[0], types[0]).toUpperCase() },
  LOWER: { ...sameString, arity: [1, 1], evaluate: ({ args, types }) => text(args[0], types[0]).toLowerCase() },
  LTRIM: { ...sameString, arity: [1, 1], evaluate: ({ args, types }) => text(args[0], types[0]).replace(/^ +/, '') },
  RTRIM: { ...sameString, arity: [1, 1], evaluate: ({ args, types }) => text(args[0], types[0]).replace(/ +$/, '') },
  TRIM: { ...sameString, arity: [1, 1], evaluate: ({ args, types }) => text(args[0], types[0]).replace(/^ +| +$/g, '') },
  REVERSE: { ...sameString, arity: [1, 1], evaluate: ({ args, types }) => [...text(args[0], types[0])].reverse().join('') },
  SUBSTRING: {
    ...sameString,
    arity: [3, 3],
    evaluate: ({ args, types }) => {
      const s = text(args[0], types[0]);
      const start = num(args[1]);
      const length = num(args[2]);
      if (length < 0) throw new SqlError(537, 3, 16, 'Invalid length parameter passed to the LEFT or SUBSTRING function.');
      const from = Math.max(start, 1);
      const to = start + length; // exclusive, 1-based
      return to <= from ? '' : s.slice(from - 1, to - 1);
    },
  },
  LEFT: {
    ...sameString,
    arity: [2, 2],
    evaluate: ({ args, types }) => {
      const n = num(args[1]);
      if (n < 0) throw new SqlError(536, 1, 16, 'Invalid length parameter passed to the left function.');
      return text(args[0], types[0]).slice(0, n);
    },
  },
  RIGHT: {
    ...sameString,
    arity: [2, 2],
    evaluate: ({ args, types }) => {
      const n = num(args[1]);
      if (n < 0) throw new SqlError(536, 2, 16, 'Invalid length parameter passed to the right function.');
      const s = text(args[0], types[0]);
      return n === 0 ? '' : s.slice(-n);
    },
  },
  REPLACE: {
    arity: [3, 3],
    resultType: (t) => {
      const unicode = t.some((x) => x.type === 'nvarchar');
      return { type: unicode ? 'nvarchar' : 'varchar', length: t[0].length === -1 ? -1 : unicode ? 4000 : 8000 };
    },
    evaluate: ({ args, types }) => {
      const s = text(args[0], types[0]);
      const find = text(args[1], types[1]);
      if (find === '') return s;
      const replacement = text(args[2], types[2]);
      return s.replace(new RegExp(escapeRegex(find), 'gi'), () => replacement);
    },
  },
  CHARINDEX: {
    arity: [2, 3],
    resultType: () => INT,
    evaluate: ({ args, types }) => {
      const find = text(args[0], types[0]).toLocaleLowerCase('en');
      const s = text(args[1], types[1]).toLocaleLowerCase('en');
      const start = args.length > 2 ? Math.max(num(args[2]), 1) : 1;
      if (find === '') return 0;
      return s.indexOf(find, start - 1) + 1;
    },
  },
  PATINDEX: {
    arity: [2, 2],
    resultType: () => INT,
    evaluate: ({ args, types }) => patternIndex(text(args[0], types[0]), text(args[1], types[1])),
  },
  REPLICATE: {
    arity: [2, 2],
    resultType: (t) => stringType(t[0], -1),
    evaluate: ({ args, types }) => {
      const n = num(args[1]);
      return n < 0 ? null : text(args[0], types[0]).repeat(Math.floor(n));
    },
  },
  SPACE: {
    arity: [1, 1],
    resultType: () => ({ type: 'varchar', length: 8000 }),
    evaluate: ({ args }) => (num(args[0]) < 0 ? null : ' '.repeat(num(args[0]))),
  },
  STUFF: {
    ...sameString,
    arity: [4, 4],
    evaluate: ({ args, types }) => {
      const s = text(args[0], types[0]);
      const start = num(args[1]);
      const length = num(args[2]);
      if (start < 1 || start > s.length || length < 0) return null;
      return s.slice(0, start - 1) + (args[3] === null ? '' : text(args[3], types[3])) + s.slice(start - 1 + length);
    },
    handlesNull: true,
  },
  CONCAT: {
    arity: [2, 254],
    handlesNull: true,
    resultType: (t) => {
      const unicode = t.some((x) => x.type === 'nvarchar');
      const lengths = t.map((x) => (isStringType(x) ? (x.length ?? 30) : 30));
      const total = lengths.some((l) => l < 0) ? -1 : lengths.reduce((a, b) => a + b, 0);
      const max = unicode ? 4000 : 8000;
      return { type: unicode ? 'nvarchar' : 'varchar', length: total < 0 || total > max ? -1 : total };
    },
    evaluate: ({ args, types }) => args.map((a, i) => (a === null ? '' : text(a, types[i]))).join(''),
  },
  CONCAT_WS: {
    arity: [3, 254],
    handlesNull: true,
    resultType: (t) => ({ type: t.some((x) => x.type === 'nvarchar') ? 'nvarchar' : 'varchar', length: -1 }),
    evaluate: ({ args, types }) => {
      if (args[0] === null) return null;
      const sep = text(args[0], types[0]);
      return args.slice(1).flatMap((a, i) => (a === null ? [] : [text(a, types[i + 1])])).join(sep);
    },
  },
  QUOTENAME: {
    arity: [1, 2],
    resultType: () => nvarchar(258),
    evaluate: ({ args, types }) => {
      const s = text(args[0], types[0]);
      const open = args.length > 1 ? text(args[1], types[1]) : '[';
      // SQL Server's limit: names longer than sysname's 128 characters give NULL
      if (s.length > 128 || open.length !== 1 || !QUOTE_PAIRS[open]) return null;
      const left = open === ']' ? '[' : open === ')' ? '(' : open === '>' ? '<' : open === '}' ? '{' : open;
      const right = QUOTE_PAIRS[open];
      return left + s.split(right).join(right + right) + right;
    },
  },
  STR: {
    arity: [1, 3],
    // char(length): the length is known statically only when written as a constant
    resultType: (_t, args) => ({ type: 'varchar', length: args.length < 2 ? 10 : args[1].kind === 'literal' && typeof args[1].value === 'number' ? args[1].value : 8000 }),
    evaluate: ({ args, types }) => {
      const n = Number(convertValue(args[0], types[0], { type: 'float' }, undefined, false));
      const length = args.length > 1 ? num(args[1]) : 10;
      let places = Math.min(args.length > 2 ? num(args[2]) : 0, 16);
      if (length < 1 || length > 8000 || places < 0) return null;
      // fewer decimals until it fits; '*' * length when even the integer part does not
      let out = n.toFixed(places);
      while (out.length > length && places > 0) out = n.toFixed(--places);
      return out.length > length ? '*'.repeat(length) : out.padStart(length);
    },
  },
  ASCII: { arity: [1, 1], resultType: () => INT, evaluate: ({ args, types }) => { const s = text(args[0], types[0]); return s === '' ? null : s.charCodeAt(0) & 0xff; } },
  UNICODE: { arity: [1, 1], resultType: () => INT, evaluate: ({ args, types }) => { const s = text(args[0], types[0]); return s === '' ? null : (s.codePointAt(0) ?? null); } },
  CHAR: { arity: [1, 1], resultType: () => ({ type: 'varchar', length: 1 }), evaluate: ({ args }) => { const n = num(args[0]); return n < 0 || n > 255 ? null : String.fromCharCode(n); } },
  NCHAR: { arity: [1, 1], resultType: () => nvarchar(1), evaluate: ({ args }) => { const n = num(args[0]); return n < 0 || n > 0x10ffff ? null : String.fromCodePoint(n); } },
};
