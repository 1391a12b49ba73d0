/**
 * A realistic, healthy PullFacts for the per-code check tests, and small helpers to break exactly one thing in it.
 *
 * The baseline is the checkout-web app of the fixture worlds: one container `web` pulling
 * fabrikamacr.azurecr.io/checkout/web:1.8.0 with the app's system-assigned identity, which holds AcrPull at the
 * registry (created months ago). Every fact a check needs is read (registry, tenants, assignments, role definitions,
 * environment, manifest), so `diagnose(healthyFacts())` has no finding at all: a test that adds one fault sees only the
 * findings that fault causes.
 *
 * Role definitions are written here from Microsoft's built-in role reference (not taken from src/core/roles.ts), so a
 * wrong GUID or permission in the product would show up as a failing test.
 */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import type {
  EnvironmentFacts,
  ManagedIdentityFacts,
  PullFacts,
  RegistryFacts,
  RoleAssignmentFacts,
  RoleDefinitionFacts,
  Unreadable,
} from "../../../src/core/facts.js";
import type { Finding, FindingCode, Severity } from "../../../src/core/finding.js";

export const TENANT = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
export const OTHER_TENANT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
export const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
export const SUB2 = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a";
export const READ_AT = "2026-11-22T12:00:00.000Z";

export const APP_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
export const ENV_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/managedEnvironments/env-checkout`;
export const RG_PLATFORM = `/subscriptions/${SUB}/resourceGroups/rg-platform`;
export const REGISTRY_ID = `${RG_PLATFORM}/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
export const SERVER = "fabrikamacr.azurecr.io";
export const IMAGE = `${SERVER}/checkout/web:1.8.0`;
export const REVISION = "checkout-web--r7";

export const SYSTEM_PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
export const UAMI_ID = `/subscriptions/${SUB}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pull`;
export const UAMI_PRINCIPAL = "11111111-2222-4333-8444-555555555555";
export const UAMI_CLIENT = "66666666-7777-4888-9999-aaaaaaaaaaaa";
export const ENV_PRINCIPAL = "e1e2e3e4-f5f6-4a7b-8c9d-0e1f2a3b4c5d";
export const GROUP_ID = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d";

/** Built-in role GUIDs, as pull-path.md's table writes them. */
export const ROLE = {
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  repositoryReader: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
  repositoryWriter: "2a1e307c-b015-4ebd-883e-5b7698a07328",
  repositoryContributor: "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
  dataImporterAndReader: "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
  quarantineReader: "cdda3590-29a3-44f6-95f2-9f980659eb04",
  catalogLister: "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
} as const;

export const CUSTOM_ROLE = "c0ffee00-1234-4abc-8def-0123456789ab";

const PULL = "Microsoft.ContainerRegistry/registries/pull/read";
const CONTENT_READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";
const METADATA_READ = "Microsoft.ContainerRegistry/registries/repositories/metadata/read";

export const REPO_NAME = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";
/** The portal's read guard in front of repository clauses. */
export const READ_GUARD = `(!(ActionMatches{'${CONTENT_READ}'}) AND !(ActionMatches{'${METADATA_READ}'}))`;

/** An ABAC condition as the portal writes it: read guard OR (clause OR clause ...). */
export function abacCondition(...clauses: string[]): string {
  return `(${READ_GUARD} OR (${clauses.join(" OR ")}))`;
}

function definition(
  guid: string,
  roleName: string,
  permissions: Partial<RoleDefinitionFacts["permissions"][number]>,
  roleType = "BuiltInRole",
): RoleDefinitionFacts {
  return {
    id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    guid,
    roleName,
    roleType,
    permissions: [{ actions: [], notActions: [], dataActions: [], notDataActions: [], ...permissions }],
  };
}

