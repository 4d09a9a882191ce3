// mi-autopilot on Azure: one resource group with the function app (Flex Consumption, Node.js,
// user-assigned managed identity, identity-based storage, no keys anywhere), its state account,
// the backups account watched by Event Grid, the outcome-event topic, Key Vault for SQL secrets,
// Application Insights on Log Analytics; least-privilege roles on the managed instances (a custom
// role with exactly the ARM actions the code calls, derived in test/unit/infra/bicep.test.ts) and,
// when links redirect clients, on their Private DNS zones; an action group and example alerts.
//
// Two phases (azure.yaml's postdeploy hook): the Event Grid subscription to `backupUploaded` and the
// action group that calls `alertReceived` need the deployed functions, so they are created when
// wireFunctions is true, on the provision that follows the first deploy.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of every resource (Event Grid system topics follow their storage account).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID): may upload the estate blob and set Key Vault secrets. Empty: no such roles.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@description('Resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Name of the app identity (the SQL login is CREATE LOGIN [<this name>] FROM EXTERNAL PROVIDER); default id-mi-autopilot-<token>.')
param identityName string = ''

// ---- the estate --------------------------------------------------------------------------------

@description('Container of the state account holding the estate file (ESTATE_BLOB_URL must be in the app\'s own storage account).')
param estateContainerName string = 'estate'

@description('Blob name of the estate file in that container.')
param estateBlobName string = 'estate.json'

// Lists are comma-separated strings, so that azd can pass them from one environment variable each.

@description('Comma-separated ARM resource ids of the managed instances in the estate (instances[].armResourceId). Each gets the operator role and the example alerts.')
param managedInstanceIds string = ''

@description('Comma-separated ARM resource ids of the Private DNS zones the links redirect clients in (links[].redirect.zoneResourceId). Optional.')
param privateDnsZoneIds string = ''

@description('Comma-separated containers of the backups account the app watches (backupContainers[].url); one Event Grid subscription each.')
param backupContainerNames string = 'backups'

@description('Where chains onto a managed instance are staged for the Log Replay Service (backupContainers[].logReplayContainer; the app\'s default).')
param logReplayContainerName string = 'mi-autopilot-lrs'

@description('Comma-separated app settings resolved from Key Vault: every passwordSetting and webhookSetting the estate names. The secret of setting FOO_BAR is foo-bar.')
param secretSettings string = ''

@description('Key Vault purge protection. On (the default), a deleted vault stays recoverable for 90 days and its name is taken meanwhile: re-create an environment of the same name only after recovering it (infra/DEPLOY.md).')
param keyVaultPurgeProtection bool = true

// ---- the app -----------------------------------------------------------------------------------

@allowed(['20', '22'])
param nodeVersion string = '20'

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Subnet (delegated to Microsoft.App/environments) for VNet integration: how the app reaches SQL Server and the managed instances. Empty: no VNet integration.')
param appSubnetId string = ''

@description('LINK_HEALTH_SCHEDULE: the link-health sweep (NCRONTAB, six fields).')
param linkHealthSchedule string = '0 */1 * * * *'

@minValue(1)
@maxValue(3650)
@description('RETENTION_DAYS: finished operations are deleted after this many days.')
param retentionDays int = 30

@minValue(1)
@maxValue(365)
@description('LINK_HISTORY_DAYS: link health history is deleted after this many days.')
param linkHistoryDays int = 14

@minValue(100)
@maxValue(3600000)
@description('RESTORE_POLL_MS: how often a running or waiting restore is looked at.')
param restorePollMs int = 15000

@minValue(0)
@maxValue(1440)
@description('RESTORE_UNREACHABLE_MINUTES: how long a restore waits for an unreachable target.')
param restoreUnreachableMinutes int = 15

@minValue(100)
@maxValue(60000)
@description('FAILOVER_POLL_MS: how often a waiting failover step looks again.')
param failoverPollMs int = 2000

@description('More app settings (the optional ones in infra/optional-settings.json). They never replace a setting this template sets.')
param appSettingOverrides object = {}

