// A cold start loads the function files and what they import at the top, nothing more: the SDK
// clients (SQL, storage, identity, ARM, Event Grid) and zod load with the first invocation that
// needs them. Walks the static import graph of functions/*.ts (value imports only; `import type`
// and `await import()` load nothing at start) and names the path to any heavy package.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const HEAVY = /^(mssql|tedious|zod|@azure\/(data-tables|storage-blob|storage-queue|identity|arm-sql|arm-privatedns|eventgrid|core-rest-pipeline|core-lro))(\/|$)/;

/** value imports and re-exports at the top of a module (not `import type`, not dynamic import()) */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)';/gm)) out.push(m[1]);
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => existsSync(f));
}

function heavyPath(entry: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (file: string, trail: string[]): string[] | undefined => {
    if (seen.has(file)) return undefined;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const next = resolveLocal(file, spec);
        const found = next && walk(next, [...trail, path.relative(root, next)]);
        if (found) return found;
      } else if (HEAVY.test(spec)) return [...trail, spec];
    }
    return undefined;
  };
  return walk(entry, [path.relative(root, entry)]);
}

test('no function file loads an SDK client or zod when the host loads the app', () => {
  const functions = readdirSync(path.join(root, 'functions')).filter((f) => f.endsWith('.ts'));
  expect(functions.length).toBeGreaterThan(10);
  const heavy = functions.map((f) => heavyPath(path.join(root, 'functions', f))).filter((p): p is string[] => p !== undefined);
  expect(heavy.map((p) => p.join(' -> '))).toEqual([]);
});

test('the walk finds a heavy import where there is one', () => {
  expect(heavyPath(path.join(root, 'shared', 'composition.ts'))?.at(-1)).toMatch(HEAVY);
});
