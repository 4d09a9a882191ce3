// The app's identity: user-assigned, so it exists before the app (role assignments and SQL logins
// are made for it once and survive a re-created function app). The app uses it for storage, Key
// Vault references, Event Grid, ARM, Private DNS and Entra logins to SQL (AZURE_CLIENT_ID).
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
