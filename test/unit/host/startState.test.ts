// `npm start`'s own rules: the restart back-off and when it gives up, exit codes as a shell shows
// them, the options, where state is kept and what --fresh removes, one npm start per state folder,
// and an older local.settings.json brought up to the sample's new settings.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addMissingSettings, claimStateDir, statePaths, wipeState } from '../../../local/localState';
import { parseStartArgs, type StartOptions } from '../../../local/start';
import { decideRestart, DEFAULT_RESTART_POLICY, exitCodeOf } from '../../../local/supervisor';

describe('restarting the Functions host', () => {
  it('backs off 1 s, 2 s, 4 s … up to 30 s for exits close together, and gives up at the tenth within five minutes', () => {
    const exits: number[] = [];
    const delays: number[] = [];
    let t = 0;
    for (let i = 0; i < 9; i++) {
      t += 1000;
      exits.push(t);
      const d = decideRestart(exits, t);
      expect(d.giveUp).toBe(false);
      if (!d.giveUp) delays.push(d.delayMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    exits.push(t + 1000);
    expect(decideRestart(exits, t + 1000)).toEqual({ giveUp: true, exits: 10 });
  });

  it('forgets exits older than five minutes: a host that crashes once a day always comes back after 1 s', () => {
    const day = 24 * 3600_000;
    const exits = Array.from({ length: 20 }, (_, i) => i * day);
    expect(decideRestart(exits, 19 * day)).toEqual({ giveUp: false, exits: 1, delayMs: 1000 });
    expect(DEFAULT_RESTART_POLICY).toEqual({ baseDelayMs: 1000, maxDelayMs: 30_000, maxExits: 10, windowMs: 300_000 });
  });

  it('reports a death by signal as a shell does (SIGKILL: 137)', () => {
    expect(exitCodeOf(null, 'SIGKILL')).toBe(137);
    expect(exitCodeOf(null, 'SIGSEGV')).toBe(139);
    expect(exitCodeOf(3, null)).toBe(3);
  });
});

describe('npm start options', () => {
  const defaults: StartOptions = { estate: 'e.json', freePorts: false, port: 7071, blobPort: 10000, queuePort: 10001, tablePort: 10002, armPort: 14340, adminPort: 14330, fresh: false };

  it('reads --fresh and --state-dir, with or without --free-ports', () => {
    expect(parseStartArgs(['--fresh'], defaults)).toMatchObject({ fresh: true, port: 7071 });
    expect(parseStartArgs(['--free-ports', '--state-dir', '/tmp/x', '--fresh'], defaults)).toMatchObject({ fresh: true, freePorts: true, stateDir: '/tmp/x', port: 0, blobPort: 0 });
    expect(parseStartArgs([], defaults)).toEqual(defaults);
    expect(() => parseStartArgs(['--state-dir'], defaults)).toThrow(/--state-dir needs a folder/);
    expect(() => parseStartArgs(['--state-dir', '--fresh'], defaults)).toThrow(/--state-dir needs a folder/);
  });
});

describe('the state folder', () => {
  it('--fresh removes only what npm start keeps there', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'state-'));
    const paths = statePaths(dir);
    mkdirSync(path.join(paths.azurite, '__blobstorage__'), { recursive: true });
    writeFileSync(paths.estate, '{}');
    writeFileSync(`${paths.estate}.corrupt`, '{');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    writeFileSync(paths.blobEvents, '{}');
    expect(wipeState(paths).map((p) => path.basename(p))).toEqual(['azurite', 'emulated-estate.json', 'emulated-estate.json.corrupt', 'blob-events.json']);
    expect(existsSync(paths.azurite) || existsSync(paths.estate)).toBe(false);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(wipeState(paths)).toEqual([]);
  });

  it('is used by one npm start at a time; a pid file left by a dead one does not count', () => {
    const paths = statePaths(path.join(mkdtempSync(path.join(tmpdir(), 'state-')), 'state'));
    const release = claimStateDir(paths);
    expect(readFileSync(paths.lock, 'utf8').trim()).toBe(String(process.pid));
    // another live process holds it: the parent of this test runner is alive
    writeFileSync(paths.lock, `${process.ppid}\n`);
    expect(() => claimStateDir(paths)).toThrow(`another npm start (pid ${process.ppid}) is using ${paths.dir}; stop it first, or give this one its own folder with --state-dir`);
    // a dead one: taken over
    writeFileSync(paths.lock, '2147483646\n');
    const again = claimStateDir(paths);
    again();
    expect(existsSync(paths.lock)).toBe(false);
    release();
  });
});

describe('an older local.settings.json', () => {
  function app(values: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'settings-'));
    writeFileSync(path.join(dir, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: values, Host: { LocalHttpPort: 7071 } }, null, 2));
    const sample = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'local.settings.sample.json'), 'utf8')) as unknown;
    writeFileSync(path.join(dir, 'local.settings.sample.json'), JSON.stringify(sample));
    return dir;
  }

  it('gets the local lease and timeout settings from the sample, once; values the user set are kept', () => {
    const dir = app({ FUNCTIONS_WORKER_RUNTIME: 'node', OPS_LEASE_SECONDS: '60' });
    expect(addMissingSettings(dir)).toEqual(['AzureFunctionsJobHost__functionTimeout', 'OPS_LEASE_GRACE_SECONDS']);
    const after = JSON.parse(readFileSync(path.join(dir, 'local.settings.json'), 'utf8')) as { Values: Record<string, string>; Host: unknown };
    expect(after.Values).toEqual({ FUNCTIONS_WORKER_RUNTIME: 'node', OPS_LEASE_SECONDS: '60', AzureFunctionsJobHost__functionTimeout: '00:00:50', OPS_LEASE_GRACE_SECONDS: '15' });
    expect(after.Host).toEqual({ LocalHttpPort: 7071 });
    expect(addMissingSettings(dir)).toEqual([]);
  });

  it('leaves a missing file alone', () => {
    expect(addMissingSettings(mkdtempSync(path.join(tmpdir(), 'settings-')))).toEqual([]);
  });
});
