// Azure Backup for the app's blobs: a geo-redundant Backup vault (its copy lives in the paired
// region, Switzerland West), immutable and with soft delete, so neither a mistake nor an attacker
// with access to the subscription can erase the backups before their retention ends.
// Backups hold ciphertext only; purged cases stay unreadable in them (crypto-shredding, docs/infra.md).
param vaultName string
param location string
param tags object

@description('Log Analytics workspace that receives the diagnostic logs of this module (modules/monitoring.bicep).')
param workspaceId string

@description('Name of the app data storage account to back up.')
param storageAccountName string

@description('Blob containers of that account to back up.')
param containerNames array

@allowed([
  'Unlocked'
  'Locked'
])
@description('Unlocked = immutability on but reversible; Locked = irreversible (set it once the retention is agreed).')
param immutability string = 'Unlocked'

@minValue(7)
param dailyRetentionDays int = 30

@minValue(4)
param weeklyRetentionWeeks int = 12

@minValue(5)
param monthlyRetentionMonths int = 12

@minValue(1)
@maxValue(10)
param yearlyRetentionYears int = 10

@description('Daily backup start, ISO 8601 repeating interval in UTC.')
param backupSchedule string = 'R/2025-01-01T01:00:00+00:00/P1D'

@minValue(60)
@maxValue(1200)
@description('Seconds to wait between the vault\'s role assignment and the backup instance (role propagation).')
param rolePropagationWaitSeconds int = 300

// Built-in role: Storage Account Backup Contributor (what the vault needs on a blob data source).
var storageAccountBackupContributor = 'e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1'
var blobDataSourceType = 'Microsoft.Storage/storageAccounts/blobServices'

resource storageAccount 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.DataProtection/backupVaults@2024-04-01' = {
  name: vaultName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    storageSettings: [
      {
        datastoreType: 'VaultStore'
        type: 'GeoRedundant'
      }
    ]
    securitySettings: {
      immutabilitySettings: {
        state: immutability
      }
      softDeleteSettings: {
        state: 'On'
        retentionDurationInDays: 14
      }
    }
    monitoringSettings: {
      azureMonitorAlertSettings: {
        alertsForAllJobFailures: 'Enabled'
      }
    }
  }
}

resource blobPolicy 'Microsoft.DataProtection/backupVaults/backupPolicies@2024-04-01' = {
  parent: vault
  name: 'blobs-daily-weekly-monthly-yearly'
  properties: {
    objectType: 'BackupPolicy'
    datasourceTypes: [
      blobDataSourceType
    ]
    policyRules: [
      {
        name: 'BackupDaily'
        objectType: 'AzureBackupRule'
        backupParameters: {
          objectType: 'AzureBackupParams'
          backupType: 'Discrete'
        }
        dataStore: {
          objectType: 'DataStoreInfoBase'
          dataStoreType: 'VaultStore'
        }
        trigger: {
          objectType: 'ScheduleBasedTriggerContext'
          schedule: {
            timeZone: 'UTC'
            repeatingTimeIntervals: [
              backupSchedule
            ]
          }
          // The first backup of a year/month/week is kept longer; priorities decide which tag wins.
          taggingCriteria: [
            {
              tagInfo: {
                tagName: 'Yearly'
                id: 'Yearly_'
              }
              taggingPriority: 10
              isDefault: false
              criteria: [
                {
                  objectType: 'ScheduleBasedBackupCriteria'
                  absoluteCriteria: [
                    'FirstOfYear'
                  ]
                }
              ]
            }
            {
              tagInfo: {
                tagName: 'Monthly'
                id: 'Monthly_'
              }
              taggingPriority: 15
              isDefault: false
              criteria: [
                {
                  objectType: 'ScheduleBasedBackupCriteria'
                  absoluteCriteria: [
                    'FirstOfMonth'
                  ]
                }
              ]
            }
            {
              tagInfo: {
                tagName: 'Weekly'
                id: 'Weekly_'
              }
              taggingPriority: 20
              isDefault: false
              criteria: [
                {
                  objectType: 'ScheduleBasedBackupCriteria'
                  absoluteCriteria: [
                    'FirstOfWeek'
                  ]
                }
              ]
            }
            {
              tagInfo: {
                tagName: 'Default'
                id: 'Default_'
              }
              taggingPriority: 99
              isDefault: true
            }
          ]
        }
      }
      {
        // Daily backups.
        name: 'Default'
        objectType: 'AzureRetentionRule'
        isDefault: true
        lifecycles: [
          {
            deleteAfter: {
              objectType: 'AbsoluteDeleteOption'
              duration: 'P${dailyRetentionDays}D'
            }
            sourceDataStore: {
              objectType: 'DataStoreInfoBase'
              dataStoreType: 'VaultStore'
            }
            targetDataStoreCopySettings: []
          }
        ]
      }
      {
        name: 'Weekly'
        objectType: 'AzureRetentionRule'
        isDefault: false
        lifecycles: [
          {
            deleteAfter: {
              objectType: 'AbsoluteDeleteOption'
              duration: 'P${weeklyRetentionWeeks}W'
            }
            sourceDataStore: {
              objectType: 'DataStoreInfoBase'
              dataStoreType: 'VaultStore'
            }
            targetDataStoreCopySettings: []
          }
        ]
      }
      {
        name: 'Monthly'
        objectType: 'AzureRetentionRule'
        isDefault: false
        lifecycles: [
          {
            deleteAfter: {
              objectType: 'AbsoluteDeleteOption'
              duration: 'P${monthlyRetentionMonths}M'
            }
            sourceDataStore: {
              objectType: 'DataStoreInfoBase'
              dataStoreType: 'VaultStore'
            }
            targetDataStoreCopySettings: []
          }
        ]
      }
      {
        name: 'Yearly'
        objectType: 'AzureRetentionRule'
        isDefault: false
        lifecycles: [
          {
            deleteAfter: {
              objectType: 'AbsoluteDeleteOption'
              duration: 'P${yearlyRetentionYears}Y'
            }
            sourceDataStore: {
              objectType: 'DataStoreInfoBase'
              dataStoreType: 'VaultStore'
            }
            targetDataStoreCopySettings: []
          }
        ]
      }
    ]
  }
}

