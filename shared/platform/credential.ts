// The app's Entra identity, built once: one credential per identity (system-assigned, or a
// user-assigned one by client id), so its token cache serves storage, SQL, ARM and Event Grid alike.
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';

/** The credential for a user-assigned identity's client id, or the app's default identity. */
export type CredentialSource = (clientId?: string) => TokenCredential;

type Settings = Record<string, string | undefined>;

export function appCredentials(settings: Settings): CredentialSource {
  const cache = new Map<string, TokenCredential>();
  return (clientId = settings.AZURE_CLIENT_ID) => {
    const key = clientId ?? '';
    let credential = cache.get(key);
    if (!credential) {
      // created on first use: a run that never leaves the laptop never builds one
      credential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined);
      cache.set(key, credential);
    }
    return credential;
  };
}
