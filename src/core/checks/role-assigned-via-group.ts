/**
 * role-assigned-via-group: pull is granted only through a group the identity belongs to. Group membership reaches a
 * managed identity's token only when the token is refreshed (cached ~24 h) and raises no ARM event. Warning while
 * the group assignment is less than 24 hours old, else info. Report only: suggest a direct assignment.
 *
 * Example: AcrPull assigned to group "acr-pullers" 2 hours ago, principal a member → warning.
 */

import { accessOf } from "../pull-access.js";
import { isFreshGroupGrant } from "../roles.js";
import type { Check } from "./check.js";
import { findingOn, identityLabel } from "./check.js";
import { assignmentEvidence, pullGrantFix } from "./role-evidence.js";

export const roleAssignedViaGroup: Check = {
  code: "role-assigned-via-group",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "granted") return [];
    const grants = ctx.access.grants;
    if (!grants.every((g) => g.viaGroup)) return [];
    const fresh = grants.some((g) => isFreshGroupGrant(g.assignment, facts.readAt));
    const direct = pullGrantFix(path, facts, ctx);
    return [
      findingOn("role-assigned-via-group", path, {
        severity: fresh ? "warning" : "info",
        message: fresh
          ? `${identityLabel(path, facts)} may pull from ${ctx.registry.name} only through a group assigned less than 24 hours ago; a managed identity's token can take hours to carry new group grants.`
          : `${identityLabel(path, facts)} may pull from ${ctx.registry.name} only through a group; membership changes raise no ARM event, so a direct assignment is easier to watch.`,
        evidence: assignmentEvidence(grants),
        fix: { summary: `for a grant that takes effect reliably, ${direct.summary} directly`, az: direct.az },
      }),
    ];
  },
};
