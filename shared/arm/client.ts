// The app's ARM client for Microsoft.Sql: managed instances, managed databases and the Log Replay
// Service, the TDE protector and the Managed Instance link (distributed availability groups) on
// api-version 2025-01-01. Built on @azure/arm-sql's SqlManagementClient: its operations where
// their api-version carries what we need (encryption protector, managed database get/list), and
// its pipeline (credential, retries honouring Retry-After, TLS) for everything newer. Long-running
// operations return a PollerState that pollOnce advances one step at a time.
import { SqlManagementClient } from '@azure/arm-sql';
import type { TokenCredential } from '@azure/core-auth';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { ArmError, armErrorFromResponse } from './errors';
import { parseDistributedAvailabilityGroup, parseEncryptionProtector, parseList, parseManagedDatabase, parseManagedInstance, parseOperationStatus, parseRestoreDetails } from './parse';
import { resultTypeOf, type ArmOperationKind, type OperationResult, type PollerState } from './poller';
import { armRetryPolicy, retryAfterMs, type ArmRetryOptions } from './retry';
import type {
  CreateLinkRequest,
  DistributedAvailabilityGroupInfo,
  EncryptionProtectorInfo,
  FailoverType,
  LinkRole,
  ManagedDatabaseInfo,
  ManagedInstanceInfo,
  ReplicationMode,
  RestoreDetails,
  RoleChangeType,
  StartLrsRequest,
} from './types';

export const ARM_API_VERSION = '2025-01-01';
const DEFAULT_ENDPOINT = 'https://management.azure.com';
/** when ARM gives no Retry-After on a running operation */
const DEFAULT_POLL_MS = 10_000;

export interface ArmClientOptions {
  credential: TokenCredential;
  subscriptionId: string;
  /** https://management.azure.com, or the emulator's https://127.0.0.1:PORT */
  endpoint?: string;
  /** extra CA certificates to trust (PEM), e.g. the emulator's local CA */
  ca?: string;
  apiVersion?: string;
  retry?: ArmRetryOptions;
}

export interface PollResult {
  done: boolean;
  state: PollerState;
  result?: OperationResult;
  /** the operation failed: ARM's code and message */
  error?: ArmError;
  /** how long to wait before the next pollOnce */
  retryAfterMs: number;
}

type Json = Record<string, unknown>;

export class ArmClient {
  readonly sdk: SqlManagementClient;
  readonly endpoint: string;
  readonly apiVersion: string;

  constructor(private readonly options: ArmClientOptions) {
    this.endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.apiVersion = options.apiVersion ?? ARM_API_VERSION;
    this.sdk = new SqlManagementClient(options.credential, options.subscriptionId, {
      endpoint: this.endpoint,
      tlsOptions: options.ca ? { ca: options.ca } : undefined,
    });
    // ARM sends Retry-After on 5xx as well as 429: replace the SDK's default retry policy
    this.sdk.pipeline.removePolicy({ name: 'defaultRetryPolicy' });
    this.sdk.pipeline.addPolicy(armRetryPolicy(options.retry), { phase: 'Retry' });
  }

  // ---- paths ----------------------------------------------------------------------------------

  instanceId(resourceGroup: string, instance: string): string {
    return `/subscriptions/${this.options.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Sql/managedInstances/${encodeURIComponent(instance)}`;
  }

  databaseId(resourceGroup: string, instance: string, database: string): string {
    return `${this.instanceId(resourceGroup, instance)}/databases/${encodeURIComponent(database)}`;
  }

  linkId(resourceGroup: string, instance: string, link: string): string {
    return `${this.instanceId(resourceGroup, instance)}/distributedAvailabilityGroups/${encodeURIComponent(link)}`;
  }

  // ---- the pipeline ---------------------------------------------------------------------------

