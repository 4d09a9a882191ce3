// Offline failback through backup portability: with the managed instance primary, a copy-only
// backup on it, restored on SQL Server 2022 under <database>_failback through the restore playbook
// (never over the linked database), and the steps to re-create the link listed in the output.
import type { FailoverOutput } from '../../../shared/failover/types';
import { startFailoverWorld, type FailoverWorld } from '../../helpers/failoverWorld';

jest.setTimeout(180_000);

describe('offline failback', () => {
  let w: FailoverWorld;
  beforeAll(async () => {
    w = await startFailoverWorld({
      withRestore: true,
      // no TDE on the managed instance's copy: a customer-managed key would have to reach SQL Server first
      emulated: (e) => {
        for (const i of e.instances) for (const d of i.databases ?? []) d.tde = 'none';
      },
    });
    await w.sweep();
    await w.admin('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 0 });
    const planned = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'planned', dryRun: false, by: 'ana' });
    await w.settle(planned.operation?.id as string, 60_000);
    expect(w.link().instance.role).toBe('PRIMARY');
  });
  afterAll(async () => w?.stop());

  it('backs up on the managed instance, restores on SQL Server under a new name, lists the way back to a link', async () => {
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'offline-failback', dryRun: false, by: 'ana' });
    expect(r.decision.kind).toBe('act');
    const id = r.operation?.id as string;
    await w.settle(id, 120_000);
    const op = await w.ops.get(id);
    expect(op.error).toBeUndefined();
    expect(op.state).toBe('succeeded');
    const out = op.output as FailoverOutput;
    expect(out.followUp?.join('\n')).toMatch(/re-create the link/);
    const p = await w.pool('sql-onprem');
    const dbs = await p.request().query<{ name: string; state_desc: string }>("SELECT name, state_desc FROM sys.databases WHERE name IN ('Sales', 'Sales_failback') ORDER BY name");
    expect(dbs.recordset).toEqual([
      { name: 'Sales', state_desc: 'ONLINE' },
      { name: 'Sales_failback', state_desc: 'ONLINE' },
    ]);
    // the link itself is untouched: the managed instance is still primary
    expect(w.link().instance.role).toBe('PRIMARY');
    expect(w.link().partner.role).toBe('SECONDARY');
  });
});
