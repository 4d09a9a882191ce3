// What the ARM emulator serves, independent of where it comes from: the engine's instances and
// links (engineBackend.ts) in the emulator, anything else in a test. Names follow ARM.
import type { ManagedInstanceLink } from '../link/link';
import type { LrsStart, LrsState } from '../lrs/types';

export type { LrsBackupSetInfo, LrsStart, LrsState, LrsStatus } from '../lrs/types';

export type DatabaseFormat = 'SQLServer2022' | 'AlwaysUpToDate';
export type ServerKeyType = 'ServiceManaged' | 'AzureKeyVault';

export interface ArmManagedInstance {
  name: string;
  resourceGroup: string;
  location: string;
  databaseFormat: DatabaseFormat;
  storageSizeInGB: number;
  vCores: number;
  fullyQualifiedDomainName: string;
  state: 'Ready' | 'Stopped';
}

export interface ArmManagedDatabase {
  name: string;
  status: 'Online' | 'Restoring' | 'Offline' | 'Inaccessible' | 'Creating';
  collation: string;
  creationDate: Date;
  /** the earliest point a point-in-time restore can go back to; absent before the first full backup */
  earliestRestorePoint?: Date;
}

/** A point-in-time restore asked for through ARM (PUT a database with createMode PointInTimeRestore). */
export interface PointInTimeRestoreStart {
  /** the source's ARM id as the request gave it */
  sourceDatabaseId: string;
  /** parsed from sourceDatabaseId */
  source: { subscriptionId: string; resourceGroup: string; instance: string; database: string };
  restorePointInTime: Date;
}

export type PointInTimeRestoreStatus = 'Restoring' | 'Succeeded' | 'Failed';

/** Where a point-in-time restore stands: the ARM operation waits on it. */
export interface PointInTimeRestoreState {
  status: PointInTimeRestoreStatus;
  sourceDatabaseId: string;
  restorePointInTime: Date;
  startedAt: Date;
  /** when the restore of the data finishes (simulated time) */
  finishAt: Date;
  /** why it failed (the target was deleted meanwhile) */
  error?: { status: number; code: string; message: string };
}

export interface EncryptionProtector {
  serverKeyType: ServerKeyType;
  serverKeyName: string;
  uri?: string;
}

export interface LinkCreate {
  name: string;
  databases: string[];
  partnerAvailabilityGroupName: string;
  partnerEndpoint: string;
  instanceAvailabilityGroupName: string;
  instanceLinkRole: 'Primary' | 'Secondary';
  failoverMode: 'Manual' | 'None';
  seedingMode: 'Automatic' | 'Manual';
  replicationMode: 'Async' | 'Sync';
}

export interface ArmBackend {
  readonly subscriptionId: string;
  now(): Date;
  /** brings derived state (the DMVs' HadrState) up to date after a change */
  refresh(): void;
  instances(): ArmManagedInstance[];
  instance(resourceGroup: string, name: string): ArmManagedInstance | undefined;
  databases(instance: string): ArmManagedDatabase[];
  /** false when there is no such database */
  deleteDatabase(instance: string, database: string): boolean;
  encryptionProtector(instance: string): EncryptionProtector;
  setEncryptionProtector(instance: string, protector: EncryptionProtector): void;
  /** the links the managed instance takes part in, advanced to now */
  links(instance: string): ManagedInstanceLink[];
  createLink(instance: string, spec: LinkCreate): ManagedInstanceLink;
  /** ARM DELETE: the managed instance's side of the link only; SQL Server keeps its DAG until dropped there */
  deleteLink(instance: string, link: ManagedInstanceLink): void;
  /**
   * Log Replay Service: checks the start (409 for an existing database, 400 for the SAS or the
   * folder), creates the database RESTORING and restores the folder's backups in the background.
   * Stopped by deleteDatabase.
   */
  startLrs(instance: string, database: string, start: LrsStart): LrsState;
  /** the job's progress as restoreDetails shows it (never the SAS) */
  lrs(instance: string, database: string): LrsState | undefined;
  /** finish once `lastBackupName` is restored (right away when it is already); 404 without a job */
  completeLrs(instance: string, database: string, lastBackupName: string): LrsState;
  /**
   * Point-in-time restore to this managed instance: checks the request (ARM's 400s), creates the
   * database RESTORING with the source's contents as of the point, and finishes it after the time
   * the data takes at the instance's throughput. Optional: a test backend may not serve it.
   */
  startPointInTimeRestore?(instance: string, database: string, start: PointInTimeRestoreStart): PointInTimeRestoreState;
  /** the restore into `database`, if one was started (kept after it ended) */
  pointInTimeRestore?(instance: string, database: string): PointInTimeRestoreState | undefined;
  /** stops background work (LRS loops) when the ARM endpoint closes */
  close?(): void;
  /** calls `listener` whenever the backend's world moves on (the link ticker); returns how to stop */
  onTick?(listener: () => void): () => void;
}
