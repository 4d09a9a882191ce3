import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { alertSignalKind, parseCommonAlert, type CommonAlert } from '../../../shared/alerts/commonAlertSchema';

// Where the fixtures come from. Every sample is copied verbatim from Microsoft's published docs:
const PAYLOAD_SAMPLES = 'MicrosoftDocs/azure-monitor-docs articles/azure-monitor/alerts/alerts-payload-samples.md (commit 029830d63f32)';
const COMMON_SCHEMA = 'MicrosoftDocs/azure-monitor-docs articles/azure-monitor/alerts/alerts-common-schema.md (commit 0dc1e484da0e)';

/**
 * One line per fixture file: its source. Files named commonalert_* are whole payloads; files named
 * alertcontext_* are the docs' alertContext-only samples (the pages publish no whole payload for those
 * services), which the tests put under a published payload's essentials, see `underEssentials`.
 */
const FIXTURE_SOURCES: Record<string, string> = {
  'commonalert_metric_static_fired_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Metric alert - Static threshold" (via /work/shared/reference/events)`,
  'commonalert_metric_static_resolved_vm.json': `${PAYLOAD_SAMPLES}, "Sample alert payload" (via /work/shared/reference/events)`,
  'commonalert_metric_resolved_customproperties.json': `${COMMON_SCHEMA}, "Sample alert payload" (has alertRuleId and customProperties)`,
  'commonalert_metric_dynamic_fired_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Metric alert - Dynamic threshold"`,
  'commonalert_metric_availability_fired_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Availability test alert"`,
  'commonalert_logsearch_v1_loganalytics_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Log alert V1 - Metric measurement"`,
  'commonalert_logsearch_v2_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Log alert V2"`,
  'commonalert_activitylog_administrative_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Activity log alert"`,
  'commonalert_resourcehealth_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Resource health alert"`,
  'commonalert_servicehealth_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Service health alert"`,
  'commonalert_smartdetector_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Smart alert"`,
  'commonalert_costalerts_budget_testaction.json': `${PAYLOAD_SAMPLES}, "Sample test action Budget alert"`,
  'alertcontext_logsearch_appinsights.json': `${PAYLOAD_SAMPLES}, "Log search alert with monitoringService = Application Insights"`,
  'alertcontext_logsearch_simplelogalert.json': `${COMMON_SCHEMA}, "Sample log search alert when the monitoringService = Simple Log Alert"`,
  'alertcontext_activitylog_policy.json': `${PAYLOAD_SAMPLES}, "Activity log alert with monitoringService = Activity Log - Policy"`,
  'alertcontext_activitylog_autoscale.json': `${PAYLOAD_SAMPLES}, "Activity log alert with monitoringService = Activity Log - Autoscale"`,
  'alertcontext_activitylog_security.json': `${PAYLOAD_SAMPLES}, "Activity log alert with monitoringService = Activity Log - Security"`,
  'alertcontext_resourcehealth.json': `${PAYLOAD_SAMPLES}, "Activity log alert with monitoringService = ResourceHealth"`,
  'alertcontext_servicehealth_maintenance.json': `${PAYLOAD_SAMPLES}, "Activity log alert with monitoringService = ServiceHealth"`,
  'alertcontext_prometheus.json': `${PAYLOAD_SAMPLES}, "Sample Prometheus alert"`,
};

type Json = Record<string, unknown>;
interface Payload {
  schemaId?: unknown;
  data: { essentials: Json; alertContext?: unknown; customProperties?: unknown };
}

const fixtures = path.join(__dirname, '../../fixtures/alerts');
const raw = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8');
const payload = (name: string): Payload => JSON.parse(raw(name)) as Payload;

/**
 * A published alertContext sample under the essentials of a published whole payload, with the
 * essentials the doc heading implies (monitoringService, signalType) set over them.
 */
function underEssentials(contextFile: string, essentialsFile: string, essentials: Json): string {
  const body = payload(essentialsFile);
  const context = (JSON.parse(raw(contextFile)) as { alertContext: unknown }).alertContext;
  return JSON.stringify({ ...body, data: { ...body.data, essentials: { ...body.data.essentials, ...essentials }, alertContext: context } });
}

