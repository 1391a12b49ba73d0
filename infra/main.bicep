targetScope = 'subscription'

// PullGuard: finds and fixes why Azure Container Apps cannot pull from Azure Container Registry with a managed
// identity. This template deploys the whole system except the two pieces that need the code to be running first:
// the Event Grid event subscription to the onResourceEvent function and the pull-failure alert's action group (its
// webhook carries a function key). infra/hooks/postdeploy.sh deploys those with infra/events.bicep after
// `azd deploy`. docs/deploy.md walks through it.

// ---------------------------------------------------------------------------------------------------------------
// Where
// ---------------------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds the unique token in resource names.')
param environmentName string

@minLength(1)
@description('Region of the resource group and of every regional resource. Flex Consumption must be offered there.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Name of the resource group to create. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------------------------------------
// What PullGuard watches and may do (the PULLGUARD_* settings of src/config.ts)
// ---------------------------------------------------------------------------------------------------------------

@description('Comma-separated IDs of more subscriptions to watch besides this one. Each gets the same roles and its own Event Grid system topic.')
param additionalSubscriptionIds string = ''

@description('Comma-separated resource IDs of existing Microsoft.Resources.Subscriptions system topics to reuse (Event Grid allows one per subscription). A watched subscription not listed gets a new one.')
param existingSystemTopicIds string = ''

@description('PULLGUARD_MODE. fix: apply the allowed fixes; report: diagnose and notify only; off. The roles that write are granted in fix mode only.')
@allowed([
  'fix'
  'report'
  'off'
])
param mode string = 'fix'

@description('PULLGUARD_OPT_IN_FIXES: comma-separated finding codes. arm-audience-tokens-disabled or registry-firewall-blocks-environment also grant the registry-configuration role.')
param optInFixes string = ''

@description('PULLGUARD_DISABLED_FIXES: comma-separated finding codes. identity-not-attached here drops the Managed Identity Operator role.')
param disabledFixes string = ''

@description('PULLGUARD_ALLOWED_SCOPES: comma-separated subscription, resource group or registry IDs PullGuard may change. Empty: the watched subscriptions.')
param allowedScopes string = ''

@description('PULLGUARD_MAX_CHANGES_PER_HOUR.')
@minValue(0)
@maxValue(10000)
param maxChangesPerHour int = 20

@description('PULLGUARD_START_JOBS_AFTER_FIX: after fixing a manual-trigger job, start one execution of it (that runs the job\'s real work). Default false: no execution is ever started.')
param startJobsAfterFix bool = false

@description('PULLGUARD_SWEEP_SCHEDULE: six-field NCRONTAB schedule of the sweep.')
param sweepSchedule string = '0 */15 * * * *'

@description('PULLGUARD_VERIFY_DELAY_SECONDS.')
@minValue(5)
@maxValue(3600)
param verifyDelaySeconds int = 120

@description('PULLGUARD_VERIFY_DEADLINE_MINUTES.')
@minValue(1)
@maxValue(1440)
param verifyDeadlineMinutes int = 30

@description('PULLGUARD_NOTIFY_COOLDOWN_MINUTES.')
@minValue(0)
@maxValue(10080)
param notifyCooldownMinutes int = 60

@secure()
@description('PULLGUARD_NOTIFY_TEAMS_URL (a secret: kept in Key Vault). Empty: no Teams notifications.')
param notifyTeamsUrl string = ''

@secure()
@description('PULLGUARD_NOTIFY_SLACK_URL (a secret: kept in Key Vault). Empty: no Slack notifications.')
param notifySlackUrl string = ''

@secure()
@description('PULLGUARD_NOTIFY_WEBHOOK_URL (a secret: kept in Key Vault). Empty: no generic webhook.')
param notifyWebhookUrl string = ''

@secure()
@description('PULLGUARD_NOTIFY_WEBHOOK_SECRET, whsec_<base64> (kept in Key Vault). Required when notifyWebhookUrl is set.')
param notifyWebhookSecret string = ''

@description('Grant AcrPull and Container Registry Repository Reader on the watched subscriptions so PullGuard can check that image tags exist. false: the tag check reports check-incomplete (docs/deploy.md explains the trade-off).')
param grantRegistryDataRead bool = false

// ---------------------------------------------------------------------------------------------------------------
// Runtime pull failures (Azure Monitor log search alerts; deployed by the postdeploy step)
// ---------------------------------------------------------------------------------------------------------------

@description('Comma-separated resource IDs of the Log Analytics workspaces your Container Apps environments log to. Each gets one pull-failure alert rule reading both system-log tables. Empty: no alert (the sweep still finds runtime failures).')
param pullFailureWorkspaceIds string = ''


// ---------------------------------------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------------------------------------

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of Flex Consumption instances.')
// Flex Consumption (GA): "the lowest maximum instance count value is 1, and the highest supported maximum instance
// count value is 1000" (learn.microsoft.com/azure/azure-functions/event-driven-scaling#limit-scale-out; 40 was the
// preview's floor).
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('true: Application Insights accepts Entra ID-authenticated telemetry only (local auth off). See docs/deploy.md.')
param appInsightsEntraOnly bool = false

// ---------------------------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'pullguard'
}

