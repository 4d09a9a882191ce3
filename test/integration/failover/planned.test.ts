// Planned failover SQL Server -> managed instance and the failback, end to end on the emulated
// estate through the real mssql, ARM and Private DNS clients: roles swapped on both sides, nothing
// lost, asynchronous again, the CNAME on the new primary; a dry run of each type changes nothing.
import { SimulatedCrash } from '../../../shared/ops/worker';
import type { Playbook } from '../../../shared/ops/playbook';
import type { FailoverOutput } from '../../../shared/failover/types';
import { startFailoverWorld, HOSTS, ZONE_ID, type FailoverWorld } from '../../helpers/failoverWorld';

jest.setTimeout(120_000);

const DNS = { zoneResourceId: ZONE_ID, recordName: 'app-sales', ttlSeconds: 30 };

async function stopWorkload(w: FailoverWorld, instance: string): Promise<void> {
  const r = await w.admin('POST', `/instances/${instance}/databases/Sales/workload`, { tps: 0 });
  expect(r.status).toBe(200);
}

async function modes(w: FailoverWorld, instance: string): Promise<string[]> {
  const p = await w.pool(instance);
  const r = await p.request().query<{ mode: string }>("SELECT ar.availability_mode_desc AS mode FROM sys.availability_groups ag JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id WHERE ag.name = 'Link_Sales'");
  return r.recordset.map((x) => x.mode);
}

describe('planned failover and failback', () => {
  let w: FailoverWorld;
  let crashes = 0;
  beforeAll(async () => {
    // the worker dies right after the ARM failover POST returned, before its poller was saved
    const wrap = (p: Playbook): Playbook => ({
      ...p,
      hasStep: (s) => p.hasStep(s),
      needsLocks: (s) => p.needsLocks(s),
      parseInput: (r) => p.parseInput(r),
      extraLocks: (i) => p.extraLocks(i),
      async run(step, ctx) {
        const result = await p.run(step, ctx);
        if (step === 'failover' && crashes === 0 && result.type === 'next' && result.step === 'failoverWait') {
          crashes++;
          throw new SimulatedCrash('worker killed after the ARM failover was issued');
        }
        return result;
      },
    });
    w = await startFailoverWorld({ wrap });
    await w.sweep();
  });
  afterAll(async () => w?.stop());

  it('a dry run of every type leaves the estate exactly as it was', async () => {
    const before = await w.snapshot();
    for (const type of ['planned', 'failback', 'forced', 'cutover', 'offline-failback', 'split-brain-repair'] as const) {
      const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type, dryRun: true, by: 'test' });
      expect(r.operation).toBeDefined();
      const id = r.operation?.id as string;
      await w.settle(id);
      const op = await w.ops.get(id);
      expect(op.state).toBe('succeeded');
      const out = op.output as FailoverOutput;
      expect(out.dryRun).toBe(true);
      expect(out.plan.length).toBeGreaterThan(2);
      expect(out.checks.length).toBeGreaterThan(0);
    }
    expect(await w.snapshot()).toEqual(before);
    expect(w.failoverCalls()).toBe(0);
  });

  it('planned failover: roles swapped on both sides, nothing lost, asynchronous again, the CNAME on the managed instance; one ARM failover call despite a crash', async () => {
    await stopWorkload(w, 'sql-onprem');
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'planned', dryRun: false, by: 'ana' });
    expect(r.decision.kind).toBe('act');
    const id = r.operation?.id as string;
    // the dead worker's lease runs out; the message comes back and the operation resumes
    await expect(w.settle(id, 90_000)).rejects.toBeInstanceOf(SimulatedCrash);
    await w.settle(id, 90_000);
    const op = await w.ops.get(id);
    expect(op.error).toBeUndefined();
    expect(op.state).toBe('succeeded');
    expect(crashes).toBe(1);
    expect(w.failoverCalls()).toBe(1);
    expect(w.link().instance.role).toBe('PRIMARY');
    expect(w.link().partner.role).toBe('SECONDARY');
    expect(w.link().lost).toEqual([]);
    const out = op.output as FailoverOutput;
    expect(out.sides?.managedInstance.role).toBe('PRIMARY');
    expect(out.sides?.sqlServer.role).toBe('SECONDARY');
    expect(out.sides?.sqlServer.availabilityMode).toBe('asynchronous');
    expect(out.sides?.managedInstance.availabilityMode).toBe('asynchronous');
    expect(out.actions.map((a) => a.what).join('\n')).toMatch(/LSNs equal/);
    expect(await modes(w, 'sql-onprem')).toEqual(['ASYNCHRONOUS_COMMIT', 'ASYNCHRONOUS_COMMIT']);
    expect(await w.redirect.current(DNS)).toBe(HOSTS.managedInstance);
  });

  it('planned failback: the roles come back, the CNAME on SQL Server', async () => {
    await w.sweep();
    await stopWorkload(w, 'mi-prod');
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'failback', dryRun: false, by: 'ana' });
    expect(r.decision.kind).toBe('act');
    const id = r.operation?.id as string;
    await w.settle(id, 90_000);
    const op = await w.ops.get(id);
    expect(op.error).toBeUndefined();
    expect(w.link().partner.role).toBe('PRIMARY');
    expect(w.link().instance.role).toBe('SECONDARY');
    expect(w.link().lost).toEqual([]);
    expect(await w.redirect.current(DNS)).toBe(HOSTS.sqlServer);
  });

  it('a planned failover whose LSNs never converge ends PLANNED_FAILOVER_TIMEOUT, asynchronous again, roles unchanged', async () => {
    await w.sweep();
    const p = await w.admin('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 50 });
    expect(p.status).toBe(200);
    // the secondary stops hardening: the send queue grows and the LSNs drift apart
    const f = await w.admin('POST', '/instances/mi-prod/links/Link_Sales/faults', { kind: 'slowRedo', redoRateKBps: 1 });
    expect(f.status).toBeLessThan(300);
    await w.admin('POST', '/instances/mi-prod/links/Link_Sales/faults', { kind: 'partition' });
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'planned', dryRun: false, by: 'ana' });
    if (!r.operation) throw new Error(`not started: ${r.decision.summary}`);
    const id = r.operation.id;
    await w.settle(id, 90_000);
    const op = await w.ops.get(id);
    expect(op.state).toBe('failed');
    expect(op.error?.code).toBe('PLANNED_FAILOVER_TIMEOUT');
    expect(op.error?.message).toMatch(/Roles were not changed/);
    expect(w.link().partner.role).toBe('PRIMARY');
    expect(w.link().instance.role).toBe('SECONDARY');
    expect(await modes(w, 'sql-onprem')).toEqual(['ASYNCHRONOUS_COMMIT', 'ASYNCHRONOUS_COMMIT']);
    await w.admin('DELETE', '/instances/mi-prod/links/Link_Sales/faults');
  });
});
