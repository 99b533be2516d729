// Storage the Functions host itself needs (timer leases, host keys, the deployment package): a
// separate account from the app's data, so host housekeeping never mixes with case documents.
//  * Flex Consumption: identity only — the package lives in a blob container the app reads with its
//    managed identity, and shared-key access is off.
//  * Elastic Premium: the platform mounts the app content from an Azure Files share, and Azure Files
//    accepts only a key. The connection string therefore goes into Key Vault and the app settings
//    hold a Key Vault reference, never the key (docs/infra.md).
param name string
param location string
param tags object

@description('Log Analytics workspace that receives the diagnostic logs of this module (modules/monitoring.bicep).')
param workspaceId string

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@description('Key Vault that holds the content-share connection string (Elastic Premium only).')
param keyVaultName string

@description('Principal id of the app identity; the Functions host acts with it on this account only.')
param appPrincipalId string

var isFlex = hostingPlan == 'FlexConsumption'
var deploymentContainerName = 'deployment-package'
// Built-in role: Storage Blob Data Owner, what the Functions host needs on AzureWebJobsStorage.
var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // Zone-redundant in Zurich; host state is rebuilt by the platform, so no geo copy is needed.
    name: 'Standard_ZRS'
  }
  properties: {
    accessTier: 'Hot'
    // Off on Flex Consumption. Elastic Premium needs it: its Azure Files content share accepts
    // nothing but the account key, which is kept in Key Vault (content-share.bicep).
    allowSharedKeyAccess: !isFlex
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_206: host state is disposable; zone redundancy in Zurich is enough and keeps it in one region.
    // checkov:skip=CKV_AZURE_59: public endpoint kept until the private-endpoint follow-up; anonymous access is off and Flex uses identity-only access.
    networkAcls: {
      // checkov:skip=CKV_AZURE_35: no virtual network yet, so a default-deny firewall would lock out the Functions host. Private endpoint is a follow-up (docs/infra.md).
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

// Flex Consumption keeps the deployment package here (unused, and empty, on Elastic Premium).
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

module contentShare 'content-share.bicep' = if (!isFlex) {
  name: 'functions-content-share'
  params: {
    storageAccountName: account.name
    keyVaultName: keyVaultName
    appPrincipalId: appPrincipalId
  }
}

resource hostOwnsBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, blobDataOwner)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}


// Blob reads, writes and deletes (StorageBlobLogs): who touched which blob, when, with which identity.
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

output name string = account.name
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
output contentShareName string = isFlex ? '' : contentShare.outputs.shareName
output contentShareSecretUri string = isFlex ? '' : contentShare.outputs.secretUri
