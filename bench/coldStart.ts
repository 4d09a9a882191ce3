// Cold start: fresh Node processes that load the compiled app as the Functions host does (every
// dist/functions/*.js), timed from the first require to the last. The second figure adds the
// composition (every SDK client's module), which is what loading the app cost before the
// composition was deferred, and what the first invocation that needs it still pays.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface ColdStartResult {
  runs: number;
  functionsP50Ms: number;
  functionsMaxMs: number;
  withCompositionP50Ms: number;
  withCompositionMaxMs: number;
}

const SCRIPT = `
const { readdirSync } = require('fs');
const path = require('path');
const dist = process.argv[1];
const started = process.hrtime.bigint();
for (const f of readdirSync(path.join(dist, 'functions')).filter((f) => f.endsWith('.js'))) require(path.join(dist, 'functions', f));
if (process.argv[2] === 'composition') require(path.join(dist, 'shared', 'composition.js'));
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
`;

function once(dist: string, withComposition: boolean): number {
  const out = execFileSync(process.execPath, ['-e', SCRIPT, dist, withComposition ? 'composition' : 'functions'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(out.toString());
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function benchColdStart(runs: number): ColdStartResult {
  const dist = path.resolve(__dirname, '..');
  const functions: number[] = [];
  const composed: number[] = [];
  for (let i = 0; i < runs; i++) {
    functions.push(once(dist, false));
    composed.push(once(dist, true));
  }
  return {
    runs,
    functionsP50Ms: Math.round(median(functions)),
    functionsMaxMs: Math.round(Math.max(...functions)),
    withCompositionP50Ms: Math.round(median(composed)),
    withCompositionMaxMs: Math.round(Math.max(...composed)),
  };
}
