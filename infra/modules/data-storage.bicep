// Blob storage for the app's documents (ciphertext only, ARCHITECTURE §4), and the queues that
// hand work to queue-triggered functions (small references only, never personal data).
// GZRS: three zones in Zurich plus an asynchronous copy in Geneva (Switzerland West). No shared
// keys, no anonymous access: every request carries an Entra token. Versioning, soft delete and the
// change feed are what point-in-time restore and the Backup vault's blob backups rely on.
param name string
param location string
param tags object

@description('Log Analytics workspace that receives the diagnostic logs of this module (modules/monitoring.bicep).')
param workspaceId string

@description('Principal id of the app identity; it may read and write blobs of the documents container only.')
param appPrincipalId string

@description('Container the app keeps its encrypted documents in (BLOB_CONTAINER).')
param documentsContainerName string = 'casedesk'

@description('Container reserved for scheduled Cosmos DB exports, so they reach long-term backup (docs/infra.md).')
param exportsContainerName string = 'cosmos-exports'

@description('Queues the app sends to (TaskQueue port). The Functions host creates each one\'s -poison queue itself.')
param queueNames array = [
  'mail-outgoing'
  'export-build'
]

@minValue(7)
@maxValue(365)
param softDeleteDays int = 30

// Built-in role: Storage Blob Data Contributor.
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
// Built-in role: Storage Queue Data Contributor (send, receive, delete; the queue trigger also
// creates and writes the -poison queues, which the narrower sender/processor roles cannot).
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_GZRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_206: GZRS is geo-redundant (Geneva copy); RA-GZRS would add a readable secondary endpoint the app does not use.
    // checkov:skip=CKV_AZURE_59: public endpoint kept until the private-endpoint follow-up; anonymous access and shared keys are both off, so every request needs an Entra token and RBAC.
    // Microsoft-managed keys (with infrastructure double encryption): the documents are already
    // AES-256-GCM ciphertext under per-case keys (SPEC §4), which is what crypto-shredding relies on.
    networkAcls: {
      // checkov:skip=CKV_AZURE_35: no virtual network yet, so a default-deny firewall would lock out the Function App (shared, changing outbound IPs). Private endpoint is a follow-up (docs/infra.md).
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    changeFeed: {
      enabled: true
      retentionInDays: softDeleteDays
    }
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    // Point-in-time restore of the whole account for recent mistakes; must be shorter than soft delete.
    restorePolicy: {
      enabled: true
      days: softDeleteDays - 1
    }
  }
}

resource documents 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: documentsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource exports 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: exportsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource appReadsWritesDocuments 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(documents.id, appPrincipalId, blobDataContributor)
  scope: documents
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

// On the account: the queue trigger lists queues and creates <queue>-poison, so a grant per queue
// is not enough. Queue data only; blobs stay limited to the documents container above.
resource appUsesQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, queueDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The encrypted documents: no deletion of the account (or, through ARM, of its containers) by
// mistake. Data-plane deletes by the app are not affected.
resource noDelete 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'casedesk-no-delete'
  scope: account
  properties: {
    level: 'CanNotDelete'
    notes: 'All CaseDesk documents. Remove this lock before `azd down` (docs/operations.md).'
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
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output documentsContainer string = documents.name
output backedUpContainers array = [
  documents.name
  exports.name
]
