/**
 * What infra/ creates, as the doctor expects to find it. These mirror infra/app/roles-subscription.bicep,
 * infra/events.bicep and infra/app/pull-failure-alerts.bicep; test/core/doctor/expected.test.ts compares them with
 * the templates, so the two cannot drift apart.
 */
import { ROLES } from "../roles.js";

export interface RoleExpectation {
  guid: string;
  name: string;
  /** Why it is granted (or not), for messages. */
  why: string;
}

const FIX_ROLES = {
  containerAppsContributor: { guid: ROLES.containerAppsContributor, name: "Container Apps Contributor" },
  rbacAdministrator: { guid: ROLES.rbacAdministrator, name: "Role Based Access Control Administrator" },
  managedIdentityOperator: { guid: ROLES.managedIdentityOperator, name: "Managed Identity Operator" },
  registryConfiguration: {
    guid: ROLES.registryConfigurationAdministrator,
    name: "Container Registry Contributor and Data Access Configuration Administrator",
  },
};

/** The opt-in fixes that change a registry (main.bicep registryConfigurationFixes). */
export const REGISTRY_CONFIGURATION_FIXES = ["arm-audience-tokens-disabled", "registry-firewall-blocks-environment"];

/** The optional tag-check roles (grantRegistryDataRead): present or absent, both are fine. */
export const OPTIONAL_ROLES: readonly RoleExpectation[] = [
  { guid: ROLES.acrPull, name: "AcrPull", why: "opt-in tag checks (grantRegistryDataRead)" },
  { guid: ROLES.repositoryReader, name: "Container Registry Repository Reader", why: "opt-in tag checks" },
];

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The roles infra/ grants on each watched subscription for these settings (main.bicep's switches). */
export function expectedRoles(settings: Readonly<Record<string, string>>): RoleExpectation[] {
  const roles: RoleExpectation[] = [{ guid: ROLES.reader, name: "Reader", why: "read what PullGuard diagnoses" }];
  if ((settings.PULLGUARD_MODE ?? "fix") !== "fix") return roles;
  const optIn = list(settings.PULLGUARD_OPT_IN_FIXES);
  const disabled = list(settings.PULLGUARD_DISABLED_FIXES);
  roles.push({ ...FIX_ROLES.containerAppsContributor, why: "mode fix: patch apps and restart revisions" });
  roles.push({ ...FIX_ROLES.rbacAdministrator, why: "mode fix: grant AcrPull or Repository Reader (constrained)" });
  if (!disabled.includes("identity-not-attached"))
    roles.push({ ...FIX_ROLES.managedIdentityOperator, why: "mode fix: attach a user-assigned identity" });
  if (optIn.some((code) => REGISTRY_CONFIGURATION_FIXES.includes(code)))
    roles.push({ ...FIX_ROLES.registryConfiguration, why: "opt-in registry fixes" });
  return roles;
}

/**
 * The documented "Constrain roles and principal types" condition ("Examples to delegate Azure role assignment
 * management with conditions", learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples),
 * filled in as infra/app/roles-subscription.bicep fills it: AcrPull and Repository Reader, to service principals.
 */
export function expectedRbacCondition(): string {
  const roles = `${ROLES.acrPull}, ${ROLES.repositoryReader}`;
  const clause = (action: string, source: string) =>
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})) OR (@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${roles}} AND @${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))`;
  return `${clause("write", "Request")} AND ${clause("delete", "Resource")}`;
}

/** A condition as Azure compares it: whitespace and letter case do not matter. */
export const normalizeCondition = (c: string) =>
  c.replace(/\s+/g, " ").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")").trim().toLowerCase();

/** The event subscription's name (infra/events.bicep): the azd environment name with _ . ( ) as '-'. */
export function eventSubscriptionName(environmentName: string): string {
  return `pullguard-${environmentName.replace(/[_.()]/g, "-")}`.slice(0, 64);
}

/** The action group's name (infra/app/pull-failure-alerts.bicep). */
export const actionGroupName = (environmentName: string) => `ag-pullguard-${environmentName}`.slice(0, 260);

/** Alert rule names start with this (infra/app/pull-failure-alert-rules.bicep). */
export const ALERT_RULE_PREFIX = "pullguard-image-pull-failures-";

/** The route of onPullFailureAlert (src/functions/on-pull-failure-alert.ts). */
export const ALERT_ROUTE = "/api/alerts/pull-failure";
