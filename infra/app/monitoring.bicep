// Log Analytics workspace + workspace-based Application Insights for PullGuard's own telemetry.
// The connection string is read by the function app module from the component itself: it never travels through
// a module output (module outputs are stored in the deployment history).

@description('Name of the Log Analytics workspace.')
param workspaceName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Region of both.')
param location string

@description('Tags for both.')
param tags object = {}

@description('Principal ID of PullGuard\'s identity: it gets Monitoring Metrics Publisher so the Functions host can send telemetry with Entra ID authentication.')
param identityPrincipalId string

@description('True: Application Insights accepts only Entra ID-authenticated telemetry (local auth off). The Functions host then authenticates with the identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING); see docs/deploy.md for what that means for PullGuard\'s own custom events.')
param entraOnly bool = false

@description('Days the workspace keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

var roles = loadJsonContent('../roles.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: entraOnly
  }
}

// Lets the identity publish telemetry to this component only (needed once local auth is off; harmless before).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityPrincipalId, roles.MonitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.MonitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: send telemetry to its own Application Insights with Entra ID authentication.'
  }
}

@description('Name of the Application Insights component.')
output appInsightsName string = appInsights.name

@description('Resource ID of PullGuard\'s own Log Analytics workspace.')
output workspaceId string = workspace.id
