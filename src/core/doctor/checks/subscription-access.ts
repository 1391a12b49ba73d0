/** PullGuard can read each watched subscription: it exists, is Enabled, and the identity holds Reader on it. */
import { ROLES } from "../../roles.js";
import type { DoctorCheck, DoctorProblem } from "../facts.js";

export const subscriptionAccess: DoctorCheck = {
  name: "subscription-access",
  title: "each watched subscription exists, is enabled and readable by the identity",
  run(facts) {
    const problems: DoctorProblem[] = [];
    for (const sub of facts.subscriptions) {
      if (sub.state === null) {
        problems.push({
          check: "subscription-access",
          what: `watched subscription ${sub.subscriptionId} cannot be read (not found, or in another tenant)`,
          fix: "fix PULLGUARD_SUBSCRIPTIONS (azd env set PULLGUARD_ADDITIONAL_SUBSCRIPTIONS ... and azd provision) or check the ID with az account list",
        });
        continue;
      }
      if (sub.state !== "Enabled")
        problems.push({
          check: "subscription-access",
          what: `watched subscription ${sub.subscriptionId} is ${sub.state}: ARM refuses reads and writes there`,
          fix: "re-enable the subscription in the portal (Subscriptions → <subscription> → Reactivate) or stop watching it",
        });
      if (facts.principalId !== null && !sub.assignments.some((a) => a.roleGuid === ROLES.reader))
        problems.push({
          check: "subscription-access",
          what: `PullGuard's identity cannot read subscription ${sub.subscriptionId}: it holds no Reader there`,
          fix: `az role assignment create --assignee-object-id ${facts.principalId} --assignee-principal-type ServicePrincipal --role Reader --scope /subscriptions/${sub.subscriptionId}`,
        });
    }
    return problems;
  },
};
