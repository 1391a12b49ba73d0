/**
 * No restart loops: a revision that PullGuard restarted once every grant had propagated, and that failed again,
 * fails for a cause PullGuard cannot see (a runtime error, a network path it cannot read). Restarting it at every
 * sweep would only spend the change budget, so within an hour of that restart the step is held back (report-only)
 * with the reason. A restart made while a grant was still propagating does not count: that one may fail by design.
 *
 * Example: AcrPull created 10:00, PullGuard restarted revision r7 at 10:12 (done), the sweep at 10:30 finds r7 failed
 * with nothing left to fix → the restart is report-only ("restarted at 10:12 after every grant had propagated ...").
 */
import { isFound, type PullFacts } from "./facts.js";
import type { PlanStep } from "./plan-step.js";
import { PROPAGATION_WINDOW_MS } from "./roles.js";

/** What the audit says PullGuard did (the fields this rule needs). */
export interface PastChange {
  stepKind: string;
  target: string;
  outcome: string;
  time: string;
}

export const REPEAT_RESTART_WINDOW_MS = 60 * 60 * 1000;

/** The newest grant the app's principals hold (createdOn), or null when none has a date (all old). */
function newestGrant(facts: PullFacts): number | null {
  let newest: number | null = null;
  for (const read of Object.values(facts.roleAssignments)) {
    if (!isFound(read)) continue;
    for (const a of read.items) {
      const t = a.createdOn ? Date.parse(a.createdOn) : Number.NaN;
      if (!Number.isNaN(t) && (newest === null || t > newest)) newest = t;
    }
  }
  return newest;
}

/** Whether the plan is only restarts (nothing else left to fix): the case where a loop could start. */
export function onlyRestarts(plan: readonly PlanStep[]): boolean {
  return plan.length > 0 && plan.every((s) => s.kind === "restart-revision");
}

export function holdRepeatedRestarts(
  plan: readonly PlanStep[],
  facts: PullFacts,
  history: readonly PastChange[],
): PlanStep[] {
  if (!onlyRestarts(plan)) return [...plan];
  const now = Date.parse(facts.readAt);
  const grant = newestGrant(facts);
  return plan.map((step) => {
    if (step.decision !== "apply") return step;
    const earlier = history
      .filter(
        (c) =>
          c.stepKind === "restart-revision" &&
          c.outcome === "done" &&
          c.target.toLowerCase() === step.target.toLowerCase() &&
          now - Date.parse(c.time) < REPEAT_RESTART_WINDOW_MS &&
          (grant === null || Date.parse(c.time) >= grant + PROPAGATION_WINDOW_MS),
      )
      .at(-1);
    if (!earlier) return step;
    return {
      ...step,
      decision: "report-only",
      why: `PullGuard restarted this revision at ${earlier.time}, after every grant had propagated, and it failed again: the cause is one PullGuard cannot see (check the revision's system logs); it is not restarted again within the hour`,
    };
  });
}
