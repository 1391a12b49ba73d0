/**
 * permission-not-proven (warning, a tool code of cli.md): pull depends on a custom role that grants it only through
 * a wildcard (ACR honours custom-role wildcards only in tenants with ARM private link), or on an ABAC condition
 * PullGuard cannot evaluate. Never guessed as a pass or a failure.
 *
 * Example: custom role "acr-all" with actions ["Microsoft.ContainerRegistry/*"] is the only grant → warning.
 * Near miss: the same role with the exact action Microsoft.ContainerRegistry/registries/pull/read → no finding.
 */

import { accessOf } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, identityLabel } from "./check.js";
import { assignmentEvidence, pullGrantFix } from "./role-evidence.js";

export const permissionNotProven: Check = {
  code: "permission-not-proven",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "not-proven") return [];
    const direct = pullGrantFix(path, facts, ctx);
    return [
      findingOn("permission-not-proven", path, {
        severity: "warning",
        message: `Whether ${identityLabel(path, facts)} may pull from ${ctx.registry.name} cannot be proven: ${ctx.access.why}.`,
        evidence: assignmentEvidence(ctx.access.grants),
        fix: { summary: `to be certain, ${direct.summary}`, az: direct.az },
      }),
    ];
  },
};
