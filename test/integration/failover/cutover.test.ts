// Migration cutover: a planned failover, then the link is removed only after the managed
// instance's first automated full backup of the database exists (REFERENCE 3.8); then ARM DELETE
// and DROP AVAILABILITY GROUP on SQL Server.
import type { FailoverOutput } from '../../../shared/failover/types';
import { startFailoverWorld, type FailoverWorld } from '../../helpers/failoverWorld';

jest.setTimeout(180_000);

describe('migration cutover', () => {
  let w: FailoverWorld;
  beforeAll(async () => {
    w = await startFailoverWorld({
      emulated: (e) => {
        for (const i of e.instances) if (i.kind === 'managedInstance') i.automatedBackups = { firstFullAfterSeconds: 20 };
      },
    });
    await w.sweep();
    await w.admin('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 0 });
  });
  afterAll(async () => w?.stop());

  it('waits for the first automated full backup before deleting the link', async () => {
    const started = Date.now();
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'cutover', dryRun: false, by: 'ana' });
    expect(r.decision.kind).toBe('act');
    const id = r.operation?.id as string;
    let sawWaiting = false;
    let linkWhileWaiting = false;
    await w.ops.drainUntil(async () => {
      const op = await w.ops.get(id);
      if (op.state === 'waiting' && /first automated full backup/.test(op.waitReason ?? '')) {
        sawWaiting = true;
        // while it waits, the link is still there on both sides
        linkWhileWaiting = w.emulator.links.links().some((l) => l.name === 'Link_Sales');
      }
      return op.state === 'succeeded' || op.state === 'failed' || op.state === 'cancelled';
    }, 90_000);
    const op = await w.ops.get(id);
    expect(op.error).toBeUndefined();
    expect(sawWaiting).toBe(true);
    expect(linkWhileWaiting).toBe(true);
    const out = op.output as FailoverOutput;
    const actions = out.actions.map((a) => a.what);
    const backupAt = out.actions.find((a) => /first automated full backup/.test(a.what))?.at as string;
    const deleteAt = out.actions.find((a) => /ARM DELETE/.test(a.what))?.at as string;
    expect(new Date(deleteAt).getTime()).toBeGreaterThanOrEqual(new Date(backupAt).getTime());
    // the backup came on the service's schedule, not at once
    expect(new Date(backupAt).getTime() - started).toBeGreaterThan(10_000);
    expect(actions.some((a) => /DROP AVAILABILITY GROUP/.test(a))).toBe(true);
    // gone on both sides: ARM knows no link, SQL Server no distributed availability group
    expect(w.emulator.links.links().some((l) => l.name === 'Link_Sales')).toBe(false);
    const p = await w.pool('sql-onprem');
    const ags = await p.request().query<{ n: number }>("SELECT COUNT(*) AS n FROM sys.availability_groups WHERE name = 'Link_Sales'");
    expect(ags.recordset[0].n).toBe(0);
    expect(w.link).toThrow();
  });
});
