/**
 * The HTTP check (GET /api/apps/..., v2 GET /api/jobs/..., POST /api/check): diagnose a container app or a job, or
 * with `fix: true` fix it per policy and return the `fix --json` document of cli.md with what the function app did
 * about it. Workloads outside the watched subscriptions and the allowlist are refused (OutsideAllowlistError → 403).
 */
import { isAllowed, policyFromSettings } from "../core/policy.js";
import { subscriptionOf, workloadKindOfId } from "../core/resource-id.js";
import { OutsideAllowlistError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { checkApp } from "./check-app.js";
import { type CheckDocument, checkDocument } from "./check-result.js";
import type { FlowContext } from "./flow-deps.js";
import type { Trigger } from "./trigger.js";

export interface HttpCheckRequest {
  appId: string;
  fix: boolean;
}

export async function answerHttpCheck(
  ctx: FlowContext,
  request: HttpCheckRequest,
  trigger: Trigger,
  log: Logger,
): Promise<CheckDocument | Record<string, unknown>> {
  const { settings } = ctx.deps;
  const watched = ctx.watched.has(subscriptionOf(request.appId) ?? "");
  if (!watched && !isAllowed(policyFromSettings(settings), request.appId)) {
    throw new OutsideAllowlistError(request.appId, settings.allowedScopes);
  }
  if (!request.fix) return diagnoseForHttp(ctx, request.appId);
  const { outcome, fix } = await ctx.fixAndNotify(request.appId, trigger, log);
  if (!fix) return { ...outcome };
  return {
    appId: fix.appId,
    kind: workloadKindOfId(fix.appId),
    before: checkDocument(fix.before),
    applied: fix.applied,
    skipped: fix.skipped,
    verification: fix.verification,
    auditIds: fix.auditIds,
    notes: fix.notes,
    action: outcome.action,
    writes: outcome.writes,
  };
}

/** Read → diagnose → plan, with its diagnosis event. */
async function diagnoseForHttp(ctx: FlowContext, appId: string): Promise<CheckDocument> {
  const { deps } = ctx;
  const started = deps.now().getTime();
  const { result } = await checkApp(appId, {
    readFacts: deps.readFacts,
    diagnose: deps.diagnose,
    settings: deps.settings,
  });
  deps.telemetry.diagnosis({
    appId: result.appId,
    verdict: result.verdict,
    codes: result.findings.map((f) => f.code),
    trigger: "check",
    durationMs: deps.now().getTime() - started,
    armRequests: result.stats.armRequests,
  });
  return checkDocument(result);
}
