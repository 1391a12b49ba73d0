/**
 * pull-role-missing: the principal holds no role that grants pull in the registry's mode at any covering scope
 * (registry, resource group, subscription, management group, root; direct or through a group).
 *
 * Example: legacy registry, the app's system identity holds only Key Vault Secrets User → error; fix: AcrPull at
 * registry scope. Near miss: AcrPull at the registry's resource group → no finding (inherited).
 */

import { accessOf } from "../pull-access.js";
import { roleGuidOf } from "../role-assignment-name.js";
import type { Check } from "./check.js";
import { findingOn, identityLabel, subject } from "./check.js";
import { modeEvidence, pullGrantFix } from "./role-evidence.js";

export const pullRoleMissing: Check = {
  code: "pull-role-missing",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "missing") return [];
    const needed =
      ctx.mode === "abac"
        ? "a repository data role such as Container Registry Repository Reader"
        : "a role with registries/pull/read such as AcrPull";
    return [
      findingOn("pull-role-missing", path, {
        severity: "error",
        message: `${identityLabel(path, facts)} (principal ${ctx.principalId}) holds no role on ${ctx.registry.name} that grants pull, so ${subject(path)} gets "unauthorized: authentication required"; it needs ${needed}.`,
        evidence: [
          modeEvidence(ctx.registry),
          {
            resource: ctx.registry.id,
            path: `roleAssignments?$filter=assignedTo('${ctx.principalId}')`,
            value: ctx.assignments.map((a) => `${roleGuidOf(a.roleDefinitionId)} @ ${a.scope}`),
          },
        ],
        fix: pullGrantFix(path, facts, ctx),
      }),
    ];
  },
};
