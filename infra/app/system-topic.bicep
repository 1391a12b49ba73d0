// The Event Grid system topic of a subscription's ARM events (Microsoft.Resources.Subscriptions). Subscription
// topics are global (no region). They can carry a managed identity: "You can enable identities for system topics
// associated with global Azure resources such as Azure subscriptions, resource groups, or Azure Maps" and "assign
// one system-assigned identity and up to two user-assigned identities to a system topic"
// (learn.microsoft.com/azure/event-grid/enable-identity-system-topics). The topic carries PullGuard's user-assigned
// identity, which holds Storage Blob Data Owner on PullGuard's storage account (shared-key access off), so Event
// Grid dead-letters with it (event-subscription.bicep, deadLetterWithResourceIdentity). IdentityInfo is part of
// the systemTopics type at api-version 2025-02-15 (azure-rest-api-specs, eventgrid stable/2025-02-15).
// Event Grid allows one system topic per source; a subscription that already has one reuses it (main.bicep's
// existingSystemTopicIds) and this module is not deployed for it (docs/deploy.md: give that topic the identity).

@description('Name of the system topic.')
param name string

@description('Tags for the system topic.')
param tags object = {}

@description('Resource ID of PullGuard\'s user-assigned identity (dead-letter delivery).')
param identityId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    source: subscription().id // this module is deployed to a resource group of the watched subscription
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

@description('Resource ID of the system topic.')
output id string = topic.id
