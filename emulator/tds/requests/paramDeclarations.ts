// The @params argument of sp_executesql: "@a int, @b decimal(18,4) OUTPUT, @c nvarchar(max)".

export interface ParamDeclaration {
  name: string;
  typeText: string;
  output: boolean;
}

/** Splits on commas that are not inside parentheses or quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '[' || ch === '"') {
      quote = ch === '[' ? ']' : ch;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

export function parseParamDeclarations(text: string): ParamDeclaration[] {
  const declarations: ParamDeclaration[] = [];
  for (const part of splitTopLevel(text)) {
    const m = /^\s*(@[^\s]+)\s+(.*?)\s*$/s.exec(part);
    if (!m) continue;
    let typeText = m[2];
    let output = false;
    const out = /\s+(OUTPUT|OUT)\s*$/i.exec(` ${typeText}`);
    if (out) {
      output = true;
      typeText = ` ${typeText}`.slice(0, out.index).trim();
    }
    declarations.push({ name: m[1], typeText, output });
  }
  return declarations;
}
