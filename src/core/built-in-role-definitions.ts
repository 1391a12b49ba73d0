/**
 * The built-in role definitions that decide a pull (spec/pull-path.md, "Roles", v2): a dated snapshot, so that a
 * diagnosis does not read them. Built-in definitions are the same in every tenant; a GUID missing here (a custom role,
 * or a built-in role not listed) is read from ARM as before.
 *
 * Snapshot taken 2026-12-06 from Microsoft's "Azure built-in roles" reference:
 *   https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers   (Acr*, Container Registry *)
 *   https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general      (Owner, Contributor, Reader)
 * cross-checked against the definitions' JSON as azadvertizer.net and azure-rbac-catalog.org mirror it
 * (e.g. azadvertizer.net/azrolesadvertizer/b93aa761-3e63-49ed-ac28-beffa264f7ac.html for Repository Reader).
 *
 * Left out on purpose: "Container Registry Data Importer and Data Reader" (577a9874-…): the spec's table says it grants
 * pull in ABAC mode, while the definition mirrored on azadvertizer.net (synced 2025-01) has no dataActions; its
 * definition is read from the tenant instead of trusting either. The fixer's own roles (Role Based Access Control
 * Administrator, Container Apps Contributor, ...) are not pull roles and are read when an assignment names them.
 *
 * test/core/built-in-role-definitions.test.ts checks the GUIDs and names against the spec's table and the permissions
 * against the emulator's table (tools/emulator/builtin-roles.ts).
 */
import type { RoleDefinitionFacts } from "./facts.js";
import { roleGuidOf } from "./role-assignment-name.js";

export const BUILT_IN_SNAPSHOT_DATE = "2026-12-06";

type Permissions = RoleDefinitionFacts["permissions"];

const permissions = (
  actions: string[],
  notActions: string[] = [],
  dataActions: string[] = [],
  notDataActions: string[] = [],
): Permissions => [{ actions, notActions, dataActions, notDataActions }];

const REPOSITORY_READ = [
  "Microsoft.ContainerRegistry/registries/repositories/metadata/read",
  "Microsoft.ContainerRegistry/registries/repositories/content/read",
];
const REPOSITORY_WRITE = [
  ...REPOSITORY_READ,
  "Microsoft.ContainerRegistry/registries/repositories/metadata/write",
  "Microsoft.ContainerRegistry/registries/repositories/content/write",
];

const SNAPSHOT: ReadonlyArray<{ guid: string; roleName: string; permissions: Permissions }> = [
  {
    guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    roleName: "AcrPull",
    permissions: permissions(["Microsoft.ContainerRegistry/registries/pull/read"]),
  },
  {
    guid: "8311e382-0749-4cb8-b61a-304f252e45ec",
    roleName: "AcrPush",
    permissions: permissions([
      "Microsoft.ContainerRegistry/registries/pull/read",
      "Microsoft.ContainerRegistry/registries/push/write",
    ]),
  },
  {
    guid: "cdda3590-29a3-44f6-95f2-9f980659eb04",
    roleName: "AcrQuarantineReader",
    permissions: permissions(["Microsoft.ContainerRegistry/registries/quarantine/read"]),
  },
  {
    guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    roleName: "Reader",
    permissions: permissions(["*/read"]),
  },
  {
    guid: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    roleName: "Contributor",
    permissions: permissions(
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
    permissions: permissions(["*"]),
  },
  {
    guid: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
    roleName: "Container Registry Repository Reader",
    permissions: permissions([], [], REPOSITORY_READ),
  },
  {
    guid: "2a1e307c-b015-4ebd-883e-5b7698a07328",
    roleName: "Container Registry Repository Writer",
    permissions: permissions([], [], REPOSITORY_WRITE),
  },
  {
    guid: "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    roleName: "Container Registry Repository Contributor",
    permissions: permissions(
      [],
      [],
      [
        ...REPOSITORY_WRITE,
        "Microsoft.ContainerRegistry/registries/repositories/metadata/delete",
        "Microsoft.ContainerRegistry/registries/repositories/content/delete",
      ],
    ),
  },
  {
    guid: "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
    roleName: "Container Registry Repository Catalog Lister",
    permissions: permissions([], [], ["Microsoft.ContainerRegistry/registries/catalog/read"]),
  },
];

const BY_GUID: ReadonlyMap<string, (typeof SNAPSHOT)[number]> = new Map(SNAPSHOT.map((r) => [r.guid, r]));

/** The GUIDs of the snapshot, lower case. */
export const BUILT_IN_SNAPSHOT_GUIDS: readonly string[] = SNAPSHOT.map((r) => r.guid);

/**
 * The definition of a built-in role from the snapshot, under the ID the assignment names (a subscription-scoped ID
 * stays subscription-scoped, as ARM answers a GET of it); undefined for any other GUID (read it from ARM).
 */
export function builtInRoleDefinition(roleDefinitionId: string): RoleDefinitionFacts | undefined {
  const guid = roleGuidOf(roleDefinitionId);
  const role = BY_GUID.get(guid);
  if (!role) return undefined;
  return {
    id: roleDefinitionId.startsWith("/")
      ? roleDefinitionId
      : `/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionId}`,
    guid,
    roleName: role.roleName,
    roleType: "BuiltInRole",
    permissions: role.permissions.map((p) => ({
      actions: [...p.actions],
      notActions: [...p.notActions],
      dataActions: [...p.dataActions],
      notDataActions: [...p.notDataActions],
    })),
  };
}
