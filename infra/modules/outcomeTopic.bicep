// The app's Event Grid topic for outcome, progress and link-health events (CloudEvents 1.0,
// OPERATION_EVENTS_TOPIC_ENDPOINT). Entra ID only: the app publishes with its identity.
param name string
param location string
param tags object = {}
param appPrincipalId string

var roles = loadJsonContent('../builtin-roles.json')

resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource dataSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appPrincipalId, roles.eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = topic.id
output endpoint string = topic.properties.endpoint
