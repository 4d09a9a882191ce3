// Reading the app's own tuning settings: a bad value stops the app with the setting, its value and
// what it must be, rather than running with a guess. Light: it loads no SDK client.
import { AppError } from '../errors';
import type { Settings } from './index';

export interface WholeNumberRange {
  /** the value when the setting is unset or blank */
  fallback: number;
  min: number;
  max: number;
  /** what the number counts, for the message: 'seconds', 'milliseconds', 'days', 'instances' */
  unit: string;
}

/** A whole number from min to max, its fallback when unset; CONFIGURATION_INVALID otherwise. */
export function wholeNumberSetting(settings: Settings, name: string, { fallback, min, max, unit }: WholeNumberRange): number {
  const raw = settings[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError('CONFIGURATION_INVALID', `app setting ${name} is '${raw}'; it must be a whole number of ${unit} from ${min} to ${max} (default ${fallback})`);
  }
  return value;
}
