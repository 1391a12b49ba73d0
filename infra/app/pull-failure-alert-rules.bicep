// The pull-failure log search alert rules of one Log Analytics workspace. The system logs are recorded against the
// managed environment, so each rule splits by the environment (_ResourceId, or EnvironmentName_s where the legacy
// table has no resource ID) and by the app and revision name columns: every alert then names one app, which is
// what src/core/signals/pull-failure-alert.ts reads.
//   ContainerAppSystemLogs     environments whose logs go to Azure Monitor (diagnostic settings); columns Log, Reason
//   ContainerAppSystemLogs_CL  environments whose logs go straight to Log Analytics; columns Log_s, Reason_s

@description('Resource ID of the Log Analytics workspace (the rules\' scope).')
param workspaceId string

@description('Region of the workspace (the rules are created there).')
param location string

@description('Resource ID of the action group that calls onPullFailureAlert.')
param actionGroupId string

@description('Which table to watch: ContainerAppSystemLogs, ContainerAppSystemLogs_CL or both.')
@allowed([
  'both'
  'ContainerAppSystemLogs'
  'ContainerAppSystemLogs_CL'
])
param logTables string = 'both'

@description('Tags for the rules.')
param tags object = {}

var workspaceName = last(split(workspaceId, '/'))
var nameSuffix = '${workspaceName}-${take(uniqueString(workspaceId), 6)}'

// The pull-failure messages: "Failed to pull image ...", ImagePullBackOff, "Persistent Image Pull Errors for image",
// reason ImagePullFailure (spec/events.md).
var resourceSpecificQuery = '''
ContainerAppSystemLogs
| where Log has_any ("Failed to pull image", "ImagePullBackOff", "Persistent Image Pull Errors", "ErrImagePull")
    or Reason in ("ImagePullFailure", "ImagePullBackOff", "ErrImagePull")
| summarize FailureCount = count() by _ResourceId, EnvironmentName, ContainerAppName, RevisionName
'''

var legacyQuery = '''
ContainerAppSystemLogs_CL
| where Log_s has_any ("Failed to pull image", "ImagePullBackOff", "Persistent Image Pull Errors", "ErrImagePull")
    or Reason_s in ("ImagePullFailure", "ImagePullBackOff", "ErrImagePull")
| summarize FailureCount = count() by EnvironmentName_s, ContainerAppName_s, RevisionName_s
'''

resource resourceSpecificRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = if (logTables != 'ContainerAppSystemLogs_CL') {
  name: 'pullguard-image-pull-failures-${nameSuffix}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'PullGuard: image pull failures (ContainerAppSystemLogs, ${workspaceName})'
    description: 'Container Apps replicas that cannot pull their image. Each alert names one app and revision; PullGuard diagnoses and fixes it.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: resourceSpecificQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'FailureCount'
          resourceIdColumn: '_ResourceId' // split by environment: its ID becomes the alert's target
          dimensions: [
            {
              name: 'EnvironmentName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'ContainerAppName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'RevisionName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroupId
      ]
      customProperties: {
        source: 'pullguard'
      }
    }
    // The table appears only once an environment sends logs there: create the rule anyway.
    skipQueryValidation: true
  }
}

resource legacyRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = if (logTables != 'ContainerAppSystemLogs') {
  name: 'pullguard-image-pull-failures-cl-${nameSuffix}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'PullGuard: image pull failures (ContainerAppSystemLogs_CL, ${workspaceName})'
    description: 'Container Apps replicas that cannot pull their image. Each alert names one app and revision; PullGuard diagnoses and fixes it.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: legacyQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'FailureCount'
          // This table may have no _ResourceId: the environment is named by EnvironmentName_s.
          dimensions: [
            {
              name: 'EnvironmentName_s'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'ContainerAppName_s'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'RevisionName_s'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroupId
      ]
      customProperties: {
        source: 'pullguard'
      }
    }
    skipQueryValidation: true
  }
}
