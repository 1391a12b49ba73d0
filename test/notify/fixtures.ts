/**
 * Notifications for one app through its story: broken (report mode, everything still to do), fixed (PullGuard applied
 * changes and will verify), resolved and unresolved follow-ups. IDs follow spec (orders-api in env-shop,
 * registry contosoprod).
 */
import type { Finding } from "../../src/core/finding.js";
import { type NotificationInput, portalLink } from "../../src/notify/message.js";

export const TENANT = "b7d3c0a1-62e4-4f58-9e1d-0a2b3c4d5e6f";
const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-shop`;
export const APP_ID = `${RG}/providers/Microsoft.App/containerApps/orders-api`;
export const ENV_ID = `${RG}/providers/Microsoft.App/managedEnvironments/env-shop`;
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-registry/providers/Microsoft.ContainerRegistry/registries/contosoprod`;
const PRINCIPAL = "9a8b7c6d-5e4f-3021-1203-948576abcdef";
const IMAGE = "contosoprod.azurecr.io/orders/api:1.8.0";

const pullRoleMissing: Finding = {
  code: "pull-role-missing",
  severity: "error",
  container: "api",
  image: IMAGE,
  registry: { server: "contosoprod.azurecr.io", id: REGISTRY_ID },
  identity: { ref: "system", principalId: PRINCIPAL },
  message: "The app's system-assigned identity holds no role that lets it pull from contosoprod.",
  evidence: [
    { resource: APP_ID, path: "properties.configuration.registries[0].identity", value: "system" },
    { resource: REGISTRY_ID, path: `roleAssignments[principalId eq '${PRINCIPAL}']`, value: [] },
  ],
  fix: {
    summary: "Grant AcrPull to the app's system-assigned identity on contosoprod",
    az: `az role assignment create --assignee-object-id ${PRINCIPAL} --assignee-principal-type ServicePrincipal --role AcrPull --scope ${REGISTRY_ID}`,
    auto: true,
  },
};

const armTokensDisabled: Finding = {
  code: "arm-audience-tokens-disabled",
  severity: "error",
  container: "api",
  image: IMAGE,
  registry: { server: "contosoprod.azurecr.io", id: REGISTRY_ID },
  identity: { ref: "system", principalId: PRINCIPAL },
  message: "contosoprod refuses ARM-audience tokens, the only kind Container Apps presents.",
  evidence: [
    { resource: REGISTRY_ID, path: "properties.policies.azureADAuthenticationAsArmPolicy.status", value: "disabled" },
  ],
  fix: {
    summary: "Let contosoprod accept ARM-audience tokens",
    az: "az acr config authentication-as-arm update --registry contosoprod --status enabled",
    auto: false,
  },
};

const firewallBlocks: Finding = {
  code: "registry-firewall-blocks-environment",
  severity: "error",
  container: "api",
  image: IMAGE,
  registry: { server: "contosoprod.azurecr.io", id: REGISTRY_ID },
  identity: { ref: "system", principalId: PRINCIPAL },
  message: "contosoprod's firewall denies by default and allows none of env-shop's outbound addresses.",
  evidence: [
    { resource: REGISTRY_ID, path: "properties.networkRuleSet.defaultAction", value: "Deny" },
    {
      resource: REGISTRY_ID,
      path: "properties.networkRuleSet.ipRules",
      value: [{ action: "Allow", value: "198.51.100.7" }],
    },
    { resource: APP_ID, path: "properties.outboundIpAddresses", value: ["20.71.12.34"] },
  ],
  fix: {
    summary: "Allow env-shop's outbound address 20.71.12.34 on contosoprod's firewall",
    az: "az acr network-rule add --name contosoprod --ip-address 20.71.12.34",
    auto: false,
  },
};

const propagating: Finding = {
  code: "role-assignment-propagating",
  severity: "warning",
  container: "api",
  image: IMAGE,
  registry: { server: "contosoprod.azurecr.io", id: REGISTRY_ID },
  identity: { ref: "system", principalId: PRINCIPAL },
  message: "The AcrPull assignment is 3 minutes old; Azure can take up to 10 minutes to honour it everywhere.",
  evidence: [
    {
      resource: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/6c1f0f2e-3b7a-5d4e-9f81-2a3b4c5d6e7f`,
      path: "properties.createdOn",
      value: "2026-11-22T10:15:31Z",
    },
  ],
};

const trigger = {
  source: "event",
  eventId: "0d6f5a1e-7b2c-4e9a-8f31-5c4d2b1a0e97",
  correlationId: "5b7e2c1d-0a9f-4e83-b6d2-c1f0e9d8a7b6",
} as const;

const base = {
  appId: APP_ID,
  appName: "orders-api",
  environment: ENV_ID,
  tenantId: TENANT,
  trigger,
} as const;

const toDo = (f: Finding, resourceId: string) => ({
  summary: f.fix?.summary ?? f.message,
  ...(f.fix ? { az: f.fix.az } : {}),
  portalUrl: portalLink(TENANT, resourceId),
});

const applied = [
  {
    kind: "assign-role",
    summary: "Granted AcrPull to the app's system-assigned identity on contosoprod",
    auditId: "a-20261122-101531-7f3c",
  },
  {
    kind: "enable-arm-audience-tokens",
    summary: "Let contosoprod accept ARM-audience tokens",
    auditId: "a-20261122-101533-19be",
  },
  { kind: "restart-revision", summary: "Restarted revision orders-api--v42", auditId: "a-20261122-101536-c2d8" },
];

export const brokenDiagnosis: NotificationInput = {
  ...base,
  kind: "diagnosis",
  verdict: "broken",
  findings: [pullRoleMissing, armTokensDisabled, firewallBlocks],
  applied: [],
  stillToDo: [
    toDo(pullRoleMissing, REGISTRY_ID),
    toDo(armTokensDisabled, REGISTRY_ID),
    toDo(firewallBlocks, `${REGISTRY_ID}/networking`),
  ],
  at: "2026-11-22T10:15:29Z",
};

export const fixedNotification: NotificationInput = {
  ...base,
  kind: "fixed",
  verdict: "broken",
  findings: [pullRoleMissing, armTokensDisabled],
  applied,
  stillToDo: [],
  at: "2026-11-22T10:15:37Z",
};

export const resolvedNotification: NotificationInput = {
  ...base,
  kind: "resolved",
  verdict: "degraded",
  findings: [propagating],
  applied,
  stillToDo: [],
  trigger: { source: "verification", correlationId: trigger.correlationId },
  at: "2026-11-22T10:18:02Z",
};

export const unresolvedNotification: NotificationInput = {
  ...base,
  kind: "unresolved",
  verdict: "broken",
  findings: [firewallBlocks],
  applied: applied.filter((a) => a.kind !== "enable-arm-audience-tokens"),
  stillToDo: [
    {
      ...toDo(firewallBlocks, `${REGISTRY_ID}/networking`),
      summary:
        "Allow env-shop's outbound address 20.71.12.34 on contosoprod's firewall (the fix is opt-in), then restart the revision",
    },
  ],
  trigger: { source: "verification", correlationId: trigger.correlationId },
  at: "2026-11-22T10:46:40Z",
};

export const ALL_OUTCOMES = {
  "diagnosis (broken)": brokenDiagnosis,
  fixed: fixedNotification,
  resolved: resolvedNotification,
  unresolved: unresolvedNotification,
} as const;