export function builtInDefinitions(): Record<string, RoleDefinitionFacts> {
  const defs = [
    definition(ROLE.acrPull, "AcrPull", { actions: [PULL] }),
    definition(ROLE.acrPush, "AcrPush", { actions: [PULL, "Microsoft.ContainerRegistry/registries/push/write"] }),
    definition(ROLE.reader, "Reader", { actions: ["*/read"] }),
    definition(ROLE.contributor, "Contributor", {
      actions: ["*"],
      notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"],
    }),
    definition(ROLE.owner, "Owner", { actions: ["*"] }),
    definition(ROLE.repositoryReader, "Container Registry Repository Reader", {
      dataActions: [CONTENT_READ, METADATA_READ],
    }),
    definition(ROLE.repositoryWriter, "Container Registry Repository Writer", {
      dataActions: [
        CONTENT_READ,
        METADATA_READ,
        "Microsoft.ContainerRegistry/registries/repositories/content/write",
        "Microsoft.ContainerRegistry/registries/repositories/metadata/write",
      ],
    }),
    definition(ROLE.repositoryContributor, "Container Registry Repository Contributor", {
      dataActions: [
        CONTENT_READ,
        METADATA_READ,
        "Microsoft.ContainerRegistry/registries/repositories/content/write",
        "Microsoft.ContainerRegistry/registries/repositories/content/delete",
      ],
    }),
    definition(ROLE.dataImporterAndReader, "Container Registry Data Importer and Data Reader", {
      actions: [PULL, "Microsoft.ContainerRegistry/registries/importImage/action"],
      dataActions: [CONTENT_READ, METADATA_READ],
    }),
    definition(ROLE.quarantineReader, "AcrQuarantineReader", {
      actions: ["Microsoft.ContainerRegistry/registries/quarantine/read"],
    }),
    definition(ROLE.catalogLister, "Container Registry Repository Catalog Lister", {
      dataActions: ["Microsoft.ContainerRegistry/registries/catalog/read"],
    }),
    definition(ROLE.userAccessAdministrator, "User Access Administrator", {
      actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
    }),
    definition(ROLE.keyVaultSecretsUser, "Key Vault Secrets User", {
      dataActions: [
        "Microsoft.KeyVault/vaults/secrets/getSecret/action",
        "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
      ],
    }),
  ];
  return Object.fromEntries(defs.map((d) => [d.guid, d]));
}

/** A custom role (roleType CustomRole) with the given permissions, keyed like ARM's answer. */
export function customRole(
  permissions: Partial<RoleDefinitionFacts["permissions"][number]>,
  roleName = "acr-pipeline",
): RoleDefinitionFacts {
  return definition(CUSTOM_ROLE, roleName, permissions, "CustomRole");
}

export function roleDefinitionId(guid: string): string {
  return `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

/** An ISO time `minutes` before READ_AT. */
export function minutesAgo(minutes: number): string {
  return new Date(Date.parse(READ_AT) - minutes * 60_000).toISOString();
}

/** A role assignment of `role` (a GUID) to the app's system identity at the registry, created long ago. */
export function assignment(role: string, overrides: Partial<RoleAssignmentFacts> = {}): RoleAssignmentFacts {
  // A stable name (the same inputs give the same name), so examples and expectations do not depend on test order.
  const digest = createHash("sha1")
    .update(JSON.stringify([role, overrides.scope, overrides.principalId, overrides.createdOn, overrides.condition]))
    .digest("hex");
  const name =
    overrides.name ??
    `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  const scope = overrides.scope ?? REGISTRY_ID;
  return {
    id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    scope,
    roleDefinitionId: roleDefinitionId(role),
    principalId: SYSTEM_PRINCIPAL,
    principalType: "ServicePrincipal",
    condition: null,
    conditionVersion: null,
    createdOn: "2026-03-14T09:26:53.000Z",
    ...overrides,
  };
}

export function registryFacts(overrides: Partial<RegistryFacts> = {}): RegistryFacts {
  return {
    id: REGISTRY_ID,
    name: "fabrikamacr",
    subscriptionId: SUB,
    resourceGroup: "rg-platform",
    location: "northeurope",
    loginServer: SERVER,
    sku: "Premium",
    adminUserEnabled: false,
    publicNetworkAccess: "Enabled",
    defaultAction: "Allow",
    ipRules: [],
    networkRuleBypassOptions: "AzureServices",
    anonymousPullEnabled: false,
    roleAssignmentMode: "LegacyRegistryPermissions",
    armAudienceTokens: "enabled",
    quarantinePolicy: "disabled",
    dataEndpointEnabled: false,
    privateEndpointConnections: [],
    replicationLocations: ["northeurope"],
    ...overrides,
  };
}

