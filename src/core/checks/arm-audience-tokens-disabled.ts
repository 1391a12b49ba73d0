/**
 * arm-audience-tokens-disabled: the registry refuses ARM-audience Entra tokens
 * (`policies.azureADAuthenticationAsArmPolicy.status: disabled`), and ACA signs in to ACR with exactly such a token
 * for a managed identity. Opt-in fix: PATCH the policy to enabled (registry-wide; an Azure Policy may enforce it).
 *
 * Example: entry with identity "system", policy disabled → error. Near miss: the entry uses a username/password.
 */

import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, usesManagedIdentity } from "./check.js";

export const armAudienceTokensDisabled: Check = {
  code: "arm-audience-tokens-disabled",
  run(path) {
    const registry = foundRegistry(path);
    if (!registry || !usesManagedIdentity(path) || registry.armAudienceTokens.toLowerCase() !== "disabled") return [];
    return [
      findingOn("arm-audience-tokens-disabled", path, {
        severity: "error",
        message: `${registry.name} refuses ARM-audience tokens, which is what Container Apps presents for a managed identity, so every managed-identity pull fails with "unauthorized".`,
        evidence: [
          {
            resource: registry.id,
            path: "properties.policies.azureADAuthenticationAsArmPolicy.status",
            value: registry.armAudienceTokens,
          },
        ],
        fix: {
          summary: `enable ARM-audience tokens on ${registry.name} (a registry-wide setting: check no Azure Policy requires it off)`,
          az: `az acr config authentication-as-arm update --registry ${registry.name} --status enabled`,
        },
      }),
    ];
  },
};
