// The HADR state an instance shows for the links it takes part in, computed from the links when a
// view is read (LinkRegistry caches it): sys.availability_groups and replicas, the replica and
// database replica states, the group states, seeding, the mirroring endpoint and its certificates,
// the Database Replica performance counters. One source of truth for T-SQL and ARM.
//
// Each side shows only what it knows, as SQL Server does: the primary has a row for itself and one
// per secondary (its send queue, what the secondary last reported); a secondary has only its own
// row (what it received, hardened and redid, and what the primary last told it). A SQL Server also
// shows its own availability group (the AG the link's DAG is built on, e.g. AG_Sales): one local
// replica, its databases.
import { createHash } from 'node:crypto';
import { BULK_COUNT, LARGE_RAWCOUNT } from '../engine/hadr';
import type {
  AutomaticSeedingRow,
  AvailabilityGroupRow,
  AvailabilityReplicaRow,
  CertificateRow,
  DatabaseReplicaStateRow,
  HadrState,
  PerfCounterRow,
  PhysicalSeedingRow,
  ReplicaStateRow,
  SyncHealth,
  SyncState,
} from '../engine/hadr';
import { logTruncation } from '../engine/logSpace';
import type { Database } from '../engine/model';
import { guidFrom } from './ids';
import { currentSeeding, databaseSyncState, emptyPrimaryView, emptySecondaryView, lagSeconds, sendQueueBytes, syncHealth, type LinkSide, type ManagedInstanceLink } from './link';
import { rate } from './rates';
import type { DatabaseLinkState, LinkHost } from './types';

const KB = 1024;
const DAY_MS = 86_400_000;
/** where user endpoints' ids start (system endpoints have 1-5) */
const FIRST_USER_ENDPOINT_ID = 65536;
/** certificate ids of the link's certificates in master (the ## system certificates take the low ones) */
const FIRST_LINK_CERTIFICATE_ID = 256;

/** the SQL Server's own availability group under a link's DAG */
export function localAgIds(host: LinkHost, agName: string): { groupId: string; replicaId: string } {
  const key = `${host.config.name.toLowerCase()}/ag/${agName.toLowerCase()}`;
  return { groupId: guidFrom(key), replicaId: guidFrom(`${key}/replica`) };
}

/** one database's id within the availability groups: the same on both sides */
export function groupDatabaseId(link: ManagedInstanceLink, database: string): string {
  return guidFrom(`${link.groupId}/${database.toLowerCase()}`);
}

const kb = (bytes: number): number => Math.ceil(bytes / KB);
const kbps = (bytesPerSecond: number): number => Math.round(bytesPerSecond / KB);

/** the whole HADR state of `host` from the links it takes part in, at `now` */
export function buildHadrState(host: LinkHost, links: readonly ManagedInstanceLink[], now: Date): HadrState {
  const state: Required<Omit<HadrState, 'mirroringEndpoint'>> & Pick<HadrState, 'mirroringEndpoint'> = {
    groups: [],
    replicas: [],
    replicaStates: [],
    databaseReplicaStates: [],
    groupStates: [],
    automaticSeeding: [],
    physicalSeeding: [],
    certificates: [],
    counters: [],
    availabilityDatabases: [],
  };
  const localAgs = new Map<string, { name: string; databases: { db: Database; link: ManagedInstanceLink }[]; endpointUrl: string; createdAt: Date }>();
  for (const link of links) {
    const local = link.sideOf(host.config.name);
    // a side whose DAG was dropped shows nothing of it (its databases go on on their own)
    if (!local || local.name === link.droppedSide) continue;
    addLink(state, host, link, local, now);
    if (local.name === 'partner') {
      const key = local.availabilityGroupName.toLowerCase();
      const ag = localAgs.get(key) ?? { name: local.availabilityGroupName, databases: [], endpointUrl: `TCP://${host.serverName}:${portOf(local.endpointUrl)}`, createdAt: link.createdAt };
      for (const name of link.databaseNames()) {
        const db = host.findDatabase(name);
        if (db) ag.databases.push({ db, link });
      }
      localAgs.set(key, ag);
    }
  }
  for (const ag of localAgs.values()) addLocalAg(state, host, ag);
  const partnerLinks = links.filter((l) => l.sideOf(host.config.name)?.name === 'partner');
  if (partnerLinks.length > 0) addEndpointAndCertificates(state, partnerLinks);
  return state;
}

