// The Microsoft.Sql resources the ARM emulator serves, routed by path. Each handler answers a
// Reply or throws ArmHttpError; long-running ones start an operation in the OperationStore, which
// proceeds on its own in simulated time (operations.ts). Every operation is served on the
// api-versions apiVersions.ts lists for it.
import { checkApiVersion, type SqlOperation } from './apiVersions';
import type { ArmBackend, LrsStart } from './backend';
import { ArmHttpError } from './errors';
import { linkRoutes } from './linkRoutes';
import { accepted, operationReply, type LroContext, type Reply } from './lroReplies';
import type { OperationStore } from './operations';
import { pointInTimeRestoreStart } from './pointInTimeRestore';
import { encryptionProtectorBody, managedDatabaseBody, managedInstanceBody, restoreDetailsBody } from './resources';

export type { Reply } from './lroReplies';

export interface RouteContext {
  backend: ArmBackend;
  operations: OperationStore;
  /** https://127.0.0.1:PORT */
  baseUrl: string;
  apiVersion: string;
  retryAfterSeconds: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function notFound(type: string, name: string, rg: string): ArmHttpError {
  return new ArmHttpError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

function badRequest(code: string, message: string): ArmHttpError {
  return new ArmHttpError(400, code, message);
}

/** the operation a path under a managed instance names (lower-cased segments after its name) */
function operationOf(rest: string[]): SqlOperation {
  if (rest[0] === 'databases') return 'managedInstances/databases';
  if (rest[0] === 'encryptionprotector') return 'managedInstances/encryptionProtector';
  if (rest[0] === 'distributedavailabilitygroups') {
    if (rest[2] === 'failover') return 'managedInstances/distributedAvailabilityGroups/failover';
    if (rest[2] === 'setrole') return 'managedInstances/distributedAvailabilityGroups/setRole';
    return 'managedInstances/distributedAvailabilityGroups';
  }
  return 'managedInstances';
}

/** the context the LRO replies and the link routes need, at `location` */
function lroContext(ctx: RouteContext, location: string): LroContext {
  return { operations: ctx.operations, baseUrl: ctx.baseUrl, subscriptionId: ctx.backend.subscriptionId, location, apiVersion: ctx.apiVersion, retryAfterSeconds: ctx.retryAfterSeconds };
}

export function route(ctx: RouteContext, method: string, segments: string[], body: unknown): Reply {
  const s = segments.map((x) => x.toLowerCase());
  const sub = ctx.backend.subscriptionId;
  if (s[0] !== 'subscriptions' || s.length < 2) throw badRequest('InvalidRequestUri', 'The request URI is not valid.');
  if (segments[1].toLowerCase() !== sub.toLowerCase()) throw new ArmHttpError(404, 'SubscriptionNotFound', `The subscription '${segments[1]}' could not be found.`);
  const anyLocation = ctx.backend.instances()[0]?.location ?? 'westeurope';
  const served = (operation: SqlOperation, location = anyLocation): void => checkApiVersion(operation, ctx.apiVersion, location);
  // /subscriptions/{s}/providers/Microsoft.Sql/...
  if (s[2] === 'providers' && s[3] === 'microsoft.sql') {
    if (s[4] === 'managedinstances' && s.length === 5 && method === 'GET') {
      served('managedInstances');
      return { status: 200, body: { value: ctx.backend.instances().map((m) => managedInstanceBody(sub, m)) } };
    }
    if (s[4] === 'locations' && s.length === 8) {
      served('locations/operationResults', segments[5]);
      return operationReply(lroContext(ctx, segments[5]), s[6], segments[7]);
    }
  }
  if (s[2] !== 'resourcegroups' || s[4] !== 'providers' || s[5] !== 'microsoft.sql' || s[6] !== 'managedinstances') {
    throw badRequest('InvalidResourceType', `The resource type in '/${segments.join('/')}' is not served by the emulator.`);
  }
  const rg = segments[3];
  if (s.length === 7 && method === 'GET') {
    served('managedInstances');
    return { status: 200, body: { value: ctx.backend.instances().filter((m) => m.resourceGroup.toLowerCase() === rg.toLowerCase()).map((m) => managedInstanceBody(sub, m)) } };
  }
  // ARM refuses a version before the resource provider looks for the resource
  served(operationOf(s.slice(8)));
  const miName = segments[7];
  const mi = ctx.backend.instance(rg, miName);
  if (!mi) throw notFound('Microsoft.Sql/managedInstances', miName, rg);
  const rest = s.slice(8);
  if (rest.length === 0 && method === 'GET') {
    return { status: 200, body: managedInstanceBody(sub, mi) };
  }
  if (rest[0] === 'encryptionprotector' && rest[1] === 'current' && rest.length === 2 && method === 'GET') {
    return { status: 200, body: encryptionProtectorBody(sub, rg, mi.name, ctx.backend.encryptionProtector(mi.name)) };
  }
  if (rest[0] === 'databases') return databases(ctx, method, rg, mi.name, mi.location, segments.slice(9), body);
  if (rest[0] === 'distributedavailabilitygroups') return linkRoutes({ ...lroContext(ctx, mi.location), backend: ctx.backend }, method, rg, mi.name, segments.slice(9), body);
  throw badRequest('InvalidResourceType', `The resource type in '/${segments.join('/')}' is not served by the emulator.`);
}

// ---- managed databases and the Log Replay Service ------------------------------------------------

function lrsStart(body: unknown): LrsStart {
  const p = isObject(body) && isObject(body.properties) ? body.properties : undefined;
  if (!p) throw badRequest('InvalidRequestContent', 'The request content is not valid: properties are required.');
  if (p.createMode !== 'RestoreExternalBackup') throw badRequest('InvalidParameterValue', `createMode '${String(p.createMode)}' is not supported by the emulator; use RestoreExternalBackup.`);
  const uri = p.storageContainerUri;
  if (typeof uri !== 'string' || !/^https?:\/\//i.test(uri)) throw badRequest('InvalidParameterValue', 'storageContainerUri must be the URL of the backup folder.');
  const sas = p.storageContainerSasToken;
  const identity = p.storageContainerIdentity ?? (sas !== undefined ? 'SharedAccessSignature' : undefined);
  if (identity === 'ManagedIdentity' && sas !== undefined) {
    throw badRequest('InvalidParameterValue', 'storageContainerSasToken cannot be combined with storageContainerIdentity ManagedIdentity.');
  }
  if (identity !== 'ManagedIdentity' && identity !== 'SharedAccessSignature') {
    throw badRequest('InvalidParameterValue', 'storageContainerIdentity must be SharedAccessSignature (with storageContainerSasToken) or ManagedIdentity.');
  }
  if (identity === 'SharedAccessSignature' && (typeof sas !== 'string' || sas.length === 0)) throw badRequest('InvalidParameterValue', 'storageContainerSasToken is required with SharedAccessSignature.');
  const auto = p.autoCompleteRestore === true;
  if (auto && typeof p.lastBackupName !== 'string') throw badRequest('InvalidParameterValue', 'lastBackupName is required when autoCompleteRestore is true.');
  return {
    storageContainerUri: uri,
    storageContainerIdentity: identity,
    storageContainerSasToken: typeof sas === 'string' ? sas : undefined,
    autoCompleteRestore: auto,
    lastBackupName: typeof p.lastBackupName === 'string' ? p.lastBackupName : undefined,
    collation: typeof p.collation === 'string' ? p.collation : undefined,
  };
}

/** completeRestore's operation: done when the LRS completed; fails with the LRS (or when it was stopped) */
function lrsFinished(ctx: RouteContext, mi: string, database: string): boolean {
  const lrs = ctx.backend.lrs(mi, database);
  // UNCONFIRMED: the codes Azure puts on a failed or cancelled completeRestore operation
  if (!lrs) throw new ArmHttpError(409, 'OperationCancelled', `The log replay restore of database '${database}' was stopped before it completed.`);
  if (lrs.status === 'Failed') throw new ArmHttpError(400, 'LogReplayFailed', lrs.blockReason ?? `The log replay restore of database '${database}' failed.`);
  return lrs.status === 'Completed';
}

/**
 * PUT with createMode PointInTimeRestore: checked at once (400s), then a long-running operation: 201
 * with the database (status Restoring) and the polling headers; it succeeds when the restore has
 * taken its time (the Location URL then answers 200 with the database Online), or fails with 409
 * OperationCancelled when the database was deleted meanwhile.
 */
function pointInTimeRestore(ctx: RouteContext, lro: LroContext, mi: string, name: string, target: string, properties: Json, dbBody: (name: string) => unknown): Reply {
  const backend = ctx.backend;
  if (!backend.startPointInTimeRestore || !backend.pointInTimeRestore) {
    throw badRequest('InvalidParameterValue', "createMode 'PointInTimeRestore' is not supported by this backend.");
  }
  const pointInTime = backend.pointInTimeRestore.bind(backend);
  backend.startPointInTimeRestore(mi, name, pointInTimeRestoreStart(properties));
  const state = (): NonNullable<ReturnType<typeof pointInTime>> => {
    const s = pointInTime(mi, name);
    if (!s) throw new ArmHttpError(409, 'OperationCancelled', 'The operation has been cancelled by user.');
    return s;
  };
  const op = ctx.operations.start({
    family: 'managedDatabase',
    kind: 'create',
    target,
    // due at once: the restore itself says when it is done
    durationMs: 0,
    until: () => {
      const s = state();
      if (s.status === 'Failed') throw new ArmHttpError(s.error?.status ?? 500, s.error?.code ?? 'InternalServerError', s.error?.message ?? 'The restore failed.');
      return s.status === 'Succeeded';
    },
    run: () => dbBody(name),
  });
  return accepted(lro, op, 201, dbBody(name));
}

function databases(ctx: RouteContext, method: string, rg: string, mi: string, location: string, rest: string[], body: unknown): Reply {
  const sub = ctx.backend.subscriptionId;
  const dbBody = (name: string): unknown => {
    const db = ctx.backend.databases(mi).find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!db) throw notFound(`Microsoft.Sql/managedInstances/${mi}/databases`, name, rg);
    return managedDatabaseBody(sub, rg, mi, location, db);
  };
  if (rest.length === 0 && method === 'GET') {
    return { status: 200, body: { value: ctx.backend.databases(mi).map((d) => managedDatabaseBody(sub, rg, mi, location, d)) } };
  }
  const name = rest[0];
  const sub1 = rest[1]?.toLowerCase();
  if (rest.length === 1 && method === 'GET') return { status: 200, body: dbBody(name) };
  const lro = lroContext(ctx, location);
  const target = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Sql/managedInstances/${mi}/databases/${name}`;
  if (rest.length === 1 && method === 'DELETE') {
    if (!ctx.backend.databases(mi).some((d) => d.name.toLowerCase() === name.toLowerCase())) return { status: 204 };
    const op = ctx.operations.start({
      family: 'managedDatabase',
      kind: 'delete',
      target,
      run: () => {
        ctx.backend.deleteDatabase(mi, name);
        return undefined;
      },
    });
    return accepted(lro, op, 202);
  }
  if (rest.length === 1 && method === 'PUT' && isObject(body) && isObject(body.properties) && body.properties.createMode === 'PointInTimeRestore') {
    return pointInTimeRestore(ctx, lro, mi, name, target, body.properties, dbBody);
  }
  if (rest.length === 1 && method === 'PUT') {
    ctx.backend.startLrs(mi, name, lrsStart(body));
    // done once the database exists (Restoring); the restore itself runs on, and completes by itself with autoCompleteRestore
    const op = ctx.operations.start({ family: 'managedDatabase', kind: 'create', target, run: () => dbBody(name) });
    return accepted(lro, op, 201, dbBody(name));
  }
  if (sub1 === 'restoredetails' && rest.length === 3 && method === 'GET') {
    const lrs = ctx.backend.lrs(mi, name);
    if (!lrs) throw notFound(`Microsoft.Sql/managedInstances/${mi}/databases/${name}/restoreDetails`, rest[2], rg);
    return { status: 200, body: restoreDetailsBody(sub, rg, mi, lrs) };
  }
  if (sub1 === 'completerestore' && rest.length === 2 && method === 'POST') {
    const last = isObject(body) ? body.lastBackupName : undefined;
    if (typeof last !== 'string' || last.length === 0) throw badRequest('InvalidParameterValue', 'lastBackupName is required.');
    if (!ctx.backend.lrs(mi, name)) throw notFound(`Microsoft.Sql/managedInstances/${mi}/databases`, name, rg);
    ctx.backend.completeLrs(mi, name, last);
    const op = ctx.operations.start({ family: 'managedDatabase', kind: 'completeRestore', target, run: () => undefined, until: () => lrsFinished(ctx, mi, name) });
    return accepted(lro, op, 202);
  }
  throw new ArmHttpError(405, 'MethodNotAllowed', `The method ${method} is not allowed on this resource.`);
}
