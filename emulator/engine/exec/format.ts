// RAISERROR's printf-style message formatting: %d %i %u %o %x %X %s with flags, width and
// precision (including *), and %% for a percent sign.
import type { SqlValue } from '../../tds/types';

const SPEC = /%([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?(?:h|l|I64)?([diouxXs%])/g;

export function formatRaiserror(template: string, args: SqlValue[]): string {
  let next = 0;
  const take = (): SqlValue | undefined => (next < args.length ? args[next++] : undefined);
  return template.replace(SPEC, (_whole: string, flags: string, width?: string, precision?: string, conv?: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(take() ?? 0) : width ? Number(width) : 0;
    const p = precision === '*' ? Number(take() ?? 0) : precision ? Number(precision) : undefined;
    const arg = take();
    if (arg === undefined) return '(null)';
    let text: string;
    switch (conv) {
      case 's':
        text = arg === null ? '(null)' : String(arg);
        if (p !== undefined) text = text.slice(0, p);
        break;
      case 'x':
      case 'X':
      case 'o': {
        const n = BigInt.asUintN(32, BigInt(Math.trunc(Number(arg ?? 0))));
        text = n.toString(conv === 'o' ? 8 : 16);
        if (conv === 'X') text = text.toUpperCase();
        if (flags.includes('#') && n !== 0n) text = (conv === 'o' ? '0' : conv === 'x' ? '0x' : '0X') + text;
        break;
      }
      case 'u':
        text = BigInt.asUintN(32, BigInt(Math.trunc(Number(arg ?? 0)))).toString();
        break;
      default: {
        const n = Math.trunc(Number(arg ?? 0));
        text = String(Math.abs(n));
        if (n < 0) text = `-${text}`;
        else if (flags.includes('+')) text = `+${text}`;
        else if (flags.includes(' ')) text = ` ${text}`;
      }
    }
    if (text.length < w) {
      if (flags.includes('-')) text = text.padEnd(w);
      else if (flags.includes('0') && conv !== 's') {
        const sign = /^[-+ ]/.test(text) ? text[0] : '';
        text = sign + text.slice(sign.length).padStart(w - sign.length, '0');
      } else text = text.padStart(w);
    }
    return text;
  });
}
