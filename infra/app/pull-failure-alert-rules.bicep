// The pull-failure log search alert rule of one Log Analytics workspace: ONE rule that reads both system-log tables.
//   ContainerAppSystemLogs     environments whose logs go to Azure Monitor (diagnostic settings); columns Log, Reason
//   ContainerAppSystemLogs_CL  environments whose logs go straight to Log Analytics; columns Log_s, Reason_s
// A workspace usually has only one of them, and a rule over a missing table fails every evaluation until Azure Monitor
// disables it ("Alert has been failing consistently with the same exception for the past week", quoted in
// microsoft/AzureMonitorCommunity#175). With `union isfuzzy=true` "any resolution failure yields a warning in the
// query status results, but won't prevent the query execution" as long as at least one leg resolves; "if no resolutions
// were successful, the query returns an error" (learn.microsoft.com/kusto/query/union-operator, isfuzzy). An empty
// datatable leg always resolves, so the rule runs whichever table the workspace has, both, or (before any environment
// has logged) neither. Each leg renames its columns to one set (column_ifexists keeps a leg
// whose table lacks a column alive), and the rule splits by environment, app and revision: every alert names one app,
// which is what src/core/signals/pull-failure-alert.ts reads.
//
// The terms come from the one list, src/core/pull-failure-terms.json (spec/pull-path.md v2 "How a pull failure is
// recognised"), loaded at compile time. KQL `has` matches whole terms only, so "reason 'ImagePullFailure'" and the
// phrases are matched with `contains` (case-insensitive, like the TypeScript classifier).

@description('Resource ID of the Log Analytics workspace (the rule\'s scope).')
param workspaceId string

@description('Region of the workspace (the rule is created there).')
param location string

@description('Resource ID of the action group that calls onPullFailureAlert.')
param actionGroupId string

@description('Tags for the rule.')
param tags object = {}

var workspaceName = last(split(workspaceId, '/'))
var nameSuffix = '${workspaceName}-${take(uniqueString(workspaceId), 6)}'

var terms = loadJsonContent('../../src/core/pull-failure-terms.json')
var reasonList = join(map(terms.systemLogReasons, reason => '"${reason}"'), ', ')
var textConditions = join(map(terms.systemLogTexts, text => 'Log contains "${text}"'), ' or ')
var terminatedCondition = 'Reason =~ "${terms.terminatedReason.reason}" and Log contains "${terms.terminatedReason.logContains}"'

var queryTemplate = '''
union isfuzzy=true
    (datatable(ResourceId: string, EnvironmentName: string, ContainerAppName: string, RevisionName: string, Reason: string, Log: string) []),
    (ContainerAppSystemLogs
    | project ResourceId = tostring(column_ifexists("_ResourceId", "")),
        EnvironmentName = tostring(column_ifexists("EnvironmentName", "")),
        ContainerAppName = tostring(column_ifexists("ContainerAppName", "")),
        RevisionName = tostring(column_ifexists("RevisionName", "")),
        Reason = tostring(column_ifexists("Reason", "")),
        Log = tostring(column_ifexists("Log", ""))),
    (ContainerAppSystemLogs_CL
    | project ResourceId = tostring(column_ifexists("_ResourceId", "")),
        EnvironmentName = tostring(column_ifexists("EnvironmentName_s", "")),
        ContainerAppName = tostring(column_ifexists("ContainerAppName_s", "")),
        RevisionName = tostring(column_ifexists("RevisionName_s", "")),
        Reason = tostring(column_ifexists("Reason_s", "")),
        Log = tostring(column_ifexists("Log_s", "")))
| where Reason in~ ({reasons})
    or ({terminated})
    or {texts}
| summarize FailureCount = count() by _ResourceId = ResourceId, EnvironmentName, ContainerAppName, RevisionName
'''

var query = replace(replace(replace(queryTemplate, '{reasons}', reasonList), '{terminated}', terminatedCondition), '{texts}', textConditions)

resource rule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'pullguard-image-pull-failures-${nameSuffix}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'PullGuard: image pull failures (${workspaceName})'
    description: 'Container Apps replicas that cannot pull their image, from ContainerAppSystemLogs and ContainerAppSystemLogs_CL. Each alert names one app and revision; PullGuard diagnoses and fixes it.'
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
          query: query
          timeAggregation: 'Total'
          metricMeasureColumn: 'FailureCount'
          // Split by dimensions only: the legacy table's rows may carry no resource ID, so the environment is named
          // both by its ID (_ResourceId, empty there) and by its name.
          dimensions: [
            {
              name: '_ResourceId'
              operator: 'Include'
              values: [
                '*'
              ]
            }
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
    // Neither table may exist yet when the rule is created (it appears once an environment sends logs there).
    skipQueryValidation: true
  }
}

@description('Resource ID of the rule.')
output id string = rule.id
