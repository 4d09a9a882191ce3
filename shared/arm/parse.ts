// Parsers from ARM's JSON (or the SDK's deserialised models, whose dates are Date objects) to the
// domain types. Lenient about extra fields, strict about the shape they rely on: a wrong shape
// throws ArmParseError naming the field.
import type {
  BackupSetInfo,
  DistributedAvailabilityGroupInfo,
  EncryptionProtectorInfo,
  LinkDatabaseState,
  ManagedDatabaseInfo,
  ManagedInstanceInfo,
  OperationStatusBody,
  RestoreDetails,
} from './types';

export class ArmParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArmParseError';
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function obj(v: unknown, what: string): Json {
  if (!isObject(v)) throw new ArmParseError(`${what} must be a JSON object`);
  return v;
}

function str(o: Json, k: string, what: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ArmParseError(`${what}.${k} must be a string`);
  return v;
}

function reqStr(o: Json, k: string, what: string): string {
  const v = str(o, k, what);
  if (v === undefined) throw new ArmParseError(`${what}.${k} is missing`);
  return v;
}

function num(o: Json, k: string, what: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArmParseError(`${what}.${k} must be a number`);
  return v;
}

function bool(o: Json, k: string, what: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ArmParseError(`${what}.${k} must be true or false`);
  return v;
}

function date(o: Json, k: string, what: string): Date | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new ArmParseError(`${what}.${k} must be a date-time`);
  return new Date(v);
}

/** an LSN: a decimal string (numbers would lose digits above 2^53) */
function lsn(o: Json, k: string, what: string): string | undefined {
  const v = str(o, k, what);
  if (v !== undefined && v !== '' && !/^\d+$/.test(v)) throw new ArmParseError(`${what}.${k} must be a decimal LSN`);
  return v;
}

function arr(o: Json, k: string, what: string): unknown[] {
  const v = o[k];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ArmParseError(`${what}.${k} must be an array`);
  return v;
}

function props(body: Json, what: string): Json {
  return body.properties === undefined ? {} : obj(body.properties, `${what}.properties`);
}

/** the resource group from an ARM id (/subscriptions/s/resourceGroups/rg/...) */
export function resourceGroupOf(id: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
}

export function parseManagedInstance(value: unknown): ManagedInstanceInfo {
  const b = obj(value, 'managedInstance');
  const p = props(b, 'managedInstance');
  const id = reqStr(b, 'id', 'managedInstance');
  const sku = b.sku === undefined ? undefined : obj(b.sku, 'managedInstance.sku');
  return {
    id,
    name: reqStr(b, 'name', 'managedInstance'),
    resourceGroup: resourceGroupOf(id),
    location: reqStr(b, 'location', 'managedInstance'),
    state: str(p, 'state', 'managedInstance.properties'),
    provisioningState: str(p, 'provisioningState', 'managedInstance.properties'),
    fullyQualifiedDomainName: str(p, 'fullyQualifiedDomainName', 'managedInstance.properties'),
    databaseFormat: str(p, 'databaseFormat', 'managedInstance.properties'),
    storageSizeInGB: num(p, 'storageSizeInGB', 'managedInstance.properties'),
    vCores: num(p, 'vCores', 'managedInstance.properties'),
    skuName: sku ? str(sku, 'name', 'managedInstance.sku') : undefined,
  };
}

export function parseManagedDatabase(value: unknown): ManagedDatabaseInfo {
  const b = obj(value, 'managedDatabase');
  // the SDK flattens properties onto the model; the wire format nests them
  const p = b.properties === undefined ? b : props(b, 'managedDatabase');
  return {
    id: reqStr(b, 'id', 'managedDatabase'),
    name: reqStr(b, 'name', 'managedDatabase'),
    status: str(p, 'status', 'managedDatabase.properties'),
    collation: str(p, 'collation', 'managedDatabase.properties'),
    creationDate: date(p, 'creationDate', 'managedDatabase.properties'),
  };
}

