/**
 * PullGuard's identity exactly as `infra/` deploys it, as a world's caller: the role assignments of
 * infra/app/roles-subscription.bicep on each watched subscription, their `if (...)` guards evaluated with the same
 * parameters main.bicep derives from the deployment's settings, and the Role Based Access Control Administrator's
 * condition as the Bicep writes it (read and resolved from the Bicep, not copied). A fix run against such a world
 * meets every refusal the deployed tool would meet, the emulator enforcing the condition (world.md v2).
 */
import { createHash } from "node:crypto";
import { loadDeployment, rbacAdministratorCondition, roleAssignments, roleTable } from "../infra/checks.js";

export const PULLGUARD_PRINCIPAL = "6b9c8d7e-5f4a-4b3c-9d2e-1f0a9b8c7d6e";

export interface DeploymentSettings {
  mode?: "fix" | "report";
  optInFixes?: string[];
  disabledFixes?: string[];
  grantRegistryDataRead?: boolean;
}

/** main.bicep's registryConfigurationFixes: the opt-in fixes that need the registry configuration role. */
const REGISTRY_CONFIGURATION_FIXES = ["arm-audience-tokens-disabled", "registry-firewall-blocks-environment"];

/** The bool parameters of roles-subscription.bicep, derived as main.bicep derives them. */
function guardParameters(settings: DeploymentSettings): Record<string, boolean> {
  const grantWriteRoles = (settings.mode ?? "fix") === "fix";
  return {
    grantWriteRoles,
    grantManagedIdentityOperator: grantWriteRoles && !(settings.disabledFixes ?? []).includes("identity-not-attached"),
    grantRegistryConfiguration:
      grantWriteRoles && (settings.optInFixes ?? []).some((c) => REGISTRY_CONFIGURATION_FIXES.includes(c)),
    grantRegistryDataRead: settings.grantRegistryDataRead ?? false,
  };
}

/** Evaluates a guard made of parameter names, `!`, `&&` and `||` (what roles-subscription.bicep uses). */
function guardHolds(guard: string | null, parameters: Record<string, boolean>): boolean {
  if (guard === null) return true;
  return guard.split("||").some((any) =>
    any.split("&&").every((term) => {
      const name = term.trim().replace(/^!/, "").replace(/[()]/g, "").trim();
      const value = parameters[name];
      if (value === undefined)
        throw new Error(`roles-subscription.bicep guard names ${name}, which this helper does not derive`);
      return term.trim().startsWith("!") ? !value : value;
    }),
  );
}

const guidOf = (...parts: string[]): string => {
  const h = createHash("sha256").update(parts.join("|")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** The role assignments infra/ gives PullGuard's identity on `subscriptions`, as ARM resources. */
export function deployedAssignments(subscriptions: string[], settings: DeploymentSettings = {}): unknown[] {
  const files = loadDeployment();
  const roles = roleTable(files);
  const { condition } = rbacAdministratorCondition(files);
  const parameters = guardParameters(settings);
  const granted = roleAssignments(files).filter(
    (a) => a.path === "infra/app/roles-subscription.bicep" && guardHolds(a.guard, parameters),
  );
  return subscriptions.flatMap((sub) =>
    granted.map((a) => {
      const scope = `/subscriptions/${sub}`;
      const roleGuid = roles[a.role];
      if (!roleGuid) throw new Error(`infra/roles.json has no ${a.role}`);
      const conditioned = a.role === "RoleBasedAccessControlAdministrator";
      return {
        id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${guidOf(scope, PULLGUARD_PRINCIPAL, roleGuid)}`,
        type: "Microsoft.Authorization/roleAssignments",
        properties: {
          roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
          principalId: PULLGUARD_PRINCIPAL,
          principalType: "ServicePrincipal",
          ...(conditioned ? { condition, conditionVersion: "2.0" } : {}),
        },
      };
    }),
  );
}

/** `world` with PullGuard as infra/ deploys it as the caller (a world that names its own caller is left alone). */
export function asDeployedPullGuard<W extends { resources: unknown[]; caller?: unknown }>(
  world: W,
  settings: DeploymentSettings = {},
): W {
  if (world.caller !== undefined) return world;
  const subscriptions = [
    ...new Set(
      world.resources.map((r) => /^\/subscriptions\/([^/]+)/i.exec(String((r as { id?: unknown }).id ?? ""))?.[1]),
    ),
  ].filter((s): s is string => typeof s === "string");
  return {
    ...world,
    caller: { principalId: PULLGUARD_PRINCIPAL },
    resources: [...world.resources, ...deployedAssignments(subscriptions, settings)],
  };
}
