// The signal-specific half of an Azure Monitor common-schema alert (`data.alertContext`): which
// monitoring service sent it, the few facts worth showing a DBA, and one plain phrase about them.
// The context's shape depends on the service and is loosely typed on the wire (numbers as strings,
// JSON inside strings, nulls anywhere), so every read here tolerates anything and never throws.
// Field names: AZMON articles/azure-monitor/alerts/alerts-common-schema.md and alerts-payload-samples.md.

export type AlertSignalKind = 'metric' | 'logSearch' | 'activityLog' | 'resourceHealth' | 'serviceHealth' | 'smartDetector' | 'prometheus' | 'other';

export interface MetricFact {
  name: string;
  operator?: string;
  /** as sent: a string, and for a dynamic threshold the value Azure computed */
  threshold?: string;
  value?: number;
  timeAggregation?: string;
  /** true when the rule uses dynamic thresholds (conditionType DynamicThresholdCriteria) */
  dynamic?: boolean;
  webTestName?: string;
  dimensions?: AlertDimension[];
}

export interface AlertDimension {
  name: string;
  value: string;
}

export interface ResourceHealthFacts {
  currentHealthStatus?: string;
  previousHealthStatus?: string;
  title?: string;
  cause?: string;
  type?: string;
  /** the activity-log event's status: Active, Resolved, In Progress, Updated */
  status?: string;
}

export interface ServiceHealthFacts {
  incidentType?: string;
  trackingId?: string;
  title?: string;
  impactedServices?: string[];
  impactedRegions?: string[];
  /** Active, Resolved, RCA, Planned, ... */
  stage?: string;
}

export interface LogSearchFacts {
  query?: string;
  /** log search V1 (Log Analytics / Application Insights) only */
  resultCount?: number;
  linkToSearchResults?: string;
  operator?: string;
  threshold?: string;
  /** log search V2: the measured value that crossed the threshold */
  value?: number;
  dimensions?: AlertDimension[];
}

export interface ActivityLogFacts {
  eventSource?: string;
  operationName?: string;
  status?: string;
  caller?: string;
  level?: string;
  /** the event's own sentence, when it has one (autoscale does) */
  description?: string;
}

export interface SmartDetectorFacts {
  detectorName?: string;
  detectionSummary?: string;
  detectedValue?: string;
  normalValue?: string;
}

export interface PrometheusFacts {
  expression?: string;
  expressionValue?: string;
  /** annotations.summary (or annotations.description) */
  summary?: string;
  ruleGroup?: string;
  labels?: Record<string, string>;
}

/** Signal-specific facts, only those present. */
export interface AlertDetails {
  metrics?: MetricFact[];
  resourceHealth?: ResourceHealthFacts;
  serviceHealth?: ServiceHealthFacts;
  logSearch?: LogSearchFacts;
  activityLog?: ActivityLogFacts;
  smartDetector?: SmartDetectorFacts;
  prometheus?: PrometheusFacts;
}

// ---- tolerant readers for parsed JSON ----

export type JsonRecord = Record<string, unknown>;

