// Alerts that reach someone: one action group (e-mail to the operators) and log search alert rules
// on the Log Analytics workspace, which holds the Application Insights tables (AppRequests: one row
// per function run, HTTP and timer alike, as host.json logs Host.Results at Information) and the
// diagnostic logs of every resource. docs/operations.md ("Alerts") says what to do on each.
// Rules run in Switzerland North; the action group is `global` (Azure's own notification service:
// it holds the operators' addresses and sends the alert e-mail, no data of the app).
param namePrefix string
param location string
param tags object

@description('Log Analytics workspace the rules query (modules/monitoring.bicep).')
param workspaceId string

@minLength(3)
@description('Comma-separated e-mail addresses of the operators; every alert goes to each of them.')
param alertEmails string

@description('Function name of the daily audit-chain check (functions/timers.py).')
param auditVerifyFunction string = 'audit_verify'

@description('Function name of the daily retention purge (functions/timers.py).')
param retentionFunction string = 'retention_purge'

@description('Function name of the effect relay timer (functions/timers.py).')
param relayFunction string = 'effect_relay'

@description('Function name of the hourly store export timer (functions/timers.py).')
param exportFunction string = 'cosmos_export'

@description('Function name of the daily audit anchor timer (functions/timers.py).')
param anchorFunction string = 'audit_anchor'

@description('Failed sign-ins (wrong password or code, lockouts) in 15 minutes that count as a spike.')
param failedSignInThreshold int = 50

@description('Share of HTTP answers that are 5xx, in percent over 15 minutes (with at least 20 requests).')
param http5xxPercent int = 5

@description('Cosmos DB requests answered 429 (throttled) in 15 minutes before the alert fires.')
param cosmosThrottleThreshold int = 100

var httpFunctions = 'isnotempty(Url)'

// name: the rule's name after the prefix (docs/operations.md names each); the query counts rows,
// and the rule fires when that count is `operator` `threshold` in the window.
var alerts = [
  {
    name: 'audit-verify-failed'
    severity: 1
    description: 'The daily audit-chain check failed or found tampering (audit.tampered). Runbook: docs/operations.md, section 5.'
    query: 'AppRequests | where Name == "${auditVerifyFunction}" and Success == false | project TimeGenerated | union (AppTraces | where Message has "audit.tampered" | project TimeGenerated)'
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'audit-verify-not-running'
    severity: 2
    description: 'The daily audit-chain check has not succeeded for 26 hours. Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where TimeGenerated > ago(26h) | where Name == "${auditVerifyFunction}" and Success == true'
    frequency: 'PT1H'
    window: 'P2D'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'retention-failed'
    severity: 2
    description: 'The retention timer failed: some notices or purges are left for the next run. Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where Name == "${retentionFunction}" and Success == false'
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'retention-not-running'
    severity: 2
    description: 'The retention timer has not succeeded for 26 hours: due cases are not purged. Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where TimeGenerated > ago(26h) | where Name == "${retentionFunction}" and Success == true'
    frequency: 'PT1H'
    window: 'P2D'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'export-failed'
    severity: 2
    description: 'A run of the store export failed (the next hourly run resumes it). Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where Name == "${exportFunction}" and Success == false'
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'export-not-running'
    severity: 1
    description: 'No complete daily store export (backup.exported) for 26 hours: long-term backups of the records are missing. Runbook: docs/operations.md, "Alerts".'
    query: 'AppTraces | where TimeGenerated > ago(26h) | where Message has "backup.exported"'
    frequency: 'PT1H'
    window: 'P2D'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'audit-anchor-failed'
    severity: 2
    description: 'Publishing the audit chain heads to the immutable container failed. Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where Name == "${anchorFunction}" and Success == false'
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'audit-anchor-not-running'
    severity: 2
    description: 'No audit anchors published for 26 hours. Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where TimeGenerated > ago(26h) | where Name == "${anchorFunction}" and Success == true'
    frequency: 'PT1H'
    window: 'P2D'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'relay-failing'
    severity: 2
    description: 'The effect relay failed repeatedly: audit events and e-mails stay pending. Runbook: docs/operations.md, section 6.'
    query: 'AppRequests | where Name == "${relayFunction}" and Success == false'
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 5
  }
  {
    name: 'http-5xx-rate'
    severity: 1
    description: 'More than ${http5xxPercent}% of HTTP answers were 5xx in 15 minutes. Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where ${httpFunctions} | summarize total = count(), failed = countif(toint(ResultCode) >= 500) | where total >= 20 and failed * 100.0 / total > ${http5xxPercent}'
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'sign-in-failures'
    severity: 2
    description: 'More than ${failedSignInThreshold} failed sign-ins in 15 minutes (password guessing?). Runbook: docs/operations.md, "Alerts".'
    query: 'AppRequests | where Name in ("login", "login_second_factor") and toint(ResultCode) in (401, 403, 429)'
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: failedSignInThreshold
  }
  {
    name: 'backup-job-failed'
    severity: 1
    description: 'A job of the Backup vault failed. Runbook: docs/operations.md, "Alerts".'
    query: 'AddonAzureBackupJobs | where JobStatus == "Failed"'
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'keyvault-access-denied'
    severity: 1
    description: 'Key Vault refused a request (403): the app may not read the KEK, or someone tried. Runbook: docs/operations.md, "Alerts".'
    query: 'AzureDiagnostics | where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent" and httpStatusCode_d == 403'
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'cosmos-throttled'
    severity: 2
    description: 'More than ${cosmosThrottleThreshold} Cosmos DB requests were throttled (429) in 15 minutes. Runbook: docs/operations.md, "Alerts".'
    query: 'CDBDataPlaneRequests | where StatusCode == 429'
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: cosmosThrottleThreshold
  }
]

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'casedesk'
    enabled: true
    emailReceivers: [for (address, index) in split(alertEmails, ','): {
      name: 'operator-${index}'
      emailAddress: trim(address)
      useCommonAlertSchema: true
    }]
  }
}

resource rules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in alerts: {
  name: '${namePrefix}-${alert.name}'
  location: location
  tags: tags
  properties: {
    displayName: '${namePrefix}-${alert.name}'
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: alert.frequency
    windowSize: alert.window
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Count'
          operator: alert.operator
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    // Tables such as AddonAzureBackupJobs appear with their first row; the rule must exist before.
    skipQueryValidation: true
    autoMitigate: true  // stateful: one e-mail when it fires, one when it resolves
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}]

output actionGroupId string = operators.id
