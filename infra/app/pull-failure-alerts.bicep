// Runtime pull failures have no Event Grid event (docs: spec/events.md): a replica that starts later and
// cannot pull only shows in the environment's system logs. A log search alert rule per workspace watches those
// logs (one rule per workspace reading both system-log tables), and this action group posts each alert, in the common alert schema, to the onPullFailureAlert function.

@description('azd environment name (names the action group).')
param environmentName string

@description('Name of the function app (in this resource group).')
param functionAppName string

@description('Resource IDs of the Log Analytics workspaces the Container Apps environments log to.')
param workspaceIds array

@description('Tags for the action group and the rules.')
param tags object = {}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: take('ag-pullguard-${environmentName}', 260)
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'pullguard' // at most 12 characters
    enabled: true
    webhookReceivers: [
      {
        name: 'pullguard-onPullFailureAlert'
        // The HTTP function has authLevel function: the host's default function key goes in the URL. It is read
        // with listKeys at deployment time and stays inside this resource: it is never an output.
        serviceUri: 'https://${functionApp.properties.defaultHostName}/api/alerts/pull-failure?code=${listKeys(resourceId('Microsoft.Web/sites/host', functionAppName, 'default'), '2024-04-01').functionKeys.default}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

module rules 'pull-failure-alert-rules.bicep' = [
  for workspaceId in workspaceIds: {
    name: take('pullguard-alert-rules-${uniqueString(workspaceId)}', 64)
    params: {
      workspaceId: workspaceId
      // A log search alert rule belongs in its workspace's region; passed as a parameter because a resource's
      // location must be known when its deployment starts.
      location: reference(workspaceId, '2023-09-01', 'Full').location
      actionGroupId: actionGroup.id
      tags: tags
    }
  }
]
