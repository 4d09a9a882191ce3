// One managed instance of the estate (deployed in its resource group): the app's operator role on
// it, and example alerts routed to the app's action group (once the action group exists):
// resource health, CPU, storage. Their rule names are what the estate's alertRoutes match on.
param instanceName string
param appPrincipalId string
@description('The custom "mi-autopilot managed instance operator" role of this subscription (customRoles.bicep).')
param operatorRoleId string
@description('The action group that calls alertReceived; empty: no alerts yet.')
param actionGroupId string = ''
param cpuAlertThresholdPercent int = 90
param storageAlertThresholdPercent int = 90
param resourceHealthAlert bool = true
param tags object = {}

resource instance 'Microsoft.Sql/managedInstances@2023-08-01' existing = {
  name: instanceName
}

resource operator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(instance.id, appPrincipalId, operatorRoleId)
  scope: instance
  properties: {
    roleDefinitionId: operatorRoleId
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

var alerts = !empty(actionGroupId)

// Service Health says the instance is unavailable or degraded (what the failover routes care about)
resource health 'Microsoft.Insights/activityLogAlerts@2020-10-01' = if (alerts && resourceHealthAlert) {
  name: 'mi-autopilot-health-${instanceName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Resource health of ${instanceName}: Unavailable or Degraded. Posted to mi-autopilot (POST /api/alerts).'
    enabled: true
    scopes: [
      instance.id
    ]
    condition: {
      allOf: [
        {
          field: 'category'
          equals: 'ResourceHealth'
        }
        {
          anyOf: [
            {
              field: 'properties.currentHealthStatus'
              equals: 'Unavailable'
            }
            {
              field: 'properties.currentHealthStatus'
              equals: 'Degraded'
            }
          ]
        }
      ]
    }
    actions: {
      actionGroups: [
        {
          actionGroupId: actionGroupId
        }
      ]
    }
  }
}

resource cpu 'Microsoft.Insights/metricAlerts@2018-03-01' = if (alerts) {
  name: 'mi-autopilot-cpu-${instanceName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Average CPU of ${instanceName} above ${cpuAlertThresholdPercent}% for 15 minutes.'
    severity: 2
    enabled: true
    scopes: [
      instance.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'cpu'
          metricNamespace: 'Microsoft.Sql/managedInstances'
          metricName: 'avg_cpu_percent'
          operator: 'GreaterThan'
          threshold: cpuAlertThresholdPercent
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}

resource storage 'Microsoft.Insights/metricAlerts@2018-03-01' = if (alerts) {
  name: 'mi-autopilot-storage-${instanceName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Storage used by ${instanceName} above ${storageAlertThresholdPercent}% of its reserved storage.'
    severity: 2
    enabled: true
    scopes: [
      instance.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'storage'
          metricNamespace: 'Microsoft.Sql/managedInstances'
          metricName: 'storage_space_used_mb'
          operator: 'GreaterThan'
          // the metric is in MB; the instance reserves storageSizeInGB
          threshold: instance.properties.storageSizeInGB * 1024 * storageAlertThresholdPercent / 100
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}

output alertRuleNames array = alerts ? concat(resourceHealthAlert ? ['mi-autopilot-health-${instanceName}'] : [], ['mi-autopilot-cpu-${instanceName}', 'mi-autopilot-storage-${instanceName}']) : []
