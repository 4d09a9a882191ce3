// A managed instance's update policy and TDE protector, for the portability pre-check: two ARM
// reads through the app's ARM client, one client per subscription.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { AppError } from '../errors';
import type { ManagedInstanceFacts } from '../restore/portability';
import { ArmClient } from './client';

type Settings = Record<string, string | undefined>;

const MI_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Sql\/managedInstances\/([^/]+)$/i;

/** The local ARM emulator wants a bearer token and does not check it; nothing real is sent. */
const emulatorToken: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'local-arm-emulator', expiresOnTimestamp: Date.now() + 3600_000 }),
};

/**
 * Undefined when the app has no ARM to ask (not in Azure and no ARM_ENDPOINT): the check is then
 * skipped, and SQL Server itself refuses a backup it cannot restore.
 */
export function managedInstanceFactsFromSettings(settings: Settings): ((armResourceId: string) => Promise<ManagedInstanceFacts>) | undefined {
  const endpoint = settings.ARM_ENDPOINT ?? (settings.WEBSITE_INSTANCE_ID ? 'https://management.azure.com' : undefined);
  if (!endpoint) return undefined;
  const local = /^https:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint);
  const clientId = settings.AZURE_CLIENT_ID;
  const credential = local ? emulatorToken : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined);
  const clients = new Map<string, ArmClient>();
  return async (armResourceId) => {
    const m = MI_ID.exec(armResourceId);
    if (!m) throw new AppError('BAD_RESOURCE_ID', `${armResourceId} is not a managed instance resource id`);
    const [, subscriptionId, resourceGroup, name] = m;
    let client = clients.get(subscriptionId);
    if (!client) {
      client = new ArmClient({ credential, subscriptionId, endpoint });
      clients.set(subscriptionId, client);
    }
    const [instance, protector] = await Promise.all([client.getManagedInstance(resourceGroup, name), client.getEncryptionProtector(resourceGroup, name)]);
    return { databaseFormat: instance.databaseFormat, serverKeyType: protector.serverKeyType };
  };
}