function backupSet(v: unknown, what: string): BackupSetInfo {
  const o = obj(v, what);
  return {
    status: str(o, 'status', what),
    firstStripeName: str(o, 'firstStripeName', what),
    numberOfStripes: num(o, 'numberOfStripes', what),
    backupSizeMB: num(o, 'backupSizeMB', what),
    restoreStartedTimestampUtc: date(o, 'restoreStartedTimestampUtc', what),
    restoreFinishedTimestampUtc: date(o, 'restoreFinishedTimestampUtc', what),
  };
}

export function parseRestoreDetails(value: unknown): RestoreDetails {
  const b = obj(value, 'restoreDetails');
  const p = props(b, 'restoreDetails');
  const w = 'restoreDetails.properties';
  return {
    type: str(p, 'type', w),
    status: str(p, 'status', w),
    blockReason: str(p, 'blockReason', w),
    currentRestoringFileName: str(p, 'currentRestoringFileName', w),
    lastRestoredFileName: str(p, 'lastRestoredFileName', w),
    lastRestoredFileTime: date(p, 'lastRestoredFileTime', w),
    lastUploadedFileName: str(p, 'lastUploadedFileName', w),
    lastUploadedFileTime: date(p, 'lastUploadedFileTime', w),
    percentCompleted: num(p, 'percentCompleted', w),
    currentBackupType: str(p, 'currentBackupType', w),
    numberOfFilesDetected: num(p, 'numberOfFilesDetected', w),
    numberOfFilesQueued: num(p, 'numberOfFilesQueued', w),
    numberOfFilesRestored: num(p, 'numberOfFilesRestored', w),
    numberOfFilesRestoring: num(p, 'numberOfFilesRestoring', w),
    numberOfFilesSkipped: num(p, 'numberOfFilesSkipped', w),
    numberOfFilesUnrestorable: num(p, 'numberOfFilesUnrestorable', w),
    fullBackupSets: arr(p, 'fullBackupSets', w).map((s, i) => backupSet(s, `${w}.fullBackupSets[${i}]`)),
    diffBackupSets: arr(p, 'diffBackupSets', w).map((s, i) => backupSet(s, `${w}.diffBackupSets[${i}]`)),
    logBackupSets: arr(p, 'logBackupSets', w).map((s, i) => backupSet(s, `${w}.logBackupSets[${i}]`)),
    unrestorableFiles: arr(p, 'unrestorableFiles', w).map((f, i) => reqStr(obj(f, `${w}.unrestorableFiles[${i}]`), 'name', `${w}.unrestorableFiles[${i}]`)),
  };
}

export function parseEncryptionProtector(value: unknown): EncryptionProtectorInfo {
  const b = obj(value, 'encryptionProtector');
  const p = b.properties === undefined ? b : props(b, 'encryptionProtector');
  const w = 'encryptionProtector.properties';
  const type = reqStr(p, 'serverKeyType', w);
  if (type !== 'ServiceManaged' && type !== 'AzureKeyVault') throw new ArmParseError(`${w}.serverKeyType must be ServiceManaged or AzureKeyVault`);
  return { serverKeyType: type, serverKeyName: str(p, 'serverKeyName', w), uri: str(p, 'uri', w), autoRotationEnabled: bool(p, 'autoRotationEnabled', w) };
}

