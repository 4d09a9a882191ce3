// Exact decimal arithmetic for DECIMAL/NUMERIC values, which travel as strings ("12.50"): a value
// is an integer count of 10^-scale units, kept in a bigint so nothing is lost to floating point.
import { arithmeticOverflow, divideByZero } from './errors';

export interface Dec {
  units: bigint;
  scale: number;
}

const TEN = BigInt(10);
const pow10 = (n: number): bigint => TEN ** BigInt(n);

export function parseDec(text: string): Dec | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = m[3] ?? '';
  const units = BigInt((m[2] || '0') + fraction);
  return { units: m[1] === '-' ? -units : units, scale: fraction.length };
}

export function formatDec(d: Dec): string {
  const negative = d.units < BigInt(0);
  let digits = (negative ? -d.units : d.units).toString();
  if (d.scale > 0) {
    digits = digits.padStart(d.scale + 1, '0');
    digits = digits.slice(0, digits.length - d.scale) + '.' + digits.slice(digits.length - d.scale);
  }
  return (negative ? '-' : '') + digits;
}

/** to another scale, rounding half away from zero when digits are dropped */
export function rescale(d: Dec, scale: number): Dec {
  if (scale === d.scale) return d;
  if (scale > d.scale) return { units: d.units * pow10(scale - d.scale), scale };
  return { units: divRound(d.units, pow10(d.scale - scale)), scale };
}

/** truncation toward zero (for CAST of a decimal to int) */
export function truncate(d: Dec, scale: number): Dec {
  if (scale >= d.scale) return rescale(d, scale);
  return { units: d.units / pow10(d.scale - scale), scale };
}

function divRound(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r = num % den;
  const zero = BigInt(0);
  const twice = (r < zero ? -r : r) * BigInt(2);
  if (twice >= (den < zero ? -den : den)) return (num < zero) !== (den < zero) ? q - BigInt(1) : q + BigInt(1);
  return q;
}

export function decFromNumber(n: number, scale: number): Dec {
  const fixed = Math.abs(n) < 1e21 ? n.toFixed(Math.min(scale, 100)) : BigInt(Math.trunc(n)).toString();
  return rescale(parseDec(fixed) as Dec, scale);
}

export const decToNumber = (d: Dec): number => Number(formatDec(d));

/** digits left of the decimal point (0.5 has none) */
export function integralDigits(d: Dec): number {
  const whole = (d.units < BigInt(0) ? -d.units : d.units) / pow10(d.scale);
  return whole === BigInt(0) ? 0 : whole.toString().length;
}

/** checks that d fits decimal(precision, scale) after rounding to that scale */
export function fitDec(d: Dec, precision: number, scale: number): Dec {
  const r = rescale(d, scale);
  if (integralDigits(r) > precision - scale) throw arithmeticOverflow('numeric');
  return r;
}

export type DecOp = '+' | '-' | '*' | '/' | '%';

/** a op b, rounded to resultScale */
export function decArithmetic(op: DecOp, a: Dec, b: Dec, resultScale: number): Dec {
  const zero = BigInt(0);
  switch (op) {
    case '+':
    case '-': {
      const s = Math.max(a.scale, b.scale);
      const x = rescale(a, s).units;
      const y = rescale(b, s).units;
      return rescale({ units: op === '+' ? x + y : x - y, scale: s }, resultScale);
    }
    case '*':
      return rescale({ units: a.units * b.units, scale: a.scale + b.scale }, resultScale);
    case '/': {
      if (b.units === zero) throw divideByZero();
      const num = a.units * pow10(b.scale + resultScale);
      const den = b.units * pow10(a.scale);
      return { units: divRound(num, den), scale: resultScale };
    }
    case '%': {
      if (b.units === zero) throw divideByZero();
      const s = Math.max(a.scale, b.scale);
      return rescale({ units: rescale(a, s).units % rescale(b, s).units, scale: s }, resultScale);
    }
  }
}

export function compareDec(a: Dec, b: Dec): number {
  const s = Math.max(a.scale, b.scale);
  const x = rescale(a, s).units;
  const y = rescale(b, s).units;
  return x < y ? -1 : x > y ? 1 : 0;
}
