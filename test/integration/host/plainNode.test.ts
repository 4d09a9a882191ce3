// Outside jest, as `npm start` runs it: the host compiled to JavaScript, in a plain Node process,
// makes `require('@azure/functions-core')` resolve to its shim, so a JavaScript app registered
// with `@azure/functions` loads from its package.json main glob and serves requests.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.join(__dirname, '..', '..', '..');
let work: string;
let child: ChildProcess | undefined;

const APP_JS = `
const { app } = require('@azure/functions');
app.http('hello', {
  route: 'hello/{who}',
  authLevel: 'anonymous',
  handler: async (request, context) => {
    context.log('saying hello to ' + request.params.who);
    return { jsonBody: { hello: request.params.who, invocationId: context.invocationId } };
  },
});
`;

const RUNNER_JS = `
const { startLocalHost, settingsFromValues } = require(process.argv[2]);
startLocalHost({ appRoot: process.argv[3], port: 0, blobWatch: false, env: {}, settings: settingsFromValues({}) })
  .then((host) => {
    console.log('URL ' + host.url);
    process.stdin.on('end', () => host.stop().then(() => console.log('STOPPED')));
    process.stdin.resume();
  })
  .catch((err) => { console.error(err); process.exit(1); });
`;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'local-host-plain-'));
  execFileSync(
    process.execPath,
    [
      path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir', path.join(work, 'build'), '--rootDir', repo, '--module', 'commonjs', '--target', 'ES2022',
      '--esModuleInterop', '--skipLibCheck', '--strict', '--types', 'node',
      path.join(repo, 'local', 'host', 'index.ts'),
    ],
    { cwd: repo, stdio: 'pipe' },
  );
  const appRoot = path.join(work, 'app');
  mkdirSync(path.join(appRoot, 'dist', 'functions'), { recursive: true });
  writeFileSync(path.join(appRoot, 'package.json'), JSON.stringify({ name: 'plain-app', main: 'dist/functions/*.js' }));
  writeFileSync(path.join(appRoot, 'host.json'), JSON.stringify({ version: '2.0' }));
  writeFileSync(path.join(appRoot, 'dist', 'functions', 'hello.js'), APP_JS);
  writeFileSync(path.join(work, 'runner.js'), RUNNER_JS);
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

it('loads a JavaScript app through @azure/functions-core in plain Node, serves it and stops on request', async () => {
  child = spawn(process.execPath, [path.join(work, 'runner.js'), path.join(work, 'build', 'local', 'host', 'index.js'), path.join(work, 'app')], {
    // The compiled host lives outside the repo: let it find the repo's packages.
    env: { ...process.env, NODE_PATH: path.join(repo, 'node_modules') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 30_000);
    child?.stdout?.on('data', () => {
      const m = /URL (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child?.once('exit', (code) => reject(new Error(`runner exited with ${code}:\n${output}`)));
  });
  const res = await fetch(`${url}/api/hello/world`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { hello: string; invocationId: string };
  expect(body.hello).toBe('world');
  expect(output).toContain('saying hello to world');
  expect(output).toMatch(new RegExp(`Executed 'Functions\\.hello' \\(Succeeded, Id=${body.invocationId}, Duration=\\d+ms\\)`));
  expect(output).not.toContain('test mode');
  const exit = new Promise<number | null>((r) => child?.once('exit', r));
  child.stdin?.end();
  expect(await exit).toBe(0);
  expect(output).toContain('STOPPED');
});
