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

@description('Principal id of the app identity; it may read and write blobs of the documents, exports and anchors containers only.')
param appPrincipalId string

@description('Container the app keeps its encrypted documents in (BLOB_CONTAINER).')
param documentsContainerName string = 'casedesk'

@description('Container reserved for scheduled Cosmos DB exports, so they reach long-term backup (docs/infra.md).')
param exportsContainerName string = 'cosmos-exports'

@description('Container the audit chain heads are published to (AUDIT_ANCHOR_CONTAINER); time-based immutability (WORM).')
param anchorsContainerName string = 'audit-anchors'

@minValue(1)
@maxValue(146000)
@description('Days each audit anchor set stays immutable (and is then deleted): the audit retention, 10 years.')
param anchorRetentionDays int = 3653

@minValue(7)
@maxValue(365)
@description('Age of a previous blob version (an overwritten or deleted blob, e.g. of a purged case) at which the lifecycle policy deletes it. At least the point-in-time-restore window (softDeleteDays - 1), which restores from versions.')
param versionDeleteDays int = 30

@minValue(2)
@maxValue(365)
@description('Days a daily export stays in the live cosmos-exports container; the Backup vault keeps its own daily/weekly/monthly/yearly copies.')
param exportKeepDays int = 35

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

// The audit anchors (shared/backup/anchors.py): write once, read many. A time-based retention
// policy on the container: no blob in it can be overwritten or deleted (by anyone: the app, an
// operator, an attacker with the app's identity) until it is anchorRetentionDays old. Created
// Unlocked (reversible); lock it once the retention is agreed, like the Backup vault
// (docs/operations.md, "First azd up"), then not even a subscription owner can shorten it.
resource anchors 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: anchorsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource anchorsImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2024-01-01' = {
  parent: anchors
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: anchorRetentionDays
    allowProtectedAppendWrites: false
    allowProtectedAppendWritesAll: false
  }
}

// Lifecycle: what a purge or an overwrite leaves behind leaves every copy. A deleted or overwritten
// blob stays a previous version (versioning: point-in-time restore needs them) until it is
// versionDeleteDays old, then the version is deleted and kept softDeleteDays as a soft-deleted
// copy; so a purged case's ciphertext is gone from the account within about
// versionDeleteDays + softDeleteDays (60) days plus a day or two of lifecycle runs (docs/infra.md).
// Daily exports leave the live container after exportKeepDays (the vault has its copies); anchor
// sets go once their immutability has ended.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'previous-versions-and-snapshots'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: versionDeleteDays
                }
              }
              snapshot: {
                delete: {
                  daysAfterCreationGreaterThan: versionDeleteDays
                }
              }
            }
          }
        }
        {
          name: 'old-exports'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${exportsContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: exportKeepDays
                }
              }
            }
          }
        }
        {
          name: 'expired-anchors'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${anchorsContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: anchorRetentionDays + 1
                }
              }
            }
          }
        }
      ]
    }
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

// The export job writes (and on a rerun overwrites) its parts; the restore reads them.
resource appReadsWritesExports 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(exports.id, appPrincipalId, blobDataContributor)
  scope: exports
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Adds anchor sets and reads them; the immutability policy refuses any overwrite or delete.
resource appWritesAnchors 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(anchors.id, appPrincipalId, blobDataContributor)
  scope: anchors
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
output exportsContainer string = exports.name
output anchorsContainer string = anchors.name
output backedUpContainers array = [
  documents.name
  exports.name
]
