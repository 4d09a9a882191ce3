// The app's way to ARM from its settings: one ArmClient per subscription, found from a managed
// instance's resource id. In Azure it signs in with the managed identity; locally it talks to the
// ARM emulator named by ARM_ENDPOINT.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AppError } from '../errors';
import { ArmClient } from './client';
import { parseManagedInstanceId } from './resourceId';

type Settings = Record<string, string | undefined>;

/** The local ARM emulator wants a bearer token and does not check it; nothing real is sent. */
const emulatorToken: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'local-arm-emulator', expiresOnTimestamp: Date.now() + 3600_000 }),
};

export interface ManagedInstanceRef {
  client: ArmClient;
  resourceGroup: string;
  name: string;
}

/** A managed instance's resource id, resolved to the client for its subscription. */
export type ArmResolver = (armResourceId: string) => ManagedInstanceRef;

export function armResolverFor(clientFor: (subscriptionId: string) => ArmClient): ArmResolver {
  const clients = new Map<string, ArmClient>();
  return (armResourceId) => {
    const id = parseManagedInstanceId(armResourceId);
    if (!id) throw new AppError('BAD_RESOURCE_ID', `${armResourceId} is not a managed instance resource id`);
    const { subscriptionId, resourceGroup, name } = id;
    let client = clients.get(subscriptionId.toLowerCase());
    if (!client) {
      client = clientFor(subscriptionId);
      clients.set(subscriptionId.toLowerCase(), client);
    }
    return { client, resourceGroup, name };
  };
}

/** Where ARM is and how to sign in to it; undefined when the app has no ARM to ask (not in Azure, no ARM_ENDPOINT). */
export function armEndpointFromSettings(settings: Settings, credential: () => TokenCredential): { endpoint: string; credential: TokenCredential } | undefined {
  // App Service and Functions (Flex Consumption included) set WEBSITE_SITE_NAME; WEBSITE_INSTANCE_ID on the older plans
  const inAzure = Boolean(settings.WEBSITE_SITE_NAME || settings.WEBSITE_INSTANCE_ID);
  const endpoint = settings.ARM_ENDPOINT ?? (inAzure ? 'https://management.azure.com' : undefined);
  if (!endpoint) return undefined;
  const local = /^https:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint);
  return { endpoint, credential: local ? emulatorToken : credential() };
}

/** Undefined when the app has no ARM to ask: not in Azure and no ARM_ENDPOINT. */
export function armResolverFromSettings(settings: Settings, credential: () => TokenCredential): ArmResolver | undefined {
  const arm = armEndpointFromSettings(settings, credential);
  if (!arm) return undefined;
  return armResolverFor((subscriptionId) => new ArmClient({ credential: arm.credential, subscriptionId, endpoint: arm.endpoint }));
}
