// Arithmetic operators with SQL Server's typing: integer arithmetic stays integer (and overflows
// with 8115), decimals keep exact precision/scale, float is float, `+` on two strings concatenates,
// and a string meeting a number is converted to the number's type (245 when it is not one).
import { SqlError } from '../sqlError';
import type { SqlValue } from '../tds/types';
import { convertValue, narrow } from './convert';
import { decArithmetic, decFromNumber, fitDec, formatDec, parseDec, type Dec, type DecOp } from './decimal';
import { arithmeticOverflow, divideByZero } from './errors';
import {
  asDecimalType,
  BIGINT,
  decimal,
  FLOAT,
  INT,
  integerRange,
  isDateType,
  isIntegerType,
  isNumericType,
  isStringType,
  type TypeInfo,
} from './sqlTypes';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^';

const OPERATOR_NAMES: Record<ArithmeticOp, string> = {
  '+': 'add',
  '-': 'subtract',
  '*': 'multiply',
  '/': 'divide',
  '%': 'modulo',
  '&': 'boolean AND',
  '|': 'boolean OR',
  '^': 'boolean XOR',
};

const invalidOperand = (t: TypeInfo, op: ArithmeticOp): SqlError =>
  new SqlError(8117, 1, 16, `Operand data type ${t.type} is invalid for ${OPERATOR_NAMES[op]} operator.`);

const DAY_MS = 86400000;
const DATETIME_ZERO = Date.UTC(1900, 0, 1);

/** the static type of `l op r` */
export function arithmeticType(op: ArithmeticOp, l: TypeInfo, r: TypeInfo): TypeInfo {
  if (isStringType(l) && isStringType(r)) {
    if (op !== '+') throw invalidOperand(l, op);
    const unicode = l.type === 'nvarchar' || r.type === 'nvarchar';
    const max = unicode ? 4000 : 8000;
    const a = l.length ?? 30;
    const b = r.length ?? 30;
    const length = a < 0 || b < 0 ? -1 : Math.min(a + b, max);
    return { type: unicode ? 'nvarchar' : 'varchar', length };
  }
  if (isDateType(l) || isDateType(r)) {
    // only datetime supports + and - with numbers (days) and with another datetime
    const date = isDateType(l) ? l : r;
    if (date.type !== 'datetime' || (op !== '+' && op !== '-')) throw invalidOperand(date, op);
    return date;
  }
  for (const t of [l, r]) if (t.type === 'uniqueidentifier' || t.type === 'varbinary') throw invalidOperand(t, op);
  // a string operand takes the numeric side's type
  const left = isStringType(l) ? r : l;
  const right = isStringType(r) ? l : r;
  if (op === '&' || op === '|' || op === '^') {
    for (const t of [left, right]) if (!isIntegerType(t)) throw invalidOperand(t, op);
    if (left.type === 'bit' && right.type === 'bit') return left;
    return integerResult(left, right);
  }
  if (left.type === 'float' || right.type === 'float') {
    if (op === '%') throw invalidOperand(FLOAT, op);
    return FLOAT;
  }
  if (left.type === 'decimal' || right.type === 'decimal') return decimalResult(op, asDecimalType(left), asDecimalType(right));
  return integerResult(left, right);
}

/** integers meet as the higher type (tinyint + tinyint stays tinyint and overflows past 255); bit counts as int */
function integerResult(l: TypeInfo, r: TypeInfo): TypeInfo {
  if (l.type === 'bigint' || r.type === 'bigint') return BIGINT;
  const narrow = (t: TypeInfo): boolean => t.type === 'tinyint' || t.type === 'smallint';
  if (narrow(l) && narrow(r)) return l.type === 'smallint' || r.type === 'smallint' ? { type: 'smallint' } : { type: 'tinyint' };
  if (narrow(l) && r.type === 'bit') return l;
  if (narrow(r) && l.type === 'bit') return r;
  return INT;
}

/** SQL Server's precision/scale rules for decimal results, capped at 38 digits */
function decimalResult(op: ArithmeticOp, a: { precision: number; scale: number }, b: { precision: number; scale: number }): TypeInfo {
  const { precision: p1, scale: s1 } = a;
  const { precision: p2, scale: s2 } = b;
  let p: number;
  let s: number;
  switch (op) {
    case '*':
      p = p1 + p2 + 1;
      s = s1 + s2;
      break;
    case '/':
      s = Math.max(6, s1 + p2 + 1);
      p = p1 - s1 + s2 + s;
      break;
    case '%':
      s = Math.max(s1, s2);
      p = Math.min(p1 - s1, p2 - s2) + s;
      break;
    default:
      s = Math.max(s1, s2);
      p = Math.max(p1 - s1, p2 - s2) + s + 1;
  }
  if (p > 38) {
    const integral = p - s;
    s = Math.max(Math.min(s, 38 - integral), Math.min(s, 6));
    p = 38;
  }
  return decimal(p, s);
}

function toDecOperand(v: SqlValue, t: TypeInfo, other: TypeInfo): Dec {
  if (isStringType(t)) return toDecOperand(convertValue(v, t, other.type === 'decimal' ? decimal(38, other.scale ?? 0) : other, undefined, false), other, other);
  if (typeof v === 'boolean') return { units: BigInt(v ? 1 : 0), scale: 0 };
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return { units: BigInt(v), scale: 0 };
  // engines may hand decimals over as JS numbers
  if (typeof v === 'number') return decFromNumber(v, 15);
  return parseDec(String(v)) as Dec;
}

