/**
 * abac-condition-excludes-repository: in ABAC mode, every pull-granting assignment of the principal carries a
 * condition that does not admit the image's repository. The fix extends the existing condition by exactly this
 * repository (a PUT under the same assignment name); opt-in, since it edits a condition a person wrote.
 *
 * Example: Repository Reader with `... StringEqualsIgnoreCase 'checkout/worker'`, image checkout/web → error.
 * Near miss: condition `StringStartsWithIgnoreCase 'checkout/'` → admits, no finding.
 */

import { accessOf } from "../pull-access.js";
import { extendCondition } from "../pull-grants.js";
import type { Check } from "./check.js";
import { findingOn, identityLabel } from "./check.js";
import { assignmentEvidence, modeEvidence } from "./role-evidence.js";

export const abacConditionExcludesRepository: Check = {
  code: "abac-condition-excludes-repository",
  run(path, facts) {
    const ctx = accessOf(path, facts);
    if (ctx?.access.status !== "condition-excludes" || !path.ref) return [];
    const repository = path.ref.repository.toLowerCase();
    const first = ctx.access.grants[0];
    const extended = first?.assignment.condition ? extendCondition(first.assignment.condition, [repository]) : null;
    return [
      findingOn("abac-condition-excludes-repository", path, {
        severity: "error",
        message: `${identityLabel(path, facts)} may pull from ${ctx.registry.name} only where its assignment conditions allow, and no condition admits the repository "${repository}".`,
        evidence: [modeEvidence(ctx.registry), ...assignmentEvidence(ctx.access.grants)],
        ...(first && extended
          ? {
              fix: {
                summary: `extend the condition of assignment ${first.assignment.name} to admit "${repository}" too`,
                az: `az role assignment update --role-assignment '{"id":"${first.assignment.id}","condition":"${extended.replace(/"/g, '\\"')}","conditionVersion":"2.0"}'`,
              },
            }
          : {}),
      }),
    ];
  },
};
