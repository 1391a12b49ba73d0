/**
 * diagnose(facts): the pure heart of PullGuard. Every pull path of the app (each image of `containers` and
 * `initContainers`, and each registry entry no image uses) goes through the explicit list of checks; the verdict is
 * `broken` when any finding is an error, `degraded` when only warnings remain, else `healthy` (info never counts).
 *
 * Example: one container whose system identity lacks AcrPull, and a busybox init container from Docker Hub →
 * findings [registry-not-acr (info, init), pull-role-missing (error, api)] in template order → verdict "broken".
 */
import { CHECKS } from "./checks/index.js";
import type { PullFacts } from "./facts.js";
import type { Finding, Verdict } from "./finding.js";
import { pullPaths } from "./pull-paths.js";

export interface Diagnosis {
  verdict: Verdict;
  findings: Finding[];
}

export function verdictOf(findings: readonly Pick<Finding, "severity">[]): Verdict {
  if (findings.some((f) => f.severity === "error")) return "broken";
  if (findings.some((f) => f.severity === "warning")) return "degraded";
  return "healthy";
}

/** Same code, container, registry and message: the same claim (e.g. an unreadable environment seen by two paths). */
function keyOf(f: Finding): string {
  return JSON.stringify([f.code, f.container, f.image, f.registry?.server ?? null, f.message]);
}

export function diagnose(facts: PullFacts): Diagnosis {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const path of pullPaths(facts)) {
    for (const check of CHECKS) {
      for (const finding of check.run(path, facts)) {
        const key = keyOf(finding);
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(finding);
      }
    }
  }
  return { verdict: verdictOf(findings), findings };
}
