// JSON bodies as ARM returns them for managed instances, managed databases, restore details, the
// encryption protector and distributed availability groups (2025-01-01 schema).
import { databaseSyncState, emptyPrimaryView, emptySecondaryView, lagSeconds, linkErrorText, replicaStateOf, syncHealth, type ManagedInstanceLink } from '../link/link';
import type { DatabaseLinkState } from '../link/types';
import type { LinkSchema } from './apiVersions';
import type { ArmManagedDatabase, ArmManagedInstance, EncryptionProtector, LrsBackupSetInfo, LrsState } from './backend';

export function instanceId(sub: string, rg: string, mi: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Sql/managedInstances/${mi}`;
}

export function managedInstanceBody(sub: string, mi: ArmManagedInstance): unknown {
  return {
    id: instanceId(sub, mi.resourceGroup, mi.name),
    name: mi.name,
    type: 'Microsoft.Sql/managedInstances',
    location: mi.location,
    sku: { name: 'GP_Gen5', tier: 'GeneralPurpose', family: 'Gen5', capacity: mi.vCores },
    properties: {
      provisioningState: 'Succeeded',
      state: mi.state,
      fullyQualifiedDomainName: mi.fullyQualifiedDomainName,
      administratorLogin: 'miadmin',
      collation: 'SQL_Latin1_General_CP1_CI_AS',
      licenseType: 'LicenseIncluded',
      vCores: mi.vCores,
      storageSizeInGB: mi.storageSizeInGB,
      databaseFormat: mi.databaseFormat,
      minimalTlsVersion: '1.2',
      publicDataEndpointEnabled: false,
    },
  };
}

export function managedDatabaseBody(sub: string, rg: string, mi: string, location: string, db: ArmManagedDatabase): unknown {
  return {
    id: `${instanceId(sub, rg, mi)}/databases/${db.name}`,
    name: db.name,
    type: 'Microsoft.Sql/managedInstances/databases',
    location,
    properties: {
      collation: db.collation,
      status: db.status,
      creationDate: db.creationDate.toISOString(),
      ...(db.earliestRestorePoint ? { earliestRestorePoint: db.earliestRestorePoint.toISOString() } : {}),
      isLedgerOn: false,
    },
  };
}

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

function backupSetBody(set: LrsBackupSetInfo): unknown {
  return {
    status: set.status,
    firstStripeName: set.firstStripeName,
    numberOfStripes: set.numberOfStripes,
    backupSizeMB: set.backupSizeMB,
    restoreStartedTimestampUtc: iso(set.restoreStartedTimestampUtc),
    restoreFinishedTimestampUtc: iso(set.restoreFinishedTimestampUtc),
  };
}

/** the LRS job as restoreDetails reports it (REFERENCE 8.2); the SAS is not part of LrsState */
export function restoreDetailsBody(sub: string, rg: string, mi: string, lrs: LrsState): unknown {
  return {
    id: `${instanceId(sub, rg, mi)}/databases/${lrs.database}/restoreDetails/current`,
    name: 'current',
    type: 'Microsoft.Sql/managedInstances/databases/restoreDetails',
    properties: {
      type: 'LRSRestore',
      status: lrs.status,
      blockReason: lrs.blockReason,
      currentRestoringFileName: lrs.currentRestoringFileName,
      lastRestoredFileName: lrs.lastRestoredFileName,
      lastRestoredFileTime: iso(lrs.lastRestoredFileTime),
      lastUploadedFileName: lrs.lastUploadedFileName,
      lastUploadedFileTime: iso(lrs.lastUploadedFileTime),
      percentCompleted: lrs.percentCompleted,
      currentRestoredSizeMB: lrs.currentRestoredSizeMB,
      currentRestorePlanSizeMB: lrs.currentRestorePlanSizeMB,
      currentBackupType: lrs.currentBackupType,
      numberOfFilesDetected: lrs.numberOfFilesDetected,
      numberOfFilesQueued: lrs.numberOfFilesQueued,
      numberOfFilesRestored: lrs.numberOfFilesRestored,
      numberOfFilesRestoring: lrs.numberOfFilesRestoring,
      numberOfFilesSkipped: lrs.numberOfFilesSkipped,
      numberOfFilesUnrestorable: lrs.numberOfFilesUnrestorable,
      fullBackupSets: lrs.fullBackupSets.map(backupSetBody),
      diffBackupSets: lrs.diffBackupSets.map(backupSetBody),
      logBackupSets: lrs.logBackupSets.map(backupSetBody),
      unrestorableFiles: lrs.unrestorableFiles.map((name) => ({ name })),
    },
  };
}

export function encryptionProtectorBody(sub: string, rg: string, mi: string, p: EncryptionProtector): unknown {
  return {
    id: `${instanceId(sub, rg, mi)}/encryptionProtector/current`,
    name: 'current',
    type: 'Microsoft.Sql/managedInstances/encryptionProtector',
    kind: p.serverKeyType === 'AzureKeyVault' ? 'azurekeyvault' : 'servicemanaged',
    properties: { serverKeyName: p.serverKeyName, serverKeyType: p.serverKeyType, uri: p.uri, autoRotationEnabled: false },
  };
}

const role = (r: 'PRIMARY' | 'SECONDARY'): 'Primary' | 'Secondary' => (r === 'PRIMARY' ? 'Primary' : 'Secondary');

/**
 * One database as ARM reports it: the managed instance's view of the link, never fresher than what
 * the managed instance can know. As primary it knows what it sent and what SQL Server last
 * reported; as secondary what it received, hardened and redid. While the two cannot talk, SQL
 * Server's side of it stands still.
 */
function databaseEntry(link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, now: Date, failoverInProgress: boolean): unknown {
  // what the managed instance reports: a silent partner is noticed after the session timeout
  const connected = link.appearsConnected(now);
  const state = databaseSyncState(link, d, connected);
  const pv = d.primaryView ?? emptyPrimaryView();
  const sv = d.secondaryView ?? emptySecondaryView();
  const miSends = link.instance.role === 'PRIMARY' && d.sourceSide === 'instance';
  const lastSent = miSends ? d.lastSent : sv.lastSent;
  const lastReceived = miSends ? pv.lastReceived : d.lastReceived;
  const lastHardened = miSends ? pv.lastHardened : d.lastHardened;
  const lastCommit = miSends ? pv.redoneCommit : d.redoneCommit;
  const seedingPercent = d.seeding ? Math.floor((100 * d.seeding.doneBytes) / Math.max(1, d.seeding.totalBytes)) : 100;
  return {
    databaseName: d.name,
    instanceReplicaId: link.instance.replicaId.toLowerCase(),
    partnerReplicaId: link.partner.replicaId.toLowerCase(),
    // a documented replicaState (REFERENCE 2.3) while a failover or role change runs
    replicaState: failoverInProgress ? 'LinkFailoverInProgress' : replicaStateOf(link, d, connected),
    seedingProgress: `${seedingPercent}%`,
    synchronizationHealth: syncHealth(link.sideMode('instance'), state),
    connectedState: connected ? 'CONNECTED' : 'DISCONNECTED',
    lastReceivedLsn: lastReceived?.lsn.toString(),
    lastReceivedTime: iso(lastReceived?.time),
    lastSentLsn: lastSent?.lsn.toString(),
    lastSentTime: iso(lastSent?.time),
    lastCommitLsn: lastCommit?.lsn.toString(),
    lastCommitTime: iso(lastCommit?.time),
    lastHardenedLsn: lastHardened?.lsn.toString(),
    lastHardenedTime: iso(lastHardened?.time),
    // the managed instance's last backup of the database in its own chain (an automated backup;
    // a user COPY_ONLY one is outside it): INFERRED from the spec's "Last Backup LSN / Time"
    ...lastBackup(link, d.name),
    mostRecentLinkError: linkErrorText(link, now),
    partnerAuthCertValidity: { certificateName: link.partnerCertificate.name, expiryDate: link.partnerCertificate.expiryDate.toISOString() },
    // lag fields describe the managed instance as primary; 0 otherwise
    instanceSendReplicationLagSeconds: miSends ? (lagSeconds(d, connected) ?? 0) : 0,
    instanceRedoReplicationLagSeconds: miSends && pv.redoRateBytes > 0 ? Math.ceil(pv.redoQueueBytes / pv.redoRateBytes) : 0,
  };
}

function lastBackup(link: ManagedInstanceLink, database: string): { lastBackupLsn?: string; lastBackupTime?: string } {
  let last: { lastLsn: bigint; backupFinishDate: Date } | undefined;
  for (const b of link.instance.host.backupHistory ?? []) {
    if (b.isCopyOnly || b.databaseName.toLowerCase() !== database.toLowerCase()) continue;
    if (!last || b.backupFinishDate.getTime() >= last.backupFinishDate.getTime()) last = b;
  }
  return last ? { lastBackupLsn: last.lastLsn.toString(), lastBackupTime: iso(last.backupFinishDate) } : { lastBackupLsn: undefined, lastBackupTime: undefined };
}

export interface LinkBodyOptions {
  /** the schema of the request's api-version (apiVersions.ts) */
  schema?: LinkSchema;
  /** a failover or setRole operation is running on the link */
  failoverInProgress?: boolean;
}

/** the managed instance's own setting (ARM PATCH sets it; SQL Server keeps its own) */
const replicationModeOf = (link: ManagedInstanceLink): 'Sync' | 'Async' => (link.sideMode('instance') === 'SYNCHRONOUS_COMMIT' ? 'Sync' : 'Async');

export function linkBody(sub: string, rg: string, mi: string, link: ManagedInstanceLink, now: Date, options: LinkBodyOptions = {}): unknown {
  const schema = options.schema ?? 'new';
  if (schema === 'old') return oldSchemaLinkBody(sub, rg, mi, link, now);
  return {
    id: `${instanceId(sub, rg, mi)}/distributedAvailabilityGroups/${link.name}`,
    name: link.name,
    type: 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups',
    properties: {
      distributedAvailabilityGroupName: link.name,
      distributedAvailabilityGroupId: link.groupId.toLowerCase(),
      replicationMode: replicationModeOf(link),
      // ARM knows SQL Server's role only as the managed instance last heard it
      partnerLinkRole: role(link.partnerRoleSeenByInstance),
      partnerAvailabilityGroupName: link.partner.availabilityGroupName,
      partnerEndpoint: link.partner.endpointUrl,
      instanceLinkRole: role(link.instance.role),
      instanceAvailabilityGroupName: link.instance.availabilityGroupName,
      failoverMode: link.failoverMode,
      seedingMode: link.seedingMode,
      // 2025-08-01-preview on (INFERRED: MultiDatabase for a link of several databases)
      ...(schema === 'newWithLinkMode' ? { linkMode: link.databaseNames().length > 1 ? 'MultiDatabase' : 'SingleDatabase' } : {}),
      databases: link.databases().map((d) => databaseEntry(link, d, now, options.failoverInProgress === true)),
    },
  };
}

/**
 * The old schema (2023-08-01 and the earlier previews, REFERENCE 2.1), what @azure/arm-sql 10 reads:
 * one database, source and target as the primary and secondary member (INFERRED mapping), the
 * first database's state as linkState.
 */
function oldSchemaLinkBody(sub: string, rg: string, mi: string, link: ManagedInstanceLink, now: Date): unknown {
  const primary = link.primary() ?? link.partner;
  const secondary = link.other(primary.name);
  const d = link.databases()[0];
  const connected = link.appearsConnected(now);
  const hardened = d ? (link.instance.role === 'PRIMARY' && d.sourceSide === 'instance' ? d.primaryView?.lastHardened : d.lastHardened) : undefined;
  return {
    id: `${instanceId(sub, rg, mi)}/distributedAvailabilityGroups/${link.name}`,
    name: link.name,
    type: 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups',
    properties: {
      targetDatabase: d?.name,
      sourceEndpoint: link.partner.endpointUrl,
      primaryAvailabilityGroupName: primary.availabilityGroupName,
      secondaryAvailabilityGroupName: secondary.availabilityGroupName,
      replicationMode: replicationModeOf(link),
      distributedAvailabilityGroupId: link.groupId.toLowerCase(),
      sourceReplicaId: primary.replicaId.toLowerCase(),
      targetReplicaId: secondary.replicaId.toLowerCase(),
      linkState: d ? replicaStateOf(link, d, connected) : undefined,
      lastHardenedLsn: hardened?.lsn.toString(),
    },
  };
}