/** A second registry in the same tenant, e.g. for init containers or unused entries. */
export function otherRegistry(name: string, overrides: Partial<RegistryFacts> = {}): RegistryFacts {
  return registryFacts({
    id: `${RG_PLATFORM}/providers/Microsoft.ContainerRegistry/registries/${name}`,
    name,
    loginServer: `${name}.azurecr.io`,
    ...overrides,
  });
}

function noIdentity(): ManagedIdentityFacts {
  return { type: "None", principalId: null, tenantId: null, userAssigned: [] };
}

export function environmentFacts(overrides: Partial<EnvironmentFacts> = {}): EnvironmentFacts {
  return {
    id: ENV_ID,
    name: "env-checkout",
    identity: noIdentity(),
    infrastructureSubnetId: null,
    internal: false,
    ...overrides,
  };
}

export function forbidden(resource: string, neededRole = "Reader"): Unreadable {
  return {
    readable: false,
    resource,
    status: 403,
    errorCode: "AuthorizationFailed",
    message: `The client does not have authorization to perform action over scope '${resource}'.`,
    neededRole,
  };
}

/** The healthy baseline (a fresh object every call). */
export function healthyFacts(): PullFacts {
  return {
    readAt: READ_AT,
    app: {
      kind: "app",
      trigger: null,
      id: APP_ID,
      name: "checkout-web",
      subscriptionId: SUB,
      resourceGroup: "rg-checkout",
      location: "northeurope",
      tags: {},
      environmentId: ENV_ID,
      provisioningState: "Succeeded",
      latestRevisionName: REVISION,
      latestReadyRevisionName: REVISION,
      outboundIpAddresses: ["51.104.12.9", "51.104.12.10"],
      identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, tenantId: TENANT, userAssigned: [] },
      registries: [{ server: SERVER, identity: "system", username: null, passwordSecretRef: null }],
      secretNames: [],
      containers: [{ name: "web", image: IMAGE, kind: "container" }],
    },
    environment: { readable: true, found: true, ...environmentFacts() },
    userAssignedIdentities: {},
    registries: { [SERVER]: { readable: true, found: true, ...registryFacts() } },
    subscriptionTenants: { [SUB]: TENANT },
    roleAssignments: {
      [SYSTEM_PRINCIPAL]: { readable: true, found: true, items: [assignment(ROLE.acrPull)] },
    },
    roleDefinitions: builtInDefinitions(),
    revision: {
      readable: true,
      found: true,
      name: REVISION,
      provisioningState: "Provisioned",
      runningState: "Running",
      healthState: "Healthy",
      provisioningError: null,
      createdTime: "2026-11-20T08:00:00.000Z",
      replicas: [],
    },
    network: null,
    manifests: { [IMAGE]: { status: "found", digest: `sha256:${"ab".repeat(32)}`, quarantineState: null } },
  };
}

export const SCHEDULE = { type: "Schedule", cronExpression: "0 2 * * *" };
export const MANUAL = { type: "Manual", cronExpression: null };

