/**
 * abac-mode-legacy-role-only: the registry is in ABAC mode (`AbacRepositoryPermissions`) and the principal holds only
 * roles that ABAC mode does not honour (AcrPull, AcrPush, Reader, Contributor, Owner...).
 *
 * Example: ABAC registry, AcrPull at registry scope → error; fix: Container Registry Repository Reader with a
 * condition admitting the app's repositories. Near miss: the same registry in legacy mode → no finding.
 */

import { accessOf } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, identityLabel } from "./check.js";
import { assignmentEvidence, modeEvidence, pullGrantFix } from "./role-evidence.js";

export const abacModeLegacyRoleOnly: Check = {
  code: "abac-mode-legacy-role-only",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "legacy-only") return [];
    const roles = [...new Set(ctx.access.grants.map((g) => g.roleName))].join(", ");
    return [
      findingOn("abac-mode-legacy-role-only", path, {
        severity: "error",
        message: `${ctx.registry.name} uses ABAC repository permissions, where ${roles} no longer grant pull; ${identityLabel(path, facts)} needs a repository role such as Container Registry Repository Reader.`,
        evidence: [modeEvidence(ctx.registry), ...assignmentEvidence(ctx.access.grants)],
        fix: pullGrantFix(path, facts, ctx),
      }),
    ];
  },
};
