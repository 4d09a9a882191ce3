// The function app on Flex Consumption: Node.js, the user-assigned identity for everything
// (AzureWebJobsStorage without keys, Key Vault references, Event Grid, ARM, SQL), and the app
// settings the code reads (test/unit/infra/bicep.test.ts checks them against shared/ and functions/;
// infra/optional-settings.json lists the ones left to their defaults and why).
param name string
param planName string
param location string
param tags object = {}
param identityId string
param identityClientId string
param stateAccountName string
param deploymentContainerName string
param estateContainerName string
param estateBlobName string
param appInsightsName string
param keyVaultUri string
param outcomeTopicEndpoint string
@description('App settings whose values are Key Vault references (SQL passwords, webhook URLs).')
param secretSettings array = []
param appSettingOverrides object = {}
param nodeVersion string = '20'
param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048
param appSubnetId string = ''
param linkHealthSchedule string
param retentionDays int
param linkHistoryDays int
param restorePollMs int
param restoreUnreachableMinutes int
param failoverPollMs int

resource stateAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: stateAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: !empty(appSubnetId) ? appSubnetId : null
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stateAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// The estate blob must be in the app's own storage account (ESTATE_BLOB_ELSEWHERE otherwise).
var estateBlobUrl = '${stateAccount.properties.primaryEndpoints.blob}${estateContainerName}/${estateBlobName}'

// Every setting the code reads that a deployment decides. ARM_ENDPOINT is deliberately absent: in
// Azure the app talks to management.azure.com (shared/arm/fromSettings.ts).
var baseSettings = {
  // the host and the app's own storage clients, with the identity (shared/storage/connection.ts)
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: stateAccount.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: stateAccount.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: stateAccount.properties.primaryEndpoints.table
  // DefaultAzureCredential picks the user-assigned identity (shared/platform/credential.ts)
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  ESTATE_BLOB_URL: estateBlobUrl
  OPERATION_EVENTS_TOPIC_ENDPOINT: outcomeTopicEndpoint
  LINK_HEALTH_SCHEDULE: linkHealthSchedule
  RETENTION_DAYS: string(retentionDays)
  LINK_HISTORY_DAYS: string(linkHistoryDays)
  RESTORE_POLL_MS: string(restorePollMs)
  RESTORE_UNREACHABLE_MINUTES: string(restoreUnreachableMinutes)
  FAILOVER_POLL_MS: string(failoverPollMs)
}

// passwordSetting / webhookSetting values: Key Vault references, secret FOO_BAR -> foo-bar
var secretReferences = toObject(secretSettings, s => string(s), s => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${toLower(replace(string(s), '_', '-'))}/)')

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  // later objects win: overrides never replace what the template sets
  properties: union(appSettingOverrides, secretReferences, baseSettings)
}

output name string = site.name
output id string = site.id
output url string = 'https://${site.properties.defaultHostName}'
output estateBlobUrl string = estateBlobUrl