export const JOB_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/jobs/checkout-nightly`;

/**
 * v2: the same workload as a container apps job: a scheduled job (`configuration.triggerType` Schedule, cron
 * `0 2 * * *`) with no revision, whose newest execution failed (the one before succeeded). Everything on the pull path
 * stays as `facts` has it, so a fault broken into an app's facts is the same fault in the job's.
 */
export function asJob(
  facts: PullFacts,
  trigger: { type: string; cronExpression: string | null } = SCHEDULE,
): PullFacts {
  return {
    ...facts,
    app: {
      ...facts.app,
      kind: "job",
      id: JOB_ID,
      name: "checkout-nightly",
      latestRevisionName: null,
      latestReadyRevisionName: null,
      trigger,
    },
    revision: null,
    executions: {
      readable: true,
      found: true,
      items: [
        {
          name: "checkout-nightly-29304000",
          status: "Failed",
          startTime: "2026-11-22T02:00:05.000Z",
          endTime: "2026-11-22T02:10:07.000Z",
        },
        {
          name: "checkout-nightly-29302560",
          status: "Succeeded",
          startTime: "2026-11-21T02:00:03.000Z",
          endTime: "2026-11-21T02:04:41.000Z",
        },
      ],
    },
  };
}

/** The healthy baseline with `change` applied. */
export function factsWith(change: (facts: PullFacts) => void): PullFacts {
  const facts = healthyFacts();
  change(facts);
  return facts;
}

/** Replace the registry facts for SERVER (keeping it found). */
export function setRegistry(facts: PullFacts, overrides: Partial<RegistryFacts>): void {
  const current = facts.registries[SERVER];
  const base = current?.readable && current.found ? current : registryFacts();
  facts.registries[SERVER] = { ...base, ...overrides, readable: true, found: true };
}

/** Replace a principal's assignments (readable). */
export function setAssignments(facts: PullFacts, principalId: string, items: RoleAssignmentFacts[]): void {
  facts.roleAssignments[principalId.toLowerCase()] = { readable: true, found: true, items };
}

/** Add a container (with a found manifest, so that only the intended fault shows). */
export function addContainer(
  facts: PullFacts,
  name: string,
  image: string,
  kind: "container" | "init" = "container",
): void {
  facts.app.containers.push({ name, image, kind });
  facts.manifests[image] = { status: "found", digest: null, quarantineState: null };
}

/** Make the app pull through the user-assigned identity id-pull, attached and holding AcrPull. */
export function useUami(facts: PullFacts): void {
  facts.app.identity = {
    type: "SystemAssigned,UserAssigned",
    principalId: SYSTEM_PRINCIPAL,
    tenantId: TENANT,
    userAssigned: [{ id: UAMI_ID, principalId: UAMI_PRINCIPAL, clientId: UAMI_CLIENT }],
  };
  facts.app.registries = [{ server: SERVER, identity: UAMI_ID, username: null, passwordSecretRef: null }];
  facts.userAssignedIdentities[UAMI_ID.toLowerCase()] = {
    readable: true,
    found: true,
    id: UAMI_ID,
    principalId: UAMI_PRINCIPAL,
    clientId: UAMI_CLIENT,
    tenantId: TENANT,
  };
  setAssignments(facts, UAMI_PRINCIPAL, [assignment(ROLE.acrPull, { principalId: UAMI_PRINCIPAL })]);
}

export function codes(facts: PullFacts): FindingCode[] {
  return diagnose(facts).findings.map((f) => f.code);
}

export function findingsOf(facts: PullFacts, code: FindingCode): Finding[] {
  return diagnose(facts).findings.filter((f) => f.code === code);
}

/** The one finding with `code` (fails when there are none or several). */
export function theFinding(facts: PullFacts, code: FindingCode): Finding {
  const found = findingsOf(facts, code);
  expect(
    found.map((f) => f.code),
    `exactly one ${code} in ${JSON.stringify(codes(facts))}`,
  ).toEqual([code]);
  return found[0] as Finding;
}

export interface ExpectedFinding {
  severity: Severity;
  container: string | null;
  image: string | null;
  registry: { server: string; id: string | null };
  identity: { ref: string; principalId: string | null } | null;
  /** Evidence entries that must be there (resource optional). */
  evidence: Array<{ path: string; value: unknown; resource?: string }>;
  /** `true`/`false`: a fix with that `auto`; "absent": no fix. */
  fix: boolean | "absent";
}

/** Asserts every field a person relies on: who, where, the evidence and the fix. */
export function expectFinding(finding: Finding, expected: ExpectedFinding): void {
  expect(finding.severity).toBe(expected.severity);
  expect(finding.container).toBe(expected.container);
  expect(finding.image).toBe(expected.image);
  expect(finding.registry).toEqual(expected.registry);
  expect(finding.identity).toEqual(expected.identity);
  for (const e of expected.evidence) {
    expect(finding.evidence).toContainEqual(
      expect.objectContaining({ path: e.path, value: e.value, ...(e.resource ? { resource: e.resource } : {}) }),
    );
  }
  expect(finding.message.length).toBeGreaterThan(10);
  expect(finding.message).not.toMatch(/undefined|\[object Object\]|null\b/);
  expect(finding.fix).toEqual(
    expected.fix === "absent"
      ? undefined
      : expect.objectContaining({
          auto: expected.fix,
          summary: expect.stringMatching(/.{6}/),
          az: expect.stringMatching(/^az /),
        }),
  );
}

/** The registry of the baseline, as findings name it. */
export const REGISTRY = { server: SERVER, id: REGISTRY_ID };
export const SYSTEM = { ref: "system", principalId: SYSTEM_PRINCIPAL };
