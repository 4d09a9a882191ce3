// A managed instance's update policy and TDE protector, for the portability pre-check: two ARM
// reads. Without ARM (not in Azure, no ARM_ENDPOINT) the check is skipped, and SQL Server itself
// refuses a backup it cannot restore.
import type { ManagedInstanceFacts } from './portability';
import type { ArmResolver } from '../arm/fromSettings';

export function managedInstanceFactsFrom(resolve: ArmResolver): (armResourceId: string) => Promise<ManagedInstanceFacts> {
  return async (armResourceId) => {
    const { client, resourceGroup, name } = resolve(armResourceId);
    const [instance, protector] = await Promise.all([client.getManagedInstance(resourceGroup, name), client.getEncryptionProtector(resourceGroup, name)]);
    return { databaseFormat: instance.databaseFormat, serverKeyType: protector.serverKeyType };
  };
}
