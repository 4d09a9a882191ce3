// The action group that hands Azure Monitor alerts to the app: the `alertReceived` function
// (functions/alertReceived.ts: app.http route 'alerts', POST, function key) with the common alert
// schema. The key is read from the deployed app at deployment time; none is written here.
param name string
param tags object = {}
param functionAppName string

var alertFunctionName = 'alertReceived'
var alertRoute = 'alerts'

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'miautopilot'
    enabled: true
    azureFunctionReceivers: [
      {
        name: 'mi-autopilot-alerts'
        functionAppResourceId: functionApp.id
        functionName: alertFunctionName
        httpTriggerUrl: 'https://${functionApp.properties.defaultHostName}/api/${alertRoute}?code=${listKeys('${functionApp.id}/host/default', '2024-04-01').functionKeys.default}'
        useCommonAlertSchema: true
      }
    ]
  }
}

output id string = actionGroup.id