export const isRecord = (v: unknown): v is JsonRecord => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Own properties only: a payload key never resolves to something inherited from Object.prototype. */
export function field(record: unknown, key: string): unknown {
  return isRecord(record) && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** A non-empty string; numbers and booleans are written out, since Azure sends some enums as numbers. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim().length > 0 ? v : undefined;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A finite number, or a string holding one ("47658", "0.45"). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

export function textList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

/** Drops the keys whose value is undefined, and answers undefined for an object left empty. */
function present<T extends object>(facts: T): T | undefined {
  const kept = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

// ---- monitoring service -> kind ----

/** Case, spaces and dashes vary between samples ("Resource Health" / "ResourceHealth", "SmartDetector"). */
const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const KIND_BY_SERVICE: ReadonlyMap<string, AlertSignalKind> = new Map<string, AlertSignalKind>([
  ['platform', 'metric'],
  ['loganalytics', 'logSearch'],
  ['applicationinsights', 'logSearch'],
  ['logalertsv2', 'logSearch'],
  ['simplelogalert', 'logSearch'],
  ['resourcehealth', 'resourceHealth'],
  ['servicehealth', 'serviceHealth'],
  ['smartdetector', 'smartDetector'],
  ['prometheus', 'prometheus'],
]);

/** The documented monitoringService values; anything else is 'other' and read by its essentials alone. */
export function alertSignalKind(monitoringService: string): AlertSignalKind {
  const key = squash(monitoringService);
  // Activity Log - Administrative / Policy / Autoscale / Security (and any later category)
  if (key.startsWith('activitylog')) return 'activityLog';
  return KIND_BY_SERVICE.get(key) ?? 'other';
}

// ---- per-kind readers ----

function readDimensions(v: unknown): AlertDimension[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const dims = v.flatMap((d): AlertDimension[] => {
    const name = text(field(d, 'name'));
    const value = text(field(d, 'value'));
    return name !== undefined && value !== undefined ? [{ name, value }] : [];
  });
  return dims.length > 0 ? dims : undefined;
}

function conditionAllOf(context: unknown): unknown[] {
  const allOf = field(field(context, 'condition'), 'allOf');
  return Array.isArray(allOf) ? allOf : [];
}

function readMetrics(context: unknown): MetricFact[] | undefined {
  const dynamic = text(field(context, 'conditionType')) === 'DynamicThresholdCriteria' ? true : undefined;
  const metrics = conditionAllOf(context).flatMap((c): MetricFact[] => {
    const name = text(field(c, 'metricName'));
    if (name === undefined) return [];
    const fact = present<MetricFact>({
      name,
      operator: text(field(c, 'operator')),
      threshold: text(field(c, 'threshold')),
      value: num(field(c, 'metricValue')),
      timeAggregation: text(field(c, 'timeAggregation')),
      dynamic,
      webTestName: text(field(c, 'webTestName')),
      dimensions: readDimensions(field(c, 'dimensions')),
    });
    return fact ? [fact] : [];
  });
  return metrics.length > 0 ? metrics : undefined;
}

function readLogSearch(context: unknown): LogSearchFacts | undefined {
  // Log Alerts V2 (and Simple Log Alert): condition.allOf[] with searchQuery; V1: capitalised top-level fields.
  const v2 = conditionAllOf(context).find((c) => field(c, 'searchQuery') !== undefined);
  if (v2 !== undefined) {
    return present<LogSearchFacts>({
      query: text(field(v2, 'searchQuery')),
      linkToSearchResults: text(field(v2, 'linkToFilteredSearchResultsUI')) ?? text(field(v2, 'linkToSearchResultsUI')),
      operator: text(field(v2, 'operator')),
      threshold: text(field(v2, 'threshold')),
      value: num(field(v2, 'metricValue')),
      dimensions: readDimensions(field(v2, 'dimensions')),
    });
  }
  return present<LogSearchFacts>({
    query: text(field(context, 'SearchQuery')),
    resultCount: num(field(context, 'ResultCount')),
    linkToSearchResults: text(field(context, 'LinkToFilteredSearchResultsUI')) ?? text(field(context, 'LinkToSearchResults')),
    operator: text(field(context, 'Operator')),
    threshold: text(field(context, 'Threshold')),
    dimensions: readDimensions(field(context, 'Dimensions')),
  });
}

function readActivityLog(context: unknown): ActivityLogFacts | undefined {
  return present<ActivityLogFacts>({
    eventSource: text(field(context, 'eventSource')),
    operationName: text(field(context, 'operationName')),
    status: text(field(context, 'status')),
    caller: text(field(context, 'caller')),
    level: text(field(context, 'level')),
    description: text(field(field(context, 'properties'), 'description')),
  });
}

function readResourceHealth(context: unknown): ResourceHealthFacts | undefined {
  const p = field(context, 'properties');
  return present<ResourceHealthFacts>({
    currentHealthStatus: text(field(p, 'currentHealthStatus')),
    previousHealthStatus: text(field(p, 'previousHealthStatus')),
    title: text(field(p, 'title')),
    cause: text(field(p, 'cause')),
    type: text(field(p, 'type')),
    status: text(field(context, 'status')),
  });
}

/** impactedServices arrives as an array, or as that array serialized into a string (both are published). */
function impactedServiceList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

const unique = (xs: string[]): string[] | undefined => (xs.length > 0 ? [...new Set(xs)] : undefined);

function readServiceHealth(context: unknown): ServiceHealthFacts | undefined {
  const p = field(context, 'properties');
  const impacted = impactedServiceList(field(p, 'impactedServices'));
  const services = impacted.flatMap((s) => textList([text(field(s, 'ServiceName'))]));
  const regions = impacted.flatMap((s) => {
    const rs = field(s, 'ImpactedRegions');
    return Array.isArray(rs) ? rs.flatMap((r) => textList([text(field(r, 'RegionName'))])) : [];
  });
  const service = text(field(p, 'service'));
  const region = text(field(p, 'region'));
  return present<ServiceHealthFacts>({
    incidentType: text(field(p, 'incidentType')),
    trackingId: text(field(p, 'trackingId')),
    title: text(field(p, 'title')) ?? text(field(p, 'defaultLanguageTitle')),
    impactedServices: unique(services.length > 0 ? services : textList([service])),
    impactedRegions: unique(regions.length > 0 ? regions : textList([region])),
    stage: text(field(p, 'stage')),
  });
}

function readSmartDetector(context: unknown): SmartDetectorFacts | undefined {
  return present<SmartDetectorFacts>({
    detectorName: text(field(context, 'SmartDetectorName')) ?? text(field(context, 'SmartDetectorId')),
    detectionSummary: text(field(context, 'DetectionSummary')),
    detectedValue: text(field(context, 'DetectedValue')),
    normalValue: text(field(context, 'NormalValue')),
  });
}

function readLabels(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const entries = Object.entries(v).flatMap(([k, x]): Array<[string, string]> => {
    const t = text(x);
    return t === undefined ? [] : [[k, t]];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function readPrometheus(context: unknown): PrometheusFacts | undefined {
  const annotations = field(context, 'annotations');
  return present<PrometheusFacts>({
    expression: text(field(context, 'expression')),
    expressionValue: text(field(context, 'expressionValue')),
    summary: text(field(annotations, 'summary')) ?? text(field(annotations, 'description')),
    ruleGroup: text(field(context, 'ruleGroup')),
    labels: readLabels(field(context, 'labels')),
  });
}

/** The facts of one alert's context, read the way its monitoring service writes them. */
export function readAlertDetails(kind: AlertSignalKind, context: unknown): AlertDetails {
  if (!isRecord(context)) return {};
  switch (kind) {
    case 'metric':
      return present<AlertDetails>({ metrics: readMetrics(context) }) ?? {};
    case 'logSearch':
      return present<AlertDetails>({ logSearch: readLogSearch(context) }) ?? {};
    case 'activityLog':
      return present<AlertDetails>({ activityLog: readActivityLog(context) }) ?? {};
    case 'resourceHealth':
      return present<AlertDetails>({ resourceHealth: readResourceHealth(context) }) ?? {};
    case 'serviceHealth':
      return present<AlertDetails>({ serviceHealth: readServiceHealth(context) }) ?? {};
    case 'smartDetector':
      return present<AlertDetails>({ smartDetector: readSmartDetector(context) }) ?? {};
    case 'prometheus':
      return present<AlertDetails>({ prometheus: readPrometheus(context) }) ?? {};
    case 'other':
      return {};
  }
}

// ---- one phrase about the facts ----

/** One line, whatever the payload held: control characters and runs of spaces become one space. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029\s]+/g, ' ').trim();
}

/** Shortens one value so a huge field cannot crowd the rest of the line out. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
}

const VALUE_MAX = 120;
/** A payload value as it goes into the summary: one line, clipped. */
const v = (s: string | undefined): string | undefined => (s === undefined ? undefined : clip(oneLine(s), VALUE_MAX));

const OPERATOR_SYMBOLS: ReadonlyMap<string, string> = new Map([
  ['greaterthan', '>'],
  ['greaterthanorequal', '>='],
  ['lessthan', '<'],
  ['lowerthan', '<'],
  ['lessthanorequal', '<='],
  ['lowerthanorequal', '<='],
  ['equals', '='],
  ['equal', '='],
  ['notequals', '!='],
  ['greaterorlessthan', '> or <'],
]);

/** "GreaterThan", "Greater Than" and "LowerThan" all appear in published samples. */
export function operatorSymbol(operator: string): string {
  return OPERATOR_SYMBOLS.get(squash(operator)) ?? operator;
}

/** Joins the parts that are present with single spaces. */
const words = (...parts: Array<string | undefined>): string => parts.filter((p): p is string => p !== undefined && p.length > 0).join(' ');

/** "head: tail", or whichever of the two is there. */
const colon = (head: string, tail: string | undefined): string => (tail === undefined ? head : head.length > 0 ? `${head}: ${tail}` : tail);

function thresholdPhrase(operator: string | undefined, threshold: string | undefined, dynamic?: boolean): string | undefined {
  if (threshold === undefined) return undefined;
  return `(${words(dynamic ? 'dynamic threshold' : 'threshold', v(operator === undefined ? undefined : operatorSymbol(operator)), v(threshold))})`;
}

const dimensionPhrase = (dims: AlertDimension[] | undefined): string | undefined =>
  dims === undefined ? undefined : `[${dims.map((d) => `${v(d.name)}=${v(d.value)}`).join(', ')}]`;

function metricPhrase(m: MetricFact): string {
  return words(
    // "Average Percentage CPU 7.727": the aggregation reads as an adjective
    v(m.timeAggregation),
    v(m.name),
    m.value === undefined ? undefined : String(m.value),
    thresholdPhrase(m.operator, m.threshold, m.dynamic),
    dimensionPhrase(m.dimensions),
    m.webTestName === undefined ? undefined : `for web test ${v(m.webTestName)}`,
  );
}

function logSearchPhrase(l: LogSearchFacts): string {
  return words(
    'query',
    l.query === undefined ? undefined : `"${v(l.query)}"`,
    l.resultCount === undefined ? undefined : `returned ${l.resultCount} result${l.resultCount === 1 ? '' : 's'}`,
    l.value === undefined ? undefined : `value ${l.value}`,
    thresholdPhrase(l.operator, l.threshold),
    dimensionPhrase(l.dimensions),
  );
}

function resourceHealthPhrase(r: ResourceHealthFacts): string {
  const change = r.previousHealthStatus === undefined ? v(r.currentHealthStatus) : `${v(r.previousHealthStatus)} -> ${v(r.currentHealthStatus) ?? '?'}`;
  const why = [v(r.type), v(r.cause)].filter((x): x is string => x !== undefined).join(', ');
  return colon(words(change, why.length > 0 ? `(${why})` : undefined), v(r.title));
}

function serviceHealthPhrase(s: ServiceHealthFacts): string {
  const regions = s.impactedRegions === undefined ? '' : ` in ${v(s.impactedRegions.join(', '))}`;
  return words(
    v(s.incidentType),
    v(s.trackingId),
    s.title === undefined ? undefined : `"${v(s.title)}"`,
    s.impactedServices === undefined ? undefined : `(${v(s.impactedServices.join(', '))}${regions})`,
    s.stage === undefined ? undefined : `stage ${v(s.stage)}`,
  );
}

function activityLogPhrase(a: ActivityLogFacts): string {
  const head = words(v(a.eventSource), v(a.operationName), v(a.status), a.caller === undefined ? undefined : `by ${v(a.caller)}`);
  return a.description === undefined ? head : `${head} - ${v(a.description)}`;
}

function smartDetectorPhrase(s: SmartDetectorFacts): string {
  const numbers = [s.detectedValue === undefined ? undefined : `detected ${v(s.detectedValue)}`, s.normalValue === undefined ? undefined : `normal ${v(s.normalValue)}`].filter(
    (x): x is string => x !== undefined,
  );
  return words(colon(v(s.detectorName) ?? '', v(s.detectionSummary)), numbers.length > 0 ? `(${numbers.join(', ')})` : undefined);
}

function prometheusPhrase(p: PrometheusFacts): string {
  const head = words(p.expression === undefined ? undefined : `"${v(p.expression)}"`, p.expressionValue === undefined ? undefined : `value ${v(p.expressionValue)}`);
  return colon(head, v(p.summary));
}

/** One phrase with the key numbers or status, or undefined when the context held nothing readable. */
export function describeDetails(details: AlertDetails): string | undefined {
  const phrases = [
    details.metrics?.map(metricPhrase).join('; '),
    details.logSearch && logSearchPhrase(details.logSearch),
    details.resourceHealth && resourceHealthPhrase(details.resourceHealth),
    details.serviceHealth && serviceHealthPhrase(details.serviceHealth),
    details.activityLog && activityLogPhrase(details.activityLog),
    details.smartDetector && smartDetectorPhrase(details.smartDetector),
    details.prometheus && prometheusPhrase(details.prometheus),
  ].filter((p): p is string => p !== undefined && p.length > 0);
  return phrases.length > 0 ? phrases.join('; ') : undefined;
}
