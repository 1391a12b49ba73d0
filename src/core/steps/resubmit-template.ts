/**
 * resubmit-template: when the app has no revision to restart, PATCH its template back unchanged but for a new
 * `revisionSuffix`, which makes a new revision. Like a restart it follows every fix before it.
 */
import { isObject, valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import { existingApp, readApp } from "./app-identity.js";
import type { StepModule } from "./step-module.js";

export interface ResubmitTemplateStep extends StepBase {
  kind: "resubmit-template";
  revisionSuffix: string;
}

export const resubmitTemplate: StepModule<ResubmitTemplateStep> = {
  kind: "resubmit-template",
  neededRole: "Container Apps Contributor on the app",
  key: () => "restart",
  dependsOn: () => true,
  followsFixes: true,
  describe: (s) => `re-submit the app's template as a new revision (suffix ${s.revisionSuffix})`,
  read: (step) => readApp(step.target),
  prepare(step, current) {
    const app = existingApp(step.target, current);
    const template = valueAt(app, "properties", "template");
    if (!isObject(template)) throw new Error(`container app ${step.target} has no template to re-submit`);
    if (template.revisionSuffix === step.revisionSuffix) {
      return { kind: "in-place", before: { revisionSuffix: step.revisionSuffix } };
    }
    return {
      kind: "write",
      call: {
        method: "PATCH",
        path: step.target,
        api: "containerApps",
        body: { properties: { template: { ...template, revisionSuffix: step.revisionSuffix } } },
      },
      before: app,
      step,
    };
  },
  confirm: (step) => ({ outcome: "done", after: { revisionSuffix: step.revisionSuffix } }),
  auditBefore: (before) => ({ revisionSuffix: valueAt(before, "properties", "template", "revisionSuffix") ?? null }),
};
