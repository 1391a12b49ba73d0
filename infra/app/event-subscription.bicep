// The Event Grid subscription that delivers a watched subscription's ARM events to the onResourceEvent function.
// It is filtered to exactly the operations the code handles: the event types and data.operationName values below
// are src/core/watched-operations.ts's WATCHED_EVENT_TYPES and WATCHED_OPERATIONS (test/infra/events.test.ts keeps
// them equal). Event Grid compares advanced-filter strings case-insensitively, like the code.

@description('Name of the event subscription.')
param name string

@description('Name of the system topic (in this resource group).')
param systemTopicName string

@description('Resource ID of the function app.')
param functionAppId string

@description('Resource ID of the storage account that receives dead-lettered events.')
param deadLetterStorageAccountId string

@description('Blob container for dead-lettered events.')
param deadLetterContainerName string

@description('Resource ID of the user-assigned identity the system topic carries (PullGuard\'s): Event Grid writes dead letters with it.')
param deadLetterIdentityId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource armEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    destination: {
      endpointType: 'AzureFunction' // Event Grid fetches and rotates the function's key itself
      properties: {
        resourceId: '${functionAppId}/functions/onResourceEvent'
        maxEventsPerBatch: 1 // the trigger hands the handler one event at a time
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
        'Microsoft.Resources.ResourceWriteFailure'
        'Microsoft.Resources.ResourceDeleteSuccess'
        'Microsoft.Resources.ResourceActionSuccess'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            'Microsoft.App/containerApps/write'
            'Microsoft.App/containerApps/delete'
            'Microsoft.App/containerApps/revisions/restart/action'
            'Microsoft.App/containerApps/revisions/activate/action'
            'Microsoft.App/containerApps/revisions/deactivate/action'
            'Microsoft.App/jobs/write'
            'Microsoft.App/jobs/delete'
            'Microsoft.App/jobs/start/action'
            'Microsoft.App/managedEnvironments/write'
            'Microsoft.Authorization/roleAssignments/write'
            'Microsoft.Authorization/roleAssignments/delete'
            'Microsoft.ContainerRegistry/registries/write'
            'Microsoft.ContainerRegistry/registries/delete'
            'Microsoft.ManagedIdentity/userAssignedIdentities/write'
            'Microsoft.ManagedIdentity/userAssignedIdentities/delete'
            'Microsoft.Network/networkSecurityGroups/write'
            'Microsoft.Network/networkSecurityGroups/securityRules/write'
            'Microsoft.Network/networkSecurityGroups/securityRules/delete'
            'Microsoft.Network/routeTables/write'
            'Microsoft.Network/routeTables/routes/write'
            'Microsoft.Network/virtualNetworks/write'
            'Microsoft.Network/privateDnsZones/A/write'
            'Microsoft.Network/privateDnsZones/A/delete'
            'Microsoft.Network/privateDnsZones/virtualNetworkLinks/write'
            'Microsoft.Network/privateDnsZones/virtualNetworkLinks/delete'
          ]
        }
      ]
    }
    // Event Grid's defaults, written out: retry with back-off for up to a day. The timer sweep catches anything
    // that is still lost.
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    // Undeliverable events land as blobs in PullGuard's storage account, which refuses shared keys: Event Grid writes
    // them as the managed identity its topic carries ("Uses the managed identity setup on the parent resource (namely,
    // topic or domain)": EventSubscriptionProperties.deadLetterWithResourceIdentity, eventgrid 2025-02-15). The topic
    // carries PullGuard's user-assigned identity (system-topic.bicep), which holds Storage Blob Data Owner there.
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: deadLetterIdentityId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}
