// Key Vault for the SQL passwords and webhook URLs the estate names (passwordSetting,
// webhookSetting): the app settings reference them (@Microsoft.KeyVault(SecretUri=...)) and the app
// reads them with its identity. RBAC only, no access policies; the secrets' values are set by a
// person (infra/DEPLOY.md), never by this template.
param name string
param location string
param tags object = {}
param appPrincipalId string
param deployerPrincipalId string = ''
param deployerPrincipalType string = 'User'
param purgeProtection bool = true

var roles = loadJsonContent('../builtin-roles.json')

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // true, or left out: Key Vault refuses enablePurgeProtection: false
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// the app resolves its Key Vault references
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// whoever runs azd sets the secrets
resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
