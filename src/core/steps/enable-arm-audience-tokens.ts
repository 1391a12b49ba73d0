/**
 * enable-arm-audience-tokens: set the registry's `azureADAuthenticationAsArmPolicy` to enabled (opt-in), keeping
 * every other policy as it is (a PATCH of `properties.policies` with the others copied).
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import { resourceNameOf } from "../resource-id.js";
import { existingRegistry, REGISTRY_POLICY_ROLE, readRegistry, registryPatch } from "./registry-resource.js";
import { lower, type StepModule } from "./step-module.js";

export interface EnableArmAudienceTokensStep extends StepBase {
  kind: "enable-arm-audience-tokens";
}

export const enableArmAudienceTokens: StepModule<EnableArmAudienceTokensStep> = {
  kind: "enable-arm-audience-tokens",
  neededRole: REGISTRY_POLICY_ROLE,
  key: (s) => `arm-audience|${lower(s.target)}`,
  dependsOn: () => false,
  describe: (s) => `let registry ${resourceNameOf(s.target)} accept ARM-audience tokens`,
  read: (step) => readRegistry(step.target),
  prepare(step, current) {
    const registry = existingRegistry(step.target, current);
    const found = valueAt(registry, "properties", "policies");
    const policies: Json = isObject(found) ? found : {};
    const status = valueAt(policies, "azureADAuthenticationAsArmPolicy", "status");
    if (status === undefined || lower(String(status)) === "enabled") return { kind: "in-place", before: policies };
    const call = registryPatch(step.target, {
      policies: { ...policies, azureADAuthenticationAsArmPolicy: { status: "enabled" } },
    });
    return { kind: "write", call, before: registry, step };
  },
  confirmRead: (step) => readRegistry(step.target),
  confirm: (step, _answer, reread) => ({
    outcome: "done",
    after: valueAt(existingRegistry(step.target, reread), "properties", "policies") ?? null,
  }),
  auditBefore: (before) => valueAt(before, "properties", "policies") ?? before,
};
