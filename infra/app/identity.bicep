// The user-assigned managed identity PullGuard runs as. User-assigned (not system-assigned) so that its principal
// exists before the function app does: every role below can be granted in the same deployment, and the identity
// survives a re-creation of the app with its grants intact.

@description('Name of the user-assigned managed identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags for the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID of the identity (attached to the function app, used by Key Vault references and deployment storage).')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Object (principal) ID: the principal every role is granted to; PULLGUARD_SELF_PRINCIPAL_ID.')
output principalId string = identity.properties.principalId

@description('Client ID: AZURE_CLIENT_ID and AzureWebJobsStorage__clientId.')
output clientId string = identity.properties.clientId