  /** one request through the SDK's pipeline (auth, retries, TLS); throws ArmError on an error status */
  private async send(method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', pathOrUrl: string, body?: unknown, apiVersion = this.apiVersion): Promise<PipelineResponse> {
    const url = pathOrUrl.startsWith('https://') ? this.sameOrigin(pathOrUrl) : `${this.endpoint}${pathOrUrl}${pathOrUrl.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
    const headers = createHttpHeaders({ Accept: 'application/json' });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    const request = createPipelineRequest({ url, method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let response: PipelineResponse;
    try {
      response = await this.sdk.sendRequest(request);
    } catch (e) {
      const status = (e as { statusCode?: unknown }).statusCode;
      throw new ArmError('RequestFailed', e instanceof Error ? e.message : String(e), typeof status === 'number' ? status : undefined, e);
    }
    if (response.status >= 400) throw armErrorFromResponse(response.status, response.bodyAsText ?? undefined);
    return response;
  }

  /** polling URLs come from the server: refuse to send the token anywhere but the ARM endpoint */
  private sameOrigin(url: string): string {
    if (new URL(url).origin !== new URL(this.endpoint).origin) throw new ArmError('UntrustedPollingUrl', `polling URL is not on ${this.endpoint}`, undefined);
    return url;
  }

  private async getJson(path: string): Promise<unknown> {
    const r = await this.send('GET', path);
    return r.bodyAsText ? (JSON.parse(r.bodyAsText) as unknown) : undefined;
  }

  private async getAll<T>(path: string, item: (v: unknown) => T): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const body: unknown = next.startsWith('https://') ? await this.bodyOf(await this.send('GET', next)) : await this.getJson(next);
      const page: { items: T[]; nextLink?: string } = parseList(body, item);
      out.push(...page.items);
      next = page.nextLink;
    }
    return out;
  }

  private async bodyOf(r: PipelineResponse): Promise<unknown> {
    return r.bodyAsText ? (JSON.parse(r.bodyAsText) as unknown) : undefined;
  }

  /** wraps the SDK's RestError in ArmError */
  private async viaSdk<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      const err = e as { statusCode?: unknown; response?: { bodyAsText?: unknown } };
      if (typeof err.statusCode === 'number') {
        const text = typeof err.response?.bodyAsText === 'string' ? err.response.bodyAsText : undefined;
        throw armErrorFromResponse(err.statusCode, text);
      }
      throw new ArmError('RequestFailed', e instanceof Error ? e.message : String(e), undefined, e);
    }
  }

  // ---- managed instances ----------------------------------------------------------------------

  async getManagedInstance(resourceGroup: string, instance: string): Promise<ManagedInstanceInfo> {
    return parseManagedInstance(await this.getJson(this.instanceId(resourceGroup, instance)));
  }

  /** by resource group, or the whole subscription */
  async listManagedInstances(resourceGroup?: string): Promise<ManagedInstanceInfo[]> {
    const scope = resourceGroup ? `/subscriptions/${this.options.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}` : `/subscriptions/${this.options.subscriptionId}`;
    return this.getAll(`${scope}/providers/Microsoft.Sql/managedInstances`, parseManagedInstance);
  }

  async getEncryptionProtector(resourceGroup: string, instance: string): Promise<EncryptionProtectorInfo> {
    const ep = await this.viaSdk(() => this.sdk.managedInstanceEncryptionProtectors.get(resourceGroup, instance, 'current'));
    return parseEncryptionProtector(ep);
  }

  // ---- managed databases and the Log Replay Service --------------------------------------------

  async getManagedDatabase(resourceGroup: string, instance: string, database: string): Promise<ManagedDatabaseInfo> {
    const db = await this.viaSdk(() => this.sdk.managedDatabases.get(resourceGroup, instance, database));
    return parseManagedDatabase(db);
  }

  async listManagedDatabases(resourceGroup: string, instance: string): Promise<ManagedDatabaseInfo[]> {
    return this.viaSdk(async () => {
      const out: ManagedDatabaseInfo[] = [];
      for await (const db of this.sdk.managedDatabases.listByInstance(resourceGroup, instance)) out.push(parseManagedDatabase(db));
      return out;
    });
  }

  startDeleteManagedDatabase(resourceGroup: string, instance: string, database: string): Promise<PollerState> {
    return this.start('databaseDelete', 'DELETE', this.databaseId(resourceGroup, instance, database), this.databaseId(resourceGroup, instance, database));
  }

  /** LRS: PUT the database with createMode RestoreExternalBackup (SAS or managed identity) */
  startLogReplay(resourceGroup: string, instance: string, database: string, req: StartLrsRequest): Promise<PollerState> {
    const properties: Json = {
      createMode: 'RestoreExternalBackup',
      storageContainerUri: req.storageContainerUri,
      storageContainerIdentity: req.auth.kind === 'sas' ? 'SharedAccessSignature' : 'ManagedIdentity',
      autoCompleteRestore: req.autoComplete !== undefined,
    };
    if (req.auth.kind === 'sas') properties.storageContainerSasToken = req.auth.sasToken.replace(/^\?/, '');
    if (req.collation) properties.collation = req.collation;
    if (req.autoComplete) properties.lastBackupName = req.autoComplete.lastBackupName;
    const id = this.databaseId(resourceGroup, instance, database);
    return this.start('lrsStart', 'PUT', id, id, { location: req.location, properties });
  }

  /** a cross-instance point-in-time restore: PUT the database with createMode PointInTimeRestore (refresh MI -> MI) */
  startPointInTimeRestore(resourceGroup: string, instance: string, database: string, req: { location: string; sourceDatabaseId: string; restorePointInTime: string }): Promise<PollerState> {
    const id = this.databaseId(resourceGroup, instance, database);
    return this.start('pointInTimeRestore', 'PUT', id, id, {
      location: req.location,
      properties: { createMode: 'PointInTimeRestore', sourceDatabaseId: req.sourceDatabaseId, restorePointInTime: req.restorePointInTime },
    });
  }

  startCompleteRestore(resourceGroup: string, instance: string, database: string, lastBackupName: string): Promise<PollerState> {
    const id = this.databaseId(resourceGroup, instance, database);
    return this.start('lrsComplete', 'POST', `${id}/completeRestore`, id, { lastBackupName });
  }

  async getRestoreDetails(resourceGroup: string, instance: string, database: string): Promise<RestoreDetails> {
    return parseRestoreDetails(await this.getJson(`${this.databaseId(resourceGroup, instance, database)}/restoreDetails/Default`));
  }

  // ---- the link ---------------------------------------------------------------------------------

  async listLinks(resourceGroup: string, instance: string): Promise<DistributedAvailabilityGroupInfo[]> {
    return this.getAll(`${this.instanceId(resourceGroup, instance)}/distributedAvailabilityGroups`, parseDistributedAvailabilityGroup);
  }

  async getLink(resourceGroup: string, instance: string, link: string): Promise<DistributedAvailabilityGroupInfo> {
    return parseDistributedAvailabilityGroup(await this.getJson(this.linkId(resourceGroup, instance, link)));
  }

  startCreateLink(resourceGroup: string, instance: string, link: string, req: CreateLinkRequest): Promise<PollerState> {
    const id = this.linkId(resourceGroup, instance, link);
    const properties = {
      databases: req.databases.map((databaseName) => ({ databaseName })),
      instanceAvailabilityGroupName: req.instanceAvailabilityGroupName,
      partnerAvailabilityGroupName: req.partnerAvailabilityGroupName,
      partnerEndpoint: req.partnerEndpoint,
      instanceLinkRole: req.instanceLinkRole,
      failoverMode: req.failoverMode,
      seedingMode: req.seedingMode ?? 'Automatic',
      replicationMode: req.replicationMode ?? 'Async',
    };
    return this.start('linkCreate', 'PUT', id, id, { properties });
  }

  startUpdateReplicationMode(resourceGroup: string, instance: string, link: string, mode: ReplicationMode): Promise<PollerState> {
    const id = this.linkId(resourceGroup, instance, link);
    return this.start('linkUpdate', 'PATCH', id, id, { properties: { replicationMode: mode } });
  }

  startDeleteLink(resourceGroup: string, instance: string, link: string): Promise<PollerState> {
    const id = this.linkId(resourceGroup, instance, link);
    return this.start('linkDelete', 'DELETE', id, id);
  }

  startFailover(resourceGroup: string, instance: string, link: string, failoverType: FailoverType): Promise<PollerState> {
    const id = this.linkId(resourceGroup, instance, link);
    return this.start('linkFailover', 'POST', `${id}/failover`, id, { failoverType });
  }

  startSetRole(resourceGroup: string, instance: string, link: string, instanceRole: LinkRole, roleChangeType: RoleChangeType): Promise<PollerState> {
    const id = this.linkId(resourceGroup, instance, link);
    return this.start('linkSetRole', 'POST', `${id}/setRole`, id, { instanceRole, roleChangeType });
  }

  // ---- long-running operations ----------------------------------------------------------------

  private async start(kind: ArmOperationKind, method: 'PUT' | 'PATCH' | 'POST' | 'DELETE', path: string, resourceId: string, body?: unknown): Promise<PollerState> {
    const r = await this.send(method, path, body);
    const now = Date.now();
    const wait = retryAfterMs(r) ?? (r.status === 201 || r.status === 202 ? DEFAULT_POLL_MS : 0);
    const running = r.status === 201 || r.status === 202;
    return {
      version: 1,
      kind,
      resourceId,
      apiVersion: this.apiVersion,
      asyncOperationUrl: running ? r.headers.get('azure-asyncoperation') : undefined,
      locationUrl: running ? r.headers.get('location') : undefined,
      // a 201 without polling URLs is already done
      status: running && (r.headers.get('azure-asyncoperation') || r.headers.get('location')) ? 'InProgress' : 'Succeeded',
      startedAt: new Date(now).toISOString(),
      nextPollAt: new Date(now + wait).toISOString(),
      polls: 0,
    };
  }

  /**
   * One step of a long-running operation: reads the Azure-AsyncOperation status (or the Location),
   * and once it succeeded, the final state via Location (or the resource). Never waits.
   */
  async pollOnce(state: PollerState): Promise<PollResult> {
    const next: PollerState = { ...state, polls: state.polls + 1 };
    if (state.status === 'Failed' || state.status === 'Canceled') {
      const e = state.error;
      return { done: true, state, retryAfterMs: 0, error: new ArmError(e?.code ?? 'OperationFailed', e?.message ?? `operation ${state.status}`, e?.statusCode) };
    }
    if (state.status === 'InProgress' && state.asyncOperationUrl) {
      const r = await this.send('GET', state.asyncOperationUrl);
      const status = parseOperationStatus(await this.bodyOf(r));
      if (status.status === 'Failed' || status.status === 'Canceled') {
        next.status = status.status;
        next.error = { code: status.error?.code ?? 'OperationFailed', message: status.error?.message ?? `operation ${status.status}` };
        return { done: true, state: next, retryAfterMs: 0, error: new ArmError(next.error.code, next.error.message, undefined) };
      }
      if (status.status !== 'Succeeded') return this.later(next, r);
      next.status = 'Succeeded';
    }
    if (next.status === 'InProgress' && next.locationUrl) {
      let r: PipelineResponse;
      try {
        r = await this.send('GET', next.locationUrl);
      } catch (e) {
        if (e instanceof ArmError) {
          next.status = 'Failed';
          next.error = { code: e.armCode, message: e.message, statusCode: e.statusCode };
          return { done: true, state: next, retryAfterMs: 0, error: e };
        }
        throw e;
      }
      if (r.status === 202) return this.later(next, r);
      next.status = 'Succeeded';
      return { done: true, state: next, retryAfterMs: 0, result: this.resultFrom(next.kind, await this.bodyOf(r)) ?? (await this.finalResource(next)) };
    }
    // succeeded by the status body (or synchronously): the final state via Location, else the resource
    if (next.locationUrl) {
      const r = await this.send('GET', next.locationUrl);
      const fromLocation = this.resultFrom(next.kind, await this.bodyOf(r));
      if (fromLocation) return { done: true, state: next, retryAfterMs: 0, result: fromLocation };
    }
    return { done: true, state: { ...next, status: 'Succeeded' }, retryAfterMs: 0, result: await this.finalResource(next) };
  }

  private later(state: PollerState, r: PipelineResponse): PollResult {
    const wait = retryAfterMs(r) ?? DEFAULT_POLL_MS;
    return { done: false, state: { ...state, status: 'InProgress', nextPollAt: new Date(Date.now() + wait).toISOString() }, retryAfterMs: wait };
  }

  private resultFrom(kind: ArmOperationKind, body: unknown): OperationResult | undefined {
    if (body === undefined) return undefined;
    const type = resultTypeOf(kind);
    if (type === 'link') return { type, link: parseDistributedAvailabilityGroup(body) };
    if (type === 'database') return { type, database: parseManagedDatabase(body) };
    return { type: 'none' };
  }

  private async finalResource(state: PollerState): Promise<OperationResult> {
    const type = resultTypeOf(state.kind);
    if (type === 'none') return { type };
    const body = await this.getJson(state.resourceId);
    return type === 'link' ? { type, link: parseDistributedAvailabilityGroup(body) } : { type, database: parseManagedDatabase(body) };
  }
}
