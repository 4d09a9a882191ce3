// POST /api/alerts (function key): Azure Monitor's common alert schema, as an action group's
// webhook or Azure Function action posts it. A body that is not an alert gets 400 and starts
// nothing; an alert is answered 200 once its decisions are stored (the work runs in operations).
// One alert (id + monitor condition) is one signal however often it is delivered.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { badRequest, errorResponse, MAX_BODY_BYTES, ok } from '../shared/http';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';

export async function alertReceived(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const body = await request.text();
    // alert payloads can be large (log search results), but not unbounded
    if (Buffer.byteLength(body) > 4 * MAX_BODY_BYTES * 16) return badRequest('the alert body is larger than 4 MiB');
    const { parseCommonAlert } = await import('../shared/alerts/commonAlertSchema');
    const parsed = parseCommonAlert(body);
    if (!parsed.ok) return badRequest(parsed.message);
    const { failover } = await getRuntime();
    const outcome = await failover.intake(invocationLogger(context)).onAlert(parsed.alert);
    context.log(`alert ${parsed.alert.alertRule || '(no rule)'} ${parsed.alert.monitorCondition}: ${outcome.routes.length} route(s) taken, ${outcome.cancelled.length} approval(s) withdrawn`);
    return ok(outcome);
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('alertReceived', { route: 'alerts', methods: ['POST'], authLevel: 'function', handler: alertReceived });