// ---- the distributed availability group of one link ------------------------------------------------

function addLink(state: Required<Omit<HadrState, 'mirroringEndpoint'>>, host: LinkHost, link: ManagedInstanceLink, local: LinkSide, now: Date): void {
  const remote = link.other(local.name);
  const reachable = link.isReachable(now);
  // what the replicas report (a partition is noticed only after the session timeout)
  const connected = link.appearsConnected(now);
  const localPrimary = local.role === 'PRIMARY';
  state.groups.push({ groupId: link.groupId, name: link.name, isDistributed: true, requiredSynchronizedSecondariesToCommit: link.requiredSynchronizedSecondariesToCommit, clusterType: 2 });
  for (const side of [link.partner, link.instance]) {
    state.replicas.push({
      replicaId: side.replicaId,
      groupId: link.groupId,
      replicaServerName: side.availabilityGroupName,
      endpointUrl: side.endpointUrl,
      // this side's own setting for that member: each side keeps its own (T-SQL here, ARM on the MI)
      availabilityMode: link.modes[local.name][side.name],
      failoverMode: 'MANUAL',
      seedingMode: link.seedingMode === 'Automatic' ? 'AUTOMATIC' : 'MANUAL',
      createDate: link.createdAt,
    });
  }
  const localRows: DatabaseReplicaStateRow[] = [];
  const remoteRows: DatabaseReplicaStateRow[] = [];
  for (const d of link.databases()) {
    const db = host.findDatabase(d.name);
    if (!db) continue;
    const gdb = groupDatabaseId(link, d.name);
    state.availabilityDatabases.push({ databaseId: db.databaseId, groupDatabaseId: gdb, replicaId: local.replicaId });
    if (localPrimary) {
      localRows.push(primaryOwnRow(link, d, db, gdb, local, host));
      remoteRows.push(primaryRemoteRow(link, d, db.databaseId, gdb, remote.replicaId, connected, local));
    } else {
      localRows.push(secondaryOwnRow(link, d, db, gdb, local, connected));
    }
    addSeeding(state, link, d, db, local, remote, now);
    addReplicaCounters(state, link, d, db, localPrimary, remote);
  }
  state.databaseReplicaStates.push(...localRows, ...remoteRows);
  const err = link.lastConnectError;
  const errorCols = {
    lastConnectErrorNumber: err?.number ?? null,
    lastConnectErrorDescription: err?.description ?? null,
    lastConnectErrorTimestamp: err?.at ?? null,
  };
  const localHealth = worst(localRows.map((r) => r.synchronizationHealth));
  state.replicaStates.push({
    replicaId: local.replicaId,
    groupId: link.groupId,
    isLocal: true,
    role: localPrimary ? 1 : 2,
    operationalState: 'ONLINE',
    recoveryHealth: localRows.every((r) => r.databaseState === 'ONLINE') ? 'ONLINE' : 'ONLINE_IN_PROGRESS',
    // a primary is connected to itself; a secondary tracks its connection to the primary
    connectedState: localPrimary || connected ? 'CONNECTED' : 'DISCONNECTED',
    synchronizationHealth: localHealth,
    ...(localPrimary ? { lastConnectErrorNumber: null, lastConnectErrorDescription: null, lastConnectErrorTimestamp: null } : errorCols),
  });
  let remoteHealth: SyncHealth | undefined;
  if (localPrimary) {
    remoteHealth = worst(remoteRows.map((r) => r.synchronizationHealth));
    state.replicaStates.push({
      replicaId: remote.replicaId,
      groupId: link.groupId,
      isLocal: false,
      // the role the primary knows its partner in (a cut-off partner's last known role: INFERRED)
      role: 2,
      operationalState: null,
      recoveryHealth: null,
      connectedState: connected ? 'CONNECTED' : 'DISCONNECTED',
      synchronizationHealth: remoteHealth,
      ...errorCols,
    });
  }
  const replicaHealths = remoteHealth === undefined ? [localHealth] : [localHealth, remoteHealth];
  const healthy = replicaHealths.filter((h) => h === 'HEALTHY').length;
  state.groupStates.push({
    groupId: link.groupId,
    // the primary AG's name as this side knows it (INFERRED for a DAG)
    primaryReplica: localPrimary ? local.availabilityGroupName : reachable && remote.role === 'PRIMARY' ? remote.availabilityGroupName : null,
    primaryRecoveryHealth: localPrimary ? 'ONLINE' : null,
    secondaryRecoveryHealth: localPrimary ? null : 'ONLINE',
    synchronizationHealth: healthy === replicaHealths.length ? 'HEALTHY' : healthy > 0 ? 'PARTIALLY_HEALTHY' : 'NOT_HEALTHY',
  });
}

