// The Event Grid system topic of a subscription's ARM events (Microsoft.Resources.Subscriptions). Subscription
// topics are global: they have no region and (per the Event Grid docs) cannot have a managed identity.
// Event Grid allows one system topic per source; a subscription that already has one reuses it (main.bicep's
// existingSystemTopicIds) and this module is not deployed for it.

@description('Name of the system topic.')
param name string

@description('Tags for the system topic.')
param tags object = {}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    source: subscription().id // this module is deployed to a resource group of the watched subscription
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

@description('Resource ID of the system topic.')
output id string = topic.id
