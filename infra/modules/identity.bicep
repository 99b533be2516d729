// The one identity the Function App runs as. User-assigned, so its role assignments exist before
// the app does and survive a re-created app; every role it holds is scoped to a single resource.
param name string
param location string
param tags object

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = appIdentity.id
output principalId string = appIdentity.properties.principalId
output clientId string = appIdentity.properties.clientId
