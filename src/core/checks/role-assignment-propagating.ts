/**
 * role-assignment-propagating (warning): the only assignments that grant pull were created less than 10 minutes
 * before the facts were read; the pull may fail until the grant reaches the identity's token. The fix is a restart
 * of the revision after the window, never a new grant. A missing `createdOn` means an old assignment.
 *
 * Example: AcrPull created 3 minutes ago is the only grant → warning. Near miss: a second grant from last year → none.
 */

import { isFound } from "../facts.js";
import { accessOf } from "../pull-access.js";
import { isPropagating } from "../roles.js";
import type { Check } from "./check.js";
import { appNames, findingOn, identityLabel } from "./check.js";
import { assignmentEvidence } from "./role-evidence.js";

export const roleAssignmentPropagating: Check = {
  code: "role-assignment-propagating",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "granted") return [];
    const grants = ctx.access.grants;
    if (!grants.every((g) => isPropagating(g.assignment, facts.readAt))) return [];
    const revision = isFound(facts.revision) ? facts.revision.name : null;
    return [
      findingOn("role-assignment-propagating", path, {
        severity: "warning",
        message: `${identityLabel(path)} was granted pull on ${ctx.registry.name} less than 10 minutes ago; Azure can take that long to honour it, so a pull may still fail until then.`,
        evidence: assignmentEvidence(grants),
        fix: {
          summary: "restart the revision once 10 minutes have passed since the grant (no new grant is needed)",
          az: `az containerapp revision restart ${appNames(facts)} --revision ${revision ?? "<revision>"}`,
        },
      }),
    ];
  },
};
