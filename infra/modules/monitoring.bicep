// Log Analytics + workspace-based Application Insights, both with local (key) auth disabled: the app
// sends telemetry with its managed identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), so the
// instrumentation key in the connection string alone cannot be used to inject telemetry.
param workspaceName string
param appInsightsName string
param location string
param tags object

@description('Principal id of the app identity; it may publish telemetry to this component only.')
param appPrincipalId string

// A year at least: the diagnostic logs (Key Vault audit, Cosmos DB data-plane requests, blob
// reads/writes/deletes, backup jobs, sent mail, the app's own lines) are the evidence of who did
// what, and an incident may surface months later. Interactive retention up to 2 years costs
// per GB and month; see docs/infra.md.
@minValue(365)
@description('Days the workspace keeps every table, the Application Insights ones included.')
param retentionInDays int = 365

// Built-in role: Monitoring Metrics Publisher.
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
    DisableIpMasking: false
  }
}

resource appPublishesTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output workspaceId string = workspace.id

// The connection string holds the instrumentation key, an identifier rather than a secret; with
// local auth disabled, ingestion also needs an Entra token of the app identity.
output connectionString string = appInsights.properties.ConnectionString
