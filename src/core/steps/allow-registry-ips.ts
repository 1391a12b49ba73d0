/**
 * allow-registry-ips: add the environment's outbound IPs that the registry firewall does not allow yet (opt-in). The
 * default action and every existing rule stay; a firewall that is open (not Deny) or already allows them is left.
 * Two drafts for one registry merge into one step with the union of their IPs.
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import { resourceNameOf } from "../resource-id.js";
import { existingRegistry, REGISTRY_POLICY_ROLE, readRegistry, registryPatch } from "./registry-resource.js";
import { lower, type StepModule } from "./step-module.js";

export interface AllowRegistryIpsStep extends StepBase {
  kind: "allow-registry-ips";
  ips: string[];
}

export const allowRegistryIps: StepModule<AllowRegistryIpsStep> = {
  kind: "allow-registry-ips",
  neededRole: REGISTRY_POLICY_ROLE,
  key: (s) => `ips|${lower(s.target)}`,
  merge: (kept, duplicate) => ({ ips: [...new Set([...kept.ips, ...duplicate.ips])] }),
  dependsOn: () => false,
  describe: (s) => `allow ${s.ips.join(", ")} on registry ${resourceNameOf(s.target)}'s firewall`,
  read: (step) => readRegistry(step.target),
  prepare(step, current) {
    const registry = existingRegistry(step.target, current);
    const ruleSet = valueAt(registry, "properties", "networkRuleSet");
    const defaultAction = valueAt(ruleSet, "defaultAction");
    const found = valueAt(ruleSet, "ipRules");
    const rules: Json[] = Array.isArray(found) ? found.filter(isObject) : [];
    const values = new Set(rules.map((r) => lower(String(r.value ?? r.iPAddressOrRange ?? ""))));
    const missing = step.ips.filter((ip) => !values.has(lower(ip)) && !values.has(`${lower(ip)}/32`));
    if (typeof defaultAction !== "string" || lower(defaultAction) !== "deny" || missing.length === 0) {
      return { kind: "in-place", before: ruleSet ?? null };
    }
    const ipRules = [...rules, ...missing.map((value) => ({ action: "Allow", value }))];
    const call = registryPatch(step.target, { networkRuleSet: { defaultAction, ipRules } });
    return { kind: "write", call, before: registry, step: { ...step, ips: missing } };
  },
  confirmRead: (step) => readRegistry(step.target),
  confirm: (step, _answer, reread) => ({
    outcome: "done",
    after: valueAt(existingRegistry(step.target, reread), "properties", "networkRuleSet") ?? null,
  }),
  auditBefore: (before) => valueAt(before, "properties", "networkRuleSet") ?? before,
};