function linkDatabase(v: unknown, what: string): LinkDatabaseState {
  const o = obj(v, what);
  const cert = o.partnerAuthCertValidity === undefined ? undefined : obj(o.partnerAuthCertValidity, `${what}.partnerAuthCertValidity`);
  return {
    databaseName: reqStr(o, 'databaseName', what),
    instanceReplicaId: str(o, 'instanceReplicaId', what),
    partnerReplicaId: str(o, 'partnerReplicaId', what),
    replicaState: str(o, 'replicaState', what),
    seedingProgress: str(o, 'seedingProgress', what),
    synchronizationHealth: str(o, 'synchronizationHealth', what),
    connectedState: str(o, 'connectedState', what),
    lastReceivedLsn: lsn(o, 'lastReceivedLsn', what),
    lastReceivedTime: date(o, 'lastReceivedTime', what),
    lastSentLsn: lsn(o, 'lastSentLsn', what),
    lastSentTime: date(o, 'lastSentTime', what),
    lastCommitLsn: lsn(o, 'lastCommitLsn', what),
    lastCommitTime: date(o, 'lastCommitTime', what),
    lastHardenedLsn: lsn(o, 'lastHardenedLsn', what),
    lastHardenedTime: date(o, 'lastHardenedTime', what),
    lastBackupLsn: lsn(o, 'lastBackupLsn', what),
    lastBackupTime: date(o, 'lastBackupTime', what),
    mostRecentLinkError: str(o, 'mostRecentLinkError', what),
    partnerAuthCertValidity: cert
      ? { certificateName: str(cert, 'certificateName', `${what}.partnerAuthCertValidity`), expiryDate: date(cert, 'expiryDate', `${what}.partnerAuthCertValidity`) }
      : undefined,
    instanceSendReplicationLagSeconds: num(o, 'instanceSendReplicationLagSeconds', what),
    instanceRedoReplicationLagSeconds: num(o, 'instanceRedoReplicationLagSeconds', what),
  };
}

export function parseDistributedAvailabilityGroup(value: unknown): DistributedAvailabilityGroupInfo {
  const b = obj(value, 'distributedAvailabilityGroup');
  const p = props(b, 'distributedAvailabilityGroup');
  const w = 'distributedAvailabilityGroup.properties';
  return {
    id: reqStr(b, 'id', 'distributedAvailabilityGroup'),
    name: reqStr(b, 'name', 'distributedAvailabilityGroup'),
    distributedAvailabilityGroupName: str(p, 'distributedAvailabilityGroupName', w),
    distributedAvailabilityGroupId: str(p, 'distributedAvailabilityGroupId', w),
    replicationMode: str(p, 'replicationMode', w),
    partnerLinkRole: str(p, 'partnerLinkRole', w),
    partnerAvailabilityGroupName: str(p, 'partnerAvailabilityGroupName', w),
    partnerEndpoint: str(p, 'partnerEndpoint', w),
    instanceLinkRole: str(p, 'instanceLinkRole', w),
    instanceAvailabilityGroupName: str(p, 'instanceAvailabilityGroupName', w),
    failoverMode: str(p, 'failoverMode', w),
    seedingMode: str(p, 'seedingMode', w),
    linkMode: str(p, 'linkMode', w),
    mostRecentError: str(p, 'mostRecentError', w),
    mostRecentErrorTime: date(p, 'mostRecentErrorTime', w),
    mostRecentErrorMessage: str(p, 'mostRecentErrorMessage', w),
    databases: arr(p, 'databases', w).map((d, i) => linkDatabase(d, `${w}.databases[${i}]`)),
  };
}

/** a list page: {value:[...], nextLink?} */
export function parseList<T>(value: unknown, item: (v: unknown) => T): { items: T[]; nextLink?: string } {
  const b = obj(value, 'list');
  const v = b.value;
  if (!Array.isArray(v)) throw new ArmParseError('list.value must be an array');
  return { items: v.map(item), nextLink: str(b, 'nextLink', 'list') };
}

export function parseOperationStatus(value: unknown): OperationStatusBody {
  const b = obj(value, 'operationStatus');
  const err = b.error === undefined || b.error === null ? undefined : obj(b.error, 'operationStatus.error');
  return {
    name: str(b, 'name', 'operationStatus'),
    status: reqStr(b, 'status', 'operationStatus'),
    startTime: date(b, 'startTime', 'operationStatus'),
    endTime: date(b, 'endTime', 'operationStatus'),
    error: err ? { code: str(err, 'code', 'operationStatus.error') ?? 'Unknown', message: str(err, 'message', 'operationStatus.error') ?? '' } : undefined,
  };
}
