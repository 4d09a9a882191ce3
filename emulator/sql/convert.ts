// CAST / CONVERT between the emulator's types, with SQL Server's results and its errors (245, 8114,
// 8115, 241, 8169, 529). Also used for implicit conversions (comparisons, arithmetic, assignment).
import { SqlError } from '../sqlError';
import type { SqlValue } from '../tds/types';
import { dateConversionFailed, formatDate, normaliseDate, parseDateString } from './dateTime';
import { decFromNumber, decToNumber, fitDec, formatDec, parseDec, truncate, type Dec } from './decimal';
import { arithmeticOverflow } from './errors';
import { integerRange, isDateType, isIntegerType, isStringType, typeName, type TypeInfo } from './sqlTypes';

const BIGINT_MIN = BigInt('-9223372036854775808');
const BIGINT_MAX = BigInt('9223372036854775807');
const DATETIME_ZERO = Date.UTC(1900, 0, 1);
const DAY_MS = 86400000;

export const notAllowed = (from: TypeInfo, to: TypeInfo, explicit: boolean): SqlError =>
  explicit
    ? new SqlError(529, 2, 16, `Explicit conversion from data type ${typeName(from)} to ${typeName(to)} is not allowed.`)
    : new SqlError(257, 3, 16, `Implicit conversion from data type ${typeName(from)} to ${typeName(to)} is not allowed. Use the CONVERT function to run this query.`);

/** Errors TRY_CAST / TRY_CONVERT still raise: conversions that are never allowed. */
export const isDisallowedConversion = (e: unknown): boolean => e instanceof SqlError && (e.number === 529 || e.number === 257);

export function convertValue(value: SqlValue, from: TypeInfo, to: TypeInfo, style?: number, explicit = true): SqlValue {
  if (value === null) {
    // a typed NULL still obeys CAST's rules; implicit ones (assignments, CASE) just stay NULL
    if (explicit) checkAllowed(from, to, explicit);
    return null;
  }
  switch (to.type) {
    case 'varchar':
    case 'nvarchar':
      return toText(value, from, to, style);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return toInteger(value, from, to, explicit);
    case 'decimal':
      return formatDec(toDec(value, from, to, explicit));
    case 'float':
      return toFloat(value, from, to, explicit);
    case 'bit':
      return toBit(value, from, to, explicit);
    case 'datetime':
    case 'datetime2':
    case 'date':
    case 'datetimeoffset':
      return toDate(value, from, to, explicit);
    case 'uniqueidentifier':
      return toGuid(value, from, to, explicit);
    case 'varbinary':
      return toBinary(value, from, to, style, explicit);
  }
}

function checkAllowed(from: TypeInfo, to: TypeInfo, explicit: boolean): void {
  const f = from.type;
  const t = to.type;
  if (f === t || isStringType(from) || isStringType(to)) return;
  const numeric = (x: string): boolean => ['tinyint', 'smallint', 'int', 'bigint', 'bit', 'decimal', 'float'].includes(x);
  if (numeric(f) && numeric(t)) return;
  if (isDateType(from) && isDateType(to)) return;
  if (f === 'datetime' && numeric(t) && t !== 'bit') return;
  if (numeric(f) && f !== 'bit' && t === 'datetime') return;
  if (f === 'varbinary' || t === 'varbinary') {
    if (f === 'uniqueidentifier' || t === 'uniqueidentifier' || isIntegerType(from) || isIntegerType(to)) return;
  }
  throw notAllowed(from, to, explicit);
}

function describeSource(from: TypeInfo): string {
  return from.type === 'nvarchar' ? 'nvarchar' : 'varchar';
}

// ---------------------------------------------------------------- to (n)varchar

function fitLength(text: string, to: TypeInfo): string {
  return to.length === undefined || to.length < 0 ? text : text.slice(0, to.length);
}

/** numbers that do not fit the target length: varchar shows '*', nvarchar raises 8115 */
function fitNumberText(text: string, to: TypeInfo, from: TypeInfo): string {
  if (to.length === undefined || to.length < 0 || text.length <= to.length) return text;
  if (to.type === 'varchar') return '*';
  throw arithmeticOverflow(to.type, typeName(from));
}

export function formatFloat(n: number): string {
  if (n === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(n)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, exp] = n.toExponential(5).split('e');
    const trimmed = mantissa.replace(/\.?0+$/, '');
    const e = Number(exp);
    return `${trimmed}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(3, '0')}`;
  }
  return String(Number(n.toPrecision(6)));
}

