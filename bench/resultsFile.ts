// bench/RESULTS.md for a benchmark run on its own (`node dist/bench/<name>.js`): its section
// replaced, the others left as `npm run bench` or an earlier run wrote them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineLine } from './machine';

export interface Stamp {
  machine: string;
  date: string;
}

/** Replaces (or adds) the section that `lines` heads (its first line, `## …`); the file's path. */
export function writeResultsSection(lines: string[]): string {
  const target = path.resolve(__dirname, '..', '..', 'bench', 'RESULTS.md');
  const heading = lines[0];
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(`${heading}\n`);
  let next: string;
  if (start < 0) next = `${current.replace(/\n*$/, '\n\n')}${lines.join('\n')}`;
  else {
    const after = current.indexOf('\n## ', start + heading.length);
    next = `${current.slice(0, start)}${lines.join('\n')}${after < 0 ? '' : current.slice(after + 1)}`;
  }
  writeFileSync(target, next.endsWith('\n') ? next : `${next}\n`);
  return target;
}

/**
 * A benchmark run on its own: its result printed as JSON and its section, stamped with the machine
 * and the date (it is measured apart from the others), written; a failure sets the exit code.
 */
export function runStandalone<R>(run: () => Promise<R>, section: (result: R, stamp: Stamp) => string[]): void {
  run()
    .then((r) => {
      console.log(JSON.stringify(r));
      console.log(`wrote ${writeResultsSection(section(r, { machine: machineLine(), date: new Date().toISOString() }))}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