function toBig(v: SqlValue, t: TypeInfo, other: TypeInfo): bigint {
  if (isStringType(t)) return toBig(convertValue(v, t, other, undefined, false), other, other);
  if (typeof v === 'boolean') return BigInt(v ? 1 : 0);
  return BigInt(v as number | bigint);
}

function toFloat(v: SqlValue, t: TypeInfo): number {
  return Number(convertValue(v, t, FLOAT, undefined, false));
}

export function evaluateArithmetic(op: ArithmeticOp, a: SqlValue, ta: TypeInfo, b: SqlValue, tb: TypeInfo): SqlValue {
  const result = arithmeticType(op, ta, tb);
  if (a === null || b === null) return null;
  if (isStringType(ta) && isStringType(tb)) {
    // non-MAX concatenation stops at 8000 bytes (4000 characters for nvarchar), as SQL Server's does
    const joined = String(a) + String(b);
    return result.length !== undefined && result.length >= 0 ? joined.slice(0, result.length) : joined;
  }
  if (isDateType(result)) return dateArithmetic(op, a, ta, b, tb);
  const numericOther = (t: TypeInfo, o: TypeInfo): TypeInfo => (isStringType(t) && isNumericType(o) ? o : t);
  const la = numericOther(ta, tb);
  const lb = numericOther(tb, ta);
  switch (result.type) {
    case 'float': {
      const x = toFloat(a, ta);
      const y = toFloat(b, tb);
      if (op === '/' && y === 0) throw divideByZero();
      const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
      if (!Number.isFinite(r)) throw arithmeticOverflow('float');
      return r;
    }
    case 'decimal': {
      const r = decArithmetic(op as DecOp, toDecOperand(a, ta, la), toDecOperand(b, tb, lb), result.scale ?? 0);
      return formatDec(fitDec(r, result.precision ?? 38, result.scale ?? 0));
    }
    case 'bit': {
      const x = a === true || a === 1;
      const y = b === true || b === 1;
      return op === '&' ? x && y : op === '|' ? x || y : x !== y;
    }
    default: {
      const x = toBig(a, ta, la);
      const y = toBig(b, tb, lb);
      const zero = BigInt(0);
      let r: bigint;
      switch (op) {
        case '+': r = x + y; break;
        case '-': r = x - y; break;
        case '*': r = x * y; break;
        case '/':
          if (y === zero) throw divideByZero();
          r = x / y;
          break;
        case '%':
          if (y === zero) throw divideByZero();
          r = x % y;
          break;
        case '&': r = x & y; break;
        case '|': r = x | y; break;
        default: r = x ^ y;
      }
      const range = integerRange(result.type);
      const [min, max] = range ? [BigInt(range[0]), BigInt(range[1])] : [-BigInt('9223372036854775808'), BigInt('9223372036854775807')];
      if (r > max || r < min) throw arithmeticOverflow(result.type);
      return narrow(r, range !== undefined);
    }
  }
}

function dateArithmetic(op: ArithmeticOp, a: SqlValue, ta: TypeInfo, b: SqlValue, tb: TypeInfo): Date {
  const ms = (v: SqlValue, t: TypeInfo): number => {
    if (v instanceof Date) return v.getTime() - DATETIME_ZERO;
    if (isStringType(t)) return (convertValue(v, t, { type: 'datetime' }, undefined, false) as Date).getTime() - DATETIME_ZERO;
    return toFloat(v, t) * DAY_MS;
  };
  const total = op === '+' ? ms(a, ta) + ms(b, tb) : ms(a, ta) - ms(b, tb);
  return new Date(DATETIME_ZERO + total);
}

/** unary minus / plus / bitwise not */
export function unaryType(op: '-' | '+' | '~', t: TypeInfo): TypeInfo {
  if (op === '~') {
    if (!isIntegerType(t)) throw new SqlError(8117, 1, 16, `Operand data type ${t.type} is invalid for ~ operator.`);
    return t;
  }
  if (isStringType(t) || !isNumericType(t)) {
    if (op === '+' && isStringType(t)) return t;
    throw new SqlError(8117, 1, 16, `Operand data type ${t.type} is invalid for ${op === '-' ? 'minus' : 'plus'} operator.`);
  }
  return t.type === 'bit' ? INT : t;
}

export function evaluateUnary(op: '-' | '+' | '~', v: SqlValue, t: TypeInfo): SqlValue {
  const result = unaryType(op, t);
  if (v === null || op === '+') return v;
  if (op === '~') {
    if (typeof v === 'boolean') return !v;
    const bits = ~BigInt(v as number | bigint);
    // ~ on a tinyint stays in 0..255
    return narrow(t.type === 'tinyint' ? bits & BigInt(0xff) : bits, integerRange(t.type) !== undefined);
  }
  switch (result.type) {
    case 'float':
      return -Number(v);
    case 'decimal': {
      const d = parseDec(String(v)) as Dec;
      return formatDec({ units: -d.units, scale: d.scale });
    }
    default: {
      const r = -BigInt(typeof v === 'boolean' ? (v ? 1 : 0) : (v as number | bigint));
      const range = integerRange(result.type);
      const [min, max] = range ? [BigInt(range[0]), BigInt(range[1])] : [-BigInt('9223372036854775808'), BigInt('9223372036854775807')];
      if (r > max || r < min) throw arithmeticOverflow(result.type);
      return narrow(r, range !== undefined);
    }
  }
}

