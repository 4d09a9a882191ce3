// Alert routes: which route a published alert takes, and why the others do not.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCommonAlert, type CommonAlert } from '../../../shared/alerts/commonAlertSchema';
import { alertSignal, matchingRoutes, routeMismatch } from '../../../shared/alerts/routes';
import { alertRouteSchema, type AlertRoute } from '../../../shared/config/schema';

function fixture(name: string): CommonAlert {
  const parsed = parseCommonAlert(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'alerts', name), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.alert;
}
const route = (raw: Record<string, unknown>): AlertRoute => alertRouteSchema.parse(raw);

const metric = fixture('commonalert_metric_static_fired_testaction.json');
const resolved = fixture('commonalert_metric_static_resolved_vm.json');
const health = fixture('commonalert_resourcehealth_testaction.json');

test('a route without criteria takes every alert; each criterion narrows it', () => {
  const everything = route({ name: 'dba-team', action: 'notify', webhookSetting: 'DBA_WEBHOOK_URL' });
  const bySeverity = route({ name: 'sev', match: { severity: ['Sev0', 'Sev1'] }, action: 'failover', link: 'Link_Sales' });
  const byCondition = route({ name: 'fired', match: { monitorCondition: 'Fired' }, action: 'notify' });
  for (const a of [metric, resolved, health]) expect(matchingRoutes(a, [everything]).map((r) => r.name)).toEqual(['dba-team']);
  expect(matchingRoutes(resolved, [everything, byCondition]).map((r) => r.name)).toEqual(['dba-team']);
  expect(routeMismatch(resolved, byCondition)).toBe('the alert is Resolved, the route wants Fired');
  expect(metric.severity).toBe('Sev4');
  expect(routeMismatch(metric, bySeverity)).toBe('severity is Sev4, the route wants Sev0 or Sev1');
  expect(matchingRoutes({ ...metric, severity: 'Sev1' }, [bySeverity])).toEqual([bySeverity]);
  expect(routeMismatch({ ...metric, severity: undefined }, bySeverity)).toBe('severity is none, the route wants Sev0 or Sev1');
});

test('rule names and target resources match without case, as Azure lower-cases ids', () => {
  const target = metric.targetResourceIds[0];
  const byTarget = route({ name: 't', match: { targetResourceId: target.toUpperCase(), alertRule: metric.alertRule.toUpperCase() }, action: 'failover', link: 'Link_Sales' });
  expect(matchingRoutes(metric, [byTarget])).toHaveLength(1);
  const other = route({ name: 'o', match: { targetResourceId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi-other' }, action: 'notify' });
  expect(routeMismatch(metric, other)).toMatch(/^the alert is about .+, the route wants \/subscriptions\/0\/.*mi-other$/);
});

test('the signal a failover route hands to the decision carries the alert identity and the route', () => {
  const r = route({ name: 'mi-down', action: 'failover', link: 'Link_Sales' });
  expect(alertSignal(health, r)).toEqual({
    kind: 'alert',
    alertId: health.alertId,
    alertRule: health.alertRule,
    monitorCondition: health.monitorCondition,
    severity: health.severity,
    targetResourceIds: health.targetResourceIds,
    route: 'mi-down',
    action: 'failover',
    summary: health.summary,
  });
});
