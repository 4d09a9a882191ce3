// Helpers for statements the engine runs with evaluated values: RAISERROR's printf-style message
// (%s %d %i %u %x %X %o with flags, width and precision) and WAITFOR DELAY's 'hh:mm[:ss[.mmm]]'.
import { SqlError } from '../sqlError';
import type { SqlValue } from '../tds/types';

/** RAISERROR('%s has %d files', 16, 1, @db, @n): substitutes the arguments in order. */
export function formatRaiserror(template: string, args: SqlValue[]): string {
  let next = 0;
  return template.replace(/%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?(?:h|l|I64)?([sdiuxXo%])/g, (_match, flags: string, width?: string, precision?: string, type?: string) => {
    if (type === '%') return '%';
    const w = width === '*' ? Number(args[next++]) : width ? Number(width) : 0;
    const p = precision === '*' ? Number(args[next++]) : precision ? Number(precision) : undefined;
    if (next >= args.length) return '(null)';
    const arg = args[next++];
    if (arg === null) return '(null)';
    let text: string;
    switch (type) {
      case 's':
        text = String(arg);
        if (p !== undefined) text = text.slice(0, p);
        break;
      case 'x':
      case 'X':
      case 'o': {
        const n = BigInt.asUintN(32, BigInt(Math.trunc(Number(arg))));
        text = n.toString(type === 'o' ? 8 : 16);
        if (type === 'X') text = text.toUpperCase();
        if (flags.includes('#') && n !== BigInt(0)) text = (type === 'o' ? '0' : type === 'X' ? '0X' : '0x') + text;
        break;
      }
      case 'u':
        text = BigInt.asUintN(32, BigInt(Math.trunc(Number(arg)))).toString();
        break;
      default: {
        const n = Math.trunc(Number(arg));
        text = String(Math.abs(n));
        if (n < 0) text = '-' + text;
        else if (flags.includes('+')) text = '+' + text;
        else if (flags.includes(' ')) text = ' ' + text;
      }
    }
    if (text.length < w) {
      if (flags.includes('-')) text = text.padEnd(w);
      else if (flags.includes('0') && type !== 's') {
        const sign = /^[-+ ]/.test(text) ? text[0] : '';
        text = sign + text.slice(sign.length).padStart(w - sign.length, '0');
      } else text = text.padStart(w);
    }
    return text;
  });
}

/** WAITFOR DELAY / TIME text to milliseconds; 148 for text SQL Server would refuse. */
export function parseWaitforTime(text: string): number {
  const m = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,3}))?)?\s*$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59)
    throw new SqlError(148, 1, 15, `Incorrect time syntax in time string '${text}' used with WAITFOR.`);
  const ms = m[4] ? Number(m[4].padEnd(3, '0')) : 0;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000 + ms;
}
