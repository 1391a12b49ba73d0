/**
 * `pullguard doctor`'s decisions: every check, in order, over the facts read from Azure. Pure.
 * The explicit list is the whole doctor: adding a check means adding it here.
 */
import { alertRules } from "./checks/alert-rules.js";
import { eventSubscription } from "./checks/event-subscription.js";
import { rbacCondition } from "./checks/rbac-condition.js";
import { roleSet } from "./checks/role-set.js";
import { settings } from "./checks/settings.js";
import { subscriptionAccess } from "./checks/subscription-access.js";
import type { DoctorCheck, DoctorFacts, DoctorProblem } from "./facts.js";

export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  roleSet,
  rbacCondition,
  subscriptionAccess,
  eventSubscription,
  alertRules,
  settings,
];

export interface DoctorReport {
  functionAppId: string;
  ok: boolean;
  checks: Array<{ name: string; title: string; ok: boolean }>;
  problems: DoctorProblem[];
}

export function examineDeployment(facts: DoctorFacts): DoctorReport {
  const problems: DoctorProblem[] = [];
  const checks = DOCTOR_CHECKS.map((check) => {
    const found = check.run(facts);
    problems.push(...found);
    return { name: check.name, title: check.title, ok: found.length === 0 };
  });
  return { functionAppId: facts.functionApp.id, ok: problems.length === 0, checks, problems };
}
