// The backups account: the containers SQL Server and the managed instances back up to, watched by
// Event Grid, and the Log Replay Service staging container. Entra ID only (no account keys): the
// app signs user-delegation SAS tokens for SQL Server's credentials and the Log Replay Service.
param name string
param location string
param tags object = {}
param appPrincipalId string
param backupContainerNames array
param logReplayContainerName string

var roles = loadJsonContent('../builtin-roles.json')

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
    // SQL Server (on premises) and the managed instances reach it over HTTPS; see infra/DEPLOY.md to restrict
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in union(backupContainerNames, [logReplayContainerName]): {
  parent: blobs
  name: c
  properties: {
    publicAccess: 'None'
  }
}]

// reads backups, lists containers, copies the Log Replay Service's staging files and deletes them
resource blobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, roles.storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// gets the user delegation key the SAS tokens are signed with (only an account-level assignment can)
resource blobDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, roles.storageBlobDelegator)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
