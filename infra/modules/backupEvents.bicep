// Event Grid on the backups account: a system topic (with its own identity, which writes dead
// letters into the state account), and per watched container one subscription that delivers
// committed block blobs to the `backupUploaded` function. The subscriptions need the deployed
// function (createSubscriptions: the provision after the first deploy).
param systemTopicName string
param location string
param tags object = {}
param backupsAccountName string
param backupContainerNames array
param stateAccountName string
param deadLetterContainerName string
param functionAppName string
param createSubscriptions bool
param maxDeliveryAttempts int = 30
param eventTimeToLiveMinutes int = 1440

var roles = loadJsonContent('../builtin-roles.json')

// the Event Grid trigger (functions/backupUploaded.ts: app.eventGrid('backupUploaded', ...))
var backupFunctionName = 'backupUploaded'
// the data.api values that mean a committed block blob (shared/events/blobCreated.ts COMMITTED_APIS)
var committedApis = [
  'PutBlob'
  'PutBlockList'
  'CopyBlob'
  'FlushWithClose'
]

resource backupsAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: backupsAccountName
}

resource stateAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: stateAccountName
}

resource stateBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: stateAccount
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: stateBlobs
  name: deadLetterContainerName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: backupsAccount.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// dead letters without keys: the topic's identity writes them, into that one container only
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, systemTopic.id, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource backupUploaded 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [for container in backupContainerNames: if (createSubscriptions) {
  parent: systemTopic
  name: 'backup-uploaded-${container}'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${backupFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${container}/blobs/'
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.api'
          values: committedApis
        }
        {
          operatorType: 'StringIn'
          key: 'data.blobType'
          values: [
            'BlockBlob'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: stateAccount.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
  dependsOn: [
    deadLetterWriter
  ]
}]

output systemTopicName string = systemTopic.name
output systemTopicPrincipalId string = systemTopic.identity.principalId
