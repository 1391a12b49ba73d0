/**
 * attach-user-identity: attach a user-assigned identity to the app, keeping the identities already there (one PATCH
 * of `identity`). The planner holds it back when the identity is outside the allowlist: attaching lends the app the
 * identity's rights.
 */
import type { StepBase } from "../plan-step.js";
import { resourceNameOf } from "../resource-id.js";
import {
  attachedUamis,
  existingApp,
  identityAuditBefore,
  identityBefore,
  identityPatch,
  identitySlice,
  readApp,
} from "./app-identity.js";
import { lower, type StepModule, workloadWord } from "./step-module.js";

export interface AttachUserIdentityStep extends StepBase {
  kind: "attach-user-identity";
  identityId: string;
}

export const attachUserIdentity: StepModule<AttachUserIdentityStep> = {
  kind: "attach-user-identity",
  neededRole: "Container Apps Contributor on the app and Managed Identity Operator on the identity",
  key: (s) => `attach|${lower(s.identityId)}`,
  dependsOn: () => false,
  describe: (s) => `attach user-assigned identity ${resourceNameOf(s.identityId)} to the ${workloadWord(s.target)}`,
  read: (step) => readApp(step.target),
  prepare(step, current) {
    const app = existingApp(step.target, current);
    const uamis = attachedUamis(app);
    if (uamis.some((id) => lower(id) === lower(step.identityId))) {
      return { kind: "in-place", before: identitySlice(app) };
    }
    const call = identityPatch(step.target, app, false, [...uamis, step.identityId]);
    return { kind: "write", call, before: identityBefore(app), step };
  },
  confirmRead: (step) => readApp(step.target),
  confirm: (step, _answer, reread) => ({ outcome: "done", after: identitySlice(existingApp(step.target, reread)) }),
  auditBefore: identityAuditBefore,
};
