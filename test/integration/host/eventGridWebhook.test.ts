// The Event Grid webhook /runtime/webhooks/eventgrid?functionName=NAME with the reference
// payloads (copied from ../shared/reference/events into test/fixtures/reference): the validation handshake
// of both schemas, the system key check, and notifications delivered intact.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { recorder } from '../../fixtures/hostApp/recorder';
import { startHarness, HostHarness, KEYS } from './hostHarness';

const sample = (name: string): unknown => JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/reference/events', name), 'utf8'));

let h: HostHarness;

beforeAll(async () => {
  h = await startHarness({ values: { 'AzureWebJobs.tick.Disabled': 'true', 'AzureWebJobs.flaky.Disabled': 'true', 'AzureWebJobs.alwaysFails.Disabled': 'true' } });
});

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => {
  recorder.gridEvents.length = 0;
  recorder.gridFailuresLeft = 0;
});

function webhook(query: Record<string, string> = { functionName: 'gridSink', code: KEYS.eventGrid }): string {
  return `${h.host.url}/runtime/webhooks/eventgrid?${new URLSearchParams(query).toString()}`;
}

function post(body: unknown, headers: Record<string, string> = {}, url = webhook()): Promise<Response> {
  return fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

describe('subscription validation', () => {
  it('answers the Event Grid schema SubscriptionValidationEvent exactly as Event Grid expects, without invoking the function', async () => {
    const expected = sample('eventgrid-schema_subscriptionvalidationevent_expected-response.json');
    const variants: Record<string, string>[] = [{ 'aeg-event-type': 'SubscriptionValidation' }, {}];
    for (const headers of variants) {
      const res = await post(sample('eventgrid-schema_subscriptionvalidationevent.json'), headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(expected);
    }
    expect(recorder.gridEvents).toHaveLength(0);
  });

  it('answers the CloudEvents OPTIONS handshake with WebHook-Allowed-Origin', async () => {
    const handshake = sample('cloudevents_webhook-validation-handshake_OPTIONS.json') as {
      request: { method: string; headers: Record<string, string> };
      expected_response_headers: Record<string, string>;
    };
    const res = await fetch(webhook(), { method: handshake.request.method, headers: handshake.request.headers });
    expect(res.status).toBe(200);
    for (const [name, value] of Object.entries(handshake.expected_response_headers)) expect(res.headers.get(name)).toBe(value);
    expect(recorder.gridEvents).toHaveLength(0);
  });
});

describe('system key', () => {
  it('refuses a missing or wrong key with 401 and accepts the eventgrid_extension key or the master key, as code or header', async () => {
    const body = sample('eventgrid-schema_subscriptionvalidationevent.json');
    expect((await post(body, {}, webhook({ functionName: 'gridSink' }))).status).toBe(401);
    expect((await post(body, {}, webhook({ functionName: 'gridSink', code: 'wrong' }))).status).toBe(401);
    // A function key is not a system key.
    expect((await post(body, {}, webhook({ functionName: 'gridSink', code: KEYS.hostDefault }))).status).toBe(401);
    expect((await post(body, {}, webhook({ functionName: 'gridSink', code: KEYS.master }))).status).toBe(200);
    expect((await post(body, { 'x-functions-key': KEYS.eventGrid }, webhook({ functionName: 'gridSink' }))).status).toBe(200);
  });

  it('answers 404 for a function that is not Event Grid triggered', async () => {
    expect((await post([], {}, webhook({ functionName: 'echo', code: KEYS.eventGrid }))).status).toBe(404);
    expect((await post([], {}, webhook({ functionName: 'nope', code: KEYS.eventGrid }))).status).toBe(404);
  });
});

describe('notifications', () => {
  it('delivers the Event Grid schema BlobCreated sample to the function with its data intact (202)', async () => {
    const events = sample('eventgrid-schema_blobcreated_putblocklist.json') as Record<string, unknown>[];
    const res = await post(events, { 'aeg-event-type': 'Notification' });
    expect(res.status).toBe(202);
    expect(recorder.gridEvents.map((e) => e.event)).toEqual(events);
    expect(recorder.gridEvents[0].triggerMetadata).toMatchObject({ id: events[0].id, subject: events[0].subject, eventType: 'Microsoft.Storage.BlobCreated' });
    expect(h.logs.some((l) => l.invocationId === recorder.gridEvents[0].invocationId && l.message === `event ${String(events[0].id)} received`)).toBe(true);
  });

  it('delivers CloudEvents 1.0, single and batched, one invocation per event', async () => {
    const [eg] = sample('eventgrid-schema_blobcreated_putblocklist.json') as Record<string, unknown>[];
    const cloudEvent = (id: string): Record<string, unknown> => ({
      specversion: '1.0',
      type: eg.eventType,
      source: eg.topic,
      subject: eg.subject,
      id,
      time: eg.eventTime,
      datacontenttype: 'application/json',
      data: eg.data,
    });
    expect((await post(cloudEvent('ce-1'), { 'aeg-event-type': 'Notification' })).status).toBe(202);
    expect((await post([cloudEvent('ce-2'), cloudEvent('ce-3')], { 'aeg-event-type': 'Notification' })).status).toBe(202);
    expect(recorder.gridEvents.map((e) => (e.event as { id: string }).id)).toEqual(['ce-1', 'ce-2', 'ce-3']);
    expect(recorder.gridEvents[1].event).toEqual(cloudEvent('ce-2'));
    expect(new Set(recorder.gridEvents.map((e) => e.invocationId)).size).toBe(3);
  });

  it('delivers other JSON payloads (Azure Monitor common alert schema samples) as they are', async () => {
    for (const name of ['commonalert_metric_static_fired_testaction.json', 'commonalert_metric_static_resolved_vm.json']) {
      const alert = sample(name);
      expect((await post(alert, { 'aeg-event-type': 'Notification' })).status).toBe(202);
      expect(recorder.gridEvents.at(-1)?.event).toEqual(alert);
    }
  });

  it('answers 500 when the function fails, so Event Grid retries, and logs the failure like the host', async () => {
    recorder.gridFailuresLeft = 1;
    const events = sample('eventgrid-schema_blobcreated_putblocklist.json');
    expect((await post(events, { 'aeg-event-type': 'Notification' })).status).toBe(500);
    const failed = h.logs.find((l) => l.invocationId === recorder.gridEvents[0].invocationId && l.message.startsWith("Executed 'Functions.gridSink' (Failed"));
    expect(failed).toBeDefined();
    expect((await post(events, { 'aeg-event-type': 'Notification' })).status).toBe(202);
  });

  it('refuses a body that is not JSON and an unknown aeg-event-type with 400', async () => {
    const res = await fetch(webhook(), { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
    expect((await post(sample('eventgrid-schema_blobcreated_putblocklist.json'), { 'aeg-event-type': 'Whatever' })).status).toBe(400);
    expect(recorder.gridEvents).toHaveLength(0);
  });
});
