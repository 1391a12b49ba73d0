/**
 * Human output of `pullguard check`: findings grouped by container, each with its evidence, the fix and the
 * equivalent `az` command; then the plan and what the read cost.
 */
import type { CheckResult, ScopeCheckResult } from "../app/check-result.js";
import { describeStep } from "../app/step-description.js";
import type { Finding } from "../core/finding.js";
import { resourceNameOf, workloadKindOfId, workloadNounOfId } from "../core/resource-id.js";

const MARK: Record<Finding["severity"], string> = { error: "✖", warning: "!", info: "i" };

/** "app" or "job": the short word for the workload in a heading. */
function noun(result: CheckResult): string {
  return workloadKindOfId(result.appId);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function renderFinding(f: Finding): string[] {
  const lines = [`  ${MARK[f.severity]} ${f.code} (${f.severity}): ${f.message}`];
  for (const e of f.evidence) {
    lines.push(`      evidence: ${e.resource} ${e.path} = ${JSON.stringify(e.value)}`);
  }
  if (f.fix) {
    lines.push(`      fix${f.fix.auto ? " (PullGuard applies it)" : ""}: ${f.fix.summary}`);
    if (f.fix.az) lines.push(`        ${f.fix.az}`);
  }
  return lines;
}

export function renderCheck(result: CheckResult): string {
  const errors = result.findings.filter((f) => f.severity === "error").length;
  const warnings = result.findings.filter((f) => f.severity === "warning").length;
  const lines = [
    `${workloadNounOfId(result.appId)} ${resourceNameOf(result.appId)}  ${result.appId}`,
    `verdict: ${result.verdict.toUpperCase()} (${plural(errors, "error")}, ${plural(warnings, "warning")})`,
  ];

  const groups = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const key = f.container === null ? "" : `container ${f.container}  ${f.image ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, findings] of groups) {
    lines.push("", key === "" ? `registry entries and ${noun(result)}-wide findings` : key);
    for (const f of findings) lines.push(...renderFinding(f));
  }
  if (result.findings.length === 0) lines.push("", "every image can be pulled: nothing to do");

  if (result.plan.length > 0) {
    lines.push("", "plan (what `pullguard fix` would do):");
    result.plan.forEach((step, i) => {
      lines.push(`  ${i + 1}. ${describeStep(step)} [${step.decision}${step.why ? `: ${step.why}` : ""}]`);
    });
  }
  const s = result.stats;
  lines.push(
    "",
    `read: ${plural(s.armRequests, "ARM request")} in ${plural(s.waves, "wave")}, ${plural(s.dataPlaneRequests, "data-plane request")}, ${s.ms} ms`,
  );
  return `${lines.join("\n")}\n`;
}

/** "3 apps", "2 apps and 1 job" (jobs named only when there are some; failed checks counted by their ID). */
function workloadCount(result: ScopeCheckResult): string {
  const ids = [...result.apps.map((a) => a.appId), ...result.summary.failed.map((f) => f.appId)];
  const jobs = ids.filter((id) => workloadKindOfId(id) === "job").length;
  const apps = result.summary.apps - jobs;
  return jobs === 0 ? plural(apps, "app") : `${plural(apps, "app")} and ${plural(jobs, "job")}`;
}

export function renderScopeCheck(result: ScopeCheckResult): string {
  const parts = result.apps.map((a) => renderCheck(a));
  const s = result.summary;
  const failed = s.failed.map((f) => `  could not check ${f.appId}: ${f.error}`);
  parts.push(
    [
      `${workloadCount(result)}: ${s.healthy} healthy, ${s.degraded} degraded, ${s.broken} broken${s.failed.length ? `, ${s.failed.length} not checked` : ""}; ${plural(s.armRequests, "ARM request")}`,
      ...failed,
    ].join("\n"),
  );
  return `${parts.join("\n")}\n`;
}
