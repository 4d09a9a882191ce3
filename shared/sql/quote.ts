// Identifiers quoted the way QUOTENAME does, and string literals for the few places T-SQL takes
// no variables (CREATE CREDENTIAL, SQL Agent job step text). Everything else is a bound parameter.
import { AppError } from '../errors';

/** [name] with ] doubled; SQL Server identifiers are at most 128 characters. */
export function quoteName(name: string): string {
  if (name.length === 0) throw new AppError('BAD_IDENTIFIER', 'an identifier cannot be empty');
  if (name.length > 128) throw new AppError('BAD_IDENTIFIER', `identifier "${name.slice(0, 40)}…" is ${name.length} characters; SQL Server allows 128`);
  if (/[\u0000]/.test(name)) throw new AppError('BAD_IDENTIFIER', 'an identifier cannot contain a NUL character');
  return `[${name.replace(/]/g, ']]')}]`;
}

/** N'text' with ' doubled. */
export function quoteLiteral(value: string): string {
  if (/[\u0000]/.test(value)) throw new AppError('BAD_LITERAL', 'a string literal cannot contain a NUL character');
  return `N'${value.replace(/'/g, "''")}'`;
}
