// Lenient conversions from the engine's SqlValue to what one wire type needs. The engine should
// already hand over the right JS type; these keep a slightly-off value from killing the connection.
import type { SqlValue } from '../types';

export function toText(value: Exclude<SqlValue, null>): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

export function toNumber(value: Exclude<SqlValue, null>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) throw new TypeError('cannot convert varbinary to a number');
  const n = Number(value);
  if (Number.isNaN(n)) throw new TypeError(`cannot convert '${value}' to a number`);
  return n;
}

export function toBigInt(value: Exclude<SqlValue, null>): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string') return BigInt(value.trim());
  throw new TypeError('cannot convert value to bigint');
}

export function toDate(value: Exclude<SqlValue, null>): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') {
    // A date/time string without a zone is read as UTC, matching how the engine stores times.
    const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim());
    const d = new Date(hasZone || !/\d:\d/.test(value) ? value : `${value.trim().replace(' ', 'T')}Z`);
    if (Number.isNaN(d.getTime())) throw new TypeError(`cannot convert '${value}' to a date`);
    return d;
  }
  throw new TypeError('cannot convert value to a date');
}

export function toBuffer(value: Exclude<SqlValue, null>): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError('cannot convert value to varbinary');
}

export function toBoolean(value: Exclude<SqlValue, null>): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return !['0', 'false', ''].includes(value.trim().toLowerCase());
  throw new TypeError('cannot convert value to bit');
}
