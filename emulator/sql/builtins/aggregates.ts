// Aggregate functions over the rows of a group: COUNT, COUNT_BIG, SUM, AVG, MIN, MAX, STRING_AGG.
import { SqlError } from '../../sqlError';
import type { SqlValue } from '../../tds/types';
import { compareValues, groupKey } from '../compare';
import { narrow } from '../convert';
import { decArithmetic, fitDec, formatDec, parseDec, type Dec } from '../decimal';
import { arithmeticOverflow } from '../errors';
import { BIGINT, decimal, FLOAT, INT, isStringType, type TypeInfo } from '../sqlTypes';

const AGGREGATES = new Set(['COUNT', 'COUNT_BIG', 'SUM', 'AVG', 'MIN', 'MAX', 'STRING_AGG']);

export const isAggregate = (name: string): boolean => AGGREGATES.has(name);

export function aggregateType(name: string, arg: TypeInfo): TypeInfo {
  switch (name) {
    case 'STRING_AGG': {
      // (n)varchar(max) stays MAX; anything else is nvarchar(4000) / varchar(8000)
      const unicode = arg.type === 'nvarchar' || !isStringType(arg);
      return { type: unicode ? 'nvarchar' : 'varchar', length: arg.length === -1 ? -1 : unicode ? 4000 : 8000 };
    }
    case 'COUNT':
      return INT;
    case 'COUNT_BIG':
      return BIGINT;
    case 'MIN':
    case 'MAX':
      return arg;
    case 'SUM':
    case 'AVG':
      if (arg.type === 'int' || arg.type === 'bigint') return arg;
      // SUM/AVG of tinyint and smallint return int
      if (arg.type === 'tinyint' || arg.type === 'smallint') return INT;
      if (arg.type === 'bit' || isStringType(arg) || arg.type === 'uniqueidentifier' || arg.type === 'varbinary' || arg.type === 'date' || arg.type.startsWith('datetime'))
        throw new SqlError(8117, 1, 16, `Operand data type ${arg.type} is invalid for ${name.toLowerCase()} operator.`);
      if (arg.type === 'decimal') return decimal(38, name === 'AVG' ? Math.max(arg.scale ?? 0, 6) : (arg.scale ?? 0));
      return FLOAT;
  }
  return arg;
}

const toDec = (v: SqlValue): Dec =>
  typeof v === 'number' && Number.isInteger(v) ? { units: BigInt(v), scale: 0 } : typeof v === 'bigint' ? { units: v, scale: 0 } : (parseDec(String(v)) as Dec);

/** the aggregate of `values` (one per row, already evaluated; COUNT(*) passes 1 for every row) */
export function aggregate(name: string, values: SqlValue[], arg: TypeInfo, distinct: boolean): SqlValue {
  let present = values.filter((v) => v !== null);
  if (distinct) {
    const seen = new Set<string>();
    present = present.filter((v) => {
      const key = groupKey(v, arg);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  const result = aggregateType(name, arg);
  switch (name) {
    case 'COUNT':
      return present.length;
    case 'COUNT_BIG':
      return present.length;
    case 'MIN':
    case 'MAX': {
      let best: SqlValue = null;
      for (const v of present) {
        const c = best === null ? 0 : (compareValues(v, arg, best, arg) ?? 0);
        if (best === null || (name === 'MIN' ? c < 0 : c > 0)) best = v;
      }
      return best;
    }
  }
  if (present.length === 0) return null;
  if (result.type === 'float') {
    const sum = present.reduce<number>((a, v) => a + Number(v), 0);
    return name === 'AVG' ? sum / present.length : sum;
  }
  let sum: Dec = { units: BigInt(0), scale: result.type === 'decimal' ? (arg.scale ?? 0) : 0 };
  for (const v of present) sum = decArithmetic('+', sum, toDec(v), sum.scale);
  if (name === 'AVG') {
    const count: Dec = { units: BigInt(present.length), scale: 0 };
    if (result.type === 'decimal') return formatDec(fitDec(decArithmetic('/', sum, count, result.scale ?? 6), 38, result.scale ?? 6));
    // integer AVG truncates, as integer division does
    sum = { units: sum.units / BigInt(present.length), scale: 0 };
  }
  if (result.type === 'decimal') return formatDec(fitDec(sum, 38, result.scale ?? 0));
  const limit = result.type === 'int' ? BigInt(2147483647) : BigInt('9223372036854775807');
  if (sum.units > limit || sum.units < -limit - BigInt(1)) throw arithmeticOverflow(result.type);
  return narrow(sum.units, result.type === 'int');
}
