/** Small builders of PullFacts and findings for the plan, policy and forbidden-list tests. */
import type { JobExecutionFacts, PullFacts, RegistryFacts, RoleAssignmentFacts } from "../../src/core/facts.js";
import type { Finding, FindingCode } from "../../src/core/finding.js";
import { type Policy, policyFromSettings } from "../../src/core/policy.js";
import { registryFacts } from "./checks/world.js";

export const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
export const APP_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
export const SERVER = "fabrikamacr.azurecr.io";
export const SYSTEM_PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
export const UAMI_ID = `/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pull`;
export const UAMI_PRINCIPAL = "11111111-2222-4333-8444-555555555555";
export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const REPO_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac";

/** The checks' registry (fabrikamacr in SUB, Premium, legacy role mode, public), the same for the plan tests. */
export const registry = registryFacts;

export function assignment(overrides: Partial<RoleAssignmentFacts> = {}): RoleAssignmentFacts {
  const name = overrides.name ?? "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  return {
    id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    scope: REGISTRY_ID,
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
    principalId: SYSTEM_PRINCIPAL,
    principalType: "ServicePrincipal",
    condition: null,
    conditionVersion: null,
    createdOn: null,
    ...overrides,
  };
}

export interface FactsOptions {
  identityType?: string;
  systemPrincipal?: string | null;
  uamis?: Array<{ id: string; principalId: string }>;
  registries?: PullFacts["app"]["registries"];
  images?: string[];
  registry?: RegistryFacts;
  assignments?: Record<string, RoleAssignmentFacts[]>;
  revision?: { name: string; runningState: string; healthState: string; provisioningState: string } | null;
  outboundIps?: string[];
  tags?: Record<string, string>;
}

export function facts(options: FactsOptions = {}): PullFacts {
  const images = options.images ?? [`${SERVER}/checkout/web:1.8.0`];
  const reg = options.registry ?? registry();
  const revision =
    options.revision === null
      ? null
      : {
          name: "checkout-web--r1",
          provisioningState: "Failed",
          runningState: "Failed",
          healthState: "Unhealthy",
          ...options.revision,
        };
  return {
    readAt: "2026-11-22T12:00:00.000Z",
    app: {
      kind: "app",
      trigger: null,
      id: APP_ID,
      name: "checkout-web",
      subscriptionId: SUB,
      resourceGroup: "rg-checkout",
      location: "northeurope",
      tags: options.tags ?? {},
      environmentId: null,
      provisioningState: "Succeeded",
      latestRevisionName: revision?.name ?? null,
      latestReadyRevisionName: null,
      outboundIpAddresses: options.outboundIps ?? ["51.104.12.9"],
      identity: {
        type: options.identityType ?? "SystemAssigned",
        principalId: options.systemPrincipal === undefined ? SYSTEM_PRINCIPAL : options.systemPrincipal,
        tenantId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
        userAssigned: (options.uamis ?? []).map((u) => ({
          id: u.id,
          principalId: u.principalId,
          clientId: u.principalId,
        })),
      },
      registries: options.registries ?? [
        { server: SERVER, identity: "system", username: null, passwordSecretRef: null },
      ],
      secretNames: [],
      containers: images.map((image, i) => ({ name: `c${i}`, image, kind: "container" as const })),
    },
    environment: null,
    userAssignedIdentities: Object.fromEntries(
      (options.uamis ?? []).map((u) => [
        u.id.toLowerCase(),
        {
          readable: true as const,
          found: true as const,
          id: u.id,
          principalId: u.principalId,
          clientId: u.principalId,
          tenantId: "t",
        },
      ]),
    ),
    registries: { [SERVER]: { readable: true, found: true, ...reg } },
    subscriptionTenants: {},
    roleAssignments: Object.fromEntries(
      Object.entries(options.assignments ?? {}).map(([p, items]) => [
        p.toLowerCase(),
        { readable: true as const, found: true as const, items },
      ]),
    ),
    roleDefinitions: {},
    revision: revision
      ? { readable: true, found: true, ...revision, provisioningError: null, createdTime: null, replicas: [] }
      : null,
    network: null,
    manifests: {},
  };
}

export function finding(code: FindingCode, overrides: Partial<Finding> = {}): Finding {
  return {
    code,
    severity: "error",
    container: "c0",
    image: `${SERVER}/checkout/web:1.8.0`,
    registry: { server: SERVER, id: REGISTRY_ID },
    identity: { ref: "system", principalId: SYSTEM_PRINCIPAL },
    message: code,
    evidence: [],
    ...overrides,
  };
}

export function policy(
  overrides: Partial<Parameters<typeof policyFromSettings>[0]> = {},
  tags: Record<string, string> = {},
): Policy {
  return policyFromSettings(
    {
      mode: "fix",
      optInFixes: [],
      disabledFixes: [],
      allowedScopes: [`/subscriptions/${SUB}`],
      maxChangesPerHour: 20,
      ...overrides,
    },
    tags,
  );
}

export const JOB_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/jobs/nightly-export`;

export interface JobOptions extends Omit<FactsOptions, "revision"> {
  /** `configuration.triggerType` (Manual, Schedule, Event); default Schedule. */
  triggerType?: string;
  cronExpression?: string | null;
  executions?: JobExecutionFacts[];
}

/**
 * v2: the same pull path as `facts()`, on a job (pull-path.md "Workloads: apps and jobs"): kind "job", its trigger,
 * no revision, and its recent executions (newest first; default: the last one Failed).
 */
export function jobFacts(options: JobOptions = {}): PullFacts {
  const base = facts({ ...options, revision: null });
  const type = options.triggerType ?? "Schedule";
  return {
    ...base,
    app: {
      ...base.app,
      kind: "job",
      id: JOB_ID,
      name: "nightly-export",
      latestRevisionName: null,
      latestReadyRevisionName: null,
      trigger: {
        type,
        cronExpression:
          options.cronExpression !== undefined ? options.cronExpression : type === "Schedule" ? "0 2 * * *" : null,
      },
    },
    revision: null,
    executions: {
      readable: true,
      found: true,
      items: options.executions ?? [
        {
          name: "nightly-export-29334120",
          status: "Failed",
          startTime: "2026-11-22T02:00:04.000Z",
          endTime: "2026-11-22T02:06:10.000Z",
        },
      ],
    },
  };
}
