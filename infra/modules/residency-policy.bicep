// Data residency enforced by Azure Policy, not convention (SPEC §4): the built-in "Allowed
// locations" policies, assigned to the whole subscription. "Allowed locations" looks at a
// resource's own location only; a Cosmos DB account also lists the regions it replicates to
// (properties.locations), so "Azure Cosmos DB allowed locations" checks those as well.
// Creating policy assignments needs Owner or User Access Administrator on the subscription
// (docs/infra.md, "Prerequisites").
targetScope = 'subscription'

@description('Regions resources and resource groups may be created in.')
param allowedLocations array

// Built-in definition ids: fixed by Microsoft, identical in every tenant.
var allowedLocationsDefinition = 'e56962a6-4747-49cd-b67b-bf8b01975c4c'
var allowedResourceGroupLocationsDefinition = 'e765b5de-1225-4ba3-bd56-1ac6695af988'
var cosmosAllowedLocationsDefinition = '0473574d-2d43-4217-aefe-941fcdf7e684'

resource allowedLocationsAssignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: 'casedesk-allowed-locations'
  properties: {
    displayName: 'CaseDesk: resources only in Switzerland'
    description: 'Data residency (SPEC §4): every resource in Switzerland North, geo copies in Switzerland West.'
    policyDefinitionId: tenantResourceId('Microsoft.Authorization/policyDefinitions', allowedLocationsDefinition)
    enforcementMode: 'Default'
    parameters: {
      listOfAllowedLocations: {
        value: allowedLocations
      }
    }
  }
}

resource allowedResourceGroupLocationsAssignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: 'casedesk-allowed-rg-locations'
  properties: {
    displayName: 'CaseDesk: resource groups only in Switzerland'
    description: 'Data residency (SPEC §4): resource groups (and their metadata) only in Switzerland.'
    policyDefinitionId: tenantResourceId('Microsoft.Authorization/policyDefinitions', allowedResourceGroupLocationsDefinition)
    enforcementMode: 'Default'
    parameters: {
      listOfAllowedLocations: {
        value: allowedLocations
      }
    }
  }
}

// Every region of a Cosmos DB account (write and read replicas, failover regions) must be allowed.
// The definition compares each locationName lower-cased without spaces, so the same list works.
resource cosmosAllowedLocationsAssignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: 'casedesk-allowed-cosmos-locations'
  properties: {
    displayName: 'CaseDesk: Cosmos DB replicas only in Switzerland'
    description: 'Data residency (SPEC §4): a Cosmos DB account may not add a replica or failover region outside Switzerland.'
    policyDefinitionId: tenantResourceId('Microsoft.Authorization/policyDefinitions', cosmosAllowedLocationsDefinition)
    enforcementMode: 'Default'
    parameters: {
      listOfAllowedLocations: {
        value: allowedLocations
      }
      policyEffect: {
        value: 'deny'
      }
    }
  }
}

output assignmentIds array = [
  allowedLocationsAssignment.id
  allowedResourceGroupLocationsAssignment.id
  cosmosAllowedLocationsAssignment.id
]
