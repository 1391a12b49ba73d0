/**
 * The result of a check, and `checkDocument`: exactly the `check --json` object of spec/cli.md. The CLI prints it,
 * the HTTP trigger returns it and notifications render the result.
 */
import type { ReadStats } from "../core/facts.js";
import type { Finding, Verdict } from "../core/finding.js";
import type { PlanStep } from "../core/plan-step.js";
import { type WorkloadKind, workloadKindOfId } from "../core/resource-id.js";

export interface CheckResult {
  appId: string;
  verdict: Verdict;
  findings: Finding[];
  plan: PlanStep[];
  stats: ReadStats;
}

/** cli.md v2: `"kind": "app" | "job"` next to `appId` says which kind of workload the ID names. */
export type CheckDocument = { appId: string; kind: WorkloadKind } & Omit<CheckResult, "appId">;

/** The check as cli.md's JSON: `appId`, then `kind`, then the rest. */
export function checkDocument(result: CheckResult): CheckDocument {
  const { appId, verdict, findings, plan, stats, ...rest } = result;
  return { appId, kind: workloadKindOfId(appId), ...rest, verdict, findings, plan, stats };
}

export interface ScopeCheckResult {
  apps: CheckResult[];
  summary: {
    apps: number;
    healthy: number;
    degraded: number;
    broken: number;
    /** Apps that could not be checked at all (each listed with the reason). */
    failed: Array<{ appId: string; error: string }>;
    armRequests: number;
  };
}

/** `{ apps: [...], summary }` of cli.md, each app a check document. */
export function scopeCheckDocument(result: ScopeCheckResult): {
  apps: CheckDocument[];
  summary: ScopeCheckResult["summary"];
} {
  return { apps: result.apps.map(checkDocument), summary: result.summary };
}
