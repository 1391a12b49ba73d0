/**
 * The result of a check, exactly the `check --json` object of spec/cli.md. The CLI prints it, the HTTP
 * trigger returns it and notifications render it.
 */
import type { ReadStats } from "../core/facts.js";
import type { Finding, Verdict } from "../core/finding.js";
import type { PlanStep } from "../core/plan-step.js";

export interface CheckResult {
  appId: string;
  verdict: Verdict;
  findings: Finding[];
  plan: PlanStep[];
  stats: ReadStats;
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
