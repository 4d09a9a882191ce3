// Windows-1252, the code page of SQL_Latin1_General_CP1_*: VARCHAR bytes <-> JS strings.
// It equals Latin-1 except for 0x80-0x9F, which hold these characters (undefined slots stay as-is).
const HIGH: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};
const REVERSE = new Map<number, number>(Object.entries(HIGH).map(([byte, code]) => [code, Number(byte)]));

export function decodeCp1252(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(HIGH[b] ?? b);
  return out;
}

/** Characters outside the code page become '?', as SQL Server converts them. */
export function encodeCp1252(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    const mapped = REVERSE.get(code);
    if (mapped !== undefined) out[n++] = mapped;
    else if (code < 0x100 && !(code >= 0x80 && code <= 0x9f && HIGH[code] !== undefined)) out[n++] = code;
    else out[n++] = 0x3f;
  }
  return out.subarray(0, n);
}