var homeSubscriptionId = toLower(subscription().subscriptionId)
var additionalSubscriptions = filter(map(split(additionalSubscriptionIds, ','), id => toLower(trim(id))), id => !empty(id))
var watchedSubscriptionIds = union([homeSubscriptionId], additionalSubscriptions) // union() also drops duplicates
var existingTopics = filter(map(split(existingSystemTopicIds, ','), id => trim(id)), id => !empty(id))
var optInFixList = filter(map(split(optInFixes, ','), code => trim(code)), code => !empty(code))
var disabledFixList = filter(map(split(disabledFixes, ','), code => trim(code)), code => !empty(code))
var allowedScopeList = filter(map(split(allowedScopes, ','), item => trim(item)), item => !empty(item))
var alertWorkspaceIds = filter(map(split(pullFailureWorkspaceIds, ','), id => trim(id)), id => !empty(id))

// Roles follow the settings: nothing that writes unless PullGuard may fix; the registry-configuration role only for
// the opt-in fixes that change a registry; Managed Identity Operator unless attaching identities is switched off.
var registryConfigurationFixes = [
  'arm-audience-tokens-disabled'
  'registry-firewall-blocks-environment'
]
var grantWriteRoles = mode == 'fix'
var grantRegistryConfiguration = grantWriteRoles && !empty(intersection(optInFixList, registryConfigurationFixes))
var grantManagedIdentityOperator = grantWriteRoles && !contains(disabledFixList, 'identity-not-attached')

var rgName = !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
var eventsResourceGroupName = 'rg-pullguard-events-${environmentName}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'pullguard-identity'
  scope: rg
  params: {
    name: 'id-pullguard-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'pullguard-monitoring'
  scope: rg
  params: {
    workspaceName: 'log-pullguard-${resourceToken}'
    appInsightsName: 'appi-pullguard-${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    entraOnly: appInsightsEntraOnly
  }
}

module storage 'app/storage.bicep' = {
  name: 'pullguard-storage'
  scope: rg
  params: {
    name: 'stpg${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'pullguard-key-vault'
  scope: rg
  params: {
    name: 'kv-pg-${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    notifyTeamsUrl: notifyTeamsUrl
    notifySlackUrl: notifySlackUrl
    notifyWebhookUrl: notifyWebhookUrl
    notifyWebhookSecret: notifyWebhookSecret
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'pullguard-function-app'
  scope: rg
  params: {
    name: 'func-pullguard-${resourceToken}'
    planName: 'plan-pullguard-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    watchedSubscriptions: join(watchedSubscriptionIds, ',')
    mode: mode
    optInFixes: join(optInFixList, ',')
    disabledFixes: join(disabledFixList, ',')
    allowedScopes: join(allowedScopeList, ',')
    maxChangesPerHour: maxChangesPerHour
    startJobsAfterFix: startJobsAfterFix
    sweepSchedule: sweepSchedule
    verifyDelaySeconds: verifyDelaySeconds
    verifyDeadlineMinutes: verifyDeadlineMinutes
    notifyCooldownMinutes: notifyCooldownMinutes
    // Only whether a secret exists crosses into this module, never its value.
    hasTeamsUrl: !empty(notifyTeamsUrl)
    hasSlackUrl: !empty(notifySlackUrl)
    hasWebhookUrl: !empty(notifyWebhookUrl)
    hasWebhookSecret: !empty(notifyWebhookSecret)
  }
}

// One module per watched subscription: roles + system topic.
module watch 'app/watch-subscription.bicep' = [
  for subscriptionId in watchedSubscriptionIds: {
    // A subscription-scope deployment name is unique per subscription and location: it carries the environment (in
    // the hash and in clear) so two environments watching one subscription never overwrite each other's deployment.
    name: take('pullguard-watch-${uniqueString(subscriptionId, environmentName)}-${environmentName}', 64)
    scope: subscription(subscriptionId)
    params: {
      environmentName: environmentName
      location: location
      tags: tags
      principalId: identity.outputs.principalId
      identityId: identity.outputs.id
      homeSubscriptionId: homeSubscriptionId
      homeResourceGroupName: rg.name
      eventsResourceGroupName: eventsResourceGroupName
      existingSystemTopicIds: existingTopics
      grantWriteRoles: grantWriteRoles
      grantManagedIdentityOperator: grantManagedIdentityOperator
      grantRegistryConfiguration: grantRegistryConfiguration
      grantRegistryDataRead: grantRegistryDataRead
    }
  }
]

// ---------------------------------------------------------------------------------------------------------------
// Outputs: azd stores them in the environment (.azure/<env>/.env) and the hooks read them. Names and IDs only:
// no key, connection string, URL or secret is ever an output (test/infra/outputs.test.ts).
// ---------------------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output PULLGUARD_FUNCTION_APP_ID string = functionApp.outputs.id
output PULLGUARD_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output PULLGUARD_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output PULLGUARD_IDENTITY_RESOURCE_ID string = identity.outputs.id
output PULLGUARD_WATCHED_SUBSCRIPTIONS string = join(watchedSubscriptionIds, ',')
output PULLGUARD_EVENTS_RESOURCE_GROUP string = eventsResourceGroupName
output PULLGUARD_SYSTEM_TOPIC_IDS array = [for i in range(0, length(watchedSubscriptionIds)): watch[i].outputs.systemTopicId]
output PULLGUARD_DEADLETTER_STORAGE_ID string = storage.outputs.id
output PULLGUARD_DEADLETTER_CONTAINER string = storage.outputs.deadLetterContainerName
output PULLGUARD_ALERT_WORKSPACE_IDS array = alertWorkspaceIds
