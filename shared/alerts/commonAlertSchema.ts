// An Azure Monitor alert as an action group posts it with the common alert schema
// (`useCommonAlertSchema: true` on the Azure Function / webhook receiver), read from the raw HTTP
// body into a typed alert, or refused with one sentence a DBA can act on. Pure: no I/O, no clock,
// and it never throws, whatever the body holds. Schema: REFERENCE.md 10.1; AZMON
// articles/azure-monitor/alerts/alerts-common-schema.md and alerts-payload-samples.md.
import {
  alertSignalKind,
  clip,
  describeDetails,
  field,
  isRecord,
  oneLine,
  readAlertDetails,
  text,
  textList,
  type AlertDetails,
  type AlertSignalKind,
} from './alertContext';

export type { AlertDetails, AlertSignalKind } from './alertContext';
export { alertSignalKind } from './alertContext';

export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

export type AlertSeverity = 'Sev0' | 'Sev1' | 'Sev2' | 'Sev3' | 'Sev4';
export type AlertMonitorCondition = 'Fired' | 'Resolved';

const SEVERITIES: readonly AlertSeverity[] = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'];
const CONDITIONS: readonly AlertMonitorCondition[] = ['Fired', 'Resolved'];

export interface CommonAlert {
  /** essentials.alertId: one alert instance; with monitorCondition, the key for de-duplicating retries */
  alertId: string;
  /** '' for an alert no rule raised (a budget alert sends null) */
  alertRule: string;
  /** essentials.alertRuleID (or alertRuleId), when sent */
  alertRuleId?: string;
  /** absent when the alert has none (a budget alert sends null): no severity filter matches it */
  severity?: AlertSeverity;
  /** Metric | Log | Activity Log | ... as sent (the service-health test payload says "ActivityLog") */
  signalType?: string;
  monitorCondition: AlertMonitorCondition;
  /** as sent, e.g. 'Platform', 'Log Alerts V2', 'Resource Health'; '' when the alert names none */
  monitoringService: string;
  /** derived from monitoringService (unknown services -> 'other', parsed by essentials alone) */
  kind: AlertSignalKind;
  /** alertTargetIDs as sent (may be lower-cased by Azure; callers compare case-insensitively) */
  targetResourceIds: string[];
  configurationItems: string[];
  /** ISO 8601, UTC, millisecond precision (Azure sends up to 7 fractional digits) */
  firedAt: string;
  resolvedAt?: string;
  description?: string;
  originAlertId?: string;
  investigationLink?: string;
  /** the rule's custom properties (key: value), when it has any */
  customProperties?: Record<string, string>;
  /** one plain line a DBA reads: what fired, on what, with the key numbers/status */
  summary: string;
  /** signal-specific facts, only those present */
  details: AlertDetails;
}

export type AlertParseResult = { ok: true; alert: CommonAlert } | { ok: false; message: string };

const refuse = (message: string): AlertParseResult => ({ ok: false, message });

/** A value named in a refusal: quoted, one line, short, whatever it was. */
function quoted(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  return clip(oneLine(shown), 80);
}

/** Only full ISO 8601 timestamps: Date.parse reads other shapes in the host's local time zone. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function isoTimestamp(v: unknown): string | undefined {
  if (typeof v !== 'string' || !ISO_TIMESTAMP.test(v.trim())) return undefined;
  const ms = Date.parse(v.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Optional fields are left out rather than set to undefined, so a caller's `in` and toEqual see only what was sent. */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
}

