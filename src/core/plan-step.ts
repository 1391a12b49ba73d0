/**
 * Plan steps: plain serialisable data (spec/cli.md "Plan steps"). `check` shows them, `fix` applies them,
 * the HTTP trigger returns them and notifications render them. Each kind is defined, with its whole lifecycle, in its
 * own module under `steps/` (the list is `steps/index.ts`).
 */
import type { FindingCode } from "./finding.js";
import type { AddRegistryEntryStep } from "./steps/add-registry-entry.js";
import type { AllowRegistryIpsStep } from "./steps/allow-registry-ips.js";
import type { AssignRoleStep } from "./steps/assign-role.js";
import type { AttachUserIdentityStep } from "./steps/attach-user-identity.js";
import type { EnableArmAudienceTokensStep } from "./steps/enable-arm-audience-tokens.js";
import type { EnableSystemIdentityStep } from "./steps/enable-system-identity.js";
import type { RestartRevisionStep } from "./steps/restart-revision.js";
import type { ResubmitTemplateStep } from "./steps/resubmit-template.js";
import type { SetRegistryIdentityStep } from "./steps/set-registry-identity.js";
import type { StartJobExecutionStep } from "./steps/start-job-execution.js";

export type { AddRegistryEntryStep } from "./steps/add-registry-entry.js";
export type { AllowRegistryIpsStep } from "./steps/allow-registry-ips.js";
export type { AssignRoleStep, KnownPrincipalGrant, PendingPrincipalGrant } from "./steps/assign-role.js";
export type { AttachUserIdentityStep } from "./steps/attach-user-identity.js";
export type { EnableArmAudienceTokensStep } from "./steps/enable-arm-audience-tokens.js";
export type { EnableSystemIdentityStep } from "./steps/enable-system-identity.js";
export type { RestartRevisionStep } from "./steps/restart-revision.js";
export type { ResubmitTemplateStep } from "./steps/resubmit-template.js";
export type { SetRegistryIdentityStep } from "./steps/set-registry-identity.js";
export type { StartJobExecutionStep } from "./steps/start-job-execution.js";

export type StepDecision = "apply" | "needs-approval" | "report-only";

export interface StepBase {
  /** The resource the step changes. */
  target: string;
  /** The finding code that asked for it. */
  reason: FindingCode;
  decision: StepDecision;
  /** Why the policy decided so (e.g. "opt-in fix not enabled", "outside the allowlist"). */
  why?: string;
}

export type PlanStep =
  | AssignRoleStep
  | AttachUserIdentityStep
  | EnableSystemIdentityStep
  | SetRegistryIdentityStep
  | AddRegistryEntryStep
  | EnableArmAudienceTokensStep
  | AllowRegistryIpsStep
  | RestartRevisionStep
  | ResubmitTemplateStep
  | StartJobExecutionStep;

export type StepKind = PlanStep["kind"];