// ---- events and alerts -------------------------------------------------------------------------

@description('Phase two: create the Event Grid subscription(s) and the action group (needs the deployed functions). Set by infra/hooks/postdeploy.*.')
param wireFunctions bool = false

@minValue(1)
@maxValue(30)
param eventMaxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
param eventTimeToLiveMinutes int = 1440

@minValue(1)
@maxValue(100)
@description('CPU alert: average CPU percent of a managed instance over 15 minutes.')
param cpuAlertThresholdPercent int = 90

@minValue(1)
@maxValue(100)
@description('Storage alert: storage used, in percent of the instance\'s reserved storage.')
param storageAlertThresholdPercent int = 90

@description('Create the resource health alert on each managed instance.')
param resourceHealthAlerts bool = true

// ---- names -------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  identity: !empty(identityName) ? identityName : 'id-mi-autopilot-${resourceToken}'
  functionApp: 'func-mi-autopilot-${resourceToken}'
  plan: 'plan-mi-autopilot-${resourceToken}'
  stateAccount: take('st${resourceToken}', 24)
  backupsAccount: take('stbk${resourceToken}', 24)
  logAnalytics: 'log-mi-autopilot-${resourceToken}'
  appInsights: 'appi-mi-autopilot-${resourceToken}'
  keyVault: take('kv-mi-${resourceToken}', 24)
  outcomeTopic: 'evgt-mi-autopilot-${resourceToken}'
  backupsSystemTopic: 'evgst-backups-${resourceToken}'
  actionGroup: 'ag-mi-autopilot-${resourceToken}'
}
var miIds = filter(map(split(managedInstanceIds, ','), item => trim(item)), item => !empty(item))
var zoneIds = filter(map(split(privateDnsZoneIds, ','), item => trim(item)), item => !empty(item))
var backupContainers = filter(map(split(backupContainerNames, ','), item => trim(item)), item => !empty(item))
var secretSettingNames = filter(map(split(secretSettings, ','), item => trim(item)), item => !empty(item))
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'

