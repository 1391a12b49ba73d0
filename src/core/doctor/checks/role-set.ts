/**
 * PullGuard's identity holds, on each watched subscription, exactly the roles infra/ grants for its settings (the
 * opt-in tag-check roles may be there or not), and nothing more.
 */
import { ROLE_NAMES } from "../../roles.js";
import { expectedRoles, OPTIONAL_ROLES } from "../expected.js";
import type { DoctorCheck, DoctorProblem } from "../facts.js";

export const roleSet: DoctorCheck = {
  name: "role-set",
  title: "the identity's roles on each watched subscription are the ones infra/ grants",
  run(facts) {
    const problems: DoctorProblem[] = [];
    const principal = facts.principalId;
    if (principal === null) {
      return [
        {
          check: "role-set",
          what: `the function app ${facts.functionApp.name} carries no user-assigned identity that exists, so PullGuard runs as nobody`,
          fix: "run `azd provision` again (infra/main.bicep attaches id-pullguard-<token> to the app)",
        },
      ];
    }
    const expected = expectedRoles(facts.settings);
    const allowed = new Set([...expected, ...OPTIONAL_ROLES].map((r) => r.guid));
    // A subscription that cannot be read is subscription-access's finding; its roles are unknown, not missing.
    for (const sub of facts.subscriptions.filter((s) => s.state !== null)) {
      const held = new Set(sub.assignments.map((a) => a.roleGuid));
      for (const role of expected) {
        if (held.has(role.guid)) continue;
        problems.push({
          check: "role-set",
          what: `on subscription ${sub.subscriptionId}, the identity lacks ${role.name} (${role.why})`,
          fix: `az role assignment create --assignee-object-id ${principal} --assignee-principal-type ServicePrincipal --role ${role.guid} --scope /subscriptions/${sub.subscriptionId} (or run azd provision)`,
        });
      }
      for (const a of sub.assignments) {
        if (allowed.has(a.roleGuid)) continue;
        problems.push({
          check: "role-set",
          what: `on subscription ${sub.subscriptionId}, the identity holds ${ROLE_NAMES[a.roleGuid] ?? a.roleGuid}, which infra/ does not grant for these settings`,
          fix: `az role assignment delete --ids ${a.id}`,
        });
      }
    }
    return problems;
  },
};