resource vaultBacksUpStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, vault.id, storageAccountBackupContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageAccountBackupContributor)
    principalId: vault.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Azure Backup validates its permission on the account when the backup instance is created, and a
// new role assignment takes minutes to reach it: created at once, the instance fails on the first
// `azd up`. ARM has no "wait until a role has propagated", so a deployment script (a container that
// only sleeps: no identity, no Azure access) holds the instance back. It runs again only when the
// vault's identity changes or after its 26 h retention; docs/decisions/023-redeploys.md.
resource waitForBackupRole 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'wait-for-backup-role'
  location: location
  tags: tags
  kind: 'AzureCLI'
  properties: {
    azCliVersion: '2.61.0'
    scriptContent: 'sleep ${rolePropagationWaitSeconds}'
    forceUpdateTag: vault.identity.principalId
    timeout: 'PT30M'
    cleanupPreference: 'Always'
    retentionInterval: 'PT26H'
  }
  dependsOn: [
    vaultBacksUpStorage
  ]
}

resource blobBackup 'Microsoft.DataProtection/backupVaults/backupInstances@2024-04-01' = {
  parent: vault
  name: storageAccountName
  properties: {
    objectType: 'BackupInstance'
    friendlyName: storageAccountName
    dataSourceInfo: {
      objectType: 'Datasource'
      resourceID: storageAccount.id
      resourceName: storageAccountName
      resourceType: 'Microsoft.Storage/storageAccounts'
      resourceUri: storageAccount.id
      resourceLocation: location
      datasourceType: blobDataSourceType
    }
    dataSourceSetInfo: {
      objectType: 'DatasourceSet'
      resourceID: storageAccount.id
      resourceName: storageAccountName
      resourceType: 'Microsoft.Storage/storageAccounts'
      resourceUri: storageAccount.id
      resourceLocation: location
      datasourceType: blobDataSourceType
    }
    policyInfo: {
      policyId: blobPolicy.id
      policyParameters: {
        backupDatasourceParametersList: [
          {
            objectType: 'BlobBackupDatasourceParameters'
            containersList: containerNames
          }
        ]
      }
    }
  }
  // The vault must be allowed on the account, and the grant must have propagated, before Azure
  // Backup validates the data source.
  dependsOn: [
    vaultBacksUpStorage
    waitForBackupRole
  ]
}

// Backups that must outlive mistakes: neither the vault nor (through ARM) its backup instance can be
// deleted while the lock is there; an operator removes it on purpose first (docs/operations.md).
resource noDelete 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'casedesk-no-delete'
  scope: vault
  properties: {
    level: 'CanNotDelete'
    notes: 'Long-term backups of CaseDesk documents. Remove this lock before `azd down` (docs/operations.md).'
  }
}


// Backup jobs, policies and protected instances (AddonAzureBackupJobs, …): the job-failure alert
// reads them. Every category the vault offers, to resource-specific tables.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
