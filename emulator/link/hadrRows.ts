// Writes the link's state into each host's HadrState, which the engine's sys.availability_groups,
// sys.availability_replicas and sys.dm_hadr_* views read: one source of truth for T-SQL and ARM.
// The primary sees rows for both replicas; a secondary sees only its own, as in SQL Server.
import type { DatabaseReplicaStateRow, HadrState, ReplicaStateRow } from '../engine/hadr';
import type { ManagedInstanceLink, LinkSide } from './link';
import type { DatabaseLinkSnapshot, LinkHost } from './types';

/** rebuilds `host.hadr` from every link the host takes part in */
export function writeHadrState(host: LinkHost, links: readonly ManagedInstanceLink[], now: Date): void {
  const state: HadrState = host.hadr;
  state.groups.length = 0;
  state.replicas.length = 0;
  state.replicaStates.length = 0;
  state.databaseReplicaStates.length = 0;
  for (const link of links) {
    const local = link.sideOf(host.config.name);
    if (!local) continue;
    const remote = link.other(local.name);
    const snapshots = link.snapshots(now);
    const connected = link.isConnected(now);
    state.groups.push({ groupId: link.groupId, name: link.name, isDistributed: true, requiredSynchronizedSecondariesToCommit: 0 });
    for (const side of [link.partner, link.instance]) {
      state.replicas.push({
        replicaId: side.replicaId,
        groupId: link.groupId,
        replicaServerName: side.availabilityGroupName,
        endpointUrl: side.endpointUrl,
        availabilityMode: link.availabilityMode,
        failoverMode: 'MANUAL',
        seedingMode: link.seedingMode === 'Automatic' ? 'AUTOMATIC' : 'MANUAL',
      });
    }
    const health = worstHealth(snapshots);
    state.replicaStates.push(replicaState(link, local, true, connected, health));
    if (local.role === 'PRIMARY') state.replicaStates.push(replicaState(link, remote, false, connected, health));
    for (const snap of snapshots) {
      const db = host.findDatabase(snap.name);
      if (!db) continue;
      const secondaryRow = secondaryDatabaseRow(link, snap, db.databaseId, remote.replicaId);
      if (local.role === 'PRIMARY') {
        state.databaseReplicaStates.push(primaryDatabaseRow(link, snap, db.databaseId, local.replicaId, db.lastLsn));
        state.databaseReplicaStates.push({ ...secondaryRow, replicaId: remote.replicaId, isLocal: false });
      } else {
        state.databaseReplicaStates.push({ ...secondaryRow, replicaId: local.replicaId, isLocal: true, endOfLogLsn: db.lastLsn });
      }
    }
  }
}

function worstHealth(snaps: DatabaseLinkSnapshot[]): ReplicaStateRow['synchronizationHealth'] {
  if (snaps.some((s) => s.synchronizationHealth === 'NOT_HEALTHY')) return 'NOT_HEALTHY';
  if (snaps.some((s) => s.synchronizationHealth === 'PARTIALLY_HEALTHY')) return 'PARTIALLY_HEALTHY';
  return 'HEALTHY';
}

function replicaState(link: ManagedInstanceLink, side: LinkSide, isLocal: boolean, connected: boolean, health: ReplicaStateRow['synchronizationHealth']): ReplicaStateRow {
  const err = connected ? undefined : link.lastConnectError;
  return {
    replicaId: side.replicaId,
    groupId: link.groupId,
    isLocal,
    // a remote replica is shown in the role the local primary expects of it
    role: isLocal ? (side.role === 'PRIMARY' ? 1 : 2) : 2,
    operationalState: isLocal ? 'ONLINE' : null,
    connectedState: connected ? 'CONNECTED' : 'DISCONNECTED',
    synchronizationHealth: health,
    lastConnectErrorNumber: err?.number ?? null,
    lastConnectErrorDescription: err?.description ?? null,
    lastConnectErrorTimestamp: err?.at ?? null,
  };
}

function primaryDatabaseRow(link: ManagedInstanceLink, snap: DatabaseLinkSnapshot, databaseId: number, replicaId: string, endOfLog: bigint): DatabaseReplicaStateRow {
  const sync = link.availabilityMode === 'SYNCHRONOUS_COMMIT';
  return {
    databaseId,
    groupId: link.groupId,
    replicaId,
    isLocal: true,
    isPrimaryReplica: true,
    synchronizationState: snap.synchronizationState,
    synchronizationHealth: snap.synchronizationHealth,
    databaseState: 'ONLINE',
    isSuspended: false,
    suspendReason: null,
    lastSentLsn: null,
    lastSentTime: null,
    lastReceivedLsn: null,
    lastReceivedTime: null,
    // the docs: NULL for an asynchronous primary's own row
    lastHardenedLsn: sync ? endOfLog : null,
    lastHardenedTime: sync ? (snap.primaryCommitTime ?? null) : null,
    lastRedoneLsn: null,
    lastRedoneTime: null,
    logSendQueueSizeKb: null,
    logSendRateKbps: null,
    redoQueueSizeKb: null,
    redoRateKbps: null,
    endOfLogLsn: endOfLog,
    lastCommitLsn: endOfLog,
    lastCommitTime: snap.primaryCommitTime ?? null,
    secondaryLagSeconds: null,
  };
}

function secondaryDatabaseRow(link: ManagedInstanceLink, snap: DatabaseLinkSnapshot, databaseId: number, replicaId: string): DatabaseReplicaStateRow {
  return {
    databaseId,
    groupId: link.groupId,
    replicaId,
    isLocal: false,
    isPrimaryReplica: false,
    synchronizationState: snap.synchronizationState,
    synchronizationHealth: snap.synchronizationHealth,
    databaseState: 'ONLINE',
    isSuspended: false,
    suspendReason: null,
    lastSentLsn: snap.lastSent?.lsn ?? null,
    lastSentTime: snap.lastSent?.time ?? null,
    lastReceivedLsn: snap.lastReceived?.lsn ?? null,
    lastReceivedTime: snap.lastReceived?.time ?? null,
    lastHardenedLsn: snap.lastHardened?.lsn ?? null,
    lastHardenedTime: snap.lastHardened?.time ?? null,
    lastRedoneLsn: snap.lastRedone?.lsn ?? null,
    lastRedoneTime: snap.lastRedone?.time ?? null,
    logSendQueueSizeKb: snap.logSendQueueKB,
    logSendRateKbps: snap.logSendRateKBps,
    redoQueueSizeKb: snap.redoQueueKB,
    redoRateKbps: snap.redoRateKBps,
    endOfLogLsn: snap.lastHardened?.lsn ?? null,
    lastCommitLsn: snap.lastHardened?.lsn ?? null,
    lastCommitTime: snap.secondaryCommitTime ?? null,
    secondaryLagSeconds: snap.secondaryLagSeconds,
  };
}
