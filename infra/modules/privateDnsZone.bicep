// A Private DNS zone a link redirects clients in (links[].redirect.zoneResourceId): the app may read
// and write its CNAME record sets (the custom CNAME role of customRoles.bicep), nothing else.
param zoneName string
param appPrincipalId string
param cnameRoleId string

resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' existing = {
  name: zoneName
}

resource cnameWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(zone.id, appPrincipalId, cnameRoleId)
  scope: zone
  properties: {
    roleDefinitionId: cnameRoleId
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
