// The app's custom roles in one subscription that holds managed instances and/or Private DNS zones.
// Each action list is exactly what the code calls; test/unit/infra/bicep.test.ts derives the lists
// from shared/arm/client.ts (every path and HTTP method the app reaches, and the @azure/arm-sql
// operations it uses) and shared/redirect/privateDnsCname.ts, and fails when they differ.
targetScope = 'subscription'

param environmentName string
param appPrincipalId string
@description('This subscription holds managed instances: create the operator and operation-status roles.')
param managedInstances bool
@description('This subscription holds Private DNS zones the links redirect in: create the CNAME role.')
param privateDnsZones bool

// On each managed instance (assigned in managedInstance.bicep, scope: the instance).
var managedInstanceActions = [
  'Microsoft.Sql/managedInstances/read'
  'Microsoft.Sql/managedInstances/encryptionProtector/read'
  'Microsoft.Sql/managedInstances/databases/read'
  'Microsoft.Sql/managedInstances/databases/write'
  'Microsoft.Sql/managedInstances/databases/delete'
  'Microsoft.Sql/managedInstances/databases/restoreDetails/read'
  'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/read'
  'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/write'
  'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/delete'
  'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/failover/action'
  'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/setRole/action'
]

// The status of the long-running operations the app starts and polls (Azure-AsyncOperation and
// Location URLs). ARM hands them out under /subscriptions/{id}/[resourceGroups/{rg}/]providers/
// Microsoft.Sql/locations/{region}/..., outside the instance, so this role is assigned on the
// subscription. The app polls (test/unit/infra derives it): distributedAvailabilityGroups-
// AzureAsyncOperation and -OperationResults (link PATCH, DELETE, failover, setRole) and the
// managed-database families (Log Replay Service start, database delete). The published
// Microsoft.Sql permission list names the first two but not the managed-database ones, so the
// role reads operation status the way Azure's own SQL Managed Instance Contributor does: every
// read under Microsoft.Sql/locations of this subscription, and nothing else.
var operationStatusActions = [
  'Microsoft.Sql/locations/*/read'
]

// On each Private DNS zone a link redirects clients in: read and write CNAME record sets, nothing
// else (the built-in Private DNS Zone Contributor could also rewrite the A records of the zone,
// delete record sets and change its virtual network links).
var cnameActions = [
  'Microsoft.Network/privateDnsZones/CNAME/read'
  'Microsoft.Network/privateDnsZones/CNAME/write'
]

resource managedInstanceRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (managedInstances) {
  name: guid(subscription().id, 'mi-autopilot-managed-instance-operator', environmentName)
  properties: {
    roleName: 'mi-autopilot managed instance operator (${environmentName}, ${subscription().subscriptionId})'
    description: 'What mi-autopilot calls on a managed instance: read it and its TDE protector, Log Replay Service restores (database write/delete, restoreDetails), Managed Instance link reads, replication mode, failover, setRole and removal.'
    type: 'CustomRole'
    permissions: [
      {
        actions: managedInstanceActions
        notActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource operationStatusRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (managedInstances) {
  name: guid(subscription().id, 'mi-autopilot-operation-status-reader', environmentName)
  properties: {
    roleName: 'mi-autopilot operation status reader (${environmentName}, ${subscription().subscriptionId})'
    description: 'Reads the status of the Microsoft.Sql long-running operations mi-autopilot starts (links, managed databases).'
    type: 'CustomRole'
    permissions: [
      {
        actions: operationStatusActions
        notActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource cnameRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (privateDnsZones) {
  name: guid(subscription().id, 'mi-autopilot-cname-writer', environmentName)
  properties: {
    roleName: 'mi-autopilot CNAME writer (${environmentName}, ${subscription().subscriptionId})'
    description: 'Reads and writes CNAME record sets of a Private DNS zone: mi-autopilot points a link\'s connection name at the new primary.'
    type: 'CustomRole'
    permissions: [
      {
        actions: cnameActions
        notActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource operationStatusReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (managedInstances) {
  name: guid(subscription().id, appPrincipalId, operationStatusRole.id)
  properties: {
    roleDefinitionId: operationStatusRole.id
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output managedInstanceRoleId string = managedInstances ? managedInstanceRole.id : ''
output cnameRoleId string = privateDnsZones ? cnameRole.id : ''
