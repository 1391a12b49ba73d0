targetScope = 'subscription'

// The roles PullGuard's identity holds on one watched subscription: each the least that lets the code do its job,
// each named guid(scope, principal, role) so a re-deployment finds the same assignment instead of adding another.
// docs/deploy.md ("Permissions") explains every line.

@description('Principal (object) ID of PullGuard\'s identity.')
param principalId string

@description('Grant the roles that write (Container Apps Contributor, the constrained RBAC Administrator): only in mode fix.')
param grantWriteRoles bool

@description('Grant Managed Identity Operator (attach a user-assigned identity to an app: the identity-not-attached fix).')
param grantManagedIdentityOperator bool

@description('Grant Container Registry Contributor and Data Access Configuration Administrator: only for the opt-in registry fixes (arm-audience-tokens-disabled, registry-firewall-blocks-environment).')
param grantRegistryConfiguration bool

@description('Grant read on registries\' data plane (AcrPull and Container Registry Repository Reader) so tag checks can run; without it they report check-incomplete.')
param grantRegistryDataRead bool

var roles = loadJsonContent('../roles.json')

// The only role assignments PullGuard may create or remove: AcrPull (registries in legacy mode) and Container Registry
// Repository Reader (registries in ABAC mode), to service principals (managed identities are service principals).
// This is the documented "Constrain roles and principal types" condition, word for word in its structure: one clause
// for roleAssignments/write on @Request[...] attributes, one for roleAssignments/delete on @Resource[...] attributes,
// each `(!(ActionMatches{...})) OR (roles AND principal types)`, joined by AND ("Examples to delegate Azure role
// assignment management with conditions", learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples).
// A delete is constrained to the same roles and principal types (PullGuard never deletes, but the documented form
// names real roles: a condition naming a role that does not exist is not one the portal's templates produce).
var allowedRoleIds = '${roles.AcrPull}, ${roles.ContainerRegistryRepositoryReader}'
var writeClause = '(!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${allowedRoleIds}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'})'
var deleteClause = '(!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${allowedRoleIds}} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'})'

var rbacAdministratorCondition = '(${writeClause}) AND (${deleteClause})'

// Read everything PullGuard diagnoses: apps, environments, identities, registries, role assignments and definitions,
// networks and private DNS. (In registries' legacy permission mode, Reader also lets an identity pull: see
// docs/deploy.md.)
resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roles.Reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.Reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: read what it diagnoses.'
  }
}

// Patch apps (registries[], identity), restart revisions, read app secrets for a full PUT.
resource containerAppsContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantWriteRoles) {
  name: guid(subscription().id, principalId, roles.ContainerAppsContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.ContainerAppsContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: fix container apps (registry entries, identities) and restart revisions.'
  }
}

// Attaching a user-assigned identity to an app needs .../userAssignedIdentities/assign/action on that identity.
resource managedIdentityOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantWriteRoles && grantManagedIdentityOperator) {
  name: guid(subscription().id, principalId, roles.ManagedIdentityOperator)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.ManagedIdentityOperator)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: attach an existing user-assigned identity to a container app.'
  }
}

// Grant pull: only AcrPull or Container Registry Repository Reader, only to service principals.
resource rbacAdministrator 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantWriteRoles) {
  name: guid(subscription().id, principalId, roles.RoleBasedAccessControlAdministrator)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.RoleBasedAccessControlAdministrator)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard: grant AcrPull or Container Registry Repository Reader to managed identities, nothing else.'
    condition: rbacAdministratorCondition
    conditionVersion: '2.0'
  }
}

// Opt-in registry fixes: enable ARM-audience tokens, add outbound IPs to the registry firewall.
resource registryConfiguration 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantWriteRoles && grantRegistryConfiguration) {
  name: guid(subscription().id, principalId, roles.ContainerRegistryContributorAndDataAccessConfigurationAdministrator)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.ContainerRegistryContributorAndDataAccessConfigurationAdministrator)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard (opt-in): change registry policies and network rules.'
  }
}

// Opt-in tag checks: read manifests on registries in legacy permission mode ...
resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantRegistryDataRead) {
  name: guid(subscription().id, principalId, roles.AcrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.AcrPull)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard (opt-in): check that image tags exist (registries in legacy permission mode).'
  }
}

// ... and on registries in ABAC (repository permissions) mode, where AcrPull is not honoured.
resource repositoryReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantRegistryDataRead) {
  name: guid(subscription().id, principalId, roles.ContainerRegistryRepositoryReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.ContainerRegistryRepositoryReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'PullGuard (opt-in): check that image tags exist (registries in ABAC mode).'
  }
}
