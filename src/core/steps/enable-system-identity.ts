/**
 * enable-system-identity: turn on the app's system-assigned identity, keeping its user-assigned ones (one PATCH of
 * `identity`). The new principal is read back and handed to the grants that wait for it (assign-role with
 * `principalFrom: "app-system-identity"`); ARM answering without a principal yet is a failure to run again.
 */
import { valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import {
  attachedUamis,
  existingApp,
  hasIdentityType,
  identityAuditBefore,
  identityBefore,
  identityPatch,
  identitySlice,
  readApp,
} from "./app-identity.js";
import { type StepModule, workloadWord } from "./step-module.js";

export interface EnableSystemIdentityStep extends StepBase {
  kind: "enable-system-identity";
}

export const enableSystemIdentity: StepModule<EnableSystemIdentityStep> = {
  kind: "enable-system-identity",
  neededRole: "Container Apps Contributor on the app",
  key: () => "enable-system",
  dependsOn: () => false,
  describe: (s) => `enable the ${workloadWord(s.target)}'s system-assigned identity`,
  read: (step) => readApp(step.target),
  prepare(step, current) {
    const app = existingApp(step.target, current);
    if (hasIdentityType(valueAt(app, "identity", "type"), "systemassigned")) {
      const principal = valueAt(app, "identity", "principalId");
      return {
        kind: "in-place",
        before: identitySlice(app),
        ...(typeof principal === "string" ? { learned: { systemPrincipalId: principal } } : {}),
      };
    }
    const call = identityPatch(step.target, app, true, attachedUamis(app));
    return { kind: "write", call, before: identityBefore(app), step };
  },
  confirmRead: (step) => readApp(step.target),
  confirm(step, _answer, reread) {
    const app = existingApp(step.target, reread);
    const principal = valueAt(app, "identity", "principalId");
    if (typeof principal !== "string" || principal === "") {
      return {
        outcome: "failed",
        after: identitySlice(app),
        error: "the system identity was enabled but ARM returned no principalId yet; run fix again",
      };
    }
    return { outcome: "done", after: identitySlice(app), learned: { systemPrincipalId: principal } };
  },
  auditBefore: identityAuditBefore,
};