// the subscriptions the managed instances and DNS zones live in: each gets the custom roles
var miSubscriptions = map(miIds, id => toLower(split(id, '/')[2]))
var zoneSubscriptions = map(zoneIds, id => toLower(split(id, '/')[2]))
var roleSubscriptions = union(miSubscriptions, zoneSubscriptions)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'mi-autopilot-identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'mi-autopilot-monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module stateStorage 'modules/stateStorage.bicep' = {
  name: 'mi-autopilot-state-storage'
  scope: rg
  params: {
    name: names.stateAccount
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    deploymentContainerName: deploymentContainerName
    estateContainerName: estateContainerName
    deadLetterContainerName: deadLetterContainerName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module backupsStorage 'modules/backupsStorage.bicep' = {
  name: 'mi-autopilot-backups-storage'
  scope: rg
  params: {
    name: names.backupsAccount
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    backupContainerNames: backupContainers
    logReplayContainerName: logReplayContainerName
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'mi-autopilot-key-vault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    purgeProtection: keyVaultPurgeProtection
  }
}

module outcomeTopic 'modules/outcomeTopic.bicep' = {
  name: 'mi-autopilot-outcome-topic'
  scope: rg
  params: {
    name: names.outcomeTopic
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'mi-autopilot-function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    stateAccountName: stateStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    estateContainerName: estateContainerName
    estateBlobName: estateBlobName
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultUri: keyVault.outputs.uri
    outcomeTopicEndpoint: outcomeTopic.outputs.endpoint
    secretSettings: secretSettingNames
    appSettingOverrides: appSettingOverrides
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSubnetId: appSubnetId
    linkHealthSchedule: linkHealthSchedule
    retentionDays: retentionDays
    linkHistoryDays: linkHistoryDays
    restorePollMs: restorePollMs
    restoreUnreachableMinutes: restoreUnreachableMinutes
    failoverPollMs: failoverPollMs
  }
  // the app starts with its roles in place (storage for the host, Key Vault for its references)
  dependsOn: [
    monitoring
    keyVault
    outcomeTopic
  ]
}

module backupEvents 'modules/backupEvents.bicep' = {
  name: 'mi-autopilot-backup-events'
  scope: rg
  params: {
    systemTopicName: names.backupsSystemTopic
    location: location
    tags: tags
    backupsAccountName: backupsStorage.outputs.name
    backupContainerNames: backupContainers
    stateAccountName: stateStorage.outputs.name
    deadLetterContainerName: deadLetterContainerName
    functionAppName: functionApp.outputs.name
    createSubscriptions: wireFunctions
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveMinutes: eventTimeToLiveMinutes
  }
}

module actionGroup 'modules/actionGroup.bicep' = if (wireFunctions) {
  name: 'mi-autopilot-action-group'
  scope: rg
  params: {
    name: names.actionGroup
    tags: tags
    functionAppName: functionApp.outputs.name
  }
}

var actionGroupId = wireFunctions ? resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.Insights/actionGroups', names.actionGroup) : ''

// the custom roles, once per subscription that holds a managed instance or a DNS zone
module customRoles 'modules/customRoles.bicep' = [for sub in roleSubscriptions: {
  name: 'mi-autopilot-roles-${sub}-${take(resourceToken, 6)}'
  scope: subscription(sub)
  params: {
    environmentName: environmentName
    appPrincipalId: identity.outputs.principalId
    managedInstances: contains(miSubscriptions, sub)
    privateDnsZones: contains(zoneSubscriptions, sub)
  }
}]

module managedInstances 'modules/managedInstance.bicep' = [for (id, i) in miIds: {
  name: 'mi-autopilot-mi-${i}-${resourceToken}'
  scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
  params: {
    instanceName: split(id, '/')[8]
    appPrincipalId: identity.outputs.principalId
    operatorRoleId: customRoles[indexOf(roleSubscriptions, toLower(split(id, '/')[2]))].outputs.managedInstanceRoleId
    actionGroupId: actionGroupId
    cpuAlertThresholdPercent: cpuAlertThresholdPercent
    storageAlertThresholdPercent: storageAlertThresholdPercent
    resourceHealthAlert: resourceHealthAlerts
    tags: tags
  }
  dependsOn: [
    actionGroup
  ]
}]

module privateDnsZones 'modules/privateDnsZone.bicep' = [for (id, i) in zoneIds: {
  name: 'mi-autopilot-dns-${i}-${resourceToken}'
  scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
  params: {
    zoneName: split(id, '/')[8]
    appPrincipalId: identity.outputs.principalId
    cnameRoleId: customRoles[indexOf(roleSubscriptions, toLower(split(id, '/')[2]))].outputs.cnameRoleId
  }
}]

// ---- outputs (azd keeps them in the environment: infra/DEPLOY.md uses them) ---------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.url
output MI_AUTOPILOT_IDENTITY_NAME string = identity.outputs.name
output MI_AUTOPILOT_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MI_AUTOPILOT_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MI_AUTOPILOT_STATE_ACCOUNT string = stateStorage.outputs.name
output MI_AUTOPILOT_ESTATE_CONTAINER string = estateContainerName
output MI_AUTOPILOT_ESTATE_BLOB_URL string = functionApp.outputs.estateBlobUrl
output MI_AUTOPILOT_BACKUPS_ACCOUNT string = backupsStorage.outputs.name
output MI_AUTOPILOT_BACKUPS_ACCOUNT_ID string = backupsStorage.outputs.id
output MI_AUTOPILOT_BACKUPS_BLOB_ENDPOINT string = backupsStorage.outputs.blobEndpoint
output MI_AUTOPILOT_KEY_VAULT_NAME string = keyVault.outputs.name
output MI_AUTOPILOT_OUTCOME_TOPIC_ENDPOINT string = outcomeTopic.outputs.endpoint
output MI_AUTOPILOT_ACTION_GROUP_ID string = actionGroupId
output MI_AUTOPILOT_WIRED bool = wireFunctions
