/**
 * The fix policy: what PullGuard may change, decided once from the settings and narrowed per app by the tag
 * `pullguard-mode` (off | report | fix). A tag can only lower the mode (fix → report → off), never raise it: an app
 * tagged `fix` in a `report` deployment stays in report mode.
 *
 * Example: settings mode "fix" + tag `pullguard-mode: report` → mode "report" (every step report-only).
 */
import type { FindingCode } from "./finding.js";
import { fixAvailability } from "./fix-defaults.js";
import type { StepDecision } from "./plan-step.js";
import { subscriptionOf } from "./resource-id.js";
import { assignmentCovers } from "./roles.js";

export type PolicyMode = "fix" | "report" | "off";

export const MODE_TAG = "pullguard-mode";

/** The settings the policy is built from (a subset of `Settings` in src/config.ts, which src/core may not import). */
export interface PolicySettings {
  mode: PolicyMode;
  optInFixes: readonly string[];
  disabledFixes: readonly string[];
  allowedScopes: readonly string[];
  maxChangesPerHour: number;
  /**
   * v2: start one execution of a manual-trigger job after fixing it (PULLGUARD_START_JOBS_AFTER_FIX). Absent or false:
   * no execution is ever started (an execution runs the job's real work).
   */
  startJobsAfterFix?: boolean;
}

export interface Policy {
  mode: PolicyMode;
  /** Where the mode came from: the settings, or the app's `pullguard-mode` tag (which lowered it). */
  modeSource: "settings" | "tag";
  optInFixes: string[];
  disabledFixes: string[];
  /** Subscription, resource group or registry IDs PullGuard may change. Empty: nothing. */
  allowedScopes: string[];
  maxChangesPerHour: number;
  /** v2: whether a manual-trigger job's fix ends with the start of one execution (PULLGUARD_START_JOBS_AFTER_FIX). */
  startJobsAfterFix: boolean;
  /** Remarks a person should see (e.g. an unrecognised tag value). */
  notes: string[];
}

const RANK: Record<PolicyMode, number> = { off: 0, report: 1, fix: 2 };

function tagValue(tags: Record<string, string>, name: string): string | undefined {
  // Azure tag names are case-insensitive.
  const key = Object.keys(tags).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : tags[key];
}

/** Builds the policy for one app from the settings and the app's tags (pure). */
export function policyFromSettings(settings: PolicySettings, appTags: Record<string, string> = {}): Policy {
  const notes: string[] = [];
  let mode = settings.mode;
  let modeSource: Policy["modeSource"] = "settings";
  const raw = tagValue(appTags, MODE_TAG);
  if (raw !== undefined) {
    const value = raw.trim().toLowerCase();
    let requested: PolicyMode;
    if (value === "off" || value === "report" || value === "fix") {
      requested = value;
    } else {
      // Someone meant to restrict PullGuard but mistyped: the safe reading that still shows the diagnosis.
      requested = "report";
      notes.push(`tag ${MODE_TAG}=${JSON.stringify(raw)} is not one of off, report, fix: treated as report`);
    }
    if (RANK[requested] < RANK[mode]) {
      mode = requested;
      modeSource = "tag";
    } else if (RANK[requested] > RANK[mode]) {
      notes.push(`tag ${MODE_TAG}=${value} cannot raise the configured mode ${mode}`);
    }
  }
  return {
    mode,
    modeSource,
    optInFixes: [...settings.optInFixes],
    disabledFixes: [...settings.disabledFixes],
    allowedScopes: [...settings.allowedScopes],
    maxChangesPerHour: settings.maxChangesPerHour,
    startJobsAfterFix: settings.startJobsAfterFix === true,
    notes,
  };
}

/**
 * Whether the policy's allowlist covers a resource: Azure's scope inheritance (assignmentCovers), for allowlist
 * entries under a subscription only. The allowlist fails closed: an empty entry, "/" or a management group (which
 * PULLGUARD_ALLOWED_SCOPES rejects anyway) admits nothing.
 */
export function isAllowed(policy: Pick<Policy, "allowedScopes">, resourceId: string): boolean {
  return policy.allowedScopes.some((scope) => subscriptionOf(scope) !== null && assignmentCovers(scope, resourceId));
}

/** What the policy decides for a step that fixes `code` and changes `target`. */
export function decide(policy: Policy, code: FindingCode, target: string): { decision: StepDecision; why?: string } {
  if (policy.mode !== "fix") {
    const source = policy.modeSource === "tag" ? `the app's ${MODE_TAG} tag` : "PULLGUARD_MODE";
    return { decision: "report-only", why: `mode ${policy.mode} (${source}): PullGuard only reports` };
  }
  if (!isAllowed(policy, target)) {
    return {
      decision: "report-only",
      why: `outside the allowlist: ${target} is in none of PULLGUARD_ALLOWED_SCOPES (${policy.allowedScopes.join(", ") || "none configured"})`,
    };
  }
  if (policy.disabledFixes.includes(code)) {
    return { decision: "report-only", why: `the fix for ${code} is switched off (PULLGUARD_DISABLED_FIXES)` };
  }
  const availability = fixAvailability(code);
  if (availability === "auto") return { decision: "apply" };
  if (availability === "opt-in") {
    if (policy.optInFixes.includes(code)) return { decision: "apply" };
    return {
      decision: "needs-approval",
      why: `opt-in fix not enabled: add ${code} to PULLGUARD_OPT_IN_FIXES to let PullGuard apply it`,
    };
  }
  return { decision: "report-only", why: `${code} has no automatic fix` };
}
