// A running restore as clients and DMVs see it: percent_complete rising, STATS messages while it
// runs, aborting on SQL Server versus carrying on on a managed instance, injected faults.
import type { RequestOutput } from '../../../../emulator/tds/types';
import { startStorage, type TestStorage } from './storage';
import { errorNumbers, managedInstanceConfig, run, sqlServerConfig, TestHost } from './testHost';

let storage: TestStorage;
let containerUrl: string;
let sourceUrl: string;
const MB = 1024 * 1024;
const tables = [{ schema: 'dbo', name: 'Events', rowCount: 5000 }];

beforeAll(async () => {
  storage = await startStorage();
  containerUrl = (await storage.container('progress')).url;
  // 64 MB of data + 8 MB of log: 72 MB; at 120 MB/s a restore takes about 600 ms
  const source = new TestHost(sqlServerConfig());
  source.addCredential(containerUrl, storage.sas('rwdlc'));
  source.createDatabase('Events', { tables, dataBytes: 64 * MB });
  sourceUrl = `${containerUrl}/Events_full.bak`;
  const r = await run(source, `BACKUP DATABASE Events TO URL = '${sourceUrl}'`);
  if (r.error) throw r.error;
});
afterAll(async () => {
  await storage?.stop();
});

function slowHost(kind: 'sql' | 'mi'): TestHost {
  const host = new TestHost(kind === 'sql' ? sqlServerConfig({ throughputMBps: 120 }) : managedInstanceConfig({ throughputMBps: 120 }));
  host.addCredential(containerUrl, storage.sas('rwdlc'));
  return host;
}

