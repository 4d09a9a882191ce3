// Numeric functions. Exact types stay exact: ROUND/FLOOR/CEILING of a decimal work on its digits.
import type { SqlValue } from '../../tds/types';
import { convertValue, narrow } from '../convert';
import { decFromNumber, formatDec, parseDec, rescale, type Dec } from '../decimal';
import { arithmeticOverflow } from '../errors';
import { decimal, FLOAT, INT, integerRange, isNumericType, isStringType, type TypeInfo } from '../sqlTypes';
import type { FunctionTable } from './types';

/** numeric functions take strings as float, as SQL Server's implicit conversion does */
function numericType(t: TypeInfo): TypeInfo {
  if (t.type === 'bit') return INT;
  return isNumericType(t) ? t : FLOAT;
}

function asNumber(v: SqlValue, t: TypeInfo): number {
  return Number(convertValue(v, t, FLOAT, undefined, false));
}

function asDec(v: SqlValue, t: TypeInfo): Dec {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return { units: BigInt(v), scale: 0 };
  if (typeof v === 'number') return decFromNumber(v, 15);
  if (typeof v === 'boolean') return { units: BigInt(v ? 1 : 0), scale: 0 };
  return parseDec(String(isStringType(t) ? convertValue(v, t, FLOAT) : v)) as Dec;
}

function fromDec(d: Dec, t: TypeInfo): SqlValue {
  if (t.type === 'decimal') return formatDec(rescale(d, t.scale ?? 0));
  const big = rescale(d, 0).units;
  const range = integerRange(t.type);
  if (range && (big > BigInt(range[1]) || big < BigInt(range[0]))) throw arithmeticOverflow(t.type);
  return narrow(big, range !== undefined);
}

const ONE = BigInt(1);
const ZERO = BigInt(0);
const pow10 = (n: number): bigint => BigInt(10) ** BigInt(n);

/** rounds (or truncates) d to `places` decimals (negative: tens, hundreds ...), keeping its scale */
function roundDec(d: Dec, places: number, truncateOnly: boolean): Dec {
  if (places >= d.scale) return d;
  const factor = pow10(d.scale - places);
  let q = d.units / factor;
  const r = d.units % factor;
  if (!truncateOnly && (r < ZERO ? -r : r) * BigInt(2) >= factor) q += d.units < ZERO ? -ONE : ONE;
  return { units: q * factor, scale: d.scale };
}

function floorDec(d: Dec, up: boolean): Dec {
  const factor = pow10(d.scale);
  let q = d.units / factor;
  const r = d.units % factor;
  if (r !== ZERO && (up ? d.units > ZERO : d.units < ZERO)) q += up ? ONE : -ONE;
  return { units: q, scale: 0 };
}

const floatFn = (f: (x: number, y?: number) => number, arity: [number, number] = [1, 1]): FunctionTable[string] => ({
  arity,
  resultType: () => FLOAT,
  evaluate: ({ args, types }) => f(asNumber(args[0], types[0]), args.length > 1 ? asNumber(args[1], types[1]) : undefined),
});

export const MATH_FUNCTIONS: FunctionTable = {
  ABS: {
    arity: [1, 1],
    resultType: (t) => numericType(t[0]),
    evaluate: ({ args, types }) => {
      const t = numericType(types[0]);
      if (t.type === 'float') return Math.abs(asNumber(args[0], types[0]));
      const d = asDec(args[0], types[0]);
      return fromDec({ units: d.units < ZERO ? -d.units : d.units, scale: d.scale }, t);
    },
  },
  SIGN: {
    arity: [1, 1],
    resultType: (t) => numericType(t[0]),
    evaluate: ({ args, types }) => {
      const t = numericType(types[0]);
      const s = Math.sign(asNumber(args[0], types[0]));
      return t.type === 'float' ? s : fromDec({ units: BigInt(s), scale: 0 }, t);
    },
  },
  ROUND: {
    arity: [2, 3],
    resultType: (t) => {
      const n = numericType(t[0]);
      return n.type === 'decimal' ? decimal(Math.min((n.precision ?? 18) + 1, 38), n.scale ?? 0) : n;
    },
    evaluate: ({ args, types }) => {
      const t = numericType(types[0]);
      const places = Math.trunc(asNumber(args[1], types[1]));
      const truncateOnly = args.length > 2 && asNumber(args[2], types[2]) !== 0;
      if (t.type === 'float') {
        const x = asNumber(args[0], types[0]);
        const f = 10 ** places;
        const scaled = x * f;
        return (truncateOnly ? Math.trunc(scaled) : Math.sign(scaled) * Math.round(Math.abs(scaled))) / f;
      }
      const target = t.type === 'decimal' ? decimal(Math.min((t.precision ?? 18) + 1, 38), t.scale ?? 0) : t;
      return fromDec(roundDec(asDec(args[0], types[0]), places, truncateOnly), target);
    },
  },
  FLOOR: {
    arity: [1, 1],
    resultType: (t) => (t[0].type === 'decimal' ? decimal(t[0].precision ?? 18, 0) : numericType(t[0])),
    evaluate: ({ args, types }) => {
      const t = numericType(types[0]);
      if (t.type === 'float') return Math.floor(asNumber(args[0], types[0]));
      return fromDec(floorDec(asDec(args[0], types[0]), false), t.type === 'decimal' ? decimal(t.precision ?? 18, 0) : t);
    },
  },
  CEILING: {
    arity: [1, 1],
    resultType: (t) => (t[0].type === 'decimal' ? decimal(t[0].precision ?? 18, 0) : numericType(t[0])),
    evaluate: ({ args, types }) => {
      const t = numericType(types[0]);
      if (t.type === 'float') return Math.ceil(asNumber(args[0], types[0]));
      return fromDec(floorDec(asDec(args[0], types[0]), true), t.type === 'decimal' ? decimal(t.precision ?? 18, 0) : t);
    },
  },
  POWER: {
    arity: [2, 2],
    resultType: (t) => numericType(t[0]),
    evaluate: ({ args, types }) => {
      const t = numericType(types[0]);
      const value = asNumber(args[0], types[0]) ** asNumber(args[1], types[1]);
      if (t.type === 'float') return value;
      return convertValue(value, FLOAT, t, undefined, false);
    },
  },
  SQRT: floatFn((x) => Math.sqrt(x)),
  SQUARE: floatFn((x) => x * x),
  EXP: floatFn((x) => Math.exp(x)),
  LOG10: floatFn((x) => Math.log10(x)),
  LOG: floatFn((x, base) => (base === undefined ? Math.log(x) : Math.log(x) / Math.log(base)), [1, 2]),
  PI: { arity: [0, 0], resultType: () => FLOAT, evaluate: () => Math.PI },
  RAND: { arity: [0, 1], resultType: () => FLOAT, handlesNull: true, evaluate: () => Math.random() },
};
