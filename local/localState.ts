// Where `npm start` keeps what survives it: Azurite's blobs, queues and tables and the emulated
// estate's state, under .local/state/ in the app root (git-ignored), or in a folder given with
// --state-dir. `--fresh` removes them first. One `npm start` at a time per folder (a pid file).
// Also brings an older local.settings.json up to the settings the sample now has.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface StatePaths {
  dir: string;
  /** Azurite's --location */
  azurite: string;
  /** the emulated estate's state file */
  estate: string;
  /** the blob watcher's delivered blobs and events still due (the local Event Grid's memory) */
  blobEvents: string;
  /** the pid of the `npm start` using the folder */
  lock: string;
}

export function statePaths(dir: string): StatePaths {
  return { dir, azurite: path.join(dir, 'azurite'), estate: path.join(dir, 'emulated-estate.json'), blobEvents: path.join(dir, 'blob-events.json'), lock: path.join(dir, 'npm-start.pid') };
}

/**
 * Removes the state `npm start` keeps in the folder: only what it writes there, never anything
 * else (--state-dir may name a folder that holds other files). Returns what it removed.
 */
export function wipeState(paths: StatePaths): string[] {
  const removed: string[] = [];
  for (const p of [paths.azurite, paths.estate, `${paths.estate}.corrupt`, paths.blobEvents]) {
    if (!existsSync(p)) continue;
    rmSync(p, { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is someone else's
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the folder for this process; throws when another live `npm start` holds it (two Azurites
 * on one folder would overwrite each other's files). Returns the release function.
 */
export function claimStateDir(paths: StatePaths, pid = process.pid): () => void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  if (existsSync(paths.lock)) {
    const other = Number(readFileSync(paths.lock, 'utf8').trim());
    if (Number.isInteger(other) && other > 0 && other !== pid && alive(other)) {
      throw new Error(`another npm start (pid ${other}) is using ${paths.dir}; stop it first, or give this one its own folder with --state-dir`);
    }
  }
  writeFileSync(paths.lock, `${pid}\n`);
  return () => {
    try {
      if (readFileSync(paths.lock, 'utf8').trim() === String(pid)) rmSync(paths.lock, { force: true });
    } catch {
      // already gone
    }
  };
}

/**
 * The settings a local run needs that an older local.settings.sample.json did not have: copied from
 * the sample into local.settings.json when absent there (a value the user set is kept). Returns
 * the names added.
 */
export const SETTINGS_ADDED_TO_THE_SAMPLE = ['AzureFunctionsJobHost__functionTimeout', 'OPS_LEASE_SECONDS', 'OPS_LEASE_GRACE_SECONDS'];

export function addMissingSettings(appRoot: string, names: string[] = SETTINGS_ADDED_TO_THE_SAMPLE): string[] {
  const file = path.join(appRoot, 'local.settings.json');
  const sampleFile = path.join(appRoot, 'local.settings.sample.json');
  if (!existsSync(file) || !existsSync(sampleFile)) return [];
  const settings = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> };
  const sample = JSON.parse(readFileSync(sampleFile, 'utf8')) as { Values?: Record<string, unknown> };
  if (typeof settings !== 'object' || settings === null || (settings as { IsEncrypted?: boolean }).IsEncrypted) return [];
  const values = (settings.Values ??= {});
  const added = names.filter((n) => values[n] === undefined && sample.Values?.[n] !== undefined);
  if (added.length === 0) return [];
  for (const n of added) values[n] = sample.Values?.[n];
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  return added;
}
