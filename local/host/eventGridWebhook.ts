// The Event Grid extension's webhook, /runtime/webhooks/eventgrid?functionName=NAME, as the host
// serves it: guarded by the `eventgrid_extension` system key (or the master key); the
// subscription-validation handshake answered (Event Grid schema: 200 {"validationResponse"};
// CloudEvents: OPTIONS with WebHook-Request-Origin → WebHook-Allowed-Origin); notifications
// (Event Grid schema arrays, CloudEvents single or batched) delivered one event per invocation;
// 202 when all succeed, 500 when one fails so Event Grid retries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcTypedData } from './coreTypes';
import { BodyTooLarge, readBody, refuseTooLarge } from './httpTrigger';
import type { Invoker } from './invoker';
import { authorizeSystem, presentedKey } from './keys';
import type { LoadedFunction } from './loader';
import type { HostKeys } from './settings';

export const EVENTGRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';
/** Event Grid never delivers more than 1 MB in one request (an event, or a batch of them). */
export const EVENTGRID_MAX_BODY_BYTES = 1_048_576;
const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

type EventObject = Record<string, unknown>;

function isObject(v: unknown): v is EventObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function answer(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The metadata the host passes with an Event Grid trigger (either schema), by property. */
export function eventGridTriggerMetadata(event: EventObject): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {};
  for (const [key, value] of Object.entries(event)) {
    const name = key.charAt(0).toUpperCase() + key.slice(1);
    metadata[name] = typeof value === 'string' ? { string: value } : { json: JSON.stringify(value ?? null) };
  }
  return metadata;
}

/** Delivers one event to an Event Grid triggered function; resolves with whether it succeeded. */
export async function deliverEvent(fn: LoadedFunction, event: EventObject, invoker: Invoker): Promise<boolean> {
  const result = await invoker.invoke(fn, {
    triggerData: { json: JSON.stringify(event) },
    triggerMetadata: eventGridTriggerMetadata(event),
    reason: `EventGrid trigger fired at ${new Date().toISOString()}`,
  });
  return result.status === 'Succeeded';
}

export async function serveEventGridWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  functions: LoadedFunction[],
  keys: HostKeys,
  invoker: Invoker,
): Promise<void> {
  if (!authorizeSystem(presentedKey(req.headers, url.searchParams), keys.eventGridExtension, keys)) return answer(res, 401);
  const name = url.searchParams.get('functionName');
  if (!name) return answer(res, 400, { error: 'the functionName query parameter is required' });
  const fn = functions.find((f) => f.name.toLowerCase() === name.toLowerCase() && f.trigger.type.toLowerCase() === 'eventgridtrigger');
  if (!fn) return answer(res, 404, { error: `no Event Grid triggered function named "${name}"` });

  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'OPTIONS') {
    // CloudEvents 1.0 abuse protection: allow the origin that asks.
    const origin = req.headers['webhook-request-origin'];
    if (typeof origin !== 'string' || !origin) return answer(res, 400, { error: 'WebHook-Request-Origin header is required' });
    res.writeHead(200, { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*', Allow: 'POST' }).end();
    return;
  }
  if (method !== 'POST') return answer(res, 405);

  let body: Buffer;
  try {
    body = await readBody(req, EVENTGRID_MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) return refuseTooLarge(req, res, err);
    throw err;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return answer(res, 400, { error: 'the body is not JSON' });
  }
  const events = (Array.isArray(payload) ? payload : [payload]).filter(isObject);
  if (events.length === 0) return answer(res, 400, { error: 'the body holds no event' });

  const declared = req.headers['aeg-event-type'];
  const eventType = typeof declared === 'string' ? declared : undefined;
  const validation = events.find((e) => e.eventType === VALIDATION_EVENT);
  if (eventType === 'SubscriptionValidation' || (eventType === undefined && validation)) {
    const data = validation?.data;
    const code = isObject(data) ? data.validationCode : undefined;
    if (typeof code !== 'string') return answer(res, 400, { error: 'no SubscriptionValidationEvent with a validationCode in the body' });
    return answer(res, 200, { validationResponse: code });
  }
  if (eventType !== undefined && eventType !== 'Notification') return answer(res, 400, { error: `aeg-event-type "${eventType}" is not supported` });

  let allSucceeded = true;
  for (const event of events) {
    if (!(await deliverEvent(fn, event, invoker))) allSucceeded = false;
  }
  return answer(res, allSucceeded ? 202 : 500);
}
