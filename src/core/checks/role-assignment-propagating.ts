/**
 * role-assignment-propagating (warning): the only assignments that grant pull were created less than 10 minutes
 * before the facts were read; the pull may fail until the grant reaches the identity's token. The fix is a restart
 * of the revision after the window (v2: for a job, the next execution; nothing restarts), never a new grant. A
 * missing `createdOn` means an old assignment.
 *
 * Example: AcrPull created 3 minutes ago is the only grant → warning. Near miss: a second grant from last year → none.
 */

import { isFound, type PullFacts } from "../facts.js";
import type { FindingFix } from "../finding.js";
import { accessOf } from "../pull-access.js";
import { isPropagating } from "../roles.js";
import type { Check } from "./check.js";
import { appNames, azWorkload, findingOn, identityLabel } from "./check.js";
import { assignmentEvidence } from "./role-evidence.js";

/**
 * What to do once the window has passed. An app: restart the revision. A job (v2): nothing restarts; the next
 * execution pulls with the grant (pull-path.md "Workloads: apps and jobs": PullGuard never starts one by itself), so
 * a person watches the executions, or starts one of a manual job when its work may run.
 */
function afterTheWindow(facts: PullFacts): Omit<FindingFix, "auto"> {
  if (facts.app.kind === "job") {
    const manual = facts.app.trigger?.type.toLowerCase() === "manual";
    return {
      summary: manual
        ? "nothing to restart: the next execution you start, once 10 minutes have passed since the grant, pulls with it (no new grant is needed)"
        : "nothing to restart: the job's next execution after 10 minutes have passed since the grant pulls with it (no new grant is needed)",
      az: manual
        ? `${azWorkload(facts)} start ${appNames(facts)}`
        : `${azWorkload(facts)} execution list ${appNames(facts)}`,
    };
  }
  const revision = isFound(facts.revision) ? facts.revision.name : null;
  return {
    summary: "restart the revision once 10 minutes have passed since the grant (no new grant is needed)",
    az: `az containerapp revision restart ${appNames(facts)} --revision ${revision ?? "<revision>"}`,
  };
}

export const roleAssignmentPropagating: Check = {
  code: "role-assignment-propagating",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "granted") return [];
    const grants = ctx.access.grants;
    if (!grants.every((g) => isPropagating(g.assignment, facts.readAt))) return [];
    return [
      findingOn("role-assignment-propagating", path, {
        severity: "warning",
        message: `${identityLabel(path, facts)} was granted pull on ${ctx.registry.name} less than 10 minutes ago; Azure can take that long to honour it, so a pull may still fail until then.`,
        evidence: assignmentEvidence(grants),
        fix: afterTheWindow(facts),
      }),
    ];
  },
};