function toText(value: NonNullable<SqlValue>, from: TypeInfo, to: TypeInfo, style?: number): string {
  if (typeof value === 'string') return fitLength(value, to);
  if (typeof value === 'boolean') return fitNumberText(value ? '1' : '0', to, from);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (from.type === 'float') return fitNumberText(style === 1 || style === 2 ? Number(value).toExponential(style === 1 ? 7 : 15) : formatFloat(Number(value)), to, from);
    return fitNumberText(String(value), to, from);
  }
  if (value instanceof Date) return fitLength(formatDate(value, from.type, from.scale, style), to);
  // varbinary: style 1 / 2 give hex, style 0 reinterprets the bytes as characters
  if (style === 1) return fitLength('0x' + value.toString('hex').toUpperCase(), to);
  if (style === 2) return fitLength(value.toString('hex').toUpperCase(), to);
  return fitLength(value.toString(to.type === 'nvarchar' ? 'utf16le' : 'latin1'), to);
}

// ---------------------------------------------------------------- numbers

function toInteger(value: SqlValue, from: TypeInfo, to: TypeInfo, explicit: boolean): number | bigint {
  // tinyint and smallint are int with a narrower range
  const range = integerRange(to.type);
  const isInt = range !== undefined;
  const min = range ? BigInt(range[0]) : BIGINT_MIN;
  const max = range ? BigInt(range[1]) : BIGINT_MAX;
  let big: bigint;
  if (typeof value === 'string' && isStringType(from)) {
    const text = value.trim();
    if (text !== '' && !/^[+-]?\d+$/.test(text))
      throw new SqlError(245, 1, 16, `Conversion failed when converting the ${describeSource(from)} value '${value}' to data type ${to.type}.`);
    big = text === '' ? BigInt(0) : BigInt(text);
    if (big < min || big > max) {
      // SQL Server names the narrow integer types by their storage names here
      if (to.type === 'tinyint' || to.type === 'smallint')
        throw new SqlError(244, 1, 16, `The conversion of the ${describeSource(from)} value '${value}' overflowed an ${to.type === 'tinyint' ? 'INT1' : 'INT2'} column. Use a larger integer column.`);
      throw new SqlError(248, 1, 16, `The conversion of the ${describeSource(from)} value '${value}' overflowed an ${to.type} column.`);
    }
    return narrow(big, isInt);
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw arithmeticOverflow(to.type);
    big = BigInt(Math.trunc(value));
  } else if (typeof value === 'string' && from.type === 'decimal') big = truncate(parseDec(value) as Dec, 0).units;
  else if (value instanceof Date && from.type === 'datetime') big = BigInt(Math.round((value.getTime() - DATETIME_ZERO) / DAY_MS));
  else if (Buffer.isBuffer(value)) {
    const width = to.type === 'tinyint' ? 1 : to.type === 'smallint' ? 2 : isInt ? 4 : 8;
    const bytes = Buffer.concat([Buffer.alloc(Math.max(0, width - value.length)), value.subarray(Math.max(0, value.length - width))]);
    if (width === 1) return bytes.readUInt8(0);
    if (width === 2) return bytes.readInt16BE(0);
    return isInt ? bytes.readInt32BE(0) : narrow(bytes.readBigInt64BE(0), false);
  } else throw notAllowed(from, to, explicit);
  if (big < min || big > max) throw arithmeticOverflow(to.type, from.type === 'decimal' ? 'numeric' : 'expression');
  return narrow(big, isInt);
}

/** bigint values travel as numbers when they are safe integers, as JS bigint otherwise */
export function narrow(big: bigint, isInt: boolean): number | bigint {
  if (isInt || (big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER))) return Number(big);
  return big;
}

export function toDec(value: SqlValue, from: TypeInfo, to: TypeInfo, explicit = true): Dec {
  const precision = to.precision ?? 18;
  const scale = to.scale ?? 0;
  let dec: Dec | undefined;
  let source = typeName(from);
  if (typeof value === 'string' && isStringType(from)) {
    dec = parseDec(value);
    if (!dec) throw new SqlError(8114, 5, 16, `Error converting data type ${describeSource(from)} to numeric.`);
    source = describeSource(from);
  } else if (typeof value === 'string') dec = parseDec(value);
  else if (typeof value === 'boolean') dec = { units: BigInt(value ? 1 : 0), scale: 0 };
  else if (typeof value === 'bigint') dec = { units: value, scale: 0 };
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw arithmeticOverflow('numeric', source);
    dec = Number.isInteger(value) && from.type !== 'float' ? { units: BigInt(value), scale: 0 } : decFromNumber(value, Math.max(scale, 0) + 1);
  } else if (value instanceof Date && from.type === 'datetime') dec = decFromNumber((value.getTime() - DATETIME_ZERO) / DAY_MS, scale);
  if (!dec) throw notAllowed(from, to, explicit);
  try {
    return fitDec(dec, precision, scale);
  } catch {
    throw arithmeticOverflow('numeric', source);
  }
}

function toFloat(value: SqlValue, from: TypeInfo, to: TypeInfo, explicit: boolean): number {
  if (typeof value === 'string' && isStringType(from)) {
    const text = value.trim();
    if (text === '') return 0;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new SqlError(8114, 5, 16, `Error converting data type ${describeSource(from)} to float.`);
    return Number(text);
  }
  if (typeof value === 'string') return decToNumber(parseDec(value) as Dec);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date && from.type === 'datetime') return (value.getTime() - DATETIME_ZERO) / DAY_MS;
  throw notAllowed(from, to, explicit);
}

