// A sanitizing script as SQL Server tools read it: batches separated by GO on a line of its own
// (optionally with a count, which the app does not repeat: it refuses one). Pure.
import { AppError } from '../errors';

export function splitBatches(script: string): string[] {
  const batches: string[] = [];
  let current: string[] = [];
  for (const line of script.split(/\r?\n/)) {
    const go = /^\s*GO(?:\s+(\d+))?\s*(--.*)?$/i.exec(line);
    if (go) {
      if (go[1] !== undefined && go[1] !== '1') throw new AppError('SANITIZE_SCRIPT_EMPTY', `"GO ${go[1]}" repeats a batch; write the statement out instead`);
      batches.push(current.join('\n'));
      current = [];
    } else current.push(line);
  }
  batches.push(current.join('\n'));
  return batches.map((b) => b.trim()).filter((b) => b.length > 0);
}

export type ScriptSpec = string | { path: string };

/** how a script is named in checks and messages: its path, or its place in the job's list */
export const scriptName = (spec: ScriptSpec, index: number): string => (typeof spec === 'string' ? `script ${index + 1}` : `script ${index + 1} (${spec.path})`);
