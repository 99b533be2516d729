// Key Vault for the key-encryption key (ARCHITECTURE §5). RBAC only (no access policies), 90 days
// of soft delete and purge protection: a deleted KEK can always be recovered, and nobody — not even
// a subscription Owner — can destroy it for good before that window ends.
param name string
param location string
param tags object

@description('Principal id of the app identity: the only principal given read access to secrets.')
param appPrincipalId string

@description('Log Analytics workspace that receives the vault audit log (who read or changed the KEK, when).')
param workspaceId string

// Built-in role: Key Vault Secrets User (read secret values, nothing else).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

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
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // checkov:skip=CKV_AZURE_189: see CKV_AZURE_109 below: public endpoint until the private-endpoint follow-up, Entra ID + RBAC only.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // checkov:skip=CKV_AZURE_109: no virtual network yet, so a default-deny firewall would lock out the Function App (its outbound IPs are shared and change); access is Entra ID + RBAC only. Private endpoint is a follow-up (docs/infra.md).
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
