// The Microsoft.Sql resources the ARM emulator serves, routed by path. Each handler answers a
// Reply or throws ArmHttpError; long-running ones start an operation in the OperationStore.
import type { ManagedInstanceLink } from '../link/link';
import { LinkRefusal } from '../link/refusal';
import type { ArmBackend, LinkCreate, LrsStart } from './backend';
import { ArmHttpError } from './errors';
import type { ArmOperation, OperationStore } from './operations';
import { encryptionProtectorBody, linkBody, managedDatabaseBody, managedInstanceBody, restoreDetailsBody } from './resources';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

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

/** 201/202 with both polling headers, as the service answers */
function accepted(ctx: RouteContext, op: ArmOperation, status: 201 | 202, body?: unknown): Reply {
  const loc = `${ctx.baseUrl}/subscriptions/${ctx.backend.subscriptionId}/providers/Microsoft.Sql/locations/westeurope`;
  return {
    status,
    body,
    headers: {
      'Azure-AsyncOperation': `${loc}/${op.family}AzureAsyncOperation/${op.id}?api-version=${ctx.apiVersion}`,
      Location: `${loc}/${op.family}OperationResults/${op.id}?api-version=${ctx.apiVersion}`,
      'Retry-After': String(ctx.retryAfterSeconds),
    },
  };
}

/** the link refusals ARM answers with its 409 codes */
function armRefusal(e: LinkRefusal, failover: boolean): ArmHttpError {
  switch (e.reason) {
    case 'sendQueueTooBig':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupFailoverLogSendQueueSizeTooBig', `Planned failover is not allowed because the log send queue is too large: ${e.message}. Retry after the secondary catches up.`);
    case 'redoQueueTooBig':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupFailoverRedoQueueSizeTooBig', `Planned failover is not allowed because the redo queue is too large: ${e.message}.`);
    case 'notSynchronized':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', `Planned failover is not allowed because the secondaries are not synchronizing: ${e.message}.`);
    case 'alreadyPrimary':
    case 'alreadyInRole':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole', 'The managed instance is already in the requested role.');
    case 'oneWay':
      return new ArmHttpError(409, failover ? 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing' : 'DistributedAvailabilityGroupSetRoleFailed', e.message);
    case 'inProgress':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupSetRoleChangeRoleAlreadyInProgress', 'Another role change is in progress for this distributed availability group.');
  }
}

function withRefusals<T>(failover: boolean, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LinkRefusal) throw armRefusal(e, failover);
    throw e;
  }
}

export function route(ctx: RouteContext, method: string, segments: string[], body: unknown): Reply {
  const s = segments.map((x) => x.toLowerCase());
  const sub = ctx.backend.subscriptionId;
  if (s[0] !== 'subscriptions' || s.length < 2) throw badRequest('InvalidRequestUri', 'The request URI is not valid.');
  if (segments[1].toLowerCase() !== sub.toLowerCase()) throw new ArmHttpError(404, 'SubscriptionNotFound', `The subscription '${segments[1]}' could not be found.`);
  // /subscriptions/{s}/providers/Microsoft.Sql/...
  if (s[2] === 'providers' && s[3] === 'microsoft.sql') {
    if (s[4] === 'managedinstances' && s.length === 5 && method === 'GET') {
      return { status: 200, body: { value: ctx.backend.instances().map((m) => managedInstanceBody(sub, m)) } };
    }
    if (s[4] === 'locations' && s.length === 8) return operationReply(ctx, s[6], segments[7]);
  }
  if (s[2] !== 'resourcegroups' || s[4] !== 'providers' || s[5] !== 'microsoft.sql' || s[6] !== 'managedinstances') {
    throw badRequest('InvalidResourceType', `The resource type in '/${segments.join('/')}' is not served by the emulator.`);
  }
  const rg = segments[3];
  if (s.length === 7 && method === 'GET') {
    return { status: 200, body: { value: ctx.backend.instances().filter((m) => m.resourceGroup.toLowerCase() === rg.toLowerCase()).map((m) => managedInstanceBody(sub, m)) } };
  }
  const miName = segments[7];
  const mi = ctx.backend.instance(rg, miName);
  if (!mi) throw notFound('Microsoft.Sql/managedInstances', miName, rg);
  const rest = s.slice(8);
  if (rest.length === 0 && method === 'GET') return { status: 200, body: managedInstanceBody(sub, mi) };
  if (rest[0] === 'encryptionprotector' && rest[1] === 'current' && rest.length === 2 && method === 'GET') {
    return { status: 200, body: encryptionProtectorBody(sub, rg, mi.name, ctx.backend.encryptionProtector(mi.name)) };
  }
  if (rest[0] === 'databases') return databases(ctx, method, rg, mi.name, mi.location, segments.slice(9), body);
  if (rest[0] === 'distributedavailabilitygroups') return links(ctx, method, rg, mi.name, segments.slice(9), body);
  throw badRequest('InvalidResourceType', `The resource type in '/${segments.join('/')}' is not served by the emulator.`);
}

