// Cosmos DB (NoSQL) holding every document of the app (ARCHITECTURE §3).
// Keys are switched off (disableLocalAuth): the app reaches the data plane with its managed
// identity only, through a role assignment scoped to the one database. Periodic backups are
// geo-redundant, so Azure keeps a copy in the paired region, Switzerland West.
// Encryption at rest uses Microsoft-managed keys: sensitive fields are already encrypted by the app
// under per-case keys wrapped by the Key Vault KEK (SPEC §4), which is what crypto-shredding relies
// on, so a customer-managed key would add cost and an outage risk without protecting more.
param accountName string
param location string
param tags object

@description('Log Analytics workspace that receives the diagnostic logs of this module (modules/monitoring.bicep).')
param workspaceId string

@description('Principal id of the app identity; it gets the built-in Data Contributor role on the database.')
param appPrincipalId string

param databaseName string = 'casedesk'

@minValue(1000)
@description('Autoscale ceiling of the shared database throughput, in RU/s.')
param maxThroughput int = 1000

// Container name → partition key: the same list as CONTAINERS in shared/ports.py (a test keeps
// them equal). defaultTtl -1 turns TTL on without a default, so items expire only when they carry
// their own `ttl` (sessions, throttling counters), exactly as the adapters expect.
// compositeIndexes: every query is ordered by its field, then id (docs/decisions/021), which
// Cosmos serves only from a composite index (field, id) in that direction — a 400 without it.
// The same table as ORDERED_FIELDS in shared/indexes.py, which the adapter's container setup
// uses (tests/infra/test_data_services.py keeps the two equal). The last index of each container
// (partition key, id) orders Store.scan_page, the daily backup export's pages (shared/backup).
var containers = [
  {
    name: 'cases'
    partitionKey: '/caseId'
    compositeIndexes: [
      [
        {
          path: '/at'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/at'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/fromDate'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/fromDate'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/caseId'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'users'
    partitionKey: '/userId'
    compositeIndexes: [
      [
        {
          path: '/lastActivityAt'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/lastActivityAt'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/createdAt'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/createdAt'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/userId'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'directory'
    partitionKey: '/key'
    compositeIndexes: [
      [
        {
          path: '/key'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'orgs'
    partitionKey: '/orgId'
    compositeIndexes: [
      [
        {
          path: '/createdAt'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/createdAt'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/lastActivityAt'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/lastActivityAt'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/orgId'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'audit'
    partitionKey: '/scope'
    compositeIndexes: [
      [
        {
          path: '/seq'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/seq'
          order: 'descending'
        }
        {
          path: '/id'
          order: 'descending'
        }
      ]
      [
        {
          path: '/scope'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'keys'
    partitionKey: '/caseId'
    compositeIndexes: [
      [
        {
          path: '/caseId'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    name: 'sessions'
    partitionKey: '/id'
    compositeIndexes: []
  }
  {
    name: 'outbox'
    partitionKey: '/mailbox'
    compositeIndexes: [
      [
        {
          path: '/mailbox'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
]

// Built-in Cosmos DB data-plane role: Cosmos DB Built-in Data Contributor.
var dataContributor = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: true
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
    enableFreeTier: false
    enableAnalyticalStorage: false
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_99: no virtual network yet, so an IP/VNet filter would lock out the Function App (shared, changing outbound IPs); data access needs an Entra token and the RBAC role below, keys are disabled. Private endpoint is a follow-up (docs/infra.md).
    // checkov:skip=CKV_AZURE_101: same reason as CKV_AZURE_99: public endpoint, identity-only access.
    isVirtualNetworkFilterEnabled: false
    backupPolicy: {
      type: 'Periodic'
      periodicModeProperties: {
        backupIntervalInMinutes: 240
        // 720 h = 30 days, the longest periodic backups can be kept (docs/infra.md: long-term copies).
        backupRetentionIntervalInHours: 720
        backupStorageRedundancy: 'Geo'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: {
      autoscaleSettings: {
        maxThroughput: maxThroughput
      }
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for container in containers: {
  parent: database
  name: container.name
  properties: {
    resource: {
      id: container.name
      partitionKey: {
        paths: [
          container.partitionKey
        ]
        kind: 'Hash'
        version: 2
      }
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/"_etag"/?'
          }
        ]
        compositeIndexes: container.compositeIndexes
      }
    }
  }
}]

resource appDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, database.id, appPrincipalId, dataContributor)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributor}'
    principalId: appPrincipalId
    scope: '${account.id}/dbs/${databaseName}'
  }
}

// Every record of the app lives here: no deletion by mistake (a resource group delete, `azd down`).
// With key-based metadata writes off, the lock also covers the databases and containers.
resource noDelete 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'casedesk-no-delete'
  scope: account
  properties: {
    level: 'CanNotDelete'
    notes: 'All CaseDesk records. Remove this lock before `azd down` (docs/operations.md).'
  }
}


// Data-plane requests (who read or wrote which container, status, RU: the throttling alert reads
// the 429s) and control-plane requests, to resource-specific tables (CDBDataPlaneRequests, …).
// Not PartitionKeyRUConsumption or QueryRuntimeStatistics: they carry partition keys (user and
// case ids) and query texts.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'DataPlaneRequests'
        enabled: true
      }
      {
        category: 'ControlPlaneRequests'
        enabled: true
      }
    ]
  }
}

output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
