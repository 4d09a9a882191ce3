// Tests start their own Azurite through the same launcher `npm start` uses.
export { startAzurite, azuriteAccountSas, AZURITE_ACCOUNT, AZURITE_KEY } from '../../local/azurite';
export type { AzuriteInstance } from '../../local/azurite';
