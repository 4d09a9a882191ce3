// A small reader for Bicep text, enough for the consistency checks of infra/ (no Bicep compiler can
// be installed here): comments, strings with nested interpolation, bracket matching, resource and
// module declarations, object entries, variables and string literals. It reads; it never evaluates
// beyond substituting variables that hold a plain string.

/** Index just past the string that starts at `i` (a `'` or `'''`), interpolations included. */
export function skipString(text: string, i: number): number {
  if (text.startsWith("'''", i)) {
    const end = text.indexOf("'''", i + 3);
    return end < 0 ? text.length : end + 3;
  }
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j];
    if (ch === '\\') j += 2;
    else if (ch === "'") return j + 1;
    else if (text.startsWith('${', j)) j = matchBracket(text, j + 1) + 1;
    else j++;
  }
  return text.length;
}

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Index of the bracket that closes the one at `open` ({, [ or (), skipping strings and comments. */
export function matchBracket(text: string, open: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      i = skipString(text, i);
      continue;
    }
    if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (OPEN[ch]) stack.push(OPEN[ch]);
    else if (ch === '}' || ch === ']' || ch === ')') {
      if (stack.pop() !== ch) throw new Error(`unbalanced '${ch}' at offset ${i}`);
      if (stack.length === 0) return i;
    }
    i++;
  }
  throw new Error(`no closing bracket for offset ${open}`);
}

/** The text without // and /* comments (strings kept as they are). */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Where a value that starts at `i` ends: the end of its line, past any brackets it opens. */
export function valueEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const ch = text[j];
    if (ch === '\n' || ch === '\r') return j;
    if (ch === "'") j = skipString(text, j);
    else if (OPEN[ch]) j = matchBracket(text, j) + 1;
    else if (ch === '}' || ch === ']' || ch === ')') return j;
    else j++;
  }
  return j;
}

export interface Declaration {
  kind: 'resource' | 'module';
  symbol: string;
  /** resource type (Microsoft.X/y) or module path */
  type: string;
  apiVersion?: string;
  existing: boolean;
  /** between `=` and the body: `[for ... :`, `if (...)` */
  header: string;
  /** the body's text, braces excluded */
  body: string;
}

/** Every resource and module declaration of a file (comments removed). */
export function declarations(source: string): Declaration[] {
  const text = stripComments(source);
  const out: Declaration[] = [];
  const re = /^\s*(resource|module)\s+(\w+)\s+'([^']+)'\s*(existing\s*)?=\s*/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const open = text.indexOf('{', m.index + m[0].length);
    if (open < 0) continue;
    const close = matchBracket(text, open);
    const [type, apiVersion] = m[1] === 'resource' ? m[3].split('@') : [m[3], undefined];
    out.push({
      kind: m[1] as 'resource' | 'module',
      symbol: m[2],
      type,
      apiVersion,
      existing: Boolean(m[4]),
      header: text.slice(m.index + m[0].length, open).trim(),
      body: text.slice(open + 1, close),
    });
    re.lastIndex = close;
  }
  return out;
}

export const resourcesOfType = (source: string, type: string): Declaration[] =>
  declarations(source).filter((d) => d.kind === 'resource' && !d.existing && d.type.toLowerCase() === type.toLowerCase());

/** The entries of an object body (braces excluded) at its top level: key -> value text. */
export function entries(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const rest = body.slice(i);
    const key = /^[\s,]*(?:'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*))\s*:\s*/.exec(rest);
    if (!key) {
      // not an entry here (a decorator, a stray token): move to the next line
      const nl = body.indexOf('\n', i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    const start = i + key[0].length;
    const end = valueEnd(body, start);
    out.set(key[1] ?? key[2], body.slice(start, end).trim());
    i = end + 1;
  }
  return out;
}

/** The inside of a bracketed value (`{...}` or `[...]`), or undefined when it is not one. */
export function inside(value: string): string | undefined {
  const v = value.trim();
  const open = v.search(/[[{]/);
  if (open !== 0) return undefined;
  const close = matchBracket(v, 0);
  return v.slice(1, close);
}

/** `var name = <value>` of a file, as text. */
export function variable(source: string, name: string): string | undefined {
  const text = stripComments(source);
  const m = new RegExp(`^\\s*var\\s+${name}\\s*=\\s*`, 'm').exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  return text.slice(start, valueEnd(text, start)).trim();
}

/** Every `var x = '...'` holding a plain string (no interpolation), and every string param default. */
export function stringVariables(source: string): Map<string, string> {
  const text = stripComments(source);
  const out = new Map<string, string>();
  const re = /^\s*(?:var\s+(\w+)|param\s+(\w+)\s+string)\s*=\s*'((?:[^'\\$]|\\.)*)'\s*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.set(m[1] ?? m[2], m[3]);
  return out;
}

/** The string literals that are direct items of a text (an array's inside), interpolations kept raw. */
export function stringLiterals(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      const end = skipString(text, i);
      out.push(text.slice(i + 1, end - 1));
      i = end;
    } else if (OPEN[ch]) i = matchBracket(text, i) + 1;
    else i++;
  }
  return out;
}

/** A single-string value with `${var}` replaced by the file's plain string variables. */
export function resolveString(value: string, vars: Map<string, string>): string | undefined {
  const v = value.trim();
  if (!v.startsWith("'") || skipString(v, 0) !== v.length) return undefined;
  return v.slice(1, -1).replace(/\$\{(\w+)\}/g, (whole, name: string) => vars.get(name) ?? whole);
}

/** The arguments of a call written `fn(a, b, c)` in `text` (the first such call), split at top level. */
export function callArguments(text: string, fn: string): string[] | undefined {
  const m = new RegExp(`\\b${fn}\\s*\\(`).exec(text);
  if (!m) return undefined;
  const open = m.index + m[0].length - 1;
  const close = matchBracket(text, open);
  return splitTopLevel(text.slice(open + 1, close));
}

/** Splits at commas that are not inside brackets or strings. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") i = skipString(text, i);
    else if (OPEN[ch]) i = matchBracket(text, i) + 1;
    else if (ch === ',') {
      out.push(text.slice(start, i).trim());
      start = ++i;
    } else i++;
  }
  const last = text.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** The `{...}` items of an array's inside, each as its body (braces excluded). */
export function objects(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") i = skipString(text, i);
    else if (ch === '{') {
      const close = matchBracket(text, i);
      out.push(text.slice(i + 1, close));
      i = close + 1;
    } else if (ch === '[' || ch === '(') i = matchBracket(text, i) + 1;
    else i++;
  }
  return out;
}

/** Follows a property path through nested objects: path(body, 'properties', 'filter'). */
export function path(body: string, ...keys: string[]): string | undefined {
  let current: string | undefined = body;
  for (const key of keys) {
    if (current === undefined) return undefined;
    const value = entries(current).get(key);
    if (value === undefined) return undefined;
    current = key === keys[keys.length - 1] ? value : inside(value);
  }
  return current;
}

export interface ParamDecl {
  name: string;
  type: string;
  hasDefault: boolean;
}

/** The `param` declarations of a file. */
export function params(source: string): ParamDecl[] {
  const text = stripComments(source);
  const out: ParamDecl[] = [];
  const re = /^\s*param\s+(\w+)\s+(\w+)\s*(=)?/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ name: m[1], type: m[2], hasDefault: Boolean(m[3]) });
  return out;
}

/** The `output` names of a file. */
export function outputs(source: string): string[] {
  const text = stripComments(source);
  return [...text.matchAll(/^\s*output\s+(\w+)\s/gm)].map((m) => m[1]);
}
