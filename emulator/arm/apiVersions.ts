// The Microsoft.Sql api-versions the emulator accepts, per operation, as ARM refuses the others:
// a version not registered for the resource type is 400 NoRegisteredProviderFound naming the
// supported ones; an action a version lacks (failover and setRole before the new link schema) is
// refused the same way (INFERRED: the code ARM gives for a missing action). Sources: REFERENCE 2.1,
// the published examples' file names (shared/reference/arm), and the versions @azure/arm-sql 10
// sends for the operations the app calls through it.
import { ArmHttpError } from './errors';

/** the link's body shape on a version: old (targetDatabase, sourceEndpoint ...), new, new + linkMode */
export type LinkSchema = 'old' | 'new' | 'newWithLinkMode';

/** old link schema, no failover or setRole (REFERENCE 2.1: 2023-08-01 and the 2021-2022 previews, presumed) */
const LINK_OLD = ['2021-05-01-preview', '2021-08-01-preview', '2021-11-01-preview', '2022-02-01-preview', '2022-05-01-preview', '2022-08-01-preview', '2023-08-01'];
/** new schema with failover and setRole (REFERENCE 2.1) */
const LINK_NEW = ['2023-02-01-preview', '2023-08-01-preview', '2024-05-01-preview', '2025-01-01', '2025-02-01-preview'];
/** new schema plus linkMode: 2025-08-01-preview (REFERENCE 2.1) and the later examples' versions */
const LINK_WITH_MODE = ['2025-08-01-preview', '2026-08-01-preview', '2026-11-01-preview'];
/** what @azure/arm-sql 10 sends for the managed instance operations (encryption protector, managed databases) */
const SDK_VERSIONS = ['2020-11-01-preview', '2021-02-01-preview', '2021-05-01-preview', '2021-08-01-preview', '2021-11-01-preview', '2022-02-01-preview', '2022-05-01-preview', '2022-08-01-preview'];

const sorted = (versions: string[]): string[] => [...new Set(versions)].sort();

/** every version the emulator serves managed instances, their databases and the protector on */
export const MANAGED_INSTANCE_API_VERSIONS = sorted([...SDK_VERSIONS, ...LINK_OLD, ...LINK_NEW, ...LINK_WITH_MODE]);
export const LINK_API_VERSIONS = sorted([...LINK_OLD, ...LINK_NEW, ...LINK_WITH_MODE]);
export const LINK_ACTION_API_VERSIONS = sorted([...LINK_NEW, ...LINK_WITH_MODE]);

/** an ARM operation the emulator serves, by the resource type ARM registers it under */
export type SqlOperation =
  | 'managedInstances'
  | 'managedInstances/databases'
  | 'managedInstances/encryptionProtector'
  | 'managedInstances/distributedAvailabilityGroups'
  | 'managedInstances/distributedAvailabilityGroups/failover'
  | 'managedInstances/distributedAvailabilityGroups/setRole'
  | 'locations/operationResults';

const ACCEPTED: Record<SqlOperation, readonly string[]> = {
  managedInstances: MANAGED_INSTANCE_API_VERSIONS,
  'managedInstances/databases': MANAGED_INSTANCE_API_VERSIONS,
  'managedInstances/encryptionProtector': MANAGED_INSTANCE_API_VERSIONS,
  'managedInstances/distributedAvailabilityGroups': LINK_API_VERSIONS,
  'managedInstances/distributedAvailabilityGroups/failover': LINK_ACTION_API_VERSIONS,
  'managedInstances/distributedAvailabilityGroups/setRole': LINK_ACTION_API_VERSIONS,
  // the polling URLs carry the version of the request that started the operation
  'locations/operationResults': MANAGED_INSTANCE_API_VERSIONS,
};

/** the versions `operation` is served on */
export function acceptedApiVersions(operation: SqlOperation): readonly string[] {
  return ACCEPTED[operation];
}

/** throws ARM's 400 when `apiVersion` does not serve `operation` */
export function checkApiVersion(operation: SqlOperation, apiVersion: string, location: string): void {
  const accepted = ACCEPTED[operation];
  if (accepted.includes(apiVersion)) return;
  throw new ArmHttpError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${operation}'. The supported api-versions are '${accepted.join(', ')}'. The supported locations are '${location}'.`,
  );
}

export function linkSchemaOf(apiVersion: string): LinkSchema {
  if (LINK_OLD.includes(apiVersion)) return 'old';
  return LINK_WITH_MODE.includes(apiVersion) ? 'newWithLinkMode' : 'new';
}
