/**
 * A re-check within 10 minutes of a grant PullGuard made (a retried or re-fired alert, an event, a sweep) finds the
 * workload `degraded` with only `role-assignment-propagating`: the grant is young. The fix's own "fixed" notification
 * and its queued follow-up already cover that window, so such a re-check tells no one again (fix-and-notify.ts). This
 * says when it is one: every finding left (errors and warnings; info aside) is role-assignment-propagating, and every
 * assignment those findings name is one the audit log records PullGuard creating or extending (an `assign-role` row
 * that took effect). A grant a person made, or any other finding, still notifies as before.
 *
 * Example: AcrPull `a1b2…` granted by PullGuard 3 minutes ago, the only finding → quiet. A second warning
 * (registry-uses-admin-credentials) or a grant missing from the audit → a diagnosis as before.
 */
import type { AuditRecord } from "../azure/audit-log.js";
import type { Finding } from "../core/finding.js";

const PROPAGATING = "role-assignment-propagating";

/** The last segment of a resource ID or URL path (the assignment's name), lower case. */
const lastSegment = (idOrUrl: string): string =>
  (idOrUrl.split("?")[0] ?? "").replace(/\/+$/, "").split("/").at(-1)?.toLowerCase() ?? "";

/** The names (lower case) of the role assignments PullGuard's audit shows it created or extended. */
export function grantsMadeByPullGuard(records: readonly AuditRecord[]): Set<string> {
  const names = new Set<string>();
  for (const r of records) {
    if (r.stepKind !== "assign-role" || (r.outcome !== "done" && r.outcome !== "already-in-place")) continue;
    const step = r.step.kind === "assign-role" ? r.step : null;
    for (const name of [step?.name, step?.replaces, r.request?.url]) if (name) names.add(lastSegment(name));
  }
  return names;
}

/** Whether the findings left could be nothing but grants still propagating (worth reading the audit for). */
export function onlyPropagatingGrants(findings: readonly Finding[]): boolean {
  const left = findings.filter((f) => f.severity !== "info");
  return left.length > 0 && left.every((f) => f.code === PROPAGATING && f.evidence.length > 0);
}

/** Whether every finding left is a propagating grant that PullGuard made (`own`: grantsMadeByPullGuard). */
export function onlyOwnGrantsPropagating(findings: readonly Finding[], own: ReadonlySet<string>): boolean {
  if (!onlyPropagatingGrants(findings)) return false;
  return findings
    .filter((f) => f.severity !== "info")
    .every((f) => f.evidence.every((e) => own.has(lastSegment(e.resource))));
}
