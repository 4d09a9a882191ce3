// Restore rules match blob paths with patterns like "{server}/{database}/FULL/{database}_{timestamp}_{stripe}of{stripes}.bak".
// A pattern compiles to a regular expression with named groups; `*` matches within one folder.

export const CAPTURE_NAMES = ['server', 'database', 'type', 'stripe', 'stripes', 'timestamp'] as const;
export type CaptureName = (typeof CAPTURE_NAMES)[number];

const CAPTURE_REGEX: Record<CaptureName, string> = {
  server: '[^/]+?',
  database: '[^/]+?',
  type: '[A-Za-z]+',
  stripe: '\\d+',
  stripes: '\\d+',
  timestamp: '[0-9][0-9_T:.Z-]*?',
};

export interface CompiledPattern {
  regex: RegExp;
  captures: CaptureName[];
}

export interface PatternProblem {
  message: string;
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a pattern, or returns what is wrong with it. */
export function compilePathPattern(pattern: string): CompiledPattern | PatternProblem {
  const captures: CaptureName[] = [];
  let source = '^';
  let rest = pattern;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (open === -1) {
      if (close !== -1) return { message: `unmatched "}" in pattern "${pattern}"` };
      source += rest.split('*').map(escapeRegex).join('[^/]*');
      break;
    }
    if (close !== -1 && close < open) return { message: `unmatched "}" in pattern "${pattern}"` };
    const end = rest.indexOf('}', open);
    if (end === -1) return { message: `unclosed "{" in pattern "${pattern}"` };
    source += rest.slice(0, open).split('*').map(escapeRegex).join('[^/]*');
    const captureName = rest.slice(open + 1, end);
    if (!(CAPTURE_NAMES as readonly string[]).includes(captureName)) {
      return { message: `unknown capture {${captureName}}; use ${CAPTURE_NAMES.map((c) => `{${c}}`).join(', ')}` };
    }
    const cap = captureName as CaptureName;
    if (captures.includes(cap)) {
      source += `\\k<${cap}>`; // the same name twice must match the same text
    } else {
      captures.push(cap);
      source += `(?<${cap}>${CAPTURE_REGEX[cap]})`;
    }
    rest = rest.slice(end + 1);
  }
  return { regex: new RegExp(`${source}$`), captures };
}

export function isPatternProblem(x: CompiledPattern | PatternProblem): x is PatternProblem {
  return (x as PatternProblem).message !== undefined;
}

/** The {names} a template such as "{database}_copy" refers to. */
export function templateReferences(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
}
