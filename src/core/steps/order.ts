/**
 * The order of a plan's steps and what each depends on.
 *
 * Phases: identity steps (enable the system identity, attach a user-assigned identity), then grants, then registry
 * entries (after the grant for their identity, so that switching an entry away from working admin credentials never
 * happens before the managed identity may pull), then registry policy steps (ARM-audience tokens, firewall IPs), then
 * one restart of the failing revision (or a template re-submission when no revision exists; v2: for a job, the start of
 * one execution when a person opted in). Within a phase, steps
 * keep the order the findings asked for them. Each module says what it depends on (`dependsOn`).
 */
import type { PlanStep, StepKind } from "../plan-step.js";
import { moduleOf } from "./index.js";
import type { Draft } from "./step-module.js";

export const PHASES: readonly (readonly StepKind[])[] = [
  ["enable-system-identity"],
  ["attach-user-identity"],
  ["assign-role"],
  ["set-registry-identity", "add-registry-entry"],
  ["enable-arm-audience-tokens"],
  ["allow-registry-ips"],
  ["restart-revision", "resubmit-template", "start-job-execution"],
];

export function phaseOf(kind: StepKind): number {
  return PHASES.findIndex((phase) => phase.includes(kind));
}

/** The steps in phase order, stable within a phase. */
export function inPhaseOrder<S extends { kind: StepKind }>(steps: readonly S[]): S[] {
  return steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => phaseOf(a.s.kind) - phaseOf(b.s.kind) || a.i - b.i)
    .map(({ s }) => s);
}

/** Indices of the steps `plan[index]` depends on (a failed or skipped dependency skips it). */
export function stepDependencies(plan: readonly PlanStep[], index: number): number[] {
  const step = plan[index];
  if (!step) return [];
  const module = moduleOf(step);
  return plan.flatMap((earlier, i) => (i < index && module.dependsOn(step, earlier) ? [i] : []));
}

/** Folds drafts that are the same change into one (the first one's reason kept; see each module's `merge`). */
export function withoutDuplicates(drafts: readonly Draft[]): Draft[] {
  const unique = new Map<string, Draft>();
  for (const d of drafts) {
    const module = moduleOf(d);
    const key = module.key(d);
    const seen = unique.get(key);
    // The kept draft stays the same object (the planner keys its own decisions by draft).
    if (!seen) unique.set(key, d);
    else if (seen.kind === d.kind && module.merge) Object.assign(seen, module.merge(seen, d));
  }
  return [...unique.values()];
}
