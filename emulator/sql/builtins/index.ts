// All built-in scalar functions by upper-case name.
import { DATE_FUNCTIONS } from './dates';
import { MATH_FUNCTIONS } from './math';
import { STRING_FUNCTIONS } from './strings';
import { SYSTEM_FUNCTIONS } from './system';
import type { FunctionTable, ScalarFunction } from './types';

const BUILT_INS: FunctionTable = { ...STRING_FUNCTIONS, ...MATH_FUNCTIONS, ...DATE_FUNCTIONS, ...SYSTEM_FUNCTIONS };

export function builtInFunction(name: string): ScalarFunction | undefined {
  return Object.prototype.hasOwnProperty.call(BUILT_INS, name) ? BUILT_INS[name] : undefined;
}

export { callEngineFunction, engineFunctionType } from './system';
export type { FunctionCall, ScalarFunction } from './types';
