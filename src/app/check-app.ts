/**
 * The `check` use case: read the app's pull path, diagnose it, and say what `fix` would do under the policy.
 */
import type { PullFacts, ReadStats } from "../core/facts.js";
import { planFixes } from "../core/plan.js";
import { type PolicySettings, policyFromSettings } from "../core/policy.js";
import type { CheckResult } from "./check-result.js";
import type { Diagnosis } from "./verify.js";

export interface CheckDeps {
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  diagnose(facts: PullFacts): Diagnosis;
  settings: PolicySettings;
}

export async function checkApp(appId: string, deps: CheckDeps): Promise<{ result: CheckResult; facts: PullFacts }> {
  const { facts, stats } = await deps.readFacts(appId);
  const diagnosis = deps.diagnose(facts);
  const plan = planFixes(facts, diagnosis.findings, policyFromSettings(deps.settings, facts.app.tags));
  return {
    result: { appId: facts.app.id, verdict: diagnosis.verdict, findings: diagnosis.findings, plan, stats },
    facts,
  };
}
