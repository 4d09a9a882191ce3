// SQL pools are keyed by an instance's name and connection settings and shared by every operation:
// the estate reloaded before every step (new objects each time) never opens a second pool, and a
// pool is never closed under a request that uses it. (Restores started together on one instance
// used to kill each other: each estate reload replaced and closed the pool another was using.)
import { z } from 'zod';
import type { InstanceConfig } from '../../../shared/config/schema';
import { definePlaybook } from '../../../shared/ops/playbook';
import { next, succeed, wait } from '../../../shared/ops/types';
import { SqlPools } from '../../../shared/sql/pools';
import { startTestEstate, PASSWORD } from '../emulator/engine/estateFixture';
import type { RunningEstate } from '../../../emulator/engine/estateServer';
import { memoryHarness } from '../../helpers/memoryEngine';

let estate: RunningEstate;
beforeAll(async () => {
  estate = await startTestEstate();
}, 60_000);
afterAll(async () => {
  await estate?.stop();
});

/** The instance as a fresh estate load describes it: a new object every time. */
function loaded(overrides: Partial<InstanceConfig['endpoint']> = {}): InstanceConfig {
  const running = estate.find('sql-onprem');
  return JSON.parse(
    JSON.stringify({
      name: 'sql-onprem',
      kind: 'sqlServer',
      endpoint: { host: running.host, port: running.port, trustServerCertificate: true, ...overrides },
      auth: { type: 'sql', user: 'sa', passwordSetting: 'PW' },
      environment: 'production',
    }),
  ) as InstanceConfig;
}

test('50 steps of 5 operations at once on one instance, the estate reloaded before each: one pool, every step succeeds', async () => {
  const pools = new SqlPools({ PW: PASSWORD });
  const steps = definePlaybook({
    kind: 'sql-steps',
    input: z.object({ n: z.number() }),
    state: z.object({ done: z.number() }),
    firstStep: 'query',
    defaultDeadlineMs: 600_000,
    steps: {
      async query(ctx) {
        const done = ctx.stepState?.done ?? 0;
        const r = await pools.client(loaded()).batch<{ n: number }>(`SELECT ${ctx.input.n * 100 + done} AS n`);
        expect(r.recordsets[0][0].n).toBe(ctx.input.n * 100 + done);
        if (done + 1 >= 10) return succeed({ steps: done + 1 });
        // every other step waits, as a poll does, so the operations interleave
        return done % 2 === 0 ? next('query', { done: done + 1 }) : wait(5, 'poll', { done: done + 1 });
      },
    },
  });
  const h = memoryHarness([steps]);
  const ids: string[] = [];
  for (let n = 1; n <= 5; n++) ids.push((await h.engine.start({ kind: 'sql-steps', targetKey: `sql-onprem/db${n}`, input: { n }, createdBy: 'test' })).operation.id);
  await h.drainUntil(() => h.settled(...ids), 30_000);
  for (const id of ids) expect(await h.get(id)).toMatchObject({ state: 'succeeded', output: { steps: 10 } });
  expect(pools.opened).toBe(1);
  expect(pools.openPools).toBe(1);
  await pools.closeAll();
});

test('a changed instance gets a new pool; the old one closes only when its running request is done', async () => {
  const pools = new SqlPools({ PW: PASSWORD });
  const slow = pools.client(loaded()).batch<{ ok: number }>("WAITFOR DELAY '00:00:20'; SELECT 1 AS ok"); // 0.4 s at the estate's clock speed
  await new Promise((r) => setImmediate(r));
  // the estate now says something else about how to reach sql-onprem (here: the port written differently is the same server)
  const changed = loaded({ trustServerCertificate: true, port: estate.find('sql-onprem').port });
  (changed.endpoint as { host: string }).host = 'localhost';
  const quick = await pools.client(changed).batch<{ n: number }>('SELECT 7 AS n');
  expect(quick.recordsets[0][0].n).toBe(7);
  expect(pools.opened).toBe(2);
  // the old pool was retired, not closed under the WAITFOR
  expect((await slow).recordsets[0][0].ok).toBe(1);
  await pools.closeAll();
});

test('an idle pool closes by itself and the next request opens a new one', async () => {
  const pools = new SqlPools({ PW: PASSWORD }, undefined, 100);
  await pools.client(loaded()).batch('SELECT 1');
  expect(pools.openPools).toBe(1);
  const deadline = Date.now() + 5_000;
  while (pools.openPools > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(pools.openPools).toBe(0);
  await pools.client(loaded()).batch('SELECT 1');
  expect(pools.opened).toBe(2);
  await pools.closeAll();
});
