targetScope = 'subscription'

// Everything one watched subscription needs: PullGuard's roles on it, and the Event Grid system topic of its ARM
// events (the event subscription to the function is added after the code is deployed: infra/events.bicep).
// main.bicep deploys this module once per watched subscription.

@description('azd environment name (names the events resource group and the topic).')
param environmentName string

@description('Region of the events resource group, when one is created.')
param location string

@description('Tags for what this module creates.')
param tags object = {}

@description('Principal (object) ID of PullGuard\'s identity.')
param principalId string

@description('Resource ID of PullGuard\'s user-assigned identity: the system topic carries it to dead-letter with it.')
param identityId string

@description('Subscription ID of PullGuard\'s own deployment: its topic goes into PullGuard\'s resource group.')
param homeSubscriptionId string

@description('PullGuard\'s resource group (in the home subscription).')
param homeResourceGroupName string

@description('Resource group created in other watched subscriptions to hold their system topic.')
param eventsResourceGroupName string

@description('Existing Microsoft.Resources.Subscriptions system topics to reuse, by resource ID (any subscription).')
param existingSystemTopicIds array = []

@description('See roles-subscription.bicep.')
param grantWriteRoles bool

@description('See roles-subscription.bicep.')
param grantManagedIdentityOperator bool

@description('See roles-subscription.bicep.')
param grantRegistryConfiguration bool

@description('See roles-subscription.bicep.')
param grantRegistryDataRead bool

// azd environment names may hold _ . ( ) (azd's EnvironmentNameRegexp ^[a-zA-Z0-9-\(\)_\.]{1,64}$, the deployment-name
// rule); Event Grid names take only a-z, A-Z, 0-9 and '-' (learn.microsoft.com/azure/event-grid/subscription-creation-schema).
var safeEnvironmentName = replace(replace(replace(replace(environmentName, '_', '-'), '.', '-'), '(', '-'), ')', '-')
var isHome = toLower(subscription().subscriptionId) == toLower(homeSubscriptionId)
var reusedTopics = filter(existingSystemTopicIds, topicId => startsWith(toLower(topicId), toLower('${subscription().id}/')))
var createTopic = empty(reusedTopics)
var topicResourceGroupName = isHome ? homeResourceGroupName : eventsResourceGroupName

module roles 'roles-subscription.bicep' = {
  name: take('pullguard-roles-${environmentName}', 64)
  params: {
    principalId: principalId
    grantWriteRoles: grantWriteRoles
    grantManagedIdentityOperator: grantManagedIdentityOperator
    grantRegistryConfiguration: grantRegistryConfiguration
    grantRegistryDataRead: grantRegistryDataRead
  }
}

resource eventsResourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createTopic && !isHome) {
  name: eventsResourceGroupName
  location: location
  tags: tags
}

module topic 'system-topic.bicep' = if (createTopic) {
  name: take('pullguard-topic-${environmentName}', 64)
  scope: resourceGroup(topicResourceGroupName)
  params: {
    name: take('evgt-pullguard-${safeEnvironmentName}', 128)
    tags: tags
    identityId: identityId
  }
  dependsOn: [
    eventsResourceGroup
  ]
}

@description('Resource ID of the subscription\'s system topic, created here or reused.')
output systemTopicId string = createTopic ? topic.outputs.id : reusedTopics[0]
