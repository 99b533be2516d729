// CaseDesk infrastructure entry point for `azd up` (subscription scope).
// Minimal for now: the resource group, pinned to Switzerland North. The full set of resources,
// the residency policy assignments and backups arrive with the infrastructure issue.
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

var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
