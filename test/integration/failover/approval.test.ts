// SQL Server primary down with 120 s of lag against a 30-s budget, policy automatic: the decision
// waits for a person, and the prompt shows the estimated loss. Rejected: nothing changes. Left
// alone: it expires. Approved: the forced failover runs.
import type { FailoverOutput } from '../../../shared/failover/types';
import type { Decider } from '../../../shared/ops/types';
import { startFailoverWorld, type FailoverWorld } from '../../helpers/failoverWorld';

jest.setTimeout(180_000);

const ana: Decider = { name: 'ana@contoso.com', id: '00000000-0000-0000-0000-0000000000aa', provider: 'aad', selfDeclared: false };

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('forced failover over the data-loss budget', () => {
  let w: FailoverWorld;
  const awaiting = (id: string) => async (): Promise<boolean> => (await w.ops.get(id)).state === 'awaiting-approval';
  beforeAll(async () => {
    w = await startFailoverWorld({
      emulated: (e) => {
        // simulated time runs 30x: 120 s of lag builds up in a few seconds
        e.clockSpeed = 30;
        for (const l of e.links ?? []) l.latencyMs = 120_000;
      },
    });
    await until('120 s of lag', async () => {
      await w.sweep();
      return ((await w.health.get('Link_Sales'))?.record.metrics.rpoSeconds ?? 0) >= 100;
    }, 60_000);
    await w.admin('POST', '/instances/sql-onprem/faults', { kind: 'instanceDown' });
    await new Promise((r) => setTimeout(r, 1_000));
    await w.sweep();
  });
  afterAll(async () => w?.stop());

  it('the sweep asks for an approval whose prompt shows the estimated loss; rejected, nothing changes', async () => {
    const [d] = await w.decisions.list('Link_Sales', 1);
    expect(d.kind).toBe('await-approval');
    expect(d.type).toBe('forced');
    expect(d.reasons.map((r) => r.code)).toContain('OVER_BUDGET');
    expect(d.estimate?.seconds).toBeGreaterThan(30);
    const id = d.operationId as string;
    await w.ops.drainUntil(awaiting(id), 30_000);
    const op = await w.ops.get(id);
    expect(op.approval?.prompt).toMatch(new RegExp(`forced failover of link Link_Sales to mi-prod: estimated data loss ${d.estimate?.seconds} s`));
    expect(op.approval?.prompt).toMatch(/over the budget of 30 s/);
    const before = await w.snapshot();
    await w.ops.engine.decide(id, ana, 'rejected', 'not yet: the DC team is on it');
    await w.settle(id);
    const ended = await w.ops.get(id);
    expect(ended.state).toBe('cancelled');
    expect(ended.error?.code).toBe('APPROVAL_REJECTED');
    expect(await w.snapshot()).toEqual(before);
    expect(w.failoverCalls()).toBe(0);
  });

  it('an approval left alone expires and nothing changes', async () => {
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'forced', dryRun: false, by: 'ops-bot' });
    expect(r.decision.kind).toBe('await-approval');
    const id = r.operation?.id as string;
    await w.ops.drainUntil(awaiting(id), 30_000);
    const op = await w.ops.get(id);
    expect(op.approval?.expiresAt).toBeDefined();
    w.ops.clock.offsetMs += new Date(op.approval?.expiresAt as string).getTime() - Date.now() + 5_000;
    await w.ops.engine.sweep();
    await w.settle(id);
    const ended = await w.ops.get(id);
    expect(ended.error?.code).toBe('APPROVAL_EXPIRED');
    expect(w.link().partner.role).toBe('PRIMARY');
    expect(w.failoverCalls()).toBe(0);
    w.ops.clock.offsetMs = 0;
  });

  it('approved: the forced failover runs, with the estimate on the operation', async () => {
    const r = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'forced', dryRun: false, by: 'ops-bot' });
    const id = r.operation?.id as string;
    await w.ops.drainUntil(awaiting(id), 30_000);
    await w.ops.engine.decide(id, ana, 'approved', 'the primary is gone for good');
    await w.settle(id, 60_000);
    const op = await w.ops.get(id);
    expect(op.error).toBeUndefined();
    expect(op.state).toBe('succeeded');
    expect(op.approval?.decidedBy).toBe('ana@contoso.com');
    const out = op.output as FailoverOutput;
    expect(out.estimate?.seconds).toBe(r.decision.estimate?.seconds);
    expect(w.link().instance.role).toBe('PRIMARY');
    expect(w.failoverCalls()).toBe(1);
    // what the forced failover lost is what the emulator recorded as lost
    expect(w.link().lost.length).toBeGreaterThan(0);
  });
});