function operationReply(ctx: RouteContext, kind: string, id: string): Reply {
  const op = ctx.operations.get(id);
  if (!op) throw new ArmHttpError(404, 'ResourceNotFound', `The operation '${id}' was not found.`);
  ctx.operations.poll(op);
  if (kind.endsWith('azureasyncoperation')) {
    return {
      status: 200,
      body: {
        name: op.id,
        status: op.status,
        startTime: op.startTime.toISOString(),
        endTime: op.endTime?.toISOString(),
        error: op.error ? { code: op.error.code, message: op.error.message } : undefined,
      },
      headers: op.status === 'InProgress' ? { 'Retry-After': String(ctx.retryAfterSeconds) } : undefined,
    };
  }
  if (kind.endsWith('operationresults')) {
    if (op.status === 'InProgress') return { ...accepted(ctx, op, 202), body: undefined };
    if (op.status === 'Failed' && op.error) throw new ArmHttpError(op.error.status, op.error.code, op.error.message);
    return op.result === undefined ? { status: 204 } : { status: 200, body: op.result };
  }
  throw new ArmHttpError(404, 'ResourceNotFound', `The operation kind '${kind}' is not known.`);
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
  if (rest.length === 1 && method === 'DELETE') {
    if (!ctx.backend.databases(mi).some((d) => d.name.toLowerCase() === name.toLowerCase())) return { status: 204 };
    const op = ctx.operations.start('managedDatabase', () => {
      ctx.backend.deleteDatabase(mi, name);
      return undefined;
    });
    return accepted(ctx, op, 202);
  }
  if (rest.length === 1 && method === 'PUT') {
    ctx.backend.startLrs(mi, name, lrsStart(body));
    // done once the database exists (Restoring); the restore itself runs on, and completes by itself with autoCompleteRestore
    const op = ctx.operations.start('managedDatabase', () => dbBody(name));
    return accepted(ctx, op, 201, dbBody(name));
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
    const op = ctx.operations.start(
      'managedDatabase',
      () => undefined,
      () => lrsFinished(ctx, mi, name),
    );
    return accepted(ctx, op, 202);
  }
  throw new ArmHttpError(405, 'MethodNotAllowed', `The method ${method} is not allowed on this resource.`);
}

// ---- distributed availability groups (the link) -------------------------------------------------

function linkCreate(name: string, body: unknown): LinkCreate {
  const p = isObject(body) && isObject(body.properties) ? body.properties : undefined;
  if (!p) throw badRequest('InvalidRequestContent', 'The request content is not valid: properties are required.');
  const str = (k: string): string => {
    const v = p[k];
    if (typeof v !== 'string' || v.length === 0) throw badRequest('InvalidParameterValue', `'${k}' is required.`);
    return v;
  };
  const dbs = Array.isArray(p.databases) ? p.databases.map((d) => (isObject(d) ? d.databaseName : undefined)) : [];
  if (dbs.length === 0 || !dbs.every((d): d is string => typeof d === 'string')) throw badRequest('InvalidParameterValue', "'databases' must list at least one databaseName.");
  const pick = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => {
    const v = p[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) throw badRequest('InvalidParameterValue', `'${k}' must be one of ${allowed.join(', ')}.`);
    return v as T;
  };
  return {
    name,
    databases: dbs,
    partnerAvailabilityGroupName: str('partnerAvailabilityGroupName'),
    partnerEndpoint: str('partnerEndpoint'),
    instanceAvailabilityGroupName: str('instanceAvailabilityGroupName'),
    instanceLinkRole: pick('instanceLinkRole', ['Primary', 'Secondary'] as const, 'Secondary'),
    failoverMode: pick('failoverMode', ['Manual', 'None'] as const, 'None'),
    seedingMode: pick('seedingMode', ['Automatic', 'Manual'] as const, 'Automatic'),
    replicationMode: pick('replicationMode', ['Async', 'Sync'] as const, 'Async'),
  };
}

/** MI -> SQL Server role changes are blocked for databases protected by service-managed TDE */
function refuseSmkToSqlServer(link: ManagedInstanceLink): void {
  if (link.instance.role !== 'PRIMARY') return;
  const smk = link.databaseNames().filter((n) => link.instance.host.findDatabase(n)?.tde === 'serviceManaged');
  if (smk.length > 0) {
    throw new ArmHttpError(
      409,
      'DistributedAvailabilityGroupDbEncryptedWithSmk',
      `Role change to SQL Server is not allowed because database(s) ${smk.map((n) => `'${n}'`).join(', ')} are encrypted with a service-managed key. Switch the TDE protector to a customer-managed key first.`,
    );
  }
}

