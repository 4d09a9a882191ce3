// FreeTDS's tsql (a C client with its own TDS implementation) against the server, plaintext and
// with `encryption = require` (TLS inside PRELOGIN via GnuTLS).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD } from './fakeEngine';
import { type Harness, startHarness } from './harness';

const TSQL = '/usr/bin/tsql';
// CI installs freetds-bin, so there a missing tsql is a failure, not a skip
const describeIfTsql = existsSync(TSQL) || process.env.CI ? describe : describe.skip;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'freetds-'));
});

afterAll(async () => {
  await h?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface TsqlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tsql(args: string[], script: string, env: NodeJS.ProcessEnv = {}): Promise<TsqlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSQL, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tsql timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(script);
  });
}

const SCRIPT = ['whoami', 'go', 'multi', 'go', 'fail', 'go', 'big', 'go', 'typed', 'go', 'exit', ''].join('\n');

/** Runs tsql and records how its connection was protected, as the server saw it at login. */
async function tsqlWithEncryption(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ run: TsqlRun; encryption: string[] }> {
  let encryption: string[] = [];
  h.endpoint.onLogin = () => {
    encryption = h.server.connections().map((c) => c.encryption);
  };
  try {
    const run = await tsql(args, SCRIPT, env);
    return { run, encryption };
  } finally {
    h.endpoint.onLogin = undefined;
  }
}

function checkOutput(run: TsqlRun): void {
  const out = run.stdout + run.stderr;
  expect(out).toMatch(/sa\s+master\s+\S*\s*5\d/); // whoami: user, database, app, spid
  expect(out).toMatch(/Msg 3013 \(severity 16, state 1\)/);
  expect(out).toContain('RESTORE DATABASE is terminating abnormally.');
  expect(out).toMatch(/3000\trow 3000/);
  expect(out).toContain('6F9619FF-8B86-D011-B42D-00C04FD430C8');
  expect(out).toContain('héllo wörld');
}

describeIfTsql('FreeTDS tsql', () => {
  it.each(['7.4', '7.3', '7.2'])('runs batches in plaintext with TDS %s', async (version) => {
    const { run, encryption } = await tsqlWithEncryption(
      ['-H', '127.0.0.1', '-p', String(h.port), '-U', 'sa', '-P', PASSWORD, '-o', 'q'],
      { TDSVER: version },
    );
    checkOutput(run);
    expect(encryption).toEqual(['none']);
    if (version === '7.2') {
      // TDS 7.2 predates DATETIME2: SQL Server sends it as text
      expect(run.stdout).toContain('2024-02-29 13:14:15.1230000');
    } else {
      expect(run.stdout).toContain('Feb 29 2024 01:14PM');
    }
  });

  it('runs batches with encryption = require (TLS inside PRELOGIN)', async () => {
    const conf = join(dir, 'freetds.conf');
    writeFileSync(
      conf,
      ['[global]', '  tds version = 7.4', '  encryption = require', '[emu]', '  host = 127.0.0.1', `  port = ${h.port}`, ''].join('\n'),
    );
    const { run, encryption } = await tsqlWithEncryption(['-S', 'emu', '-U', 'sa', '-P', PASSWORD, '-o', 'q'], {
      FREETDSCONF: conf,
    });
    checkOutput(run);
    expect(encryption).toEqual(['prelogin']);
  });

  it('verifies the server certificate against the generated CA', async () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, h.tls.ca);
    const conf = join(dir, 'freetds-ca.conf');
    writeFileSync(
      conf,
      [
        '[global]',
        '  tds version = 7.4',
        '[emu]',
        '  host = 127.0.0.1',
        `  port = ${h.port}`,
        '  encryption = require',
        `  ca file = ${ca}`,
        '',
      ].join('\n'),
    );
    const { run, encryption } = await tsqlWithEncryption(['-S', 'emu', '-U', 'sa', '-P', PASSWORD, '-o', 'q'], {
      FREETDSCONF: conf,
    });
    checkOutput(run);
    expect(encryption).toEqual(['prelogin']);
  });

  it('reports a wrong password', async () => {
    const run = await tsql(['-H', '127.0.0.1', '-p', String(h.port), '-U', 'sa', '-P', 'nope', '-o', 'q'], 'exit\n');
    expect(run.stdout + run.stderr).toContain("Login failed for user 'sa'.");
  });
});
