// `npm start` as a child process on free ports, for the end-to-end tests: started, read, stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Started {
  child: ChildProcess;
  output: () => string;
  hostUrl: string;
  key: string;
  blobPort: number;
  ports: Record<string, number>;
  readySeconds: number;
  /** the Functions host process, as the banner prints it */
  hostPid: number;
}

/**
 * `via: 'npm'` runs the real `npm start` (build included); `via: 'node'` starts the already built
 * dist/local/start.js, for a second run in the same test file (two builds at once would race).
 * `extraArgs` go to npm start after the test ones (`--fresh`, `--state-dir <folder>`).
 */
export async function startApp(via: 'npm' | 'node', env: Record<string, string> = {}, extraArgs: string[] = []): Promise<Started> {
  const args = ['--free-ports', '--estate', 'test/fixtures/e2e/estate.json', ...extraArgs];
  const [command, argv] = via === 'npm' ? ['npm', ['start', '--', ...args]] : [process.execPath, ['dist/local/start.js', ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    detached: true, // its own process group, so the test can stop npm and everything under it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error', ...env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/mi-autopilot ready/.test(out)) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || Date.now() - started > 180_000) {
        clearInterval(timer);
        reject(new Error(`npm start did not become ready:\n${out}`));
      }
    }, 100);
  });
  const host = /Functions host\s+(http:\/\/127\.0\.0\.1:\d+)\s+\(function key: ([^)]+)\)/.exec(out);
  const blob = /Azurite\s+blob (\d+)/.exec(out);
  const ports = Object.fromEntries([...out.matchAll(/^\s+(sql-onprem|mi-prod|sql-dev)\s+127\.0\.0\.1:(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  const ready = /mi-autopilot ready \(([\d.]+) s\)/.exec(out);
  const pid = /host process\s+pid (\d+)/.exec(out);
  if (!host || !blob || !pid) throw new Error(`could not read the addresses from npm start's output:\n${out}`);
  return { child, output: () => out, hostUrl: host[1], key: host[2], blobPort: Number(blob[1]), ports, readySeconds: Number(ready?.[1]), hostPid: Number(pid[1]) };
}

/** Waits (polling, with a deadline) until npm start's output matches; resolves with the match. */
export async function waitForOutput(app: Started, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(app.output());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`npm start never printed ${pattern}:\n${app.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopApp(app: Started): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise((r) => app.child.once('exit', r));
  try {
    process.kill(-(app.child.pid ?? 0), 'SIGINT');
  } catch {
    return;
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
}

export function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