function links(ctx: RouteContext, method: string, rg: string, mi: string, rest: string[], body: unknown): Reply {
  const sub = ctx.backend.subscriptionId;
  const all = (): ManagedInstanceLink[] => ctx.backend.links(mi);
  const body200 = (l: ManagedInstanceLink): unknown => linkBody(sub, rg, mi, l, ctx.backend.now());
  if (rest.length === 0 && method === 'GET') return { status: 200, body: { value: all().map(body200) } };
  const name = rest[0];
  const find = (): ManagedInstanceLink => {
    const l = all().find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!l) throw notFound(`Microsoft.Sql/managedInstances/${mi}/distributedAvailabilityGroups`, name, rg);
    return l;
  };
  const action = rest[1]?.toLowerCase();
  if (rest.length === 1 && method === 'GET') return { status: 200, body: body200(find()) };
  if (rest.length === 1 && method === 'PUT') {
    const spec = linkCreate(name, body);
    if (all().some((x) => x.name.toLowerCase() === name.toLowerCase())) throw new ArmHttpError(409, 'DistributedAvailabilityGroupAlreadyExists', `The distributed availability group '${name}' already exists.`);
    const link = ctx.backend.createLink(mi, spec);
    const op = ctx.operations.start('distributedAvailabilityGroups', () => body200(link));
    return accepted(ctx, op, 201, body200(link));
  }
  if (rest.length === 1 && method === 'PATCH') {
    const link = find();
    const p = isObject(body) && isObject(body.properties) ? body.properties : {};
    const mode = p.replicationMode;
    if (mode !== 'Async' && mode !== 'Sync') throw badRequest('InvalidParameterValue', "'replicationMode' must be Async or Sync.");
    const op = ctx.operations.start('distributedAvailabilityGroups', () => {
      link.setAvailabilityMode(mode === 'Sync' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT', ctx.backend.now());
      return body200(link);
    });
    return accepted(ctx, op, 202);
  }
  if (rest.length === 1 && method === 'DELETE') {
    const link = all().find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!link) return { status: 204 };
    const op = ctx.operations.start('distributedAvailabilityGroups', () => {
      ctx.backend.deleteLink(mi, link);
      return undefined;
    });
    return accepted(ctx, op, 202);
  }
  if (action === 'failover' && rest.length === 2 && method === 'POST') {
    const link = find();
    const type = isObject(body) ? body.failoverType : undefined;
    if (type !== 'Planned' && type !== 'ForcedAllowDataLoss') throw badRequest('InvalidParameterValue', "'failoverType' must be Planned or ForcedAllowDataLoss.");
    refuseSmkToSqlServer(link);
    if (type === 'Planned') withRefusals(true, () => link.checkArmPlannedFailover(ctx.backend.now()));
    const op = ctx.operations.start('distributedAvailabilityGroups', () =>
      withRefusals(true, () => {
        const now = ctx.backend.now();
        if (type === 'Planned') link.armPlannedFailover(now);
        else {
          const target = link.instance.role === 'PRIMARY' ? 'partner' : 'instance';
          link.forceFailover(target, now, true);
        }
        return body200(link);
      }),
    );
    return accepted(ctx, op, 202);
  }
  if (action === 'setrole' && rest.length === 2 && method === 'POST') {
    const link = find();
    const r = isObject(body) ? body.instanceRole : undefined;
    const change = isObject(body) ? body.roleChangeType : undefined;
    if ((r !== 'Primary' && r !== 'Secondary') || (change !== 'Planned' && change !== 'Forced')) {
      throw badRequest('InvalidParameterValue', "'instanceRole' (Primary | Secondary) and 'roleChangeType' (Planned | Forced) are required.");
    }
    if (r === 'Primary' && change === 'Planned') {
      throw new ArmHttpError(409, 'DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported', 'Setting the managed instance role to Primary is supported only with roleChangeType Forced.');
    }
    if ((r === 'Primary') === (link.instance.role === 'PRIMARY')) {
      throw new ArmHttpError(409, 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole', `The managed instance is already ${r} in distributed availability group '${link.name}'.`);
    }
    if (r === 'Secondary') refuseSmkToSqlServer(link);
    const op = ctx.operations.start('distributedAvailabilityGroups', () =>
      withRefusals(false, () => {
        const now = ctx.backend.now();
        if (r === 'Primary') link.forceFailover('instance', now, false);
        else link.setRoleSecondary('instance', now);
        return body200(link);
      }),
    );
    return accepted(ctx, op, 202);
  }
  throw new ArmHttpError(405, 'MethodNotAllowed', `The method ${method} is not allowed on this resource.`);
}
