// Data residency enforced by Azure Policy, not convention (SPEC §4): the built-in "Allowed
// locations" policies, assigned to the whole subscription. Creating policy assignments needs
// Resource Policy Contributor or Owner on the subscription (docs/infra.md).
targetScope = 'subscription'

@description('Regions resources and resource groups may be created in.')
param allowedLocations array

// Built-in definition ids: fixed by Microsoft, identical in every tenant.
var allowedLocationsDefinition = 'e56962a6-4747-49cd-b67b-bf8b01975c4c'
var allowedResourceGroupLocationsDefinition = 'e765b5de-1225-4ba3-bd56-1ac6695af988'

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

output assignmentIds array = [
  allowedLocationsAssignment.id
  allowedResourceGroupLocationsAssignment.id
]
