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

@description('Principal id of the app identity; it gets the built-in Data Contributor role on the database.')
param appPrincipalId string

param databaseName string = 'casedesk'

@minValue(1000)
@description('Autoscale ceiling of the shared database throughput, in RU/s.')
param maxThroughput int = 1000

// Container name → partition key: the same list as CONTAINERS in shared/ports.py (a test keeps
// them equal). defaultTtl -1 turns TTL on without a default, so items expire only when they carry
// their own `ttl` (sessions, throttling counters), exactly as the adapters expect.
var containers = [
  {
    name: 'cases'
    partitionKey: '/caseId'
  }
  {
    name: 'users'
    partitionKey: '/userId'
  }
  {
    name: 'directory'
    partitionKey: '/key'
  }
  {
    name: 'orgs'
    partitionKey: '/orgId'
  }
  {
    name: 'audit'
    partitionKey: '/scope'
  }
  {
    name: 'keys'
    partitionKey: '/caseId'
  }
  {
    name: 'sessions'
    partitionKey: '/id'
  }
  {
    name: 'outbox'
    partitionKey: '/mailbox'
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

output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