function accepted(body: string): CommonAlert {
  const result = parseCommonAlert(body);
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result.alert;
}

function refused(body: string): string {
  const result = parseCommonAlert(body);
  if (result.ok) throw new Error(`accepted: ${result.alert.summary}`);
  return result.message;
}

/** A published payload with some essentials replaced (a value of undefined removes the field). */
function withEssentials(name: string, changes: Json): string {
  const body = payload(name);
  const essentials: Json = { ...body.data.essentials, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete essentials[k];
  return JSON.stringify({ ...body, data: { ...body.data, essentials } });
}

test('every fixture file names its source here', () => {
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
  expect(files.sort()).toEqual(Object.keys(FIXTURE_SOURCES).sort());
});

describe('metric alerts (monitoringService Platform)', () => {
  test('a fired static-threshold alert reads as metric, with the metric, its value and threshold', () => {
    const alert = accepted(raw('commonalert_metric_static_fired_testaction.json'));
    expect(alert).toMatchObject({
      alertId: '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/providers/Microsoft.AlertsManagement/alerts/eeeeeeee-4444-5555-6666-ffffffffffff',
      alertRule: 'test-metricAlertRule',
      severity: 'Sev4',
      signalType: 'Metric',
      monitorCondition: 'Fired',
      monitoringService: 'Platform',
      kind: 'metric',
      targetResourceIds: ['/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.storage/storageaccounts/test-storageAccount'],
      configurationItems: ['test-storageAccount'],
      firedAt: '2025-04-15T18:17:12.851Z',
      description: 'Alertruledescription',
      customProperties: { customKey1: 'value1', customKey2: 'value2' },
    });
    expect(alert.resolvedAt).toBeUndefined();
    expect(alert.details).toEqual({
      metrics: [{ name: 'Transactions', operator: 'GreaterThan', threshold: '0', value: 100, timeAggregation: 'Total', dimensions: [{ name: 'ApiName', value: 'GetBlob' }] }],
    });
    expect(alert.summary).toBe('Fired Sev4 metric alert "test-metricAlertRule" on test-storageAccount: Total Transactions 100 (threshold > 0) [ApiName=GetBlob]');
  });

  test('a resolved alert carries both times, normalised to ISO, and leaves out the empty description', () => {
    const alert = accepted(raw('commonalert_metric_static_resolved_vm.json'));
    expect(alert).toMatchObject({ monitorCondition: 'Resolved', severity: 'Sev3', firedAt: '2019-03-22T13:58:24.371Z', resolvedAt: '2019-03-22T14:03:16.224Z' });
    expect('description' in alert).toBe(false);
    expect('customProperties' in alert).toBe(false);
    expect(alert.summary).toBe('Resolved Sev3 metric alert "WCUS-R2-Gen2" on wcus-r2-gen2: Average Percentage CPU 7.727 (threshold > 25) [ResourceId=b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2]');
  });

  test("the common-schema page's sample keeps its alertRuleId and custom properties", () => {
    const alert = accepted(raw('commonalert_metric_resolved_customproperties.json'));
    expect(alert.alertRuleId).toBe('/subscriptions/<subscription ID>/resourceGroups/<resource-group>/providers/microsoft.insights/metricAlerts/WCUS-R2-Gen2');
    expect(alert.customProperties).toEqual({ Key1: 'Value1', Key2: 'Value2' });
  });

  test('a dynamic threshold is called one, with the threshold Azure computed', () => {
    const alert = accepted(raw('commonalert_metric_dynamic_fired_testaction.json'));
    expect(alert.kind).toBe('metric');
    expect(alert.details.metrics).toEqual([{ name: 'Transactions', operator: 'GreaterThan', threshold: '0.3', value: 78.09, timeAggregation: 'Average', dynamic: true }]);
    expect(alert.summary).toBe('Fired Sev4 metric alert "test-dynamicMetricAlertRule" on test-storageAccount: Average Transactions 78.09 (dynamic threshold > 0.3)');
  });

  test('an availability-test alert names its web test', () => {
    const alert = accepted(raw('commonalert_metric_availability_fired_testaction.json'));
    expect(alert.details.metrics?.[0]).toMatchObject({ name: 'FailedLocation', value: 5, threshold: '2', webTestName: 'test-availabilityTest-test-applicationInsights' });
    expect(alert.summary).toContain(': Sum FailedLocation 5 (threshold > 2) for web test test-availabilityTest-test-applicationInsights');
  });
});

describe('log search alerts', () => {
  test('V1 (Log Analytics): the query, its result count and the filtered results link', () => {
    const alert = accepted(raw('commonalert_logsearch_v1_loganalytics_testaction.json'));
    expect(alert).toMatchObject({ kind: 'logSearch', monitoringService: 'Log Analytics', signalType: 'Log', configurationItems: [] });
    expect(alert.details.logSearch).toMatchObject({
      query: 'Heartbeat | summarize AggregatedValue=count() by bin(TimeGenerated, 5m)',
      resultCount: 2,
      operator: 'Greater Than',
      threshold: '0',
    });
    expect(alert.details.logSearch?.linkToSearchResults).toMatch(/^https:\/\/portal\.azure\.com#@.*aBcDeFgHidp%2BOPOhDKsHR/);
    // no configuration items: the workspace is named from the target id
    expect(alert.summary).toBe(
      'Fired Sev4 log search alert "test-logAlertRule-v1-metricMeasurement" on test-logAnalyticsWorkspace: query "Heartbeat | summarize AggregatedValue=count() by bin(TimeGenerated, 5m)" returned 2 results (threshold > 0)',
    );
  });

  test('V1 (Application Insights): threshold and dimensions of a metric-measurement rule', () => {
    // essentials from the V1 test action, monitoringService as the sample's heading names it
    const alert = accepted(underEssentials('alertcontext_logsearch_appinsights.json', 'commonalert_logsearch_v1_loganalytics_testaction.json', { monitoringService: 'Application Insights' }));
    expect(alert.kind).toBe('logSearch');
    expect(alert.details.logSearch).toMatchObject({ resultCount: 2, operator: 'Less Than', threshold: '10000', dimensions: [{ name: 'IP', value: '1.1.1.1' }] });
    expect(alert.summary).toContain('returned 2 results (threshold < 10000) [IP=1.1.1.1]');
  });

  test('V2 (Log Alerts V2): the measured value against the threshold, per dimension', () => {
    const alert = accepted(raw('commonalert_logsearch_v2_testaction.json'));
    expect(alert).toMatchObject({ kind: 'logSearch', monitoringService: 'Log Alerts V2', configurationItems: ['test-computer'] });
    expect(alert.details.logSearch).toMatchObject({ query: 'Heartbeat', operator: 'GreaterThan', threshold: '0', value: 3, dimensions: [{ name: 'Computer', value: 'test-computer' }] });
    expect(alert.details.logSearch?.resultCount).toBeUndefined();
    expect(alert.summary).toBe('Fired Sev4 log search alert "test-logAlertRule-v2" on test-computer: query "Heartbeat" value 3 (threshold > 0) [Computer=test-computer]');
  });

  test('a Simple Log Alert, whose condition is null nearly everywhere, still gives its query', () => {
    const alert = accepted(underEssentials('alertcontext_logsearch_simplelogalert.json', 'commonalert_logsearch_v2_testaction.json', { monitoringService: 'Simple Log Alert' }));
    expect(alert.kind).toBe('logSearch');
    expect(alert.details.logSearch).toMatchObject({ query: 'exceptions | where timestamp > ago(5m) | project timestamp, operation_Name, problemId, type, outerMessage', value: 1 });
    expect(alert.details.logSearch?.threshold).toBeUndefined();
    expect(alert.summary).toContain(': query "exceptions | where timestamp > ago(5m) | project timestamp, operation_Name, problemId, type, outerMessage" value 1');
  });
});

describe('activity log alerts', () => {
  test('Administrative: the operation, its status and who did it', () => {
    const alert = accepted(raw('commonalert_activitylog_administrative_testaction.json'));
    expect(alert).toMatchObject({ kind: 'activityLog', signalType: 'Activity Log', monitoringService: 'Activity Log - Administrative' });
    expect(alert.details.activityLog).toEqual({
      eventSource: 'Administrative',
      operationName: 'Microsoft.Compute/virtualMachines/restart/action',
      status: 'Succeeded',
      caller: 'user@contoso.com',
      level: 'Informational',
    });
    expect(alert.summary).toBe(
      'Fired Sev4 activity log alert "test-activityLogAlertRule" on test-VM: Administrative Microsoft.Compute/virtualMachines/restart/action Succeeded by user@contoso.com',
    );
  });

  // essentials from the Administrative test action, monitoringService as each sample's heading names it
  test.each([
    ['alertcontext_activitylog_policy.json', 'Activity Log - Policy', ': Policy Microsoft.Authorization/policies/audit/action Succeeded by <GUID>'],
    [
      'alertcontext_activitylog_autoscale.json',
      'Activity Log - Autoscale',
      ': Autoscale Microsoft.Insights/AutoscaleSettings/Scaleup/Action Succeeded by Microsoft.Insights/autoscaleSettings - The autoscale engine attempting to scale resource',
    ],
    ['alertcontext_activitylog_security.json', 'Activity Log - Security', ': Security Microsoft.Security/locations/alerts/activate/action Active'],
  ])('%s (%s) reads as an activity-log alert', (file, service, phrase) => {
    const alert = accepted(underEssentials(file, 'commonalert_activitylog_administrative_testaction.json', { monitoringService: service }));
    expect(alert.kind).toBe('activityLog');
    expect(alert.monitoringService).toBe(service);
    expect(alert.summary).toContain(phrase);
  });
});

describe('resource health and service health', () => {
  test('Resource Health: the health change, its type and cause, and the title', () => {
    const alert = accepted(raw('commonalert_resourcehealth_testaction.json'));
    expect(alert).toMatchObject({ kind: 'resourceHealth', monitoringService: 'Resource Health', signalType: 'Activity Log' });
    expect(alert.details).toEqual({
      resourceHealth: { currentHealthStatus: 'Unavailable', previousHealthStatus: 'Available', title: 'Rebooted by user', cause: 'UserInitiated', type: 'Downtime', status: 'Active' },
    });
    expect(alert.summary).toBe('Fired Sev4 resource health alert "test-ResourceHealthAlertRule" on test-VM: Available -> Unavailable (Downtime, UserInitiated): Rebooted by user');
  });

  test('"ResourceHealth" (the spelling of the context sample\'s heading) is resource health too', () => {
    const alert = accepted(underEssentials('alertcontext_resourcehealth.json', 'commonalert_resourcehealth_testaction.json', { monitoringService: 'ResourceHealth' }));
    expect(alert.kind).toBe('resourceHealth');
    expect(alert.details.resourceHealth?.title).toBe('This virtual machine is stopping and deallocating as requested by an authorized user or process');
  });

  test('ServiceHealth: incident, tracking id, services and regions; the target is a whole subscription', () => {
    const alert = accepted(raw('commonalert_servicehealth_testaction.json'));
    expect(alert).toMatchObject({ kind: 'serviceHealth', signalType: 'ActivityLog', targetResourceIds: ['/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e'], configurationItems: [] });
    expect(alert.details.serviceHealth).toEqual({
      incidentType: 'Incident',
      trackingId: 'TEST-TTT',
      title: 'TestActionGroup-TestServiceHealthAlert',
      impactedServices: ['AzureServiceName'],
      impactedRegions: ['Global'],
      stage: 'Resolved',
    });
    expect(alert.summary).toBe(
      'Fired Sev4 service health alert "test-ServiceHealthAlertRule" on subscription aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e: Incident TEST-TTT "TestActionGroup-TestServiceHealthAlert" (AzureServiceName in Global) stage Resolved',
    );
  });

  test('ServiceHealth with impactedServices serialized into a string and numeric enums', () => {
    const alert = accepted(underEssentials('alertcontext_servicehealth_maintenance.json', 'commonalert_servicehealth_testaction.json', {}));
    expect(alert.details.serviceHealth).toMatchObject({
      incidentType: 'Maintenance',
      title: 'Azure Synapse Analytics Scheduled Maintenance Pending',
      impactedServices: ['Azure Synapse Analytics'],
      impactedRegions: ['East US'],
      stage: 'Planned',
    });
  });
});

test('Smart Detector: the detector, what it saw, and the detected and normal values', () => {
  const alert = accepted(raw('commonalert_smartdetector_testaction.json'));
  expect(alert).toMatchObject({ kind: 'smartDetector', monitoringService: 'SmartDetector', firedAt: '2021-10-28T19:09:09.111Z' });
  expect(alert.summary).toBe(
    'Fired Sev4 smart detector alert "test-SmartAlertRule" on test-applicationInsights: Dependency Performance Degradation Detector: A degradation in the dependency duration over the last 24 hours (detected 0.45 sec, normal 0.27 sec (over the last 7 days))',
  );
});

test('Prometheus: the expression, its value and the summary annotation', () => {
  // The docs publish only this alertContext. The essentials are constructed: the static metric test
  // action's, with monitoringService "Prometheus" and signalType "Metric" (the schema's field table).
  const alert = accepted(
    underEssentials('alertcontext_prometheus.json', 'commonalert_metric_static_fired_testaction.json', { monitoringService: 'Prometheus', alertRule: 'sql-up', severity: 'Sev1' }),
  );
  expect(alert.kind).toBe('prometheus');
  expect(alert.details.prometheus).toEqual({
    expression: 'sql_up > 0',
    expressionValue: '0',
    summary: 'alert on SQL availability',
    ruleGroup: '/subscriptions/<subscription ID>/resourceGroups/myResourceGroup/providers/Microsoft.AlertsManagement/prometheusRuleGroups/myRuleGroup',
    labels: { Environment: 'Prod', cluster: 'myCluster1' },
  });
  expect(alert.summary).toBe('Fired Sev1 Prometheus alert "sql-up" on test-storageAccount: "sql_up > 0" value 0: alert on SQL availability');
});

test('an unknown monitoring service is read by its essentials alone and summarised with the rule description', () => {
  const alert = accepted(withEssentials('commonalert_metric_static_fired_testaction.json', { monitoringService: 'Contoso Watchdog' }));
  expect(alert).toMatchObject({ kind: 'other', monitoringService: 'Contoso Watchdog', details: {} });
  expect(alert.summary).toBe('Fired Sev4 Contoso Watchdog alert "test-metricAlertRule" on test-storageAccount: Alertruledescription');
});

test('a budget alert (CostAlerts: no alert rule, no severity) is read by its essentials; no severity filter can match it', () => {
  const result = parseCommonAlert(raw('commonalert_costalerts_budget_testaction.json'));
  if (!result.ok) throw new Error(result.message);
  expect(result.alert).toMatchObject({ kind: 'other', monitoringService: 'CostAlerts', alertRule: '' });
  expect(result.alert.severity).toBeUndefined();
  expect(result.alert.summary).toMatch(/^Fired CostAlerts alert on /);
});

test.each([
  ['Platform', 'metric'],
  ['Log Analytics', 'logSearch'],
  ['Application Insights', 'logSearch'],
  ['Log Alerts V2', 'logSearch'],
  ['Simple Log Alert', 'logSearch'],
  ['Activity Log - Administrative', 'activityLog'],
  ['Activity Log - Policy', 'activityLog'],
  ['Activity Log - Autoscale', 'activityLog'],
  ['Activity Log - Security', 'activityLog'],
  ['Resource Health', 'resourceHealth'],
  ['ResourceHealth', 'resourceHealth'],
  ['ServiceHealth', 'serviceHealth'],
  ['Service Health', 'serviceHealth'],
  ['Smart Detector', 'smartDetector'],
  ['SmartDetector', 'smartDetector'],
  ['Prometheus', 'prometheus'],
  ['CostAlerts', 'other'],
  ['', 'other'],
])('monitoringService %j is kind %s', (service, kind) => {
  expect(alertSignalKind(service)).toBe(kind);
});

describe('refusals', () => {
  test.each([
    ['', 'the alert body is empty: an action group posts the alert as JSON'],
    ['  \n ', 'the alert body is empty: an action group posts the alert as JSON'],
    ['[]', 'the alert body is not a JSON object (it is an array): an action group posts one alert object'],
    ['42', 'the alert body is not a JSON object (it is a number): an action group posts one alert object'],
    ['"Fired"', 'the alert body is not a JSON object (it is a string): an action group posts one alert object'],
    ['null', 'the alert body is not a JSON object (it is null): an action group posts one alert object'],
    ['{}', "the alert has no data.essentials: is the action group's receiver set to use the common alert schema?"],
    ['{"schemaId":"azureMonitorCommonAlertSchema","data":null}', "the alert has no data.essentials: is the action group's receiver set to use the common alert schema?"],
    ['{"data":{"essentials":[]}}', "the alert has no data.essentials: is the action group's receiver set to use the common alert schema?"],
  ])('%j is refused', (body, message) => {
    expect(refused(body)).toBe(message);
  });

  test('a body that is not JSON says so, with the parser’s reason', () => {
    expect(refused('schemaId=azureMonitorCommonAlertSchema')).toMatch(/^the alert body is not JSON: \S/);
    expect(refused(raw('commonalert_metric_static_fired_testaction.json').slice(0, 200))).toMatch(/^the alert body is not JSON: /);
  });

  test('another schema is refused by name (an action group receiver without the common schema)', () => {
    const activityLogWebhook = JSON.stringify({ schemaId: 'Microsoft.Insights/activityLogs', data: { status: 'Activated', context: { activityLog: {} } } });
    expect(refused(activityLogWebhook)).toBe(
      'the alert uses schema "Microsoft.Insights/activityLogs", not the common alert schema (azureMonitorCommonAlertSchema): turn on "Enable the common alert schema" on the action group\'s receiver',
    );
    expect(refused(JSON.stringify({ schemaId: 7, data: {} }))).toContain('the alert uses schema 7,');
  });

  test('a body without schemaId, or with it in other letter case, is read by its essentials', () => {
    const body = payload('commonalert_metric_static_fired_testaction.json');
    delete body.schemaId;
    expect(accepted(JSON.stringify(body)).kind).toBe('metric');
    expect(accepted(JSON.stringify({ ...body, schemaId: 'AzureMonitorCommonAlertSchema' })).kind).toBe('metric');
  });

  test.each([
    ['no alertId', { alertId: undefined }, 'the alert has no alertId in data.essentials (sent by "Platform")'],
    ['alertId null', { alertId: null }, 'the alert has no alertId in data.essentials (sent by "Platform")'],
    ['alertId empty', { alertId: '' }, 'the alert has no alertId in data.essentials (sent by "Platform")'],
    ['no monitorCondition', { monitorCondition: undefined }, 'the alert has no monitorCondition in data.essentials (expected Fired or Resolved)'],
    ['monitorCondition null', { monitorCondition: null }, 'the alert has no monitorCondition in data.essentials (expected Fired or Resolved)'],
    ['monitorCondition Active', { monitorCondition: 'Active' }, 'the alert\'s monitorCondition "Active" is neither Fired nor Resolved'],
    ['monitorCondition fired', { monitorCondition: 'fired' }, 'the alert\'s monitorCondition "fired" is neither Fired nor Resolved'],
    ['severity Sev5', { severity: 'Sev5' }, 'the alert\'s severity "Sev5" is not one of Sev0 to Sev4'],
    ['severity 3', { severity: 3 }, "the alert's severity 3 is not one of Sev0 to Sev4"],
    ['severity Critical', { severity: 'Critical' }, 'the alert\'s severity "Critical" is not one of Sev0 to Sev4'],
    ['no firedDateTime', { firedDateTime: undefined }, 'the alert has no firedDateTime in data.essentials'],
    ['firedDateTime in US format', { firedDateTime: '3/22/2019 1:36:31 PM' }, 'the alert\'s firedDateTime "3/22/2019 1:36:31 PM" is not an ISO 8601 time'],
    ['firedDateTime out of range', { firedDateTime: '2025-13-45T99:00:00Z' }, 'the alert\'s firedDateTime "2025-13-45T99:00:00Z" is not an ISO 8601 time'],
  ])('%s: refused', (_label, changes, message) => {
    expect(refused(withEssentials('commonalert_metric_static_fired_testaction.json', changes))).toBe(message);
  });

  test('an alert without a rule or a severity is read, not refused', () => {
    const result = parseCommonAlert(withEssentials('commonalert_metric_static_fired_testaction.json', { alertRule: null, severity: undefined }));
    if (!result.ok) throw new Error(result.message);
    expect(result.alert.alertRule).toBe('');
    expect(result.alert.severity).toBeUndefined();
  });

  test('a value named in a refusal is cut short', () => {
    const message = refused(withEssentials('commonalert_metric_static_fired_testaction.json', { severity: `Sev${'9'.repeat(100_000)}` }));
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(/^the alert's severity "Sev9+\.\.\. is not one of Sev0 to Sev4$/);
  });
});

describe('optional fields', () => {
  const optionalEssentials = ['signalType', 'configurationItems', 'alertTargetIDs', 'originAlertId', 'description', 'resolvedDateTime', 'investigationLink', 'alertRuleID', 'essentialsVersion', 'alertContextVersion', 'monitoringService'];

  test.each(optionalEssentials.flatMap((name) => [[name, null] as const, [name, undefined] as const]))('essentials.%s = %p still parses', (name, value) => {
    const alert = accepted(withEssentials('commonalert_metric_static_resolved_vm.json', { [name]: value }));
    expect(alert.alertRule).toBe('WCUS-R2-Gen2');
    expect(alert.summary).toMatch(/^Resolved Sev3 /);
    expect(Array.isArray(alert.targetResourceIds) && Array.isArray(alert.configurationItems)).toBe(true);
  });

  test('absent or null alertContext and customProperties give no details, and the summary falls back to the description', () => {
    for (const value of [null, undefined, [], 'text', 12]) {
      const body = payload('commonalert_metric_static_fired_testaction.json');
      const data: Json = { ...body.data, alertContext: value, customProperties: value };
      const alert = accepted(JSON.stringify({ ...body, data }));
      expect(alert.details).toEqual({});
      expect('customProperties' in alert).toBe(false);
      expect(alert.summary).toBe('Fired Sev4 metric alert "test-metricAlertRule" on test-storageAccount: Alertruledescription');
    }
  });

  test('with no targets and no configuration items, the summary says no resource was named', () => {
    const alert = accepted(withEssentials('commonalert_metric_static_fired_testaction.json', { alertTargetIDs: null, configurationItems: null }));
    expect(alert.targetResourceIds).toEqual([]);
    expect(alert.summary).toContain('alert "test-metricAlertRule" on no named resource:');
  });

  test('investigationLink and a resolved time are kept when sent', () => {
    const link = 'https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/Investigation.ReactView/alertId/x';
    const alert = accepted(withEssentials('commonalert_metric_static_fired_testaction.json', { investigationLink: link, monitorCondition: 'Resolved', resolvedDateTime: '2025-04-15T18:27:12.851+00:00' }));
    expect(alert).toMatchObject({ investigationLink: link, monitorCondition: 'Resolved', resolvedAt: '2025-04-15T18:27:12.851Z' });
  });
});

describe('the summary stays one readable line', () => {
  test('many targets are counted, not listed', () => {
    const items = ['mi-prod-01', 'mi-prod-02', 'mi-prod-03', 'mi-prod-04', 'mi-prod-05'];
    const alert = accepted(withEssentials('commonalert_metric_static_fired_testaction.json', { configurationItems: items }));
    expect(alert.summary).toContain(' on mi-prod-01, mi-prod-02, mi-prod-03 and 2 more: ');
  });

  test('line breaks and huge values do not break or swamp it', () => {
    const huge = 'x'.repeat(5_000_000);
    const alert = accepted(withEssentials('commonalert_metric_static_fired_testaction.json', { alertRule: `line one\r\nline two\u2028${huge}`, description: huge }));
    expect(alert.summary).not.toMatch(/[\r\n\u2028]/);
    expect(alert.summary.length).toBeLessThanOrEqual(500);
    expect(alert.summary).toMatch(/^Fired Sev4 metric alert "line one line two x+\.\.\." on test-storageAccount: Total Transactions 100/);
    expect(alert.alertRule.length).toBeGreaterThan(5_000_000); // the field itself is as sent
  });
});

describe('odd input never throws', () => {
  test.each([
    ['unclosed deep nesting', '[['.repeat(200_000), /^the alert body is not JSON: /],
    ['deeply nested array', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, /^the alert body is not a JSON object \(it is an array\)/],
    ['deeply nested object', `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`, /^the alert has no data\.essentials: is the action group's receiver set to use the common alert schema\?$/],
    ['a byte-order mark only', '\uFEFF', /^the alert body is empty/],
    // essentials hidden behind __proto__ are not the alert's own fields
    ['__proto__ essentials', '{"data":{"essentials":{"__proto__":{"alertId":"x","alertRule":"r","severity":"Sev1","monitorCondition":"Fired"}}}}', /^the alert has no alertId in data\.essentials$/],
    ['objects where strings belong', '{"data":{"essentials":{"alertId":{},"alertRule":[],"severity":{},"monitorCondition":[]}}}', /^the alert has no alertId in data\.essentials$/],
    ['null essentials', '{"schemaId":null,"data":{"essentials":null,"alertContext":{"condition":{"allOf":null}}}}', /^the alert has no data\.essentials: /],
  ])('%s: refused with a message', (_label, body, message) => {
    const result = parseCommonAlert(body);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(message) });
  });

  test('a body that is not a string at all is refused', () => {
    expect(parseCommonAlert(Buffer.from('{}') as unknown as string)).toEqual({ ok: false, message: 'the alert body is not text (it is object)' });
    expect(parseCommonAlert(undefined as unknown as string)).toEqual({ ok: false, message: 'the alert body is not text (it is undefined)' });
  });

  test('odd shapes inside a known alert context are skipped, not fatal', () => {
    const body = payload('commonalert_metric_static_fired_testaction.json');
    const alertContext = { conditionType: 7, condition: { allOf: [null, 1, 'x', [], { metricName: null }, { metricName: 'cpu_percent', metricValue: 'NaN', threshold: { a: 1 }, dimensions: 'ApiName' }] } };
    const alert = accepted(JSON.stringify({ ...body, data: { ...body.data, alertContext } }));
    expect(alert.details).toEqual({ metrics: [{ name: 'cpu_percent' }] });
    expect(alert.summary).toContain(': cpu_percent');
  });

  // Every published payload, each node in turn replaced by an odd value: the parser answers, never throws.
  test('mutated published payloads always get an answer', () => {
    const oddValues: unknown[] = [null, [], {}, 0, -1.5, '', 'Sev9', true, [null], { allOf: [{}] }, 'x'.repeat(10_000)];
    const files = Object.keys(FIXTURE_SOURCES).filter((f) => f.startsWith('commonalert_'));
    let answers = 0;
    for (const file of files) {
      const original = JSON.parse(raw(file)) as unknown;
      const paths = nodePaths(original);
      for (const [i, at] of paths.entries()) {
        const mutated = replaceAt(original, at, oddValues[i % oddValues.length]);
        const result = parseCommonAlert(JSON.stringify(mutated));
        if (result.ok) expect(result.alert.summary).not.toMatch(/[\r\n]/);
        else expect(result.message.length).toBeGreaterThan(0);
        answers += 1;
      }
    }
    expect(answers).toBeGreaterThan(500);
  });
});

/** Every path to a node of a JSON value (the root excluded). */
function nodePaths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const children: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i): [number, unknown] => [i, v])
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, child]) => [[...prefix, key], ...nodePaths(child, [...prefix, key])]);
}

function replaceAt(value: unknown, at: Array<string | number>, replacement: unknown): unknown {
  if (at.length === 0) return replacement;
  const [head, ...rest] = at;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const record = value as Json;
  return { ...record, [head]: replaceAt(record[head], rest, replacement) };
}
