// The sweep's reading of the estate: one call per instance per kind whatever the number of links,
// a bound on concurrency, and an instance that hangs makes only its own links unknown, in time.
import type { ArmResolver } from '../../../shared/arm/fromSettings';
import type { DistributedAvailabilityGroupInfo } from '../../../shared/arm/types';
import { validateEstate } from '../../../shared/config/validate';
import { collect, type CollectDeps } from '../../../shared/link/collect';
import type { SqlClient } from '../../../shared/sql/pools';
import type { InstanceConfig } from '../../../shared/config/schema';

const mi = (name: string): Record<string, unknown> => ({
  name,
  kind: 'managedInstance',
  endpoint: { host: `${name}.example`, port: 1433 },
  armResourceId: `/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/${name}`,
  auth: { type: 'entra' },
});
const sql = (name: string): Record<string, unknown> => ({ name, kind: 'sqlServer', endpoint: { host: `${name}.example`, port: 1433 }, auth: { type: 'entra' } });

function estate(pairs: Array<[string, string, number]>) {
  const instances = new Map<string, Record<string, unknown>>();
  const links: Record<string, unknown>[] = [];
  for (const [s, m, count] of pairs) {
    instances.set(s, sql(s));
    instances.set(m, mi(m));
    for (let i = 0; i < count; i++) links.push({ name: `${m}-L${i}`, sqlServer: { instance: s, availabilityGroup: `AG${i}` }, managedInstance: { instance: m }, distributedAvailabilityGroup: `${m}-L${i}`, databases: [`db${i}`] });
  }
  return validateEstate({ instances: [...instances.values()], links }, 'test');
}

/** Answers the DMV batch with one PRIMARY (SQL Server) or SECONDARY (MI) row per link it hosts. */
function fakeSources(hang: Set<string>, seen: { sql: string[]; arm: string[]; inFlight: number; maxInFlight: number }): CollectDeps {
  const e = (dags: string[], role: string) => ({ recordsets: [dags.map((dag) => ({ dag, is_local: true, role_desc: role })), [], [], [], []], rowsAffected: [], infos: [] });
  const client = (instance: InstanceConfig): SqlClient => ({
    instance,
    query: () => Promise.reject(new Error('the sweep sends one batch')),
    batch: async <T>() => {
      seen.sql.push(instance.name);
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      try {
        if (hang.has(instance.name)) await new Promise(() => undefined);
        await new Promise((r) => setTimeout(r, 5));
        const dags = Array.from({ length: 60 }, (_, i) => `${instance.name.startsWith('mi') ? instance.name : instance.name.replace('sql', 'mi')}-L${i}`);
        return e(dags, instance.kind === 'sqlServer' ? 'PRIMARY' : 'SECONDARY') as unknown as { recordsets: T[][]; rowsAffected: number[]; infos: [] };
      } finally {
        seen.inFlight--;
      }
    },
  });
  const arm: ArmResolver = (id) => {
    const name = id.split('/').pop() as string;
    return {
      name,
      resourceGroup: 'rg',
      client: {
        listLinks: async (): Promise<DistributedAvailabilityGroupInfo[]> => {
          seen.arm.push(name);
          return Array.from({ length: 60 }, (_, i) => ({ id: `${id}/distributedAvailabilityGroups/${name}-L${i}`, name: `${name}-L${i}`, instanceLinkRole: 'Secondary', partnerLinkRole: 'Primary', databases: [{ databaseName: `db${i}`, connectedState: 'CONNECTED' }] }));
        },
      } as unknown as ReturnType<ArmResolver>['client'],
    };
  };
  return { sql: client, arm };
}

test('the calls grow with instances, never with links', async () => {
  const e = estate([['sql-a', 'mi-a', 50], ['sql-b', 'mi-b', 3]]);
  const seen = { sql: [] as string[], arm: [] as string[], inFlight: 0, maxInFlight: 0 };
  const r = await collect(e.links, e.instances, fakeSources(new Set(), seen), { concurrency: 8, callTimeoutMs: 1000, budgetMs: 2000 });
  expect(r.samples).toHaveLength(53);
  expect(r.calls).toEqual({ sql: 4, arm: 2 });
  expect(seen.sql.sort()).toEqual(['mi-a', 'mi-b', 'sql-a', 'sql-b']);
  expect(seen.arm.sort()).toEqual(['mi-a', 'mi-b']);
  const first = r.samples.find((s) => s.link === 'mi-a-L7');
  expect(first).toMatchObject({ sqlServer: { instance: 'sql-a', role: 'PRIMARY' }, managedInstance: { instance: 'mi-a', role: 'SECONDARY' }, arm: { instanceLinkRole: 'Secondary' } });
});

test('an instance that does not answer makes only its links unknown, within the budget', async () => {
  const e = estate([['sql-a', 'mi-a', 2], ['sql-b', 'mi-b', 2]]);
  const seen = { sql: [] as string[], arm: [] as string[], inFlight: 0, maxInFlight: 0 };
  const started = Date.now();
  const r = await collect(e.links, e.instances, fakeSources(new Set(['mi-a']), seen), { concurrency: 8, callTimeoutMs: 300, budgetMs: 1000 });
  expect(Date.now() - started).toBeLessThan(900);
  const a = r.samples.find((s) => s.link === 'mi-a-L0');
  const b = r.samples.find((s) => s.link === 'mi-b-L0');
  expect(a?.managedInstance).toEqual({ unreachable: 'mi-a did not answer within 0.3 s' });
  expect(a?.sqlServer).toMatchObject({ role: 'PRIMARY' });
  expect(b?.managedInstance).toMatchObject({ role: 'SECONDARY' });
});

test('instances are read with a bound on concurrency; a link the instance does not host is reported missing', async () => {
  const pairs: Array<[string, string, number]> = Array.from({ length: 10 }, (_, i) => [`sql-${i}`, `mi-${i}`, 1]);
  const e = estate(pairs);
  const seen = { sql: [] as string[], arm: [] as string[], inFlight: 0, maxInFlight: 0 };
  const r = await collect(e.links, e.instances, fakeSources(new Set(), seen), { concurrency: 3, callTimeoutMs: 1000, budgetMs: 5000 });
  expect(seen.maxInFlight).toBeLessThanOrEqual(3);
  expect(r.calls).toEqual({ sql: 20, arm: 10 });
  // sql-3's fake answers for mi-3's link names, so every sample finds both sides
  expect(r.samples.every((s) => s.sqlServer !== null && s.managedInstance !== null)).toBe(true);
  const lone = validateEstate({ instances: [sql('sql-x'), mi('mi-x')], links: [{ name: 'Other', sqlServer: { instance: 'sql-x', availabilityGroup: 'AG' }, managedInstance: { instance: 'mi-x' }, distributedAvailabilityGroup: 'Other', databases: ['d'] }] }, 'test');
  const missing = await collect(lone.links, lone.instances, fakeSources(new Set(), seen), { concurrency: 2, callTimeoutMs: 1000, budgetMs: 2000 });
  expect(missing.samples[0]).toMatchObject({ sqlServer: null, managedInstance: null, arm: null });
});