function readCustomProperties(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const entries = Object.entries(v).flatMap(([k, x]): Array<[string, string]> => {
    const t = typeof x === 'string' ? x : text(x);
    return t === undefined ? [] : [[k, t]];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

const KIND_LABELS: Record<Exclude<AlertSignalKind, 'other'>, string> = {
  metric: 'metric',
  logSearch: 'log search',
  activityLog: 'activity log',
  resourceHealth: 'resource health',
  serviceHealth: 'service health',
  smartDetector: 'smart detector',
  prometheus: 'Prometheus',
};

const TARGETS_SHOWN = 3;
const SUMMARY_MAX = 500;

/** The last segment of a resource id ("wcus-r2-gen2"); a subscription-wide target reads "subscription <id>". */
function resourceName(id: string): string {
  const parts = id.split('/').filter((p) => p.length > 0);
  if (parts.length === 2 && parts[0].toLowerCase() === 'subscriptions') return `subscription ${parts[1]}`;
  return parts[parts.length - 1] ?? id;
}

/** What a DBA calls the affected resources: configuration items when sent, else the targets' names. */
function targetPhrase(configurationItems: string[], targetResourceIds: string[]): string {
  const names = configurationItems.length > 0 ? configurationItems : targetResourceIds.map(resourceName);
  if (names.length === 0) return 'no named resource';
  const shown = names.slice(0, TARGETS_SHOWN).map((n) => clip(oneLine(n), 80));
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function summarize(alert: Omit<CommonAlert, 'summary'>): string {
  const kindLabel = alert.kind === 'other' ? (alert.monitoringService.length > 0 ? alert.monitoringService : 'unnamed service') : KIND_LABELS[alert.kind];
  const rule = alert.alertRule ? ` "${clip(oneLine(alert.alertRule), 120)}"` : '';
  const head = `${alert.monitorCondition}${alert.severity ? ` ${alert.severity}` : ''} ${clip(oneLine(kindLabel), 60)} alert${rule} on ${targetPhrase(alert.configurationItems, alert.targetResourceIds)}`;
  // Services this parser does not know say what happened in the rule's description, if anywhere.
  const facts = describeDetails(alert.details) ?? (alert.description === undefined ? undefined : clip(oneLine(alert.description), 200));
  return clip(facts === undefined ? head : `${head}: ${facts}`, SUMMARY_MAX);
}

function parseBody(body: string): AlertParseResult {
  const trimmed = body.replace(/^\uFEFF/, '').trim();
  if (trimmed.length === 0) return refuse('the alert body is empty: an action group posts the alert as JSON');
  let root: unknown;
  try {
    root = JSON.parse(trimmed);
  } catch (err) {
    return refuse(`the alert body is not JSON: ${clip(oneLine(err instanceof Error ? err.message : String(err)), 200)}`);
  }
  if (!isRecord(root)) {
    const got = Array.isArray(root) ? 'an array' : root === null ? 'null' : `a ${typeof root}`;
    return refuse(`the alert body is not a JSON object (it is ${got}): an action group posts one alert object`);
  }

  const schemaId = field(root, 'schemaId');
  if (schemaId !== undefined && schemaId !== null && (typeof schemaId !== 'string' || schemaId.toLowerCase() !== COMMON_ALERT_SCHEMA_ID.toLowerCase())) {
    return refuse(
      `the alert uses schema ${quoted(schemaId)}, not the common alert schema (${COMMON_ALERT_SCHEMA_ID}): turn on "Enable the common alert schema" on the action group's receiver`,
    );
  }
  const essentials = field(field(root, 'data'), 'essentials');
  if (!isRecord(essentials)) {
    return refuse("the alert has no data.essentials: is the action group's receiver set to use the common alert schema?");
  }

  const monitoringService = text(field(essentials, 'monitoringService')) ?? '';
  const sentBy = monitoringService.length > 0 ? ` (sent by ${quoted(monitoringService)})` : '';
  const alertId = text(field(essentials, 'alertId'));
  if (alertId === undefined) return refuse(`the alert has no alertId in data.essentials${sentBy}`);
  // alertRule and severity may be null: a budget alert (CostAlerts) has neither, and is still an alert
  const alertRule = text(field(essentials, 'alertRule')) ?? '';

  const rawCondition = field(essentials, 'monitorCondition');
  if (rawCondition === undefined || rawCondition === null) return refuse('the alert has no monitorCondition in data.essentials (expected Fired or Resolved)');
  const monitorCondition = CONDITIONS.find((c) => c === rawCondition);
  if (monitorCondition === undefined) return refuse(`the alert's monitorCondition ${quoted(rawCondition)} is neither Fired nor Resolved`);

  const rawSeverity = field(essentials, 'severity');
  const severity = SEVERITIES.find((s) => s === rawSeverity);
  if (severity === undefined && rawSeverity !== undefined && rawSeverity !== null) return refuse(`the alert's severity ${quoted(rawSeverity)} is not one of Sev0 to Sev4`);

  const rawFired = field(essentials, 'firedDateTime');
  const firedAt = isoTimestamp(rawFired);
  if (firedAt === undefined) {
    return refuse(rawFired === undefined || rawFired === null ? 'the alert has no firedDateTime in data.essentials' : `the alert's firedDateTime ${quoted(rawFired)} is not an ISO 8601 time`);
  }

  const data = field(root, 'data');
  const kind = alertSignalKind(monitoringService);
  const alert = withoutUndefined<Omit<CommonAlert, 'summary'>>({
    alertId,
    alertRule,
    alertRuleId: text(field(essentials, 'alertRuleID')) ?? text(field(essentials, 'alertRuleId')),
    severity,
    signalType: text(field(essentials, 'signalType')),
    monitorCondition,
    monitoringService,
    kind,
    targetResourceIds: textList(field(essentials, 'alertTargetIDs')),
    configurationItems: textList(field(essentials, 'configurationItems')),
    firedAt,
    resolvedAt: isoTimestamp(field(essentials, 'resolvedDateTime')),
    description: text(field(essentials, 'description')),
    originAlertId: text(field(essentials, 'originAlertId')),
    investigationLink: text(field(essentials, 'investigationLink')),
    customProperties: readCustomProperties(field(data, 'customProperties')),
    details: readAlertDetails(kind, field(data, 'alertContext')),
  });
  return { ok: true, alert: { ...alert, summary: summarize(alert) } };
}

/** Reads an action group's POST body. Never throws: anything unreadable is refused with a sentence. */
export function parseCommonAlert(body: string): AlertParseResult {
  try {
    // Typed as string, but a JavaScript caller may hand over a Buffer or nothing at all.
    const raw: unknown = body;
    if (typeof raw !== 'string') return refuse(`the alert body is not text (it is ${raw === null ? 'null' : typeof raw})`);
    return parseBody(raw);
  } catch (err) {
    // A last guard: no input should reach here, but a parser that throws would fail the HTTP request.
    return refuse(`the alert could not be read: ${clip(oneLine(err instanceof Error ? err.message : String(err)), 200)}`);
  }
}