function toBit(value: SqlValue, from: TypeInfo, to: TypeInfo, explicit: boolean): boolean {
  if (typeof value === 'string' && isStringType(from)) {
    const text = value.trim();
    if (/^true$/i.test(text)) return true;
    if (/^false$/i.test(text)) return false;
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return Number(text) !== 0;
    throw new SqlError(245, 1, 16, `Conversion failed when converting the ${describeSource(from)} value '${value}' to data type bit.`);
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== BigInt(0);
  if (typeof value === 'string') return decToNumber(parseDec(value) as Dec) !== 0;
  throw notAllowed(from, to, explicit);
}

// ---------------------------------------------------------------- dates, guids, binary

function toDate(value: SqlValue, from: TypeInfo, to: TypeInfo, explicit: boolean): Date {
  let d: Date | undefined;
  if (typeof value === 'string' && isStringType(from)) {
    d = parseDateString(value);
    if (!d) throw dateConversionFailed();
  } else if (value instanceof Date) d = value;
  else if (to.type === 'datetime' && (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string')) {
    const days = typeof value === 'string' ? decToNumber(parseDec(value) as Dec) : Number(value);
    d = new Date(DATETIME_ZERO + days * DAY_MS);
  }
  if (!d) throw notAllowed(from, to, explicit);
  const year = d.getUTCFullYear();
  if (to.type === 'datetime' && (year < 1753 || year > 9999)) {
    const source = isStringType(from) ? describeSource(from) : from.type;
    throw new SqlError(242, 3, 16, `The conversion of a ${source} data type to a datetime data type resulted in an out-of-range value.`);
  }
  if ((to.type === 'datetime2' || to.type === 'datetimeoffset') && to.scale !== undefined && to.scale < 3) {
    // fewer fractional digits than milliseconds: rounded, as SQL Server does
    const unit = 10 ** (3 - to.scale);
    return new Date(Math.round(d.getTime() / unit) * unit);
  }
  return normaliseDate(d, to.type);
}

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?/i;

function toGuid(value: SqlValue, from: TypeInfo, to: TypeInfo, explicit: boolean): string {
  if (typeof value === 'string' && isStringType(from)) {
    const m = GUID.exec(value.trim());
    if (!m) throw new SqlError(8169, 2, 16, 'Conversion failed when converting from a character string to uniqueidentifier.');
    return m[1].toUpperCase();
  }
  if (typeof value === 'string' && from.type === 'uniqueidentifier') return value.toUpperCase();
  if (Buffer.isBuffer(value) && value.length >= 16) {
    // SQL Server's byte order: the first three groups little-endian
    const b = value;
    const hex = (bytes: number[]): string => bytes.map((i) => b[i].toString(16).padStart(2, '0')).join('');
    return `${hex([3, 2, 1, 0])}-${hex([5, 4])}-${hex([7, 6])}-${hex([8, 9])}-${hex([10, 11, 12, 13, 14, 15])}`.toUpperCase();
  }
  throw notAllowed(from, to, explicit);
}

function toBinary(value: SqlValue, from: TypeInfo, to: TypeInfo, style: number | undefined, explicit: boolean): Buffer {
  let bytes: Buffer;
  if (typeof value === 'string' && isStringType(from)) {
    if (style === 1 || style === 2) {
      const hex = style === 1 ? value.replace(/^0x/i, '') : value;
      if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) throw new SqlError(8114, 5, 16, `Error converting data type ${describeSource(from)} to varbinary.`);
      bytes = Buffer.from(hex, 'hex');
    } else bytes = Buffer.from(value, from.type === 'nvarchar' ? 'utf16le' : 'latin1');
  } else if (Buffer.isBuffer(value)) bytes = value;
  else if (typeof value === 'number' && from.type === 'tinyint') bytes = Buffer.from([value & 0xff]);
  else if (typeof value === 'number' && from.type === 'smallint') {
    bytes = Buffer.alloc(2);
    bytes.writeInt16BE(value);
  } else if (typeof value === 'number' && from.type === 'int') {
    bytes = Buffer.alloc(4);
    bytes.writeInt32BE(value);
  } else if ((typeof value === 'number' || typeof value === 'bigint') && from.type === 'bigint') {
    bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value));
  } else if (typeof value === 'string' && from.type === 'uniqueidentifier') {
    const h = value.replace(/-/g, '');
    const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    bytes = Buffer.from(order.map((i) => parseInt(h.slice(i * 2, i * 2 + 2), 16)));
  } else throw notAllowed(from, to, explicit);
  return to.length === undefined || to.length < 0 ? bytes : bytes.subarray(0, to.length);
}

/** the value a variable or column of type `to` holds after an assignment from `from` */
export function assignValue(value: SqlValue, from: TypeInfo, to: TypeInfo): SqlValue {
  return convertValue(value, from, to, undefined, false);
}
