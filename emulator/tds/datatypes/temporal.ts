// Shared date/time arithmetic for DATE, TIME, DATETIME2, DATETIMEOFFSET and DATETIME.
// All values are UTC: the engine stores instants, tedious reads them back with useUTC (its default).
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';

export const MS_PER_DAY = 86_400_000;
/** Days from 0001-01-01 (the DATE/DATETIME2 epoch) to 1970-01-01. */
export const DAYS_0001_TO_1970 = 719_162;
/** Days from 1900-01-01 (the DATETIME epoch) to 1970-01-01. */
export const DAYS_1900_TO_1970 = 25_567;
export const DEFAULT_TIME_SCALE = 7;

/** Bytes of a TIME part for a fractional-seconds scale (MS-TDS 2.2.5.5.1.8). */
export function timeLength(scale: number): number {
  if (scale <= 2) return 3;
  if (scale <= 4) return 4;
  return 5;
}

export function clampScale(scale: number | undefined): number {
  if (scale === undefined || !Number.isInteger(scale)) return DEFAULT_TIME_SCALE;
  return Math.min(7, Math.max(0, scale));
}

/** An instant as (days since 0001-01-01, time of day in 10^-scale seconds), rounding at the scale. */
export function splitInstant(date: Date, scale: number): { days: number; units: number } {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new TypeError('invalid date');
  let days = Math.floor(ms / MS_PER_DAY) + DAYS_0001_TO_1970;
  const msOfDay = ms - Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
  let units = scale >= 3 ? msOfDay * 10 ** (scale - 3) : Math.round((msOfDay * 10 ** scale) / 1000);
  const perDay = 86_400 * 10 ** scale;
  if (units >= perDay) {
    units -= perDay;
    days += 1;
  }
  return { days, units };
}

export function joinInstant(days: number, units: number, scale: number): Date {
  const msOfDay = scale >= 3 ? Math.floor(units / 10 ** (scale - 3)) : (units * 1000) / 10 ** scale;
  return new Date((days - DAYS_0001_TO_1970) * MS_PER_DAY + msOfDay);
}

export function writeTimeUnits(w: ByteWriter, units: number, scale: number): void {
  w.uintLE(units, timeLength(scale));
}

export function writeDays(w: ByteWriter, days: number): void {
  w.uintLE(days, 3);
}

export function readTimeUnits(r: ByteReader, scale: number): number {
  return r.uintLE(timeLength(scale));
}

export function readDays(r: ByteReader): number {
  return r.uintLE(3);
}
