// Comparing SQL values the way SQL Server does under a CI_AS collation: the lower-precedence side
// is converted to the other's type, strings compare case-insensitively and ignore trailing spaces,
// and anything compared with NULL is unknown (null).
import type { SqlValue } from '../tds/types';
import { convertValue } from './convert';
import { compareDec, parseDec, type Dec } from './decimal';
import { higherType, isNumericType, isStringType, type TypeInfo } from './sqlTypes';

const collator = new Intl.Collator('en', { sensitivity: 'accent' });

export function compareText(a: string, b: string): number {
  const x = a.replace(/ +$/, '');
  const y = b.replace(/ +$/, '');
  const c = collator.compare(x, y);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/** -1, 0, 1, or null when either side is NULL */
export function compareValues(a: SqlValue, ta: TypeInfo, b: SqlValue, tb: TypeInfo): number | null {
  if (a === null || b === null) return null;
  if (isStringType(ta) && isStringType(tb)) return compareText(String(a), String(b));
  const common = higherType(ta, tb);
  const x = ta.type === common.type ? a : convertValue(a, ta, common, undefined, false);
  const y = tb.type === common.type ? b : convertValue(b, tb, common, undefined, false);
  if (x === null || y === null) return null;
  return compareSameType(x, y, common);
}

function compareSameType(x: SqlValue, y: SqlValue, t: TypeInfo): number {
  if (isNumericType(t)) return compareNumbers(x, t, y, t);
  if (x instanceof Date && y instanceof Date) return Math.sign(x.getTime() - y.getTime());
  if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return Math.sign(Buffer.compare(x, y));
  if (typeof x === 'string' && typeof y === 'string') return compareText(x, y);
  return 0;
}

function toDecValue(v: SqlValue): Dec {
  if (typeof v === 'boolean') return { units: BigInt(v ? 1 : 0), scale: 0 };
  if (typeof v === 'bigint') return { units: v, scale: 0 };
  if (typeof v === 'number') return parseDec(String(v)) ?? { units: BigInt(0), scale: 0 };
  return parseDec(String(v)) ?? { units: BigInt(0), scale: 0 };
}

export function compareNumbers(x: SqlValue, tx: TypeInfo, y: SqlValue, ty: TypeInfo): number {
  if (tx.type === 'float' || ty.type === 'float') return Math.sign(Number(toNumber(x)) - Number(toNumber(y)));
  if (tx.type === 'decimal' || ty.type === 'decimal') return compareDec(toDecValue(x), toDecValue(y));
  const a = BigInt(typeof x === 'boolean' ? (x ? 1 : 0) : (x as number | bigint));
  const b = BigInt(typeof y === 'boolean' ? (y ? 1 : 0) : (y as number | bigint));
  return a < b ? -1 : a > b ? 1 : 0;
}

function toNumber(v: SqlValue): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

/** a key equal for values SQL Server treats as equal (GROUP BY, DISTINCT, UNION) */
export function groupKey(value: SqlValue, t: TypeInfo): string {
  if (value === null) return '\u0000null';
  if (isStringType(t)) return 's:' + String(value).replace(/ +$/, '').toLocaleUpperCase('en');
  if (t.type === 'decimal' || t.type === 'float' || t.type === 'int' || t.type === 'bigint' || t.type === 'smallint' || t.type === 'tinyint') {
    const d = toDecValue(typeof value === 'number' && !Number.isInteger(value) ? value.toPrecision(17) : value);
    let { units, scale } = d;
    while (scale > 0 && units % BigInt(10) === BigInt(0)) {
      units /= BigInt(10);
      scale--;
    }
    return `n:${units}e-${scale}`;
  }
  // bit arrives as a boolean from the evaluator, as 0/1 from engine tables
  if (t.type === 'bit') return value === true || value === 1 ? 'b:1' : 'b:0';
  if (value instanceof Date) return 'd:' + value.getTime();
  if (Buffer.isBuffer(value)) return 'b:' + value.toString('hex');
  return 'v:' + String(value).toUpperCase();
}
