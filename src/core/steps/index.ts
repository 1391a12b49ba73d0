/**
 * Every plan step kind, one module each (see step-module.ts for what a module carries). The list is explicit: a new
 * kind is a new file here, its line below, its type in the PlanStep union (plan-step.ts) and its phase in order.ts.
 */
import type { PlanStep, StepKind } from "../plan-step.js";
import { addRegistryEntry } from "./add-registry-entry.js";
import { allowRegistryIps } from "./allow-registry-ips.js";
import { assignRole } from "./assign-role.js";
import { attachUserIdentity } from "./attach-user-identity.js";
import { enableArmAudienceTokens } from "./enable-arm-audience-tokens.js";
import { enableSystemIdentity } from "./enable-system-identity.js";
import { restartRevision } from "./restart-revision.js";
import { resubmitTemplate } from "./resubmit-template.js";
import { setRegistryIdentity } from "./set-registry-identity.js";
import { startJobExecution } from "./start-job-execution.js";
import { type ModuleOf, type StepModule, workloadWord } from "./step-module.js";

export const STEP_MODULES: { [K in StepKind]: ModuleOf<K> } = {
  "enable-system-identity": enableSystemIdentity,
  "attach-user-identity": attachUserIdentity,
  "assign-role": assignRole,
  "set-registry-identity": setRegistryIdentity,
  "add-registry-entry": addRegistryEntry,
  "enable-arm-audience-tokens": enableArmAudienceTokens,
  "allow-registry-ips": allowRegistryIps,
  "restart-revision": restartRevision,
  "resubmit-template": resubmitTemplate,
  "start-job-execution": startJobExecution,
};

/** The module of a step's (or a draft's) kind. STEP_MODULES is typed per kind, so each module fits its steps. */
export function moduleOf(step: { kind: StepKind }): StepModule {
  return STEP_MODULES[step.kind] as unknown as StepModule;
}

/**
 * The Azure role PullGuard needs for the step's write, said when ARM answers 403. The modules word it for an app ("on
 * the app"); for a job's write it says "on the job".
 */
export function neededRoleOf(step: PlanStep): string {
  return moduleOf(step).neededRole.replace(/\bon the app\b/, `on the ${workloadWord(step.target)}`);
}

/** Whether the step follows the fixes (restart-revision, resubmit-template, start-job-execution). */
export function followsFixes(step: { kind: StepKind }): boolean {
  return moduleOf(step).followsFixes === true;
}

/** One sentence per plan step, shared by the CLI output and the notifications. */
export function describeStep(step: PlanStep): string {
  return moduleOf(step).describe(step);
}
