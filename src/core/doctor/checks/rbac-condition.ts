/**
 * The Role Based Access Control Administrator assignment keeps the documented "constrain roles and principal types"
 * condition (AcrPull and Repository Reader, to service principals), version 2.0: without it PullGuard could grant
 * any role, Owner included.
 */
import { ROLES } from "../../roles.js";
import { expectedRbacCondition, normalizeCondition } from "../expected.js";
import type { DoctorCheck, DoctorProblem } from "../facts.js";

export const rbacCondition: DoctorCheck = {
  name: "rbac-condition",
  title: "Role Based Access Control Administrator keeps its delegation condition",
  run(facts) {
    const problems: DoctorProblem[] = [];
    const expected = expectedRbacCondition();
    for (const sub of facts.subscriptions) {
      for (const a of sub.assignments.filter((x) => x.roleGuid === ROLES.rbacAdministrator)) {
        const intact =
          a.condition !== null &&
          normalizeCondition(a.condition) === normalizeCondition(expected) &&
          a.conditionVersion === "2.0";
        if (intact) continue;
        problems.push({
          check: "rbac-condition",
          what: `on subscription ${sub.subscriptionId}, Role Based Access Control Administrator ${
            a.condition === null
              ? "has no condition: PullGuard could grant any role"
              : "has a condition other than infra/'s"
          } (${a.id})`,
          fix: `az role assignment delete --ids ${a.id} && azd provision (infra/app/roles-subscription.bicep recreates it with the condition)`,
        });
      }
    }
    return problems;
  },
};
