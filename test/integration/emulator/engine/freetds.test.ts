// FreeTDS's tsql against an emulated instance: another real client, another TDS implementation.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { RunningEstate } from '../../../../emulator/engine/estateServer';
import { startTestEstate } from './estateFixture';

const TSQL = '/usr/bin/tsql';

function tsql(host: string, port: number, user: string, password: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSQL, ['-H', host, '-p', String(port), '-U', user, '-P', password, '-o', 'q'], {
      env: { ...process.env, TDSVER: '7.4' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(`${script}\ngo\nexit\n`);
  });
}

// CI installs freetds-bin, so there a missing tsql is a failure, not a skip
(existsSync(TSQL) || process.env.CI ? describe : describe.skip)('FreeTDS tsql', () => {
  let estate: RunningEstate;

  beforeAll(async () => {
    estate = await startTestEstate();
  });

  afterAll(async () => {
    await estate?.stop();
  });

  it('runs SELECT @@VERSION and a query on sys.databases', async () => {
    const target = estate.find('sql-onprem');
    const result = await tsql(target.host, target.port, target.user, target.password, "SELECT @@VERSION\ngo\nSELECT name, database_id FROM sys.databases WHERE database_id >= 5 ORDER BY database_id");
    expect(result.stdout).toContain('Microsoft SQL Server 2022');
    expect(result.stdout).toMatch(/Sales\s+5/);
    expect(result.stdout).toMatch(/Archive\s+6/);
  });

  it('reports a wrong password as a failed login', async () => {
    const target = estate.find('sql-onprem');
    const result = await tsql(target.host, target.port, target.user, 'wrong', 'SELECT 1');
    expect(`${result.stdout}${result.stderr}`).toContain("Login failed for user 'sa'");
  });
});
