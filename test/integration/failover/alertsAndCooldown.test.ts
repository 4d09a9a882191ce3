// Alerts reach the decision point through their routes: the same alert delivered three times is one
// decision and one operation; its Resolved withdraws the approval still pending. A second failover
// within the cooldown is not started, and the decision says why.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseCommonAlert, type CommonAlert } from '../../../shared/alerts/commonAlertSchema';
import { startFailoverWorld, type FailoverWorld } from '../../helpers/failoverWorld';

jest.setTimeout(180_000);

const FIXTURE = path.join(__dirname, '../../fixtures/alerts/commonalert_resourcehealth_testaction.json');

/** the published resource-health sample, about sql-onprem's Arc resource, as Azure would send it */
function alert(condition: 'Fired' | 'Resolved'): CommonAlert {
  const body = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { data: { essentials: Record<string, unknown> } };
  Object.assign(body.data.essentials, {
    alertId: '/subscriptions/0/providers/Microsoft.AlertsManagement/alerts/11111111-2222-3333-4444-555555555555',
    alertRule: 'sql-onprem-unavailable',
    severity: 'Sev1',
    monitorCondition: condition,
    alertTargetIDs: ['/subscriptions/0/resourcegroups/rg/providers/microsoft.azurearcdata/sqlserverinstances/sql-onprem'],
  });
  const parsed = parseCommonAlert(JSON.stringify(body));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.alert;
}

describe('alerts: one signal, one operation; Resolved withdraws the pending approval', () => {
  let w: FailoverWorld;
  let receiver: Server;
  const received: Array<{ kind: string; id: string; summary: string }> = [];
  beforeAll(async () => {
    // the DBA team's webhook: answers 503 to every first delivery, so each notification is retried
    const seen = new Set<string>();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const n = JSON.parse(body) as { kind: string; id: string; summary: string };
        if (!seen.has(n.id)) {
          seen.add(n.id);
          res.writeHead(503).end();
          return;
        }
        received.push(n);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    w = await startFailoverWorld({
      policy: { mode: 'approval', consecutiveSignals: 2 },
      settings: { DBA_HOOK: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/dba?sig=secret` },
      alertRoutes: [
        { name: 'sql-down', match: { alertRule: 'sql-onprem-unavailable', severity: ['Sev0', 'Sev1'] }, action: 'failover', link: 'Link_Sales', webhookSetting: 'DBA_HOOK' },
      ],
    });
    await w.sweep();
    await w.admin('POST', '/instances/sql-onprem/faults', { kind: 'instanceDown' });
    await new Promise((r) => setTimeout(r, 1_000));
    await w.sweep();
  });
  afterAll(async () => {
    await w?.stop();
    await new Promise((r) => receiver.close(r));
  });

  it('the first failing sample alone is not enough for the policy', async () => {
    const [d] = await w.decisions.list('Link_Sales', 1);
    expect(d.kind).toBe('notify');
    expect(d.reasons.map((r) => r.code)).toContain('WAITING_FOR_SIGNALS');
    expect(d.operationId).toBeUndefined();
  });

  it('the same alert delivered 3 times: one decision, one operation awaiting approval', async () => {
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await w.intake.onAlert(alert('Fired')));
    const ids = outcomes.map((o) => o.routes[0].operationId);
    expect(ids[0]).toBeDefined();
    expect(new Set(ids).size).toBe(1);
    expect(outcomes.map((o) => o.routes[0].duplicate)).toEqual([false, true, true]);
    const decisions = (await w.decisions.list('Link_Sales', 10)).filter((d) => d.signal.kind === 'alert');
    expect(decisions).toHaveLength(1);
    expect(decisions[0].deliveries).toBe(3);
    expect(decisions[0].kind).toBe('await-approval');
    const id = ids[0] as string;
    await w.ops.drainUntil(async () => (await w.ops.get(id)).state === 'awaiting-approval', 30_000);
    expect((await w.ops.engine.list({ kind: 'failover' })).operations.filter((o) => !o.targetKey.endsWith('dry-run'))).toHaveLength(1);
  });

  it('its Resolved cancels the operation still awaiting approval; nothing changed', async () => {
    const r = await w.intake.onAlert(alert('Resolved'));
    expect(r.cancelled).toHaveLength(1);
    const id = r.cancelled[0];
    await w.settle(id);
    const op = await w.ops.get(id);
    expect(op.state).toBe('cancelled');
    expect(w.link().partner.role).toBe('PRIMARY');
    expect(w.failoverCalls()).toBe(0);
    const [d] = await w.decisions.list('Link_Sales', 1);
    expect(d.reasons.map((x) => x.code)).toContain('ALERT_RESOLVED');
  });

  it('the webhook heard each decision once (after a retry), the approval asked for, and the outcome', async () => {
    const kinds = received.map((n) => n.kind);
    expect(kinds.filter((k) => k === 'approval-needed')).toHaveLength(1);
    expect(kinds).toContain('decision');
    expect(received.find((n) => n.kind === 'outcome')?.summary).toMatch(/ended cancelled/);
    expect(new Set(received.map((n) => n.id)).size).toBe(received.length);
  });
});

describe('cooldown', () => {
  let w: FailoverWorld;
  beforeAll(async () => {
    w = await startFailoverWorld({ policy: { cooldownMinutes: 60 } });
    await w.sweep();
  });
  afterAll(async () => w?.stop());

  it('a second failover within the cooldown is not started, and the decision says why', async () => {
    await w.admin('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 0 });
    const first = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'planned', dryRun: false, by: 'ana' });
    await w.settle(first.operation?.id as string, 60_000);
    expect((await w.ops.get(first.operation?.id as string)).state).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 1_000));
    await w.sweep();
    const second = await w.intake.onSignal('Link_Sales', { kind: 'manual', type: 'failback', dryRun: false, by: 'ana' });
    expect(second.operation).toBeUndefined();
    expect(second.decision.kind).toBe('none');
    expect(second.decision.reasons.map((r) => r.code)).toContain('COOLDOWN');
    expect(second.decision.summary).toMatch(/within the 60-minute cooldown/);
    const stored = await w.decisions.list('Link_Sales', 1);
    expect(stored[0].signalKey).toBe(second.decision.signalKey);
  });
});
