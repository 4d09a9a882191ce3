// HTTP API (function key) over operations: list (filtered, paged), one with its audit trail,
// cancel, approve or reject, retry.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { badRequest, deciderOf, errorResponse, jsonObjectBody, ok, routeId } from '../shared/http';
import type { OperationRecord, OperationState } from '../shared/ops/types';
import { describeDecider, OPEN_STATES } from '../shared/ops/types';
import { getRuntime } from '../shared/runtime';

const STATES: OperationState[] = ['pending', 'running', 'waiting', 'awaiting-approval', 'succeeded', 'failed', 'cancelled'];

/** What the API shows of an operation: no ETags or message tokens. */
export function publicView(op: OperationRecord): Record<string, unknown> {
  return {
    id: op.id,
    kind: op.kind,
    target: op.targetKey,
    locks: op.lockKeys,
    state: op.state,
    step: op.step,
    progress: op.progress,
    waitingFor: op.state === 'waiting' || (op.state === 'pending' && op.cleanup) ? op.waitReason : undefined,
    nextRunAt: op.state === 'waiting' ? op.nextRunAt : undefined,
    ending: op.cleanup && { as: op.cleanup.ending, because: op.cleanup.error, fromStep: op.cleanup.fromStep },
    error: op.error,
    output: op.output,
    approval: op.approval,
    cancelRequested: op.cancelRequested,
    attempt: op.attempt,
    createdAt: op.createdAt,
    startedAt: op.startedAt,
    updatedAt: op.updatedAt,
    deadline: op.deadline,
    createdBy: op.createdBy,
    retryOf: op.retryOf,
    input: op.input,
  };
}

/** ?state= one state, several (comma-separated), or `open` for every state that is not final. */
function statesOf(raw: string | null): OperationState[] | undefined | { bad: string } {
  if (!raw) return undefined;
  const out: OperationState[] = [];
  for (const s of raw.split(',').map((x) => x.trim())) {
    if (s === 'open') out.push(...OPEN_STATES);
    else if (STATES.includes(s as OperationState)) out.push(s as OperationState);
    else return { bad: s };
  }
  return out;
}

export async function listOperations(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const states = statesOf(request.query.get('state'));
    if (states && 'bad' in states) return badRequest(`state '${states.bad}' is not one of ${[...STATES, 'open'].join(', ')} (several may be given, comma-separated)`);
    const limit = Number(request.query.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return badRequest('limit must be a whole number from 1 to 1000');
    const continuation = request.query.get('continuation') ?? undefined;
    if (continuation !== undefined && !/^\d{13}-[A-Za-z0-9._-]{1,128}$/.test(continuation)) return badRequest('continuation is not one this API gave out');
    const kind = request.query.get('kind') ?? undefined;
    if (kind !== undefined && !/^[a-z][a-z0-9-]{0,63}$/.test(kind)) return badRequest(`kind '${kind}' is not an operation kind`);
    const target = request.query.get('target')?.trim().toLowerCase() || undefined;
    const { engine } = await getRuntime();
    const page = await engine.list({ states, kind, targetKey: target, limit, continuation });
    return ok({ operations: page.operations.map(publicView), continuation: page.continuation });
  } catch (err) {
    return errorResponse(err);
  }
}

export async function getOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const id = routeId(request.params.id, 'operation id');
    if ('response' in id) return id.response;
    const { engine } = await getRuntime();
    const op = await engine.get(id.id);
    if (!op) return { status: 404, jsonBody: { error: { code: 'OPERATION_NOT_FOUND', message: `operation ${id.id} does not exist` } } };
    return ok({ ...publicView(op), audit: await engine.audit(id.id) });
  } catch (err) {
    return errorResponse(err);
  }
}

export async function cancelOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const id = routeId(request.params.id, 'operation id');
    if ('response' in id) return id.response;
    const parsed = await jsonObjectBody(request, '{"by": "name@contoso.com", "reason": "wrong backup"}');
    if ('response' in parsed) return parsed.response;
    const decider = deciderOf(request.headers, parsed.body);
    const by = decider ? describeDecider(decider) : 'api';
    const reason = typeof parsed.body.reason === 'string' && parsed.body.reason.trim() ? parsed.body.reason.trim().slice(0, 1000) : 'cancelled through the API';
    const { engine } = await getRuntime();
    return ok(publicView(await engine.cancel(id.id, by, reason)), 202);
  } catch (err) {
    return errorResponse(err);
  }
}

export async function decideOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const id = routeId(request.params.id, 'operation id');
    if ('response' in id) return id.response;
    const parsed = await jsonObjectBody(request, '{"by": "name@contoso.com", "comment": "checked the lag"}');
    if ('response' in parsed) return parsed.response;
    const decision = request.params.decision === 'approve' ? 'approved' : 'rejected';
    const decider = deciderOf(request.headers, parsed.body);
    if (!decider) return badRequest('say who decides: sign in through App Service authentication, or send {"by": "name@contoso.com"}');
    const comment = typeof parsed.body.comment === 'string' ? parsed.body.comment.slice(0, 1000) : '';
    const { engine } = await getRuntime();
    return ok(publicView(await engine.decide(id.id, decider, decision, comment)));
  } catch (err) {
    return errorResponse(err);
  }
}

export async function retryOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const id = routeId(request.params.id, 'operation id');
    if ('response' in id) return id.response;
    const parsed = await jsonObjectBody(request, '{"by": "name@contoso.com"}');
    if ('response' in parsed) return parsed.response;
    const decider = deciderOf(request.headers, parsed.body);
    const { engine } = await getRuntime();
    const { operation } = await engine.retry(id.id, decider ? describeDecider(decider) : 'api');
    return ok(publicView(operation), 202);
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('listOperations', { route: 'operations', methods: ['GET'], authLevel: 'function', handler: listOperations });
app.http('getOperation', { route: 'operations/{id}', methods: ['GET'], authLevel: 'function', handler: getOperation });
app.http('cancelOperation', { route: 'operations/{id}/cancel', methods: ['POST'], authLevel: 'function', handler: cancelOperation });
app.http('retryOperation', { route: 'operations/{id}/retry', methods: ['POST'], authLevel: 'function', handler: retryOperation });
app.http('decideOperation', { route: 'operations/{id}/{decision:regex(^(approve|reject)$)}', methods: ['POST'], authLevel: 'function', handler: decideOperation });
