// CaseDesk infrastructure entry point for `azd up` (subscription scope).
// Everything lives in Switzerland North; geo-redundant copies (Cosmos periodic backup, GZRS blobs,
// the Backup vault) go to the paired region Switzerland West. The residency policy assignments make
// Azure refuse any other region in this subscription, whoever deploys (SPEC §4, docs/infra.md).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used in resource names and the azd-env-name tag.')
param environmentName string

@allowed([
  'switzerlandnorth'
])
@description('Every resource lives in Switzerland North (SPEC §4).')
param location string = 'switzerlandnorth'

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
@description('Functions hosting plan: Flex Consumption where the region offers it, else Elastic Premium (docs/infra.md).')
param hostingPlan string = 'FlexConsumption'

@description('Public base URL of the app (a custom domain); empty means https://<function app>.azurewebsites.net.')
param publicUrl string = ''

@minValue(1000)
@description('Autoscale ceiling of the Cosmos DB database, in RU/s (it scales down to a tenth of this).')
param cosmosMaxThroughput int = 1000

@allowed([
  'Unlocked'
  'Locked'
])
@description('Backup vault immutability. Unlocked = on but reversible; Locked can never be undone (docs/infra.md).')
param backupImmutability string = 'Unlocked'

@description('True once an operator has created the KEK secret: the app identity gets read access to it (docs/infra.md).')
param kekExists bool = false

@description('True when the Key Vault of this environment is soft-deleted and must be recovered (set by the preprovision hook).')
param keyVaultRecover bool = false

@description('Client id of the CaseDesk app registration for "Sign in with Microsoft" (a one-time setup, docs/operations.md); empty: off.')
param entraClientId string = ''

@description('Tenant id of the platform\'s own Entra tenant (support operators); empty: the deployment\'s tenant.')
param entraPlatformTenantId string = ''

// The operator as the terms and the privacy policy name it (issue 25); empty: the texts show a
// visible [CASEDESK_OPERATOR_…] placeholder. Set them before production.
@description('The operator\'s name in the legal texts (CASEDESK_OPERATOR_NAME).')
param operatorName string = ''
@description('The operator\'s postal address in the legal texts (CASEDESK_OPERATOR_ADDRESS).')
param operatorAddress string = ''
@description('The operator\'s contact address for privacy requests (CASEDESK_OPERATOR_EMAIL).')
param operatorEmail string = ''
@description('The place of jurisdiction in the terms (CASEDESK_OPERATOR_JURISDICTION).')
param operatorJurisdiction string = ''

@minLength(3)
@description('Comma-separated e-mail addresses of the operators who receive every alert (CASEDESK_ALERT_EMAILS; docs/operations.md).')
param alertEmails string

// Regions the residency policy allows: the primary and its pair, where the geo copies live.
var allowedLocations = [
  'switzerlandnorth'
  'switzerlandwest'
]
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-casedesk-${resourceToken}'
// The KEK secret (KEK_SECRET_NAME of the app); created once by an operator, never by the template.
var kekSecretName = 'casedesk-kek'
var effectivePublicUrl = empty(publicUrl) ? 'https://${functionAppName}.azurewebsites.net' : publicUrl

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module residency 'modules/residency-policy.bicep' = {
  name: 'residency-policy'
  params: {
    allowedLocations: allowedLocations
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-casedesk-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-casedesk-${resourceToken}'
    appInsightsName: 'appi-casedesk-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    workspaceId: monitoring.outputs.workspaceId
    kekSecretName: kekSecretName
    kekExists: kekExists
    recoverSoftDeleted: keyVaultRecover
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    accountName: 'cosmos-casedesk-${resourceToken}'
    location: location
    tags: tags
    maxThroughput: cosmosMaxThroughput
    appPrincipalId: identity.outputs.principalId
  }
}

module dataStorage 'modules/data-storage.bicep' = {
  name: 'data-storage'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    name: 'stdata${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module backup 'modules/backup.bicep' = {
  name: 'backup'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    vaultName: 'bvault-casedesk-${resourceToken}'
    location: location
    tags: tags
    immutability: backupImmutability
    storageAccountName: dataStorage.outputs.name
    containerNames: dataStorage.outputs.backedUpContainers
  }
}

module email 'modules/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    emailServiceName: 'ecs-casedesk-${resourceToken}'
    communicationServiceName: 'acs-casedesk-${resourceToken}'
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    name: 'stfunc${resourceToken}'
    location: location
    tags: tags
    hostingPlan: hostingPlan
    keyVaultName: keyVault.outputs.name
    appPrincipalId: identity.outputs.principalId
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.workspaceId
    name: functionAppName
    planName: 'plan-casedesk-${resourceToken}'
    location: location
    tags: tags
    hostingPlan: hostingPlan
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageName: hostStorage.outputs.name
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    contentShareName: hostStorage.outputs.contentShareName
    contentShareSecretUri: hostStorage.outputs.contentShareSecretUri
    appInsightsConnectionString: monitoring.outputs.connectionString
    publicUrl: effectivePublicUrl
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    blobAccountUrl: dataStorage.outputs.blobEndpoint
    blobContainer: dataStorage.outputs.documentsContainer
    exportsContainer: dataStorage.outputs.exportsContainer
    anchorsContainer: dataStorage.outputs.anchorsContainer
    queueAccountUrl: dataStorage.outputs.queueEndpoint
    keyVaultUrl: keyVault.outputs.uri
    kekSecretName: kekSecretName
    acsEndpoint: email.outputs.endpoint
    mailSender: email.outputs.senderAddress
    entraClientId: entraClientId
    entraPlatformTenantId: empty(entraPlatformTenantId) ? tenant().tenantId : entraPlatformTenantId
    operator: {
      name: operatorName
      address: operatorAddress
      email: operatorEmail
      jurisdiction: operatorJurisdiction
    }
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'casedesk-${resourceToken}'
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    alertEmails: alertEmails
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output CASEDESK_PUBLIC_URL string = effectivePublicUrl
output KEYVAULT_URL string = keyVault.outputs.uri
output KEYVAULT_NAME string = keyVault.outputs.name
output KEK_SECRET_NAME string = kekSecretName
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output BLOB_ACCOUNT_URL string = dataStorage.outputs.blobEndpoint
output QUEUE_ACCOUNT_URL string = dataStorage.outputs.queueEndpoint
output BACKUP_VAULT_NAME string = backup.outputs.name
