// The Function App that serves the API and the built frontend (same origin, ARCHITECTURE §7).
// It runs as the user-assigned identity and its settings hold no secret: every Azure connection is
// identity-based, and the one key the platform insists on (Elastic Premium's content share) is a
// Key Vault reference. The setting names are the ones shared/config.py reads.
param name string
param planName string
param location string
param tags object

@description('Log Analytics workspace that receives the diagnostic logs of this module (modules/monitoring.bicep).')
param workspaceId string

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@allowed([
  '3.11'
  '3.12'
])
param pythonVersion string = '3.11'

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (AZURE_CLIENT_ID for azure-identity).')
param identityClientId string

param hostStorageName string

@description('Flex Consumption: blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Elastic Premium: Azure Files share with the app content.')
param contentShareName string

@description('Elastic Premium: Key Vault secret URI of the content-share connection string.')
param contentShareSecretUri string

param appInsightsConnectionString string
param publicUrl string
param cosmosEndpoint string
param cosmosDatabase string
param blobAccountUrl string
param blobContainer string

@description('Blob container of the daily store export (BACKUP_EXPORT_CONTAINER, shared/backup/export.py).')
param exportsContainer string = 'cosmos-exports'

@description('Immutable blob container of the audit anchors (AUDIT_ANCHOR_CONTAINER, shared/backup/anchors.py).')
param anchorsContainer string = 'audit-anchors'

@description('Queue service URL of the data storage account (TaskQueue port and queue triggers).')
param queueAccountUrl string
param keyVaultUrl string
@description('Name of the KEK secret in that vault (set by main.bicep, the same name the vault grants access to).')
param kekSecretName string
param acsEndpoint string
param mailSender string

@description('Client id of the CaseDesk app registration for "Sign in with Microsoft" (CASEDESK_ENTRA_CLIENT_ID; empty: off). No secret: the app proves itself with this identity through a federated credential (docs/operations.md).')
param entraClientId string = ''

@description('Tenant id of the platform\'s own Entra tenant: support operators sign in only from it.')
param entraPlatformTenantId string = ''

@description('The operator named in the terms and the privacy policy: name, address, email, jurisdiction (issue 25).')
param operator object = {
  name: ''
  address: ''
  email: ''
  jurisdiction: ''
}

@description('Conditional Access authentication context (acrs) that Entra ID tokens must carry as proof of MFA.')
param entraAuthContext string = 'c1'

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var isFlex = hostingPlan == 'FlexConsumption'

