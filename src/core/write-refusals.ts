/**
 * What to tell a person when Azure refuses one of PullGuard's writes for a reason that is not a missing role
 * (spec/pull-path.md v2, remediation rules): the condition on PullGuard's own Role Based Access Control Administrator
 * assignment, and Container Apps refusing an app write while the app's current image cannot be pulled. Both are
 * final for this run: never retried, never reported as "PullGuard needs role X".
 */
import type { PlanStep } from "./plan-step.js";

/**
 * ARM words a refusal by a delegation condition and a missing permission alike ("does not have authorization or an
 * ABAC condition not fulfilled", learn.microsoft.com/azure/role-based-access-control/troubleshooting). PullGuard's
 * deployed identity holds Role Based Access Control Administrator with a condition (infra/app/roles-subscription.bicep)
 * and asks only for grants that condition admits, so a refused grant means the condition in place is another one
 * (an older deployment, or one edited by hand).
 */
export function conditionRefusal(step: PlanStep, armMessage: string): string | null {
  if (step.kind !== "assign-role" || !/ABAC condition not fulfilled/i.test(armMessage)) return null;
  return (
    `Azure refused the grant of ${step.roleName} to a ${step.principalType} at ${step.scope}: the condition on ` +
    "PullGuard's Role Based Access Control Administrator assignment does not admit it (the deployed condition admits " +
    "only AcrPull and Container Registry Repository Reader, to service principals). PullGuard does not retry it. " +
    "Next: run `pullguard doctor` to compare the condition with infra/, re-deploy PullGuard (`azd provision`) to restore " +
    `it, or grant the role yourself: az role assignment create --assignee-object-id ${step.principalId ?? "<principal>"} ` +
    `--assignee-principal-type ServicePrincipal --role "${step.roleName}" --scope ${step.scope}`
  );
}

/**
 * Container Apps may validate an app write against the images it would run and refuse it with 400
 * InvalidParameterValueInContainerTemplate while they cannot be pulled (world.md v2 `rejectWritesWhileUnpullable`).
 */
export function unpullableRefusal(step: PlanStep, code: string, status: number): string | null {
  if (status !== 400 || code !== "InvalidParameterValueInContainerTemplate") return null;
  return (
    `Container Apps refused this change (${step.kind}) because the app's current images cannot be pulled ` +
    "(InvalidParameterValueInContainerTemplate). PullGuard does not retry it in this run. Next: let the grants of this " +
    "plan propagate and run fix again (the write is accepted once the images can be pulled), or make the change " +
    "together with a pullable image in one `az containerapp update`."
  );
}
