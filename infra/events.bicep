targetScope = 'subscription'

// Second deployment step, run by infra/hooks/postdeploy.sh after `azd deploy` (or by hand with
// `az deployment sub create`): it wires the signals to the functions, which must exist first. An Event Grid
// subscription with endpoint type AzureFunction fails with "Destination endpoint not found" until the function is
// deployed, and the action group's webhook needs a function key that only a running host has.
// Every value comes from main.bicep's outputs (azd keeps them in the environment).

@description('azd environment name (names the event subscriptions and the action group).')
param environmentName string

@description('PullGuard\'s resource group (main.bicep output AZURE_RESOURCE_GROUP).')
param resourceGroupName string

@description('Name of the function app (main.bicep output SERVICE_API_NAME).')
param functionAppName string

@description('Resource IDs of the watched subscriptions\' system topics (main.bicep output PULLGUARD_SYSTEM_TOPIC_IDS).')
param systemTopicIds array

@description('Resource ID of the storage account for dead-lettered events (PULLGUARD_DEADLETTER_STORAGE_ID).')
param deadLetterStorageAccountId string

@description('Its blob container (PULLGUARD_DEADLETTER_CONTAINER).')
param deadLetterContainerName string

@description('Resource ID of PullGuard\'s user-assigned identity (main.bicep output PULLGUARD_IDENTITY_RESOURCE_ID): the system topics carry it and dead-letter with it.')
param identityResourceId string

@description('Log Analytics workspaces the Container Apps environments log to (PULLGUARD_ALERT_WORKSPACE_IDS). Empty: no alert.')
param alertWorkspaceIds array = []

var tags = {
  'azd-env-name': environmentName
  application: 'pullguard'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' existing = {
  name: resourceGroupName
}

// azd environment names may hold _ . ( ) (azd's EnvironmentNameRegexp ^[a-zA-Z0-9-\(\)_\.]{1,64}$); an event
// subscription name "must be 3-64 characters long and can only contain a-z, A-Z, 0-9, and '-'"
// (learn.microsoft.com/azure/event-grid/subscription-creation-schema). infra/hooks/predown.sh derives the same name.
var safeEnvironmentName = replace(replace(replace(replace(environmentName, '_', '-'), '.', '-'), '(', '-'), ')', '-')
var eventSubscriptionName = take('pullguard-${safeEnvironmentName}', 64)

var functionAppId = resourceId(subscription().subscriptionId, resourceGroupName, 'Microsoft.Web/sites', functionAppName)

// One event subscription per watched subscription's topic, in that topic's own resource group.
module eventSubscriptions 'app/event-subscription.bicep' = [
  for topicId in systemTopicIds: {
    name: take('pullguard-events-${uniqueString(topicId, environmentName)}', 64)
    scope: resourceGroup(split(topicId, '/')[2], split(topicId, '/')[4])
    params: {
      name: eventSubscriptionName
      systemTopicName: last(split(topicId, '/'))
      functionAppId: functionAppId
      deadLetterStorageAccountId: deadLetterStorageAccountId
      deadLetterContainerName: deadLetterContainerName
      deadLetterIdentityId: identityResourceId
    }
  }
]

module pullFailureAlerts 'app/pull-failure-alerts.bicep' = if (!empty(alertWorkspaceIds)) {
  name: 'pullguard-pull-failure-alerts'
  scope: rg
  params: {
    environmentName: environmentName
    functionAppName: functionAppName
    workspaceIds: alertWorkspaceIds
    tags: tags
  }
}
