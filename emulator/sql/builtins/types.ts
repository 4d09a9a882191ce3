// The shape of a built-in scalar function: its arity, its result type (from its argument types)
// and its evaluation over already-evaluated arguments.
import type { SqlValue } from '../../tds/types';
import type { Expr } from '../ast';
import type { Evaluator } from '../scope';
import type { TypeInfo } from '../sqlTypes';

export interface FunctionCall {
  ev: Evaluator;
  name: string;
  args: SqlValue[];
  types: TypeInfo[];
}

export interface ScalarFunction {
  /** [min, max] argument count */
  arity: [number, number];
  /** the first argument is a date part keyword (DATEADD(day, ...)), passed as a string */
  datePart?: boolean;
  /** true: sees NULL arguments; otherwise any NULL argument makes the result NULL */
  handlesNull?: boolean;
  resultType(types: TypeInfo[], args: Expr[]): TypeInfo;
  evaluate(call: FunctionCall): SqlValue;
}

export type FunctionTable = Record<string, ScalarFunction>;
