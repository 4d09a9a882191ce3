// A T-SQL statement built from fixed text and values. The same statement renders two ways:
// with bound parameters (for sp_executesql, the normal path) or with every value quoted as a
// literal (for the few places that take no parameters: SQL Agent job steps, CREATE CREDENTIAL).
import { quoteLiteral, quoteName } from './quote';

export type SqlParamType = 'nvarchar' | 'int' | 'bigint' | 'bit';

export interface SqlParam {
  name: string;
  type: SqlParamType;
  value: string | number | boolean | null;
}

type Fragment =
  | { text: string }
  /** a value: bound as @name, or quoted as an identifier / string literal / number */
  | { param: string; value: string; as: 'identifier' | 'string' }
  | { param: string; value: number; as: 'int' };

export class Statement {
  private constructor(private readonly fragments: Fragment[]) {}

  static build(parts: (string | Fragment)[]): Statement {
    return new Statement(parts.map((p) => (typeof p === 'string' ? { text: p } : p)));
  }

  /** Text with @parameters and the parameter values, for request.input(...) + query(). */
  parameterized(): { text: string; params: SqlParam[] } {
    const params: SqlParam[] = [];
    const text = this.fragments
      .map((f) => {
        if ('text' in f) return f.text;
        if (!params.some((p) => p.name === f.param)) {
          params.push({ name: f.param, type: f.as === 'int' ? 'int' : 'nvarchar', value: f.value });
        }
        return `@${f.param}`;
      })
      .join('');
    return { text, params };
  }

  /** Text with every value as a quoted literal (QUOTENAME rules for identifiers). */
  literal(): string {
    return this.fragments
      .map((f) => {
        if ('text' in f) return f.text;
        if (f.as === 'identifier') return quoteName(f.value);
        if (f.as === 'string') return quoteLiteral(f.value);
        if (!Number.isSafeInteger(f.value)) throw new Error(`${f.value} is not an integer`);
        return String(f.value);
      })
      .join('');
  }
}

export const ident = (param: string, value: string): Fragment => ({ param, value, as: 'identifier' });
export const str = (param: string, value: string): Fragment => ({ param, value, as: 'string' });
export const int = (param: string, value: number): Fragment => ({ param, value, as: 'int' });
