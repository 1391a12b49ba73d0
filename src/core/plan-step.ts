/**
 * Plan steps: plain serialisable data (spec/cli.md "Plan steps"). `check` shows them, `fix` applies them,
 * the HTTP trigger returns them and notifications render them.
 */
import type { FindingCode } from "./finding.js";

export type StepDecision = "apply" | "needs-approval" | "report-only";

interface StepBase {
  /** The resource the step changes. */
  target: string;
  /** The finding code that asked for it. */
  reason: FindingCode;
  decision: StepDecision;
  /** Why the policy decided so (e.g. "opt-in fix not enabled", "outside the allowlist"). */
  why?: string;
}

export interface AssignRoleStep extends StepBase {
  kind: "assign-role";
  /** Full role definition ID. */
  roleDefinitionId: string;
  roleName: string;
  scope: string;
  principalId: string;
  principalType: "ServicePrincipal";
  condition: string | null;
  conditionVersion: "2.0" | null;
  /** Deterministic assignment name: a name-based UUID of scope + principal + role. */
  name: string;
  /** For abac-condition-excludes-repository: the existing assignment being extended (same name, PUT). */
  replaces?: string;
  /**
   * Set when the principal does not exist yet (system-identity-disabled): `principalId` and `name` hold readable
   * placeholders and applyPlan fills them in from the app's new system identity after the enable step.
   */
  principalFrom?: "app-system-identity";
  /** The repositories the grant must admit (ABAC mode; lower case). A 409 is success only if they are admitted. */
  repositories?: string[];
}

export interface AttachUserIdentityStep extends StepBase {
  kind: "attach-user-identity";
  identityId: string;
}

export interface EnableSystemIdentityStep extends StepBase {
  kind: "enable-system-identity";
}

export interface SetRegistryIdentityStep extends StepBase {
  kind: "set-registry-identity";
  server: string;
  /** "system" or a UAMI resource ID. */
  identity: string;
}

export interface AddRegistryEntryStep extends StepBase {
  kind: "add-registry-entry";
  server: string;
  identity: string;
}

export interface EnableArmAudienceTokensStep extends StepBase {
  kind: "enable-arm-audience-tokens";
}

export interface AllowRegistryIpsStep extends StepBase {
  kind: "allow-registry-ips";
  ips: string[];
}

export interface RestartRevisionStep extends StepBase {
  kind: "restart-revision";
  revision: string;
  /** Earliest time the restart is useful (e.g. after a propagation window), ISO; absent = now. */
  notBefore?: string;
}

export interface ResubmitTemplateStep extends StepBase {
  kind: "resubmit-template";
  revisionSuffix: string;
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
  | ResubmitTemplateStep;

export type StepKind = PlanStep["kind"];
