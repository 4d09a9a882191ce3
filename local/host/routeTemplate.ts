// ASP.NET-style route templates as the Functions host matches them: literal segments
// (case-insensitive), `{name}`, `{name?}` (optional), `{*rest}` (catch-all), and constraints
// `{id:int}`, `{id:guid}`, `{name:alpha}`, `{v:regex(^a|b$)}`, `{n:minlength(2)}`, ... chained with ':'.

type Constraint = (value: string) => boolean;

interface ParamSegment {
  kind: 'param';
  name: string;
  optional: boolean;
  catchAll: boolean;
  constraints: Constraint[];
}

type Segment = { kind: 'literal'; text: string } | ParamSegment;

export interface RouteTemplate {
  template: string;
  segments: Segment[];
}

/** Splits "a:regex(x:y):int" at the colons that are not inside parentheses. */
function splitConstraints(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function constraintOf(spec: string): Constraint {
  const m = /^(\w+)(?:\((.*)\))?$/s.exec(spec);
  if (!m) throw new Error(`route constraint "${spec}" is not valid`);
  const [, kind, arg] = m;
  const n = Number(arg);
  switch (kind.toLowerCase()) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return (v) => v.trim() !== '' && Number.isFinite(Number(v));
    case 'minlength':
      return (v) => v.length >= n;
    case 'maxlength':
      return (v) => v.length <= n;
    case 'length':
      return (v) => v.length === n;
    case 'min':
      return (v) => Number(v) >= n;
    case 'max':
      return (v) => Number(v) <= n;
    case 'regex': {
      // ASP.NET matches route regexes case-insensitively.
      const re = new RegExp(arg ?? '', 'i');
      return (v) => re.test(v);
    }
    default:
      throw new Error(`route constraint "${kind}" is not supported`);
  }
}

function parseSegment(raw: string): Segment {
  const m = /^\{(.*)\}$/s.exec(raw);
  if (!m) return { kind: 'literal', text: raw };
  let body = m[1];
  const catchAll = body.startsWith('*');
  if (catchAll) body = body.slice(1).replace(/^\*/, '');
  const [namePart, ...specs] = splitConstraints(body);
  let optional = false;
  let name = namePart;
  if (name.endsWith('?')) {
    optional = true;
    name = name.slice(0, -1);
  }
  const lastSpec = specs.at(-1);
  // `{id:int?}`: the '?' after the last constraint makes the parameter optional.
  if (lastSpec !== undefined && lastSpec.endsWith('?')) {
    optional = true;
    specs[specs.length - 1] = lastSpec.slice(0, -1);
  }
  if (!/^\w+$/.test(name)) throw new Error(`route parameter "${raw}" has no valid name`);
  return { kind: 'param', name, optional, catchAll, constraints: specs.filter(Boolean).map(constraintOf) };
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  return { template, segments: trimmed === '' ? [] : trimmed.split('/').map(parseSegment) };
}

/** Route params when the path (without prefix, no leading slash) matches, otherwise undefined. */
export function matchRoute(route: RouteTemplate, pathText: string): Record<string, string> | undefined {
  const parts = pathText.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p !== '');
  const params: Record<string, string> = {};
  let i = 0;
  for (const segment of route.segments) {
    if (segment.kind === 'literal') {
      if (i >= parts.length || decodeURIComponent(parts[i]).toLowerCase() !== segment.text.toLowerCase()) return undefined;
      i++;
      continue;
    }
    if (segment.catchAll) {
      const rest = parts.slice(i).map(decodeURIComponent).join('/');
      if (rest === '' && !segment.optional) return undefined;
      if (rest !== '' && !segment.constraints.every((c) => c(rest))) return undefined;
      if (rest !== '') params[segment.name] = rest;
      i = parts.length;
      continue;
    }
    if (i >= parts.length) {
      if (!segment.optional) return undefined;
      continue;
    }
    const value = decodeURIComponent(parts[i]);
    if (!segment.constraints.every((c) => c(value))) return undefined;
    params[segment.name] = value;
    i++;
  }
  return i === parts.length ? params : undefined;
}