function worst(healths: SyncHealth[]): SyncHealth {
  if (healths.includes('NOT_HEALTHY')) return 'NOT_HEALTHY';
  if (healths.includes('PARTIALLY_HEALTHY')) return 'PARTIALLY_HEALTHY';
  return 'HEALTHY';
}

/** is_suspended / suspend_reason_desc of a row of `side` (the primary also sees its secondary's: INFERRED) */
function suspension(d: Readonly<DatabaseLinkState>, side: LinkSide | 'remote'): { isSuspended: boolean; suspendReason: string | null } {
  const s = d.suspended;
  const applies = s !== undefined && (side === 'remote' || s.side === side.name);
  return { isSuspended: applies, suspendReason: applies ? s.reason : null };
}

/** the primary's own row: its log; a primary database shows SYNCHRONIZED in place of SYNCHRONIZING (docs) */
function primaryOwnRow(link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, db: Database, gdb: string, local: LinkSide, host: LinkHost): DatabaseReplicaStateRow {
  const pv = d.primaryView ?? emptyPrimaryView();
  const sync = link.availabilityMode === 'SYNCHRONOUS_COMMIT';
  // an old primary that still claims PRIMARY after a forced failover: its own commits past the fork
  const diverged = d.divergence?.side === local.name ? d.divergence : undefined;
  return {
    databaseId: db.databaseId,
    groupId: link.groupId,
    replicaId: local.replicaId,
    groupDatabaseId: gdb,
    isLocal: true,
    isPrimaryReplica: true,
    synchronizationState: 'SYNCHRONIZED',
    synchronizationHealth: 'HEALTHY',
    databaseState: db.state,
    ...suspension(d, local),
    recoveryLsn: diverged ? (diverged.recoveryLsn ?? null) : (d.recoveryLsn ?? null),
    truncationLsn: logTruncation(db, host.config.kind).lsn,
    lastSentLsn: null,
    lastSentTime: null,
    lastReceivedLsn: null,
    lastReceivedTime: null,
    // the docs: NULL on an asynchronous primary; on a synchronous one, the secondaries' minimum
    lastHardenedLsn: sync ? (pv.lastHardened?.lsn ?? null) : null,
    lastHardenedTime: sync ? (pv.lastHardened?.time ?? null) : null,
    lastRedoneLsn: null,
    lastRedoneTime: null,
    logSendQueueSizeKb: null,
    logSendRateKbps: null,
    redoQueueSizeKb: null,
    redoRateKbps: null,
    endOfLogLsn: db.lastLsn,
    lastCommitLsn: diverged ? (diverged.lastCommit?.lsn ?? null) : d.observedLsn,
    lastCommitTime: diverged ? (diverged.lastCommit?.time ?? null) : (d.primaryCommitTime ?? null),
    secondaryLagSeconds: null,
  };
}

