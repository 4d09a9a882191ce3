// Microsoft.Sql/managedInstances/{mi}/distributedAvailabilityGroups: the Managed Instance link as ARM
// serves it. What can be refused synchronously is refused at request time with the documented 4xx
// (REFERENCE 2.6); the rest runs as an operation that proceeds on its own in simulated time
// (operations.ts) and changes the link when it completes: a client that reads the link instead of
// polling sees it happen. While a failover or setRole runs, the link's databases report
// replicaState LinkFailoverInProgress and another role change is refused (409).
import type { ManagedInstanceLink } from '../link/link';
import { LinkRefusal } from '../link/refusal';
import { checkApiVersion, linkSchemaOf, type LinkSchema } from './apiVersions';
import type { ArmBackend, LinkCreate } from './backend';
import { ArmHttpError } from './errors';
import { accepted, type LroContext, type Reply } from './lroReplies';
import { linkBody } from './resources';

export interface LinkRouteContext extends LroContext {
  backend: ArmBackend;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const FAMILY = 'distributedAvailabilityGroups';
const ROLE_CHANGES = ['failover', 'setRole'] as const;

function badRequest(code: string, message: string): ArmHttpError {
  return new ArmHttpError(400, code, message);
}

function notFound(mi: string, name: string, rg: string): ArmHttpError {
  return new ArmHttpError(404, 'ResourceNotFound', `The Resource 'Microsoft.Sql/managedInstances/${mi}/distributedAvailabilityGroups/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

/** the link refusals ARM answers with its 409 codes */
function armRefusal(e: LinkRefusal, failover: boolean): ArmHttpError {
  switch (e.reason) {
    case 'sendQueueTooBig':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupFailoverLogSendQueueSizeTooBig', `Planned failover is not allowed because the log send queue is too large: ${e.message}. Retry after the secondary catches up.`);
    case 'redoQueueTooBig':
      return new ArmHttpError(409, 'DistributedAvailabilityGroupFailoverRedoQueueSizeTooBig', `Planned failover is not allowed because the redo queue is too large: ${e.message}.`);
    case 'notSynchronized':
      return failover
        ? new ArmHttpError(409, 'DistributedAvailabilityGroupFailoverSecondariesNotSynchronizing', `Planned failover is not allowed because the secondaries are not synchronizing: ${e.message}.`)
        : new ArmHttpError(409, 'DistributedAvailabilityGroupSetRoleFailed', `The role change failed: ${e.message}.`);
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

/** the create body; on an old api-version its old fields (INFERRED mapping: source = SQL Server) */
function linkCreate(name: string, body: unknown, schema: LinkSchema): LinkCreate {
  const p = isObject(body) && isObject(body.properties) ? body.properties : undefined;
  if (!p) throw badRequest('InvalidRequestContent', 'The request content is not valid: properties are required.');
  const str = (k: string): string => {
    const v = p[k];
    if (typeof v !== 'string' || v.length === 0) throw badRequest('InvalidParameterValue', `'${k}' is required.`);
    return v;
  };
  const pick = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => {
    const v = p[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) throw badRequest('InvalidParameterValue', `'${k}' must be one of ${allowed.join(', ')}.`);
    return v as T;
  };
  const replicationMode = pick('replicationMode', ['Async', 'Sync'] as const, 'Async');
  if (schema === 'old') {
    return {
      name,
      databases: [str('targetDatabase')],
      partnerAvailabilityGroupName: str('primaryAvailabilityGroupName'),
      partnerEndpoint: str('sourceEndpoint'),
      instanceAvailabilityGroupName: str('secondaryAvailabilityGroupName'),
      instanceLinkRole: 'Secondary',
      failoverMode: 'None',
      seedingMode: 'Automatic',
      replicationMode,
    };
  }
  const dbs = Array.isArray(p.databases) ? p.databases.map((d) => (isObject(d) ? d.databaseName : undefined)) : [];
  if (dbs.length === 0 || !dbs.every((d): d is string => typeof d === 'string')) throw badRequest('InvalidParameterValue', "'databases' must list at least one databaseName.");
  return {
    name,
    databases: dbs,
    partnerAvailabilityGroupName: str('partnerAvailabilityGroupName'),
    partnerEndpoint: str('partnerEndpoint'),
    instanceAvailabilityGroupName: str('instanceAvailabilityGroupName'),
    instanceLinkRole: pick('instanceLinkRole', ['Primary', 'Secondary'] as const, 'Secondary'),
    failoverMode: pick('failoverMode', ['Manual', 'None'] as const, 'None'),
    seedingMode: pick('seedingMode', ['Automatic', 'Manual'] as const, 'Automatic'),
    replicationMode,
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

/** a database still seeding cannot become primary: known at request time */
function refuseWhileSeeding(link: ManagedInstanceLink, failover: boolean): void {
  const seeding = link.databases().find((d) => d.seeding);
  if (seeding) throw armRefusal(new LinkRefusal('notSynchronized', `database '${seeding.name}' is still seeding`), failover);
}

/** the managed instance resumes its own databases after it is demoted (INFERRED: the service manages them) */
function resumeInstanceSide(link: ManagedInstanceLink, now: Date): void {
  if (link.instance.role !== 'SECONDARY') return;
  for (const name of link.databaseNames()) link.resumeDatabase('instance', name, now);
}

export function linkRoutes(ctx: LinkRouteContext, method: string, rg: string, mi: string, rest: string[], body: unknown): Reply {
  const sub = ctx.backend.subscriptionId;
  const action = rest[1]?.toLowerCase();
  const type = action === 'failover' ? 'failover' : action === 'setrole' ? 'setRole' : undefined;
  checkApiVersion(type ? `managedInstances/distributedAvailabilityGroups/${type}` : 'managedInstances/distributedAvailabilityGroups', ctx.apiVersion, ctx.location);
  const schema = linkSchemaOf(ctx.apiVersion);
  const all = (): ManagedInstanceLink[] => ctx.backend.links(mi);
  const idOf = (name: string): string => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Sql/managedInstances/${mi}/distributedAvailabilityGroups/${name}`;
  const body200 = (l: ManagedInstanceLink): unknown =>
    linkBody(sub, rg, mi, l, ctx.backend.now(), { schema, failoverInProgress: ctx.operations.running(idOf(l.name), ROLE_CHANGES) !== undefined });
  if (rest.length === 0 && method === 'GET') return { status: 200, body: { value: all().map(body200) } };
  const name = rest[0];
  const target = idOf(name);
  const existing = (): ManagedInstanceLink | undefined => all().find((x) => x.name.toLowerCase() === name.toLowerCase());
  const find = (): ManagedInstanceLink => {
    const l = existing();
    if (!l) throw notFound(mi, name, rg);
    return l;
  };
  const start = (kind: string, run: () => unknown, status: 201 | 202 = 202, initial?: unknown): Reply =>
    accepted(ctx, ctx.operations.start({ family: FAMILY, kind, target, run }), status, initial);

  if (rest.length === 1 && method === 'GET') return { status: 200, body: body200(find()) };
  if (rest.length === 1 && method === 'PUT') {
    const spec = linkCreate(name, body, schema);
    if (existing()) throw new ArmHttpError(409, 'DistributedAvailabilityGroupAlreadyExists', `The distributed availability group '${name}' already exists.`);
    const link = ctx.backend.createLink(mi, spec);
    return start('create', () => body200(link), 201, body200(link));
  }
  if (rest.length === 1 && method === 'PATCH') {
    const link = find();
    const p = isObject(body) && isObject(body.properties) ? body.properties : {};
    const mode = p.replicationMode;
    if (mode !== 'Async' && mode !== 'Sync') throw badRequest('InvalidParameterValue', "'replicationMode' must be Async or Sync.");
    // the managed instance's own setting; SQL Server keeps its own (T-SQL MODIFY ... AVAILABILITY_MODE)
    return start('update', () => {
      link.setAvailabilityMode(mode === 'Sync' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT', ctx.backend.now(), 'instance');
      return body200(link);
    });
  }
  if (rest.length === 1 && method === 'DELETE') {
    const link = existing();
    if (!link) return { status: 204 };
    const deleting = ctx.operations.running(target, ['delete']);
    if (deleting) return accepted(ctx, deleting, 202);
    // the managed instance's side only: SQL Server keeps its DAG until the DBA drops it there
    return start('delete', () => {
      ctx.backend.deleteLink(mi, link);
      return undefined;
    });
  }
  if (type === 'failover' && rest.length === 2 && method === 'POST') {
    const link = find();
    const failoverType = isObject(body) ? body.failoverType : undefined;
    if (failoverType !== 'Planned' && failoverType !== 'ForcedAllowDataLoss') throw badRequest('InvalidParameterValue', "'failoverType' must be Planned or ForcedAllowDataLoss.");
    if (ctx.operations.running(target, ROLE_CHANGES)) throw armRefusal(new LinkRefusal('inProgress', 'a role change is running'), true);
    refuseSmkToSqlServer(link);
    refuseWhileSeeding(link, true);
    if (failoverType === 'Planned') withRefusals(true, () => link.checkArmPlannedFailover(ctx.backend.now()));
    return start('failover', () =>
      withRefusals(true, () => {
        const now = ctx.backend.now();
        if (failoverType === 'Planned') link.armPlannedFailover(now);
        else {
          link.forceFailover(link.instance.role === 'PRIMARY' ? 'partner' : 'instance', now, true);
          resumeInstanceSide(link, now);
        }
        return body200(link);
      }),
    );
  }
  if (type === 'setRole' && rest.length === 2 && method === 'POST') {
    const link = find();
    const r = isObject(body) ? body.instanceRole : undefined;
    const change = isObject(body) ? body.roleChangeType : undefined;
    if ((r !== 'Primary' && r !== 'Secondary') || (change !== 'Planned' && change !== 'Forced')) {
      throw badRequest('InvalidParameterValue', "'instanceRole' (Primary | Secondary) and 'roleChangeType' (Planned | Forced) are required.");
    }
    if (r === 'Primary' && change === 'Planned') {
      throw new ArmHttpError(409, 'DistributedAvailabilityGroupSetRolePrimaryPlannedNotSupported', 'Setting the managed instance role to Primary is supported only with roleChangeType Forced.');
    }
    if (ctx.operations.running(target, ROLE_CHANGES)) throw armRefusal(new LinkRefusal('inProgress', 'a role change is running'), false);
    if ((r === 'Primary') === (link.instance.role === 'PRIMARY')) {
      throw new ArmHttpError(409, 'DistributedAvailabilityGroupSetRoleInstanceAlreadyInRequestedRole', `The managed instance is already ${r} in distributed availability group '${link.name}'.`);
    }
    if (r === 'Secondary') refuseSmkToSqlServer(link);
    else refuseWhileSeeding(link, false);
    return start('setRole', () =>
      withRefusals(false, () => {
        const now = ctx.backend.now();
        if (r === 'Primary') link.forceFailover('instance', now, false);
        else {
          link.setRoleSecondary('instance', now);
          resumeInstanceSide(link, now);
        }
        return body200(link);
      }),
    );
  }
  throw new ArmHttpError(405, 'MethodNotAllowed', `The method ${method} is not allowed on this resource.`);
}
