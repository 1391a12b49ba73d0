// The storage account behind the Functions host (AzureWebJobsStorage), the deployment package container of the Flex
// Consumption plan, PullGuard's own queue and tables, and the Event Grid dead-letter container.
// Shared-key access is off: the host and the app reach it with the user-assigned identity only
// (AzureWebJobsStorage__credential = managedidentity), so no account key or connection string exists anywhere.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the account.')
param location string

@description('Tags for the account.')
param tags object = {}

@description('Principal ID of PullGuard\'s identity: it gets blob data owner, queue and table data contributor on this account.')
param identityPrincipalId string

@description('Blob container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string = 'app-package'

@description('Blob container Event Grid writes undeliverable ARM events to.')
param deadLetterContainerName string = 'eventgrid-deadletter'

// Names the code uses (src/azure/storage.ts: TABLES and VERIFY_QUEUE). Created here so the app never needs to.
var tableNames = [
  'pullguardaudit'
  'pullguardbudget'
  'pullguardnotify'
  'pullguardindex'
  // One lease per workload: one actor per app across instances and CLI runs (src/azure/workload-lease.ts).
  'pullguardlease'
]
var verifyQueueName = 'pullguard-verify'

var roles = loadJsonContent('../roles.json')

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false // identity only: no keys, no SAS
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled' // the Flex Consumption app is not VNet-integrated here
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    resource deadLetterContainer 'containers' = {
      name: deadLetterContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource verifyQueue 'queues' = {
      name: verifyQueueName
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }
}

// The host keeps its locks, timer schedule and keys in blobs, and the deployment package is a blob: Storage Blob Data
// Owner is what the Functions documentation prescribes for identity-based host storage.
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, roles.StorageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.StorageBlobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: Functions host storage and the deployment package.'
  }
}

// The verifyFix queue trigger and the verification messages PullGuard schedules.
resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, roles.StorageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.StorageQueueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: the pullguard-verify queue.'
  }
}

// The audit, change-budget, notification, app-index and lease tables.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, roles.StorageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.StorageTableDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: audit, budget, notification, app-index and lease tables.'
  }
}

@description('Name of the storage account.')
output name string = storage.name

@description('Resource ID of the storage account (the Event Grid dead-letter destination).')
output id string = storage.id

@description('Blob container of the Flex Consumption deployment package.')
output deploymentContainerName string = deploymentContainerName

@description('Blob container for dead-lettered events.')
output deadLetterContainerName string = deadLetterContainerName