// Settings of the app (shared/config.py) and of the Functions host; values are endpoints and
// names, never keys. Production adapters are chosen explicitly: config.validate() refuses the
// embedded ones when CASEDESK_ENV=production.
var appSettings = [
  {
    name: 'CASEDESK_ENV'
    value: 'production'
  }
  {
    name: 'CASEDESK_PUBLIC_URL'
    value: publicUrl
  }
  {
    name: 'CASEDESK_STORE'
    value: 'cosmos'
  }
  {
    name: 'CASEDESK_BLOBS'
    value: 'azure'
  }
  {
    name: 'CASEDESK_KEYS'
    value: 'keyvault'
  }
  {
    name: 'CASEDESK_MAIL'
    value: 'acs'
  }
  {
    name: 'COSMOS_ENDPOINT'
    value: cosmosEndpoint
  }
  {
    name: 'COSMOS_DATABASE'
    value: cosmosDatabase
  }
  {
    name: 'BLOB_ACCOUNT_URL'
    value: blobAccountUrl
  }
  {
    name: 'BLOB_CONTAINER'
    value: blobContainer
  }
  {
    name: 'BACKUP_EXPORT_CONTAINER'
    value: exportsContainer
  }
  {
    name: 'AUDIT_ANCHOR_CONTAINER'
    value: anchorsContainer
  }
  {
    name: 'CASEDESK_QUEUE'
    value: 'azure'
  }
  {
    name: 'QUEUE_ACCOUNT_URL'
    value: queueAccountUrl
  }
  {
    name: 'KEYVAULT_URL'
    value: keyVaultUrl
  }
  {
    name: 'KEK_SECRET_NAME'
    value: kekSecretName
  }
  {
    name: 'ACS_ENDPOINT'
    value: acsEndpoint
  }
  {
    name: 'MAIL_SENDER'
    value: mailSender
  }
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  // Sign-in with Microsoft Entra ID (issue 21, decision 032): ids only. The client assertion is a
  // token of the identity above for api://AzureADTokenExchange (a federated credential).
  {
    name: 'CASEDESK_ENTRA_CLIENT_ID'
    value: entraClientId
  }
  {
    name: 'CASEDESK_ENTRA_PLATFORM_TENANT_ID'
    value: entraPlatformTenantId
  }
  {
    name: 'CASEDESK_ENTRA_AUTH_CONTEXT'
    value: entraAuthContext
  }
  {
    name: 'CASEDESK_ENTRA_CREDENTIAL'
    value: 'managed_identity'
  }
  // The operator as the legal texts name it (issue 25, docs/decisions/034): public contact data.
  {
    name: 'CASEDESK_OPERATOR_NAME'
    value: operator.name
  }
  {
    name: 'CASEDESK_OPERATOR_ADDRESS'
    value: operator.address
  }
  {
    name: 'CASEDESK_OPERATOR_EMAIL'
    value: operator.email
  }
  {
    name: 'CASEDESK_OPERATOR_JURISDICTION'
    value: operator.jurisdiction
  }
  {
    name: 'AzureWebJobsStorage__accountName'
    value: hostStorageName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  // The queue triggers' connection (connection="CasedeskQueue"): identity-based, on the data account.
  {
    name: 'CasedeskQueue__queueServiceUri'
    value: queueAccountUrl
  }
  {
    name: 'CasedeskQueue__credential'
    value: 'managedidentity'
  }
  {
    name: 'CasedeskQueue__clientId'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsightsConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
]

// Elastic Premium only (Flex Consumption rejects these: it takes runtime and package from
// functionAppConfig). The content share is reached through a Key Vault reference resolved with the
// app identity; validation is skipped because the platform cannot resolve it while validating.
var premiumSettings = [
  {
    name: 'FUNCTIONS_EXTENSION_VERSION'
    value: '~4'
  }
  {
    name: 'FUNCTIONS_WORKER_RUNTIME'
    value: 'python'
  }
  {
    name: 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING'
    value: '@Microsoft.KeyVault(SecretUri=${contentShareSecretUri})'
  }
  {
    name: 'WEBSITE_CONTENTSHARE'
    value: contentShareName
  }
  {
    name: 'WEBSITE_SKIP_CONTENTSHARE_VALIDATION'
    value: '1'
  }
  {
    name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
    value: 'true'
  }
  {
    name: 'ENABLE_ORYX_BUILD'
    value: 'true'
  }
]

var flexSku = {
  name: 'FC1'
  tier: 'FlexConsumption'
}
var premiumSku = {
  name: 'EP1'
  tier: 'ElasticPremium'
}

var flexConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: deploymentContainerUrl
      authentication: {
        type: 'UserAssignedIdentity'
        userAssignedIdentityResourceId: identityId
      }
    }
  }
  scaleAndConcurrency: {
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: 2048
  }
  runtime: {
    name: 'python'
    version: pythonVersion
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? flexSku : premiumSku
  properties: {
    // checkov:skip=CKV_AZURE_225: zone redundancy would need always-ready instances in three zones; the compute is stateless and the data tier (Cosmos DB, storage) is zone-redundant.
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : 20
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy the `api` service of azure.yaml to by this tag.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    // checkov:skip=CKV_AZURE_222: the app is the product's public website for invited employees, doctors and case managers; it has its own sign-in (password + TOTP, ARCHITECTURE §6).
    // checkov:skip=CKV_AZURE_17: browsers of invited users carry no client certificates; TLS 1.2+ and the app's own sign-in protect the site.
    // checkov:skip=CKV_AZURE_212: serverless scale: the platform starts instances on demand, so there is no fixed instance count to fail over between.
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    functionAppConfig: isFlex ? flexConfig : null
    siteConfig: {
      linuxFxVersion: isFlex ? null : 'Python|${pythonVersion}'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      use32BitWorkerProcess: false
      // Elastic Premium takes unhealthy instances out of rotation by this probe (functions/health.py);
      // it is not configured on Flex Consumption.
      healthCheckPath: isFlex ? null : '/api/health'
      // The frontend is served from this same origin: no other origin may call the API.
      cors: {
        allowedOrigins: []
        supportCredentials: false
      }
      appSettings: concat(appSettings, isFlex ? [] : premiumSettings)
    }
  }
}

// No FTP and no basic-auth (user/password) deployments: azd and operators deploy with Entra ID.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}


// The host's and the app's log lines (FunctionAppLogs), besides Application Insights: kept with
// the other audit-relevant logs for the workspace's retention.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
        enabled: true
      }
    ]
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
