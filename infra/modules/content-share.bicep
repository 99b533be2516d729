// Elastic Premium only: the Azure Files share the platform mounts the app content from.
// Azure Files accepts nothing but the account key, so the connection string is written straight
// from the account into Key Vault (never into a parameter, an output or an app setting); the app
// settings reference it with @Microsoft.KeyVault(...), resolved with the app identity.
param storageAccountName string
param keyVaultName string
param shareName string = 'casedesk-content'

@description('Principal id of the app identity: it resolves the Key Vault reference to this one secret.')
param appPrincipalId string

// Built-in role: Key Vault Secrets User (read secret values, nothing else).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    shareDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

// Created here because the platform cannot create a share it reaches through a Key Vault reference.
resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2024-01-01' = {
  parent: fileService
  name: shareName
  properties: {
    shareQuota: 100
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'functions-content-share'
  properties: {
    contentType: 'azure-storage-connection-string'
    // checkov:skip=CKV_AZURE_41: the value follows the storage account key; an expiry date would stop the app when it passes. Rotate key and secret together (docs/infra.md).
    attributes: {
      enabled: true
    }
    value: 'DefaultEndpointsProtocol=https;AccountName=${account.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${account.listKeys().keys[0].value}'
  }
}

// Scoped to this secret only (not the vault): the platform reads it with the app identity
// (keyVaultReferenceIdentity) to mount the content share.
resource appReadsConnectionSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(connectionSecret.id, appPrincipalId, keyVaultSecretsUser)
  scope: connectionSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output shareName string = share.name
// Version-less URI: the app follows the secret when it is rotated.
output secretUri string = connectionSecret.properties.secretUri
