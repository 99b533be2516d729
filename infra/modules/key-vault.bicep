// Key Vault for the key-encryption key (ARCHITECTURE §5). RBAC only (no access policies), 90 days
// of soft delete and purge protection: a deleted KEK can always be recovered, and nobody — not even
// a subscription Owner — can destroy it for good before that window ends. A CanNotDelete lock
// stops the vault from being deleted by mistake (with its resource group, or by `azd down`).
param name string
param location string
param tags object

@description('Principal id of the app identity: the only principal given read access to a secret.')
param appPrincipalId string

@description('Log Analytics workspace that receives the vault audit log (who read or changed the KEK, when).')
param workspaceId string

@description('Name of the KEK secret (KEK_SECRET_NAME); an operator creates it after the first provisioning.')
param kekSecretName string

@description('True once the KEK secret exists: the app identity then gets read access to that one secret.')
param kekExists bool = false

@description('True to recover this vault from soft delete (same name after `azd down`); see infra/hooks/keyvault-mode.sh.')
param recoverSoftDeleted bool = false

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
    // A purge-protected vault keeps its name for 90 days after deletion: a redeploy with the same
    // environment recovers it (and the KEK in it) instead of failing on the name.
    createMode: recoverSoftDeleted ? 'recover' : 'default'
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

resource kek 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: kekSecretName
}

// Scoped to the KEK secret, not the vault: the app can read no other secret. Before the KEK exists
// there is nothing to read and nothing to scope the grant to (docs/infra.md).
resource appReadsKek 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (kekExists) {
  name: guid(vault.id, kekSecretName, appPrincipalId, keyVaultSecretsUser)
  scope: kek
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource noDelete 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'casedesk-no-delete'
  scope: vault
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds the KEK of every case key. Remove this lock before `azd down` (docs/operations.md).'
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
