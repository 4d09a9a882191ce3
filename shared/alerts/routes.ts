// Which of the estate's alert routes an alert takes: every criterion a route names must match
// (rule name and target resource compared without case, as Azure often lower-cases resource ids;
// severity one of those listed; the monitor condition); a route that names none takes every alert.
import type { AlertRoute } from '../config/schema';
import type { AlertSignal } from '../failover/types';
import type { CommonAlert } from './commonAlertSchema';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Why a route did not take the alert: the first criterion that failed, for the decision log. */
export function routeMismatch(alert: CommonAlert, route: AlertRoute): string | undefined {
  const m = route.match;
  if (m.alertRule !== undefined && !same(m.alertRule, alert.alertRule)) return `rule is "${alert.alertRule}", the route wants "${m.alertRule}"`;
  if (m.severity !== undefined && (alert.severity === undefined || !m.severity.includes(alert.severity))) {
    return `severity is ${alert.severity ?? 'none'}, the route wants ${m.severity.join(' or ')}`;
  }
  if (m.monitorCondition !== undefined && m.monitorCondition !== alert.monitorCondition) return `the alert is ${alert.monitorCondition}, the route wants ${m.monitorCondition}`;
  if (m.targetResourceId !== undefined && !alert.targetResourceIds.some((id) => same(id, m.targetResourceId as string))) {
    return `the alert is about ${alert.targetResourceIds.join(', ') || 'no resource'}, the route wants ${m.targetResourceId}`;
  }
  return undefined;
}

export function matchingRoutes(alert: CommonAlert, routes: AlertRoute[]): AlertRoute[] {
  return routes.filter((r) => routeMismatch(alert, r) === undefined);
}

/** The signal a route's link decides on (a failover route names its link; the estate checks that). */
export function alertSignal(alert: CommonAlert, route: AlertRoute): AlertSignal {
  return {
    kind: 'alert',
    alertId: alert.alertId,
    alertRule: alert.alertRule,
    monitorCondition: alert.monitorCondition,
    severity: alert.severity ?? 'none',
    targetResourceIds: alert.targetResourceIds,
    route: route.name,
    action: route.action,
    summary: alert.summary,
  };
}
