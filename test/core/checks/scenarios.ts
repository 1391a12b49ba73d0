/**
 * One canonical case per finding code: the healthy baseline (world.ts) with exactly the fault the code is about.
 * Used by the per-code tests, by contract.test.ts (severity and auto columns against what the checks produce) and to
 * write the examples of docs/findings.md.
 *
 * Example: CASES["arm-audience-tokens-disabled"]() is the baseline with the registry's
 * policies.azureADAuthenticationAsArmPolicy.status set to "disabled".
 */
import type { PullFacts } from "../../../src/core/facts.js";
import type { FindingCode } from "../../../src/core/finding.js";
import { applianceRoute, securityRule, VNET_HUB, withNetwork } from "./network-world.js";
import {
  abacCondition,
  assignment,
  customRole,
  factsWith,
  forbidden,
  GROUP_ID,
  IMAGE,
  minutesAgo,
  OTHER_TENANT,
  REPO_NAME,
  ROLE,
  SERVER,
  SUB,
  SUB2,
  SYSTEM_PRINCIPAL,
  setAssignments,
  setRegistry,
  UAMI_ID,
  useUami,
} from "./world.js";

export const REGISTRY_ID_SUB2 = `/subscriptions/${SUB2}/resourceGroups/rg-partner/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;

export const CASES: Record<FindingCode, () => PullFacts> = {
  "registry-not-configured": () =>
    factsWith((f) => {
      f.app.registries = [];
    }),
  "registry-uses-admin-credentials": () =>
    factsWith((f) => {
      f.app.registries = [
        { server: SERVER, identity: null, username: "fabrikamacr", passwordSecretRef: "acr-password" },
      ];
      f.app.secretNames = ["acr-password"];
      setRegistry(f, { adminUserEnabled: true });
    }),
  "identity-not-attached": () =>
    factsWith((f) => {
      useUami(f);
      f.app.identity = {
        type: "SystemAssigned",
        principalId: SYSTEM_PRINCIPAL,
        tenantId: f.app.identity.tenantId,
        userAssigned: [],
      };
    }),
  "system-identity-disabled": () =>
    factsWith((f) => {
      useUami(f);
      f.app.identity = { ...f.app.identity, type: "UserAssigned", principalId: null };
      f.app.registries = [{ server: SERVER, identity: "system", username: null, passwordSecretRef: null }];
    }),
  "environment-identity-missing": () =>
    factsWith((f) => {
      f.app.registries = [{ server: SERVER, identity: "system-environment", username: null, passwordSecretRef: null }];
    }),
  "identity-not-found": () =>
    factsWith((f) => {
      useUami(f);
      f.userAssignedIdentities[UAMI_ID.toLowerCase()] = { readable: true, found: false, resource: UAMI_ID };
    }),
  "registry-not-found": () =>
    factsWith((f) => {
      f.registries[SERVER] = { readable: true, found: false, resource: SERVER };
    }),
  "registry-cross-tenant": () =>
    factsWith((f) => {
      setRegistry(f, { id: REGISTRY_ID_SUB2, subscriptionId: SUB2, resourceGroup: "rg-partner" });
      f.subscriptionTenants[SUB2] = OTHER_TENANT;
      setAssignments(f, SYSTEM_PRINCIPAL, []);
    }),
  "pull-role-missing": () =>
    factsWith((f) => {
      setAssignments(f, SYSTEM_PRINCIPAL, [
        assignment(ROLE.keyVaultSecretsUser, {
          scope: `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.KeyVault/vaults/kv-checkout`,
        }),
      ]);
    }),
  "abac-mode-legacy-role-only": () =>
    factsWith((f) => {
      setRegistry(f, { roleAssignmentMode: "AbacRepositoryPermissions" });
    }),
  "abac-condition-excludes-repository": () =>
    factsWith((f) => {
      setRegistry(f, { roleAssignmentMode: "AbacRepositoryPermissions" });
      setAssignments(f, SYSTEM_PRINCIPAL, [
        assignment(ROLE.repositoryReader, {
          name: "5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
          condition: abacCondition(`${REPO_NAME} StringEqualsIgnoreCase 'checkout/worker'`),
          conditionVersion: "2.0",
        }),
      ]);
    }),
  "role-assignment-propagating": () =>
    factsWith((f) => {
      setAssignments(f, SYSTEM_PRINCIPAL, [assignment(ROLE.acrPull, { createdOn: minutesAgo(3) })]);
    }),
  "role-assigned-via-group": () =>
    factsWith((f) => {
      setAssignments(f, SYSTEM_PRINCIPAL, [
        assignment(ROLE.acrPull, { principalId: GROUP_ID, principalType: "Group", createdOn: minutesAgo(120) }),
      ]);
    }),
  "arm-audience-tokens-disabled": () =>
    factsWith((f) => {
      setRegistry(f, { armAudienceTokens: "disabled" });
    }),
  "registry-public-access-disabled": () =>
    factsWith((f) => {
      setRegistry(f, { publicNetworkAccess: "Disabled" });
    }),
  "registry-firewall-blocks-environment": () =>
    factsWith((f) => {
      setRegistry(f, { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "20.31.4.0/24" }] });
      f.app.outboundIpAddresses = ["20.31.4.17", "52.174.8.33"];
    }),
  "image-not-found": () =>
    factsWith((f) => {
      const image = `${SERVER}/checkout/web:1.9.0`;
      f.app.containers = [{ name: "web", image, kind: "container" }];
      f.manifests = {
        [image]: {
          status: "not-found",
          errorCode: "MANIFEST_UNKNOWN",
          existingTags: ["1.7.2", "1.8.0", "1.8.1", "latest"],
        },
      };
    }),
  "image-quarantined": () =>
    factsWith((f) => {
      setRegistry(f, { quarantinePolicy: "enabled" });
      f.manifests[IMAGE] = { status: "found", digest: `sha256:${"cd".repeat(32)}`, quarantineState: "Pending" };
    }),
  "image-platform-unsupported": () =>
    factsWith((f) => {
      // An image built on an arm64 laptop: one manifest whose config blob says linux/arm64.
      f.manifests[IMAGE] = {
        status: "found",
        digest: `sha256:${"ef".repeat(32)}`,
        quarantineState: null,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        platforms: ["linux/arm64"],
      };
    }),
  "egress-blocked": () =>
    factsWith((f) => {
      setRegistry(f, { publicNetworkAccess: "Disabled" });
      withNetwork(f, {
        nsgRules: [securityRule("deny-all-out", 4000, "Deny", "*", { protocol: "*", destinationPortRanges: ["*"] })],
      });
    }),
  "egress-not-proven": () =>
    factsWith((f) => {
      setRegistry(f, { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "51.104.12.0/24" }] });
      withNetwork(f, { privateEndpoint: false, routes: [applianceRoute()] });
    }),
  "private-dns-not-proven": () =>
    factsWith((f) => {
      setRegistry(f, { publicNetworkAccess: "Disabled" });
      withNetwork(f, { dnsServers: ["10.50.0.10"], zoneLinkedTo: [VNET_HUB], inboundEndpoints: [], rulesets: [] });
    }),
  "registry-not-acr": () =>
    factsWith((f) => {
      f.app.containers.unshift({ name: "wait-for-db", image: "docker.io/library/busybox:1.36", kind: "init" });
    }),
  "check-incomplete": () =>
    factsWith((f) => {
      f.roleAssignments[SYSTEM_PRINCIPAL] = forbidden(`/subscriptions/${SUB}`);
    }),
  "permission-not-proven": () =>
    factsWith((f) => {
      f.roleDefinitions[customRole({ actions: ["Microsoft.ContainerRegistry/*"] }).guid] = customRole({
        actions: ["Microsoft.ContainerRegistry/*"],
      });
      setAssignments(f, SYSTEM_PRINCIPAL, [assignment(customRole({}).guid)]);
    }),
};
