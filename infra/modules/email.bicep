// E-mail through Azure Communication Services. ACS resources are "global" resources, but their
// data at rest stays in the data location chosen here: Switzerland (SPEC §4). The built-in
// "Allowed locations" policy exempts location "global" by design.
// The Azure-managed domain gets the app running; production should link a verified custom domain.
param emailServiceName string
param communicationServiceName string
param tags object

@description('Principal id of the app identity; it may send mail through this Communication Services resource only.')
param appPrincipalId string

var dataLocation = 'Switzerland'
// Built-in role: Communication and Email Service Owner. ACS honours no custom roles, and no
// narrower built-in role can send mail with an Entra token; the assignment is scoped to this one
// resource (docs/infra.md).
var communicationAndEmailServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // No tracking pixels or rewritten links in mail about someone's health and job.
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
  }
}

resource appSendsMail 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, appPrincipalId, communicationAndEmailServiceOwner)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = 'DoNotReply@${managedDomain.properties.fromSenderDomain}'
