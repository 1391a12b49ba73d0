/**
 * Built-in role definitions the emulator knows, with their permissions.
 *
 * Source: Microsoft's "Azure built-in roles" reference (learn.microsoft.com/azure/role-based-access-control/built-in-roles,
 * sections Containers, General, Identity, Privileged) and spec/pull-path.md's GUID table. The permission
 * strings of the roles that decide a pull (AcrPull, AcrPush, Reader, Contributor, Owner, the Container Registry
 * Repository roles, Data Importer and Data Reader) follow that reference; for the control-plane roles PullGuard itself
 * holds, the lists keep the actions that matter here and may omit unrelated ones (e.g. Microsoft.Support/*).
 */
export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface BuiltInRole {
  guid: string;
  roleName: string;
  description: string;
  permissions: Permission[];
}

const p = (actions: string[], notActions: string[] = [], dataActions: string[] = [], notDataActions: string[] = []) => [
  { actions, notActions, dataActions, notDataActions },
];

const REPO_READ = [
  "Microsoft.ContainerRegistry/registries/repositories/content/read",
  "Microsoft.ContainerRegistry/registries/repositories/metadata/read",
];
const REPO_WRITE = [
  ...REPO_READ,
  "Microsoft.ContainerRegistry/registries/repositories/content/write",
  "Microsoft.ContainerRegistry/registries/repositories/metadata/write",
];

export const BUILT_IN_ROLES: BuiltInRole[] = [
  {
    guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    roleName: "AcrPull",
    description: "acr pull",
    permissions: p(["Microsoft.ContainerRegistry/registries/pull/read"]),
  },
  {
    guid: "8311e382-0749-4cb8-b61a-304f252e45ec",
    roleName: "AcrPush",
    description: "acr push",
    permissions: p([
      "Microsoft.ContainerRegistry/registries/pull/read",
      "Microsoft.ContainerRegistry/registries/push/write",
    ]),
  },
  {
    guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    roleName: "Reader",
    description: "View all resources",
    permissions: p(["*/read"]),
  },
  {
    guid: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    roleName: "Contributor",
    description: "Manage everything but access",
    permissions: p(
      ["*"],
      [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
      ],
    ),
  },
  {
    guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    roleName: "Owner",
    description: "Full access",
    permissions: p(["*"]),
  },
  {
    guid: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
    roleName: "Container Registry Repository Reader",
    description: "Read images and metadata of repositories (ABAC mode)",
    permissions: p([], [], REPO_READ),
  },
  {
    guid: "2a1e307c-b015-4ebd-883e-5b7698a07328",
    roleName: "Container Registry Repository Writer",
    description: "Read and write repositories (ABAC mode)",
    permissions: p([], [], REPO_WRITE),
  },
  {
    guid: "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    roleName: "Container Registry Repository Contributor",
    description: "Read, write and delete repositories (ABAC mode)",
    permissions: p(
      [],
      [],
      [
        ...REPO_WRITE,
        "Microsoft.ContainerRegistry/registries/repositories/content/delete",
        "Microsoft.ContainerRegistry/registries/repositories/metadata/delete",
      ],
    ),
  },
  {
    guid: "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    roleName: "Container Registry Data Importer and Data Reader",
    description: "Import images and read them",
    permissions: p(
      ["Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/importImage/action"],
      [],
      REPO_READ,
    ),
  },
  {
    guid: "cdda3590-29a3-44f6-95f2-9f980659eb04",
    roleName: "AcrQuarantineReader",
    description: "Pull quarantined images",
    permissions: p(["Microsoft.ContainerRegistry/registries/quarantine/read"]),
  },
  {
    guid: "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
    roleName: "Container Registry Repository Catalog Lister",
    description: "List repositories",
    permissions: p([], [], ["Microsoft.ContainerRegistry/registries/catalog/read"]),
  },
  {
    guid: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    roleName: "Role Based Access Control Administrator",
    description: "Manage role assignments",
    permissions: p([
      "Microsoft.Authorization/roleAssignments/write",
      "Microsoft.Authorization/roleAssignments/delete",
      "*/read",
      "Microsoft.Support/*",
    ]),
  },
  {
    guid: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    roleName: "User Access Administrator",
    description: "Manage user access",
    permissions: p(["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"]),
  },
  {
    guid: "358470bc-b998-42bd-ab17-a7e34c199c0f",
    roleName: "Container Apps Contributor",
    description: "Manage container apps",
    permissions: p([
      "Microsoft.App/containerApps/*",
      "Microsoft.App/managedEnvironments/read",
      "Microsoft.App/managedEnvironments/join/action",
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
    ]),
  },
  {
    guid: "f1a07417-d97a-45cb-824c-7a7467783830",
    roleName: "Managed Identity Operator",
    description: "Read and assign user-assigned identities",
    permissions: p([
      "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
      "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Support/*",
    ]),
  },
  {
    guid: "3bc748fc-213d-45c1-8d91-9da5725539b9",
    roleName: "Container Registry Contributor and Data Access Configuration Administrator",
    description: "Manage registries and their data access configuration",
    permissions: p([
      "Microsoft.ContainerRegistry/registries/read",
      "Microsoft.ContainerRegistry/registries/write",
      "Microsoft.ContainerRegistry/registries/delete",
      "Microsoft.ContainerRegistry/registries/*/read",
      "Microsoft.ContainerRegistry/registries/*/write",
      "Microsoft.Authorization/*/read",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
    ]),
  },
];