/** the primary's row for its secondary: its own send queue and rate, the rest as last reported */
function primaryRemoteRow(link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, databaseId: number, gdb: string, replicaId: string, connected: boolean, local: LinkSide): DatabaseReplicaStateRow {
  const pv = d.primaryView ?? emptyPrimaryView();
  const state = databaseSyncState(link, d, connected);
  return {
    databaseId,
    groupId: link.groupId,
    replicaId,
    groupDatabaseId: gdb,
    isLocal: false,
    isPrimaryReplica: false,
    synchronizationState: state,
    // judged by this side's own setting: a member it has synchronous should be SYNCHRONIZED
    synchronizationHealth: syncHealth(link.sideMode(local.name), state),
    databaseState: 'ONLINE',
    ...suspension(d, 'remote'),
    recoveryLsn: d.recoveryLsn ?? null,
    truncationLsn: pv.lastHardened?.lsn ?? null,
    lastSentLsn: d.lastSent?.lsn ?? null,
    lastSentTime: d.lastSent?.time ?? null,
    lastReceivedLsn: pv.lastReceived?.lsn ?? null,
    lastReceivedTime: pv.lastReceived?.time ?? null,
    lastHardenedLsn: pv.lastHardened?.lsn ?? null,
    lastHardenedTime: pv.lastHardened?.time ?? null,
    lastRedoneLsn: pv.lastRedone?.lsn ?? null,
    lastRedoneTime: pv.lastRedone?.time ?? null,
    logSendQueueSizeKb: d.seeding ? 0 : kb(sendQueueBytes(d)),
    logSendRateKbps: kbps(rate(d.sent)),
    redoQueueSizeKb: kb(pv.redoQueueBytes),
    redoRateKbps: kbps(pv.redoRateBytes),
    endOfLogLsn: pv.endOfLogLsn ?? null,
    lastCommitLsn: pv.redoneCommit?.lsn ?? null,
    lastCommitTime: pv.redoneCommit?.time ?? null,
    secondaryLagSeconds: lagSeconds(d, connected),
  };
}

/** a secondary's own row: what it received, hardened and redid; the send queue as the primary last told it */
function secondaryOwnRow(link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, db: Database, gdb: string, local: LinkSide, connected: boolean): DatabaseReplicaStateRow {
  const sv = d.secondaryView ?? emptySecondaryView();
  const state: SyncState = databaseSyncState(link, d, connected);
  return {
    databaseId: db.databaseId,
    groupId: link.groupId,
    replicaId: local.replicaId,
    groupDatabaseId: gdb,
    isLocal: true,
    isPrimaryReplica: false,
    synchronizationState: state,
    synchronizationHealth: syncHealth(link.sideMode(local.name), state),
    databaseState: db.state,
    ...suspension(d, local),
    recoveryLsn: d.recoveryLsn ?? null,
    truncationLsn: d.lastRedone?.lsn ?? null,
    lastSentLsn: sv.lastSent?.lsn ?? null,
    lastSentTime: sv.lastSent?.time ?? null,
    lastReceivedLsn: d.lastReceived?.lsn ?? null,
    lastReceivedTime: d.lastReceived?.time ?? null,
    lastHardenedLsn: d.lastHardened?.lsn ?? null,
    lastHardenedTime: d.lastHardened?.time ?? null,
    lastRedoneLsn: d.lastRedone?.lsn ?? null,
    lastRedoneTime: d.lastRedone?.time ?? null,
    logSendQueueSizeKb: kb(sv.sendQueueBytes),
    logSendRateKbps: kbps(sv.sendRateBytes),
    redoQueueSizeKb: kb(d.redoQueueBytes),
    redoRateKbps: kbps(rate(d.redone)),
    endOfLogLsn: d.seeding ? null : db.lastLsn,
    // the docs: on the secondary, the last commit record that was redone
    lastCommitLsn: d.redoneCommit?.lsn ?? null,
    lastCommitTime: d.redoneCommit?.time ?? null,
    // the lag is the primary's measure (INFERRED: NULL on the secondary)
    secondaryLagSeconds: null,
  };
}

