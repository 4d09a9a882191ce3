// What the ARM emulator serves, independent of where it comes from: the engine's instances and
// links (engineBackend.ts) in the emulator, anything else in a test. Names follow ARM.
import type { ManagedInstanceLink } from '../link/link';

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
}

export interface EncryptionProtector {
  serverKeyType: ServerKeyType;
  serverKeyName: string;
  uri?: string;
}

export interface LrsStart {
  storageContainerUri: string;
  storageContainerIdentity: 'SharedAccessSignature' | 'ManagedIdentity';
  /** never echoed back */
  storageContainerSasToken?: string;
  autoCompleteRestore: boolean;
  lastBackupName?: string;
  collation?: string;
}

export interface LrsState {
  database: string;
  start: LrsStart;
  status: 'Restoring' | 'Completed' | 'Failed';
  startedAt: Date;
  completedAt?: Date;
  lastRestoredFileName?: string;
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
  deleteLink(instance: string, link: ManagedInstanceLink): void;
  startLrs(instance: string, database: string, start: LrsStart): LrsState;
  lrs(instance: string, database: string): LrsState | undefined;
  completeLrs(instance: string, database: string, lastBackupName: string): LrsState;
}