const until = async (check: () => boolean, timeoutMs = 5000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('RESTORE VERIFYONLY reads the whole backup', () => {
  it('takes as long as reading it at the instance\'s throughput, with its progress in sys.dm_exec_requests', async () => {
    const host = slowHost('sql');
    const samples: number[] = [];
    const watcher = setInterval(() => {
      const req = host.requests.find((x) => x.command === 'RESTORE VERIFYONLY');
      if (req) samples.push(req.percentComplete);
    }, 15);
    const started = Date.now();
    const r = await run(host, `RESTORE VERIFYONLY FROM URL = '${sourceUrl}'`);
    const took = Date.now() - started;
    clearInterval(watcher);
    expect(r.error).toBeUndefined();
    expect(r.messages.map((x) => x.message)).toContain('The backup set on file 1 is valid.');
    // 72 MB at 120 MB/s: about 600 ms, not an instant answer
    expect(took).toBeGreaterThanOrEqual(450);
    expect(samples.length).toBeGreaterThan(3);
    expect(samples.some((p) => p > 0 && p < 100)).toBe(true);
    expect(host.requests.find((x) => x.command === 'RESTORE VERIFYONLY')).toBeUndefined();
  });
});

describe('progress of a running restore', () => {
  it('percent_complete rises in the request and STATS messages arrive before the restore ends', async () => {
    const host = slowHost('sql');
    const samples: number[] = [];
    const watcher = setInterval(() => {
      const req = host.requests.find((x) => x.command === 'RESTORE DATABASE');
      if (req) samples.push(req.percentComplete);
    }, 15);
    const arrivals: { number: number; at: number }[] = [];
    const r = await run(host, `RESTORE DATABASE Events FROM URL = '${sourceUrl}' WITH STATS = 20`, {
      onOutput: (o: RequestOutput) => {
        if (o.type === 'message') arrivals.push({ number: o.message.number, at: Date.now() });
      },
    });
    clearInterval(watcher);
    expect(r.error).toBeUndefined();
    expect(r.messages.filter((x) => x.number === 3211).map((x) => x.message)).toEqual([
      '20 percent processed.', '40 percent processed.', '60 percent processed.', '80 percent processed.', '100 percent processed.',
    ]);
    expect(new Set(samples).size).toBeGreaterThan(3);
    for (let i = 1; i < samples.length; i++) expect(samples[i]).toBeGreaterThanOrEqual(samples[i - 1]);
    expect(samples[0]).toBeLessThan(50);
    // the first STATS message arrived well before the final one: they stream while the restore runs
    const first = arrivals.find((a) => a.number === 3211)!;
    const last = arrivals.find((a) => a.number === 3014)!;
    expect(last.at - first.at).toBeGreaterThan(100);
    expect(host.requests).toHaveLength(0);
  });
});

describe('closing the session', () => {
  it('aborts a SQL Server restore (3204 + 3013) and leaves the database RESTORING', async () => {
    const host = slowHost('sql');
    const controller = new AbortController();
    const pending = run(host, `RESTORE DATABASE Events FROM URL = '${sourceUrl}'`, { signal: controller.signal });
    await until(() => (host.requests[0]?.percentComplete ?? 0) >= 20);
    controller.abort(new Error('session closed'));
    const r = await pending;
    expect(errorNumbers(r.error)).toEqual([3204, 3013]);
    expect(host.requests).toHaveLength(0);
    expect(host.findDatabase('Events')?.state).toBe('RESTORING');
    const recover = await run(host, 'RESTORE DATABASE Events WITH RECOVERY');
    expect(errorNumbers(recover.error)).toEqual([4333, 3013]);
    // a new full restore of the same database starts over and succeeds
    expect((await run(host, `RESTORE DATABASE Events FROM URL = '${sourceUrl}'`)).error).toBeUndefined();
    expect(host.findDatabase('Events')?.state).toBe('ONLINE');
  });

  it('does not abort a managed-instance restore: the output ends and the restore finishes in the background', async () => {
    const host = slowHost('mi');
    const controller = new AbortController();
    const pending = run(host, `RESTORE DATABASE Events FROM URL = '${sourceUrl}'`, { signal: controller.signal });
    await until(() => (host.requests[0]?.percentComplete ?? 0) >= 20);
    controller.abort(new Error('session closed'));
    const r = await pending;
    expect(r.error).toBeUndefined();
    expect(r.messages.some((x) => x.number === 3014)).toBe(false);
    expect(host.findDatabase('Events')).toBeUndefined();
    expect(host.requests[0]?.status).toBe('background');
    await until(() => host.findDatabase('Events')?.state === 'ONLINE');
    expect(host.findDatabase('Events')?.tables).toEqual(tables);
    expect([...host.operations.values()][0]).toMatchObject({ state: 2, percentComplete: 100 });
    expect(host.requests).toHaveLength(0);
  });
});

describe('injected faults', () => {
  it('restoreFailAtPercent stops a SQL Server restore with 3203 then 3013 at that percent', async () => {
    const host = slowHost('sql');
    host.config.throughputMBps = 10_000;
    host.faultSwitches = { restoreFailAtPercent: 40 };
    const r = await run(host, `RESTORE DATABASE Events FROM URL = '${sourceUrl}' WITH STATS = 10`);
    expect(errorNumbers(r.error)).toEqual([3203, 3013]);
    expect(r.error?.preceding[0].message).toBe(`Read on "${sourceUrl}" failed: 38(Reached the end of the file.)`);
    expect(r.messages.map((x) => x.message)).toEqual(['10 percent processed.', '20 percent processed.', '30 percent processed.']);
    expect(host.findDatabase('Events')?.state).toBe('RESTORING');
  });

  it('a failed managed-instance restore removes its GUID database and records the failure', async () => {
    const host = slowHost('mi');
    host.config.throughputMBps = 10_000;
    host.faultSwitches = { restoreFailAtPercent: 60 };
    const r = await run(host, `RESTORE DATABASE Events FROM URL = '${sourceUrl}'`);
    expect(errorNumbers(r.error)).toEqual([3203, 3013]);
    expect(host.databases.size).toBe(0);
    expect([...host.operations.values()][0]).toMatchObject({ state: 3, errorCode: 3203 });
  });
});