// ---- seeding -----------------------------------------------------------------------------------

function addSeeding(state: Required<Omit<HadrState, 'mirroringEndpoint'>>, link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, db: Database, local: LinkSide, remote: LinkSide, now: Date): void {
  const history = d.seedingHistory ?? [];
  if (history.length === 0) return;
  // the side that was primary when seeding started is the source
  const isSource = local.name === (d.sourceSide ?? 'partner');
  const gdb = groupDatabaseId(link, d.name);
  for (const op of history) {
    const ids = isSource ? [op.operationId, op.remoteOperationId] : [op.remoteOperationId, op.operationId];
    const row: AutomaticSeedingRow = {
      startTime: op.startedAt,
      completionTime: op.completedAt ?? null,
      agId: link.groupId,
      agDbId: gdb,
      agRemoteReplicaId: remote.replicaId,
      operationId: ids[0],
      isSource,
      currentState: op.state,
      performedSeeding: true,
      failureState: op.failureCode === undefined ? null : 2,
      failureStateDesc: op.failureCode === undefined ? null : 'SQL Error',
      errorCode: op.failureCode ?? 0,
      numberOfAttempts: op.attempts,
    };
    state.automaticSeeding.push(row);
  }
  const running = currentSeeding(d);
  if (!running) return;
  const rateBytes = link.isReachable(now) ? link.network.bandwidthKBps * KB : 0;
  const left = running.totalBytes - running.doneBytes;
  const physical: PhysicalSeedingRow = {
    localPhysicalSeedingId: isSource ? running.operationId : running.remoteOperationId,
    remotePhysicalSeedingId: isSource ? running.remoteOperationId : running.operationId,
    localDatabaseId: db.databaseId,
    localDatabaseName: db.name,
    remoteMachineName: remote.host.serverName,
    roleDesc: isSource ? 'Source' : 'Destination',
    // INFERRED state names
    internalStateDesc: isSource ? 'ReadingAndSendingData' : 'ReceivingAndWritingData',
    transferRateBytesPerSecond: Math.round(rateBytes),
    transferredSizeBytes: Math.round(running.doneBytes),
    databaseSizeBytes: running.totalBytes,
    startTimeUtc: running.startedAt,
    endTimeUtc: null,
    estimateTimeCompleteUtc: rateBytes > 0 ? new Date(now.getTime() + (left / rateBytes) * 1000) : null,
    failureCode: running.failureCode ?? null,
    failureMessage: running.failureMessage ?? null,
    failureTimeUtc: running.failedAt ?? null,
  };
  state.physicalSeeding.push(physical);
}

// ---- SQLServer:Database Replica counters --------------------------------------------------------

function addReplicaCounters(state: Required<Omit<HadrState, 'mirroringEndpoint'>>, link: ManagedInstanceLink, d: Readonly<DatabaseLinkState>, db: Database, localPrimary: boolean, remote: LinkSide): void {
  const rows: PerfCounterRow[] = [
    { object: 'Database Replica', counter: 'Log Bytes Received/sec', instance: db.name, value: localPrimary ? 0 : Math.round(d.received?.total ?? 0), type: BULK_COUNT },
    { object: 'Database Replica', counter: 'Redone Bytes/sec', instance: db.name, value: localPrimary ? 0 : Math.round(d.redone?.total ?? 0), type: BULK_COUNT },
    { object: 'Database Replica', counter: 'Log Send Queue', instance: db.name, value: localPrimary ? kb(sendQueueBytes(d)) : kb(d.secondaryView?.sendQueueBytes ?? 0), type: LARGE_RAWCOUNT },
    { object: 'Database Replica', counter: 'Recovery Queue', instance: db.name, value: localPrimary ? kb(d.primaryView?.redoQueueBytes ?? 0) : kb(d.redoQueueBytes), type: LARGE_RAWCOUNT },
    { object: 'Database Replica', counter: 'Mirrored Write Transactions/sec', instance: db.name, value: localPrimary ? (db.transactionCount ?? 0) : 0, type: BULK_COUNT },
  ];
  state.counters.push(...rows);
  if (localPrimary) {
    // instance names of the Availability Replica object: <group>:<replica> (INFERRED)
    state.counters.push({ object: 'Availability Replica', counter: 'Bytes Sent to Replica/sec', instance: `${link.name}:${remote.availabilityGroupName}`, value: Math.round(d.sent?.total ?? 0), type: BULK_COUNT });
  }
}

