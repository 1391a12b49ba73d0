// The function app: Flex Consumption plan (FC1), Node 22, running as the user-assigned identity.
// Flex Consumption takes the runtime and its version in functionAppConfig.runtime, and the deployment package
// location in functionAppConfig.deployment: FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
// WEBSITE_RUN_FROM_PACKAGE and the content-share settings are deprecated there and are not set.

@description('Name of the function app.')
param name string

@description('Name of its Flex Consumption plan (one app per plan).')
param planName string

@description('Region of the plan and the app (Flex Consumption must be offered there).')
param location string

@description('Tags for the plan and the app.')
param tags object = {}

@description('Resource ID of PullGuard\'s user-assigned identity.')
param identityId string

@description('Client ID of that identity.')
param identityClientId string

@description('Principal (object) ID of that identity.')
param identityPrincipalId string

@description('Name of the host storage account (shared-key access off).')
param storageAccountName string

@description('Blob container of the deployment package.')
param deploymentContainerName string

@description('Name of PullGuard\'s Application Insights component.')
param appInsightsName string

@description('Name of the Key Vault holding the notification secrets.')
param keyVaultName string

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of instances the plan scales out to.')
// Flex Consumption (GA): "the lowest maximum instance count value is 1, and the highest supported maximum instance
// count value is 1000" (learn.microsoft.com/azure/azure-functions/event-driven-scaling#limit-scale-out; 40 was the
// preview's floor).
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

// ---- PullGuard settings (src/config.ts); the meaning and defaults are in README.md "Settings". ----

@description('PULLGUARD_SUBSCRIPTIONS: comma-separated subscription IDs to watch and sweep.')
param watchedSubscriptions string

@description('PULLGUARD_MODE.')
@allowed([
  'fix'
  'report'
  'off'
])
param mode string = 'fix'

@description('PULLGUARD_OPT_IN_FIXES (comma-separated finding codes).')
param optInFixes string = ''

@description('PULLGUARD_DISABLED_FIXES (comma-separated finding codes).')
param disabledFixes string = ''

@description('PULLGUARD_ALLOWED_SCOPES (comma-separated scope IDs). Empty: the watched subscriptions.')
param allowedScopes string = ''

@description('PULLGUARD_MAX_CHANGES_PER_HOUR.')
param maxChangesPerHour int = 20

@description('PULLGUARD_START_JOBS_AFTER_FIX (false: no job execution is ever started).')
param startJobsAfterFix bool = false

@description('PULLGUARD_SWEEP_SCHEDULE (six-field NCRONTAB).')
param sweepSchedule string = '0 */15 * * * *'

@description('PULLGUARD_VERIFY_DELAY_SECONDS.')
param verifyDelaySeconds int = 120

@description('PULLGUARD_VERIFY_DEADLINE_MINUTES.')
param verifyDeadlineMinutes int = 30

@description('PULLGUARD_NOTIFY_COOLDOWN_MINUTES.')
param notifyCooldownMinutes int = 60

@description('Whether the vault holds notify-teams-url (then PULLGUARD_NOTIFY_TEAMS_URL references it).')
param hasTeamsUrl bool = false

@description('Whether the vault holds notify-slack-url.')
param hasSlackUrl bool = false

@description('Whether the vault holds notify-webhook-url.')
param hasWebhookUrl bool = false

@description('Whether the vault holds notify-webhook-secret.')
param hasWebhookSecret bool = false

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' }) // azd finds the app of service "api" by this tag
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId // Key Vault references resolve as the user-assigned identity
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Every setting src/config.ts reads (SETTING_NAMES), except the plain AzureWebJobsStorage connection string: with
// shared-key access off there is none, and the host uses the identity-based AzureWebJobsStorage__* form instead.
// The dev-only PULLGUARD_DEV_* settings are never set in Azure. test/infra/app-settings.test.ts keeps this in step.
var appSettings = {
  // Host storage (and PullGuard's own queue and tables) through the identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table

  // Telemetry: the connection string (no instrumentation key setting), and Entra ID auth for the host.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // Who PullGuard is: DefaultAzureCredential picks the user-assigned identity, and events it caused are recognised.
  AZURE_CLIENT_ID: identityClientId
  PULLGUARD_SELF_PRINCIPAL_ID: identityPrincipalId

  // What it watches and may do.
  PULLGUARD_SUBSCRIPTIONS: watchedSubscriptions
  PULLGUARD_MODE: mode
  PULLGUARD_OPT_IN_FIXES: optInFixes
  PULLGUARD_DISABLED_FIXES: disabledFixes
  PULLGUARD_ALLOWED_SCOPES: allowedScopes
  PULLGUARD_MAX_CHANGES_PER_HOUR: string(maxChangesPerHour)
  PULLGUARD_START_JOBS_AFTER_FIX: string(startJobsAfterFix)
  PULLGUARD_SWEEP_SCHEDULE: sweepSchedule
  PULLGUARD_VERIFY_DELAY_SECONDS: string(verifyDelaySeconds)
  PULLGUARD_VERIFY_DEADLINE_MINUTES: string(verifyDeadlineMinutes)
  PULLGUARD_NOTIFY_COOLDOWN_MINUTES: string(notifyCooldownMinutes)

  // Secrets: Key Vault references (resolved with keyVaultReferenceIdentity), or empty when not configured. An empty
  // value means "not set" to src/config.ts; a reference to a missing secret would not resolve, so none is written.
  PULLGUARD_NOTIFY_TEAMS_URL: hasTeamsUrl ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=notify-teams-url)' : ''
  PULLGUARD_NOTIFY_SLACK_URL: hasSlackUrl ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=notify-slack-url)' : ''
  PULLGUARD_NOTIFY_WEBHOOK_URL: hasWebhookUrl ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=notify-webhook-url)' : ''
  PULLGUARD_NOTIFY_WEBHOOK_SECRET: hasWebhookSecret ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=notify-webhook-secret)' : ''
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Resource ID of the function app.')
output id string = functionApp.id
