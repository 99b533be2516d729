// E-mail through Azure Communication Services. ACS resources are "global" resources, but their
// data at rest stays in the data location chosen here: Switzerland (SPEC §4). The built-in
// "Allowed locations" policy exempts location "global" by design.
// The Azure-managed domain gets the app running; production should link a verified custom domain.
// No access keys: disableLocalAuth (API 2025-05-01 and later) makes the resource accept Entra ID
// tokens only, so the app sends with its managed identity and a leaked key cannot exist.
param emailServiceName string
param communicationServiceName string
param tags object

@description('Log Analytics workspace that receives the diagnostic logs of this module (modules/monitoring.bicep).')
param workspaceId string

@description('Principal id of the app identity; it may send mail through this Communication Services resource only.')
param appPrincipalId string

var dataLocation = 'Switzerland'
// There is no built-in role narrower than "Communication and Email Service Owner" (which can also
// delete the resource, list and regenerate keys, and manage domains and sender addresses), and
// ACS has no data action for sending. Microsoft documents these three actions as what a custom
// role needs to send e-mail with an Entra token (Azure Communication Services, "Create
// credentials for SMTP authentication", custom role); docs/infra.md and decision 023 explain why.
var mailSenderActions = [
  'Microsoft.Communication/CommunicationServices/Read'
  'Microsoft.Communication/CommunicationServices/Write'
  'Microsoft.Communication/EmailServices/write'
]

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

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    disableLocalAuth: true
    linkedDomains: [
      managedDomain.id
    ]
  }
}

// A custom role for this resource group only; role names are unique per tenant, hence the suffix.
resource mailSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'casedesk-mail-sender')
  properties: {
    roleName: 'CaseDesk mail sender ${uniqueString(resourceGroup().id)}'
    description: 'Send e-mail through the CaseDesk Communication Services resource with an Entra ID token; no keys, no delete, no domain changes.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: mailSenderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource appSendsMail 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, appPrincipalId, mailSender.name)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', mailSender.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}


// E-mail send requests (ACSEmailSendMailOperational: message id, size, recipient count, result).
// Not EmailStatusUpdateOperational or EmailUserEngagementOperational: they name the recipient's
// address, and no personal data goes to the logs (SPEC §4); a failed delivery shows in the
// mail_sender function's log and the poison queue (docs/operations.md).
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: communicationService
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'EmailSendMailOperational'
        enabled: true
      }
    ]
  }
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = 'DoNotReply@${managedDomain.properties.fromSenderDomain}'