// ---- the SQL Server's own availability group ------------------------------------------------------

function addLocalAg(
  state: Required<Omit<HadrState, 'mirroringEndpoint'>>,
  host: LinkHost,
  ag: { name: string; databases: { db: Database; link: ManagedInstanceLink }[]; endpointUrl: string; createdAt: Date },
): void {
  const { groupId, replicaId } = localAgIds(host, ag.name);
  // the link's setup creates it WITH (CLUSTER_TYPE = NONE), synchronous commit, manual failover, automatic seeding
  const required = Math.max(0, ...ag.databases.map((x) => x.link.partnerAgRequiredSynchronizedSecondariesToCommit));
  const group: AvailabilityGroupRow = { groupId, name: ag.name, isDistributed: false, requiredSynchronizedSecondariesToCommit: required, clusterType: 2 };
  state.groups.push(group);
  const replica: AvailabilityReplicaRow = {
    replicaId,
    groupId,
    replicaServerName: host.serverName,
    endpointUrl: ag.endpointUrl,
    availabilityMode: 'SYNCHRONOUS_COMMIT',
    failoverMode: 'MANUAL',
    seedingMode: 'AUTOMATIC',
    createDate: ag.createdAt,
  };
  state.replicas.push(replica);
  const rows: DatabaseReplicaStateRow[] = ag.databases.map(({ db, link }) => ({
    databaseId: db.databaseId,
    groupId,
    replicaId,
    groupDatabaseId: groupDatabaseId(link, db.name),
    isLocal: true,
    // the only replica of its AG is its primary, also when it forwards a DAG it is secondary in (INFERRED)
    isPrimaryReplica: true,
    synchronizationState: 'SYNCHRONIZED',
    synchronizationHealth: 'HEALTHY',
    databaseState: db.state,
    isSuspended: false,
    suspendReason: null,
    recoveryLsn: link.database(db.name)?.recoveryLsn ?? null,
    truncationLsn: logTruncation(db, host.config.kind).lsn,
    lastSentLsn: null,
    lastSentTime: null,
    lastReceivedLsn: null,
    lastReceivedTime: null,
    lastHardenedLsn: db.lastLsn,
    lastHardenedTime: link.database(db.name)?.primaryCommitTime ?? null,
    lastRedoneLsn: null,
    lastRedoneTime: null,
    logSendQueueSizeKb: null,
    logSendRateKbps: null,
    redoQueueSizeKb: null,
    redoRateKbps: null,
    endOfLogLsn: db.lastLsn,
    lastCommitLsn: db.lastLsn,
    lastCommitTime: link.database(db.name)?.primaryCommitTime ?? null,
    secondaryLagSeconds: null,
  }));
  state.databaseReplicaStates.push(...rows);
  for (const r of rows) state.availabilityDatabases.push({ databaseId: r.databaseId, groupDatabaseId: r.groupDatabaseId ?? '', replicaId });
  const replicaState: ReplicaStateRow = {
    replicaId,
    groupId,
    isLocal: true,
    role: 1,
    operationalState: 'ONLINE',
    recoveryHealth: rows.every((r) => r.databaseState === 'ONLINE') ? 'ONLINE' : 'ONLINE_IN_PROGRESS',
    connectedState: 'CONNECTED',
    synchronizationHealth: 'HEALTHY',
    lastConnectErrorNumber: null,
    lastConnectErrorDescription: null,
    lastConnectErrorTimestamp: null,
  };
  state.replicaStates.push(replicaState);
  state.groupStates.push({ groupId, primaryReplica: host.serverName, primaryRecoveryHealth: 'ONLINE', secondaryRecoveryHealth: null, synchronizationHealth: 'HEALTHY' });
}

