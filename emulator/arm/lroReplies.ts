// How ARM answers a long-running operation, as the published examples and the ARM async-operations
// doc show it (shared/reference/arm: LRO-options_summary, arm-async-operations_doc-samples):
//   - accepted: 201 (PUT, with the resource) or 202 (PATCH, POST, DELETE: no body), with Location,
//     Retry-After and the Azure-AsyncOperation header the live service adds;
//   - Azure-AsyncOperation URL: 200 {name, status, startTime[, error]} (the recorded service body),
//     status InProgress | Succeeded | Failed, Retry-After while running;
//   - Location URL: 202 (Location, Retry-After) while running; when done 200 with the final resource
//     (final-state-via location) or 204 when there is none (DELETE); a failed operation answers its
//     error status and ARM error body.
import { ArmHttpError } from './errors';
import type { ArmOperation, OperationStore } from './operations';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface LroContext {
  operations: OperationStore;
  /** https://127.0.0.1:PORT */
  baseUrl: string;
  subscriptionId: string;
  /** the ARM location of the resource: names the operation URLs */
  location: string;
  /** the request's api-version: the polling URLs carry it */
  apiVersion: string;
  retryAfterSeconds: number;
}

function urls(ctx: LroContext, op: ArmOperation): { asyncOperation: string; location: string } {
  const base = `${ctx.baseUrl}/subscriptions/${ctx.subscriptionId}/providers/Microsoft.Sql/locations/${ctx.location}`;
  return {
    asyncOperation: `${base}/${op.family}AzureAsyncOperation/${op.id}?api-version=${ctx.apiVersion}`,
    location: `${base}/${op.family}OperationResults/${op.id}?api-version=${ctx.apiVersion}`,
  };
}

/** 201/202 with both polling headers and Retry-After */
export function accepted(ctx: LroContext, op: ArmOperation, status: 201 | 202, body?: unknown): Reply {
  const u = urls(ctx, op);
  return { status, body, headers: { 'Azure-AsyncOperation': u.asyncOperation, Location: u.location, 'Retry-After': String(ctx.retryAfterSeconds) } };
}

/** GET of an operation URL: `kind` is the lower-cased last-but-one segment (…AzureAsyncOperation / …OperationResults) */
export function operationReply(ctx: LroContext, kind: string, id: string): Reply {
  ctx.operations.settle();
  const op = ctx.operations.get(id);
  if (!op) throw new ArmHttpError(404, 'ResourceNotFound', `The operation '${id}' was not found.`);
  if (kind.endsWith('azureasyncoperation')) {
    return {
      status: 200,
      body: {
        name: op.id,
        status: op.status,
        startTime: op.startTime.toISOString(),
        ...(op.error ? { error: { code: op.error.code, message: op.error.message } } : {}),
      },
      headers: op.status === 'InProgress' ? { 'Retry-After': String(ctx.retryAfterSeconds) } : undefined,
    };
  }
  if (kind.endsWith('operationresults')) {
    if (op.status === 'InProgress') {
      return { status: 202, headers: { Location: urls(ctx, op).location, 'Retry-After': String(ctx.retryAfterSeconds) } };
    }
    if (op.status === 'Failed' && op.error) throw new ArmHttpError(op.error.status, op.error.code, op.error.message);
    return op.result === undefined ? { status: 204 } : { status: 200, body: op.result };
  }
  throw new ArmHttpError(404, 'ResourceNotFound', `The operation kind '${kind}' is not known.`);
}
