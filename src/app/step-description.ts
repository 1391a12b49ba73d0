/** One sentence per plan step, shared by the CLI output and the notifications. */
import type { PlanStep } from "../core/plan-step.js";
import { resourceNameOf } from "../core/resource-id.js";

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case "assign-role":
      return `grant ${step.roleName} to principal ${step.principalId} at ${step.scope}${step.condition ? " (with a repository condition)" : ""}`;
    case "attach-user-identity":
      return `attach user-assigned identity ${resourceNameOf(step.identityId)} to the app`;
    case "enable-system-identity":
      return "enable the app's system-assigned identity";
    case "set-registry-identity":
      return `use identity ${step.identity === "system" ? "system" : resourceNameOf(step.identity)} for registry ${step.server}`;
    case "add-registry-entry":
      return `add registry ${step.server} with identity ${step.identity === "system" ? "system" : resourceNameOf(step.identity)}`;
    case "enable-arm-audience-tokens":
      return `let registry ${resourceNameOf(step.target)} accept ARM-audience tokens`;
    case "allow-registry-ips":
      return `allow ${step.ips.join(", ")} on registry ${resourceNameOf(step.target)}'s firewall`;
    case "restart-revision":
      return `restart revision ${step.revision}${step.notBefore ? ` (not before ${step.notBefore})` : ""}`;
    case "resubmit-template":
      return `re-submit the app's template as a new revision (suffix ${step.revisionSuffix})`;
  }
}
