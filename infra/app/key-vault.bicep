// Key Vault (RBAC mode) holding the notification webhook URLs and the webhook signing secret. The function app reads
// them through Key Vault references resolved with PullGuard's identity; the values never appear in app settings,
// outputs or the deployment history (@secure parameters are not recorded).

@description('Name of the vault (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags object = {}

@description('Principal ID of PullGuard\'s identity: it gets Key Vault Secrets User on this vault only.')
param identityPrincipalId string

@secure()
@description('PULLGUARD_NOTIFY_TEAMS_URL. Empty: no secret is written.')
param notifyTeamsUrl string = ''

@secure()
@description('PULLGUARD_NOTIFY_SLACK_URL. Empty: no secret is written.')
param notifySlackUrl string = ''

@secure()
@description('PULLGUARD_NOTIFY_WEBHOOK_URL. Empty: no secret is written.')
param notifyWebhookUrl string = ''

@secure()
@description('PULLGUARD_NOTIFY_WEBHOOK_SECRET (whsec_...). Empty: no secret is written.')
param notifyWebhookSecret string = ''

var roles = loadJsonContent('../roles.json')

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true // access through Azure roles, no access policies
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled' // the function app is not VNet-integrated here
  }
}

// Secret names are the ones function-app.bicep references (test/infra checks that they match).
resource teamsUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyTeamsUrl)) {
  parent: vault
  name: 'notify-teams-url'
  properties: {
    value: notifyTeamsUrl
  }
}

resource slackUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifySlackUrl)) {
  parent: vault
  name: 'notify-slack-url'
  properties: {
    value: notifySlackUrl
  }
}

resource webhookUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyWebhookUrl)) {
  parent: vault
  name: 'notify-webhook-url'
  properties: {
    value: notifyWebhookUrl
  }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyWebhookSecret)) {
  parent: vault
  name: 'notify-webhook-secret'
  properties: {
    value: notifyWebhookSecret
  }
}

// Read secrets of this vault, nothing else.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, roles.KeyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.KeyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: resolve the Key Vault references of its notification settings.'
  }
}

@description('Name of the vault (the Key Vault references name it).')
output name string = vault.name