// ---- the mirroring endpoint and the link's certificates (SQL Server side) -----------------------

function portOf(endpointUrl: string): number {
  const m = /:(\d+)\s*(?:;|$)/.exec(endpointUrl);
  return m ? Number(m[1]) : 5022;
}

function thumbprint(seed: string): Buffer {
  return createHash('sha1').update(seed).digest();
}

function serial(seed: string): string {
  return [...createHash('md5').update(seed).digest()].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function certificate(id: number, name: string, type: CertificateRow['pvtKeyEncryptionType'], issuer: string, subject: string, start: Date, expiry: Date): CertificateRow {
  const sid = Buffer.concat([Buffer.from([0x01, 0x06, 0, 0, 0, 0, 0, 9, 0x01, 0, 0, 0]), thumbprint(name).subarray(0, 20)]);
  return {
    name,
    certificateId: id,
    principalId: 1,
    pvtKeyEncryptionType: type,
    issuerName: issuer,
    serialNumber: serial(name + start.toISOString()),
    sid,
    stringSid: `S-1-9-1-${sid.readUInt32LE(12)}-${sid.readUInt32LE(16)}-${sid.readUInt32LE(20)}-${sid.readUInt32LE(24)}-${sid.readUInt32LE(28)}`,
    subject,
    startDate: start,
    expiryDate: expiry,
    thumbprint: thumbprint(`${name}/${start.toISOString()}/${expiry.toISOString()}`),
    keyLength: 2048,
  };
}

function addEndpointAndCertificates(state: HadrState & { certificates: CertificateRow[] }, links: readonly ManagedInstanceLink[]): void {
  const first = links[0];
  const endpointCert = first.partnerCertificate;
  // CREATE CERTIFICATE ... WITH SUBJECT: a self-signed certificate whose issuer is its subject
  const start = new Date(Math.min(...links.map((l) => l.createdAt.getTime())));
  const startDate = new Date(Math.min(start.getTime(), endpointCert.expiryDate.getTime() - DAY_MS));
  state.certificates.push(certificate(FIRST_LINK_CERTIFICATE_ID, endpointCert.name, 'MK', 'Certificate for SQL Server', 'Certificate for SQL Server', startDate, endpointCert.expiryDate));
  // the Azure root authorities the link's setup imports (public keys only)
  state.certificates.push(
    certificate(FIRST_LINK_CERTIFICATE_ID + 1, 'MicrosoftPKI', 'NA', 'Microsoft RSA Root Certificate Authority 2017', 'Microsoft RSA Root Certificate Authority 2017', new Date('2019-12-18T22:51:22Z'), new Date('2042-07-18T23:00:23Z')),
    certificate(FIRST_LINK_CERTIFICATE_ID + 2, 'DigiCertPKI', 'NA', 'DigiCert Global Root G2', 'DigiCert Global Root G2', new Date('2013-08-01T12:00:00Z'), new Date('2038-01-15T12:00:00Z')),
  );
  // each managed instance's endpoint certificate, imported under its FQDN (issuer: INFERRED)
  const seen = new Set<string>();
  let id = FIRST_LINK_CERTIFICATE_ID + 3;
  for (const l of links) {
    const fqdn = /^tcp:\/\/([^:;/]+)/i.exec(l.instance.endpointUrl)?.[1] ?? l.instance.host.config.name;
    if (seen.has(fqdn.toLowerCase())) continue;
    seen.add(fqdn.toLowerCase());
    state.certificates.push(certificate(id++, fqdn, 'NA', 'Microsoft Corporation', `CN=${fqdn}`, l.createdAt, new Date(l.createdAt.getTime() + 365 * DAY_MS)));
  }
  state.mirroringEndpoint = { name: 'database_mirroring_endpoint', endpointId: FIRST_USER_ENDPOINT_ID, port: portOf(links[0].partner.endpointUrl), certificateId: FIRST_LINK_CERTIFICATE_ID };
}
