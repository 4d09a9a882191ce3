// HTTP API (function key) over operations: list and filter, one with its audit trail, cancel,
// approve or reject.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AppError } from '../shared/errors';
import { badRequest, errorResponse, ok } from '../shared/http';
import type { OperationRecord, OperationState } from '../shared/ops/types';
import { getRuntime } from '../shared/runtime';

const STATES: OperationState[] = ['pending', 'running', 'waiting', 'awaiting-approval', 'succeeded', 'failed', 'cancelled'];

/** What the API shows of an operation: no ETags or message tokens. */
export function publicView(op: OperationRecord): Record<string, unknown> {
  return {
    id: op.id,
    kind: op.kind,
    target: op.targetKey,
    state: op.state,
    step: op.step,
    progress: op.progress,
    waitingFor: op.state === 'waiting' ? op.waitReason : undefined,
    nextRunAt: op.state === 'waiting' ? op.nextRunAt : undefined,
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
    input: op.input,
  };
}

export async function listOperations(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const state = request.query.get('state') ?? undefined;
    if (state && !STATES.includes(state as OperationState)) return badRequest(`state must be one of ${STATES.join(', ')}`);
    const limit = Number(request.query.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return badRequest('limit must be a whole number from 1 to 1000');
    const { engine } = await getRuntime();
    const ops = await engine.list({
      states: state ? [state as OperationState] : undefined,
      kind: request.query.get('kind') ?? undefined,
      targetKey: request.query.get('target')?.toLowerCase() ?? undefined,
      limit,
    });
    return ok({ operations: ops.map(publicView) });
  } catch (err) {
    return errorResponse(err);
  }
}

export async function getOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { engine } = await getRuntime();
    const id = request.params.id;
    const op = await engine.get(id);
    if (!op) return errorResponse(new AppError('OPERATION_NOT_FOUND', `operation ${id} does not exist`));
    return ok({ ...publicView(op), audit: await engine.audit(id) });
  } catch (err) {
    return errorResponse(err);
  }
}

async function bodyOf(request: HttpRequest): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

export async function cancelOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const body = await bodyOf(request);
    const by = typeof body.by === 'string' && body.by ? body.by : 'api';
    const reason = typeof body.reason === 'string' && body.reason ? body.reason : 'cancelled through the API';
    const { engine } = await getRuntime();
    return ok(publicView(await engine.cancel(request.params.id, by, reason)), 202);
  } catch (err) {
    return errorResponse(err);
  }
}

export async function decideOperation(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const body = await bodyOf(request);
    const decision = request.params.decision === 'approve' ? 'approved' : 'rejected';
    if (typeof body.by !== 'string' || !body.by) return badRequest('say who decides: {"by": "name@contoso.com"}');
    const { engine } = await getRuntime();
    return ok(publicView(await engine.decide(request.params.id, body.by, decision, typeof body.comment === 'string' ? body.comment : '')));
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('listOperations', { route: 'operations', methods: ['GET'], authLevel: 'function', handler: listOperations });
app.http('getOperation', { route: 'operations/{id}', methods: ['GET'], authLevel: 'function', handler: getOperation });
app.http('cancelOperation', { route: 'operations/{id}/cancel', methods: ['POST'], authLevel: 'function', handler: cancelOperation });
app.http('decideOperation', { route: 'operations/{id}/{decision:regex(^(approve|reject)$)}', methods: ['POST'], authLevel: 'function', handler: decideOperation });
