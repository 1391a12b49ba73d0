/**
 * `pullguard fix <app-id> [--dry-run] [--yes] [--json]`: diagnose, plan, apply per policy, verify.
 * Exit 0 resolved (or nothing to do), 2 still broken / unresolved / pending, 1 could not run.
 * With storage configured, the writes run under the app's lease (fix-app.ts); a run that finds it held says who
 * holds it on stderr, skips every step with that reason and exits 2 (pending: the holder is fixing the app).
 */
import { createAzureAccess } from "../../app/azure-access.js";
import { checkDocument } from "../../app/check-result.js";
import { type FixResult, fixApp } from "../../app/fix-app.js";
import { describeStep } from "../../app/step-description.js";
import { createMemoryAuditLog, openAuditLog } from "../../azure/audit-log.js";
import { createMemoryChangeBudget, openChangeBudget } from "../../azure/change-budget.js";
import { openWorkloadLease } from "../../azure/workload-lease.js";
import type { Settings } from "../../config.js";
import { diagnose } from "../../core/diagnose.js";
import type { PlanStep } from "../../core/plan-step.js";
import { subscriptionOf, workloadKindOfId } from "../../core/resource-id.js";
import { DEFAULT_LEASE_MS, leaseHeldMessage } from "../../core/workload-lease.js";
import type { CliIo, CommandOptions } from "../deps.js";
import { UsageError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { renderCheck } from "../render-check.js";
import { policySettingsFor } from "./check.js";
import { appIdArgument, flag, subscriptionOption } from "./options.js";
import type { OpenBackend } from "./session.js";

/**
 * The CLI's deadline for applying (spec/cli.md defines no flag for it): generous, as a person waits at a terminal and
 * no host kills the process, but bounded, so a 600-second Retry-After or an operation that never ends leaves the
 * step `pending` (exit 2) instead of hanging. The verification's own wait is PULLGUARD_VERIFY_DEADLINE_MINUTES.
 */
const CLI_APPLY_MS = 30 * 60_000;

export function fixExitCode(result: FixResult): ExitCode {
  if (result.verification.outcome === "resolved") return EXIT.ok;
  // Nothing to do: no error and no step planned at all. A planned step that is held back or still due (e.g. a restart
  // waiting for a grant to propagate) leaves the outcome pending: exit 2.
  if (result.before.verdict !== "broken" && result.before.plan.length === 0 && result.applied.length === 0) {
    return EXIT.ok;
  }
  return EXIT.broken;
}

/** The `fix --json` document of cli.md (plus the exact ARM requests, which a dry run is for). */
export function fixDocument(result: FixResult): Record<string, unknown> {
  return {
    appId: result.appId,
    kind: workloadKindOfId(result.appId),
    before: checkDocument(result.before),
    applied: result.applied,
    skipped: result.skipped,
    verification: result.verification,
    auditIds: result.auditIds,
    requests: result.requests,
    notes: result.notes,
  };
}

function renderFix(result: FixResult, dryRun: boolean): string {
  const lines = [renderCheck(result.before).trimEnd(), ""];
  if (dryRun) {
    lines.push("dry run: these ARM requests would be sent (none was):");
    for (const r of result.requests)
      lines.push(`  ${r.method} ${r.url}`, ...(r.body ? [`    ${JSON.stringify(r.body)}`] : []));
  } else {
    for (const s of result.applied) {
      lines.push(
        `${s.result === "failed" ? "✖" : "✔"} ${describeStep(s)}: ${s.result}${s.error ? ` (${s.error})` : ""}`,
      );
    }
    // Mode report, an unapproved opt-in fix, the allowlist or the budget held steps back: show what they would send.
    const unsent = result.requests.filter((r) => !r.sent);
    if (unsent.length > 0) lines.push("these ARM requests were not sent:");
    for (const r of unsent) {
      lines.push(
        `  ${r.method} ${r.url}${r.note ? ` (${r.note})` : ""}`,
        ...(r.body ? [`    ${JSON.stringify(r.body)}`] : []),
      );
    }
  }
  for (const s of result.skipped) lines.push(`- not done: ${describeStep(s)} (${s.why})`);
  const v = result.verification;
  lines.push(
    "",
    `verification: ${v.outcome}${v.revision ? ` (revision ${v.revision}: ${v.state.provisioningState ?? "?"}/${v.state.runningState ?? "?"}/${v.state.healthState ?? "?"})` : ""}`,
  );
  for (const f of v.remaining) lines.push(`  remaining: ${f.code}: ${f.message}`);
  if (result.auditIds.length > 0) lines.push(`audit: ${result.auditIds.join(", ")}`);
  for (const note of result.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

async function askToApply(io: CliIo, plan: PlanStep[]): Promise<boolean> {
  const writes = plan.filter((s) => s.decision === "apply");
  io.stderr(`PullGuard will make ${writes.length} change(s):\n`);
  for (const s of writes) io.stderr(`  - ${describeStep(s)}\n`);
  const answer = await io.ask("Apply them? [y/N] ");
  return /^y(es)?$/i.test(answer.trim());
}

export async function runFix(
  opts: CommandOptions,
  ctx: { io: CliIo; settings: Settings; openBackend: OpenBackend; user: string },
): Promise<ExitCode> {
  const appId = appIdArgument(opts.appId);
  const dryRun = flag(opts.dryRun);
  const yes = flag(opts.yes);
  const json = flag(opts.json);
  const subscription = subscriptionOption(opts.subscription);
  if (!dryRun && !yes && !ctx.io.interactive) {
    throw new UsageError(
      "no terminal to confirm on: add --yes to apply the plan, or --dry-run to see it without changing anything",
    );
  }
  const settings = policySettingsFor(ctx.settings, appId, subscription);
  const session = await ctx.openBackend(
    { ...(typeof opts.world === "string" ? { world: opts.world } : {}), ...(subscription ? { subscription } : {}) },
    settings,
  );
  try {
    const azure = createAzureAccess(session.backend, session.now);
    const storageConfigured = Boolean(settings.storage.connectionString || settings.storage.tableServiceUri);
    const audit = storageConfigured
      ? openAuditLog(settings.storage, session.backend.credential)
      : createMemoryAuditLog();
    const budget = storageConfigured
      ? openChangeBudget(settings.storage, session.backend.credential, settings.maxChangesPerHour)
      : createMemoryChangeBudget(settings.maxChangesPerHour);
    if (!storageConfigured && !json) {
      ctx.io.stderr(
        "note: no storage configured (AzureWebJobsStorage): the audit records of this run stay in memory\n",
      );
    }
    // The same lease per app as the function app's instances; held through the verification wait, so it outlives it.
    const verifyMs = settings.verifyDeadlineMinutes * 60_000;
    const lease = storageConfigured
      ? openWorkloadLease(settings.storage, session.backend.credential, {
          now: session.now,
          durationMs: Math.max(DEFAULT_LEASE_MS, verifyMs + 5 * 60_000),
        })
      : undefined;
    const result = await fixApp(appId, {
      readFacts: azure.readFacts,
      diagnose,
      settings,
      apply: {
        arm: azure.arm(subscriptionOf(appId) ?? ""),
        now: session.now,
        sleep: session.sleep,
        budget,
        audit,
        allowedScopes: settings.allowedScopes,
        invocationMs: CLI_APPLY_MS,
      },
      trigger: { source: "cli", eventId: null, correlationId: null, caller: ctx.user },
      dryRun,
      confirm: (plan) => (yes ? Promise.resolve(true) : askToApply(ctx.io, plan)),
      verification: {
        mode: "wait",
        sleep: session.sleep,
        deadlineMs: verifyMs,
      },
      ...(lease ? { lease } : {}),
    });
    if (result.leaseHeld) ctx.io.stderr(`${leaseHeldMessage(result.leaseHeld)}\n`);
    ctx.io.stdout(json ? `${JSON.stringify(fixDocument(result), null, 2)}\n` : renderFix(result, dryRun));
    return dryRun ? (result.before.verdict === "broken" ? EXIT.broken : EXIT.ok) : fixExitCode(result);
  } finally {
    await session.close();
  }
}
