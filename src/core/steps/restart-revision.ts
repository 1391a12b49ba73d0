/**
 * restart-revision: restart the failing revision once the fixes before it are in place (a POST action without a
 * body), so its replicas pull again. A restart waiting for a grant to propagate carries `notBefore` and is not sent
 * earlier. It depends on every step before it and is only as strong as the strongest of them.
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import type { ArmCall, StepModule } from "./step-module.js";

export interface RestartRevisionStep extends StepBase {
  kind: "restart-revision";
  revision: string;
  /** Earliest time the restart is useful (e.g. after a propagation window), ISO; absent = now. */
  notBefore?: string;
}

/** The app a revision step belongs to. */
export function appOfRevision(step: RestartRevisionStep): string {
  return step.target.replace(/\/revisions\/[^/]+$/i, "");
}

function restartCall(step: RestartRevisionStep): ArmCall {
  return { method: "POST", path: `${appOfRevision(step)}/revisions/${step.revision}/restart`, api: "containerApps" };
}

/** What the audit keeps of a revision's state. */
export function revisionState(revision: unknown): Json {
  return {
    name: valueAt(revision, "name") ?? null,
    provisioningState: valueAt(revision, "properties", "provisioningState") ?? null,
    runningState: valueAt(revision, "properties", "runningState") ?? null,
    healthState: valueAt(revision, "properties", "healthState") ?? null,
  };
}

export const restartRevision: StepModule<RestartRevisionStep> = {
  kind: "restart-revision",
  neededRole: "Container Apps Contributor on the app",
  key: () => "restart",
  dependsOn: () => true,
  followsFixes: true,
  notBefore: (s) => s.notBefore,
  describe: (s) => `restart revision ${s.revision}${s.notBefore ? ` (not before ${s.notBefore})` : ""}`,
  read: (step) => ({ method: "GET", path: `${appOfRevision(step)}/revisions/${step.revision}`, api: "containerApps" }),
  prepare(step, revision) {
    if (!isObject(revision)) throw new Error(`revision ${step.revision} no longer exists`);
    return { kind: "write", call: restartCall(step), before: revisionState(revision), step };
  },
  // A POST without a body: showing it needs no read.
  preview: (step) => ({ kind: "write", call: restartCall(step), before: null, step }),
  confirm: (step) => ({ outcome: "done", after: { restarted: step.revision } }),
  // A restart is a POST action: sent again it restarts again, so after a lost reply it is never re-sent; its replicas
  // tell whether it happened. A replica's `createdTime` is "when the pod was created by controller" (@azure/arm-
  // appcontainers, Replica), and restarting a revision replaces its pods: a replica created at or after the moment
  // the restart went out means it took effect. Nothing newer is "unknown" (ARM may not show it yet), never "not
  // applied": that it replaces the pods is an assumption no page states outright.
  settleRead: (step) => ({
    method: "GET",
    path: `${appOfRevision(step)}/revisions/${step.revision}/replicas`,
    api: "containerApps",
  }),
  settle(_step, replicas, sent) {
    const list = valueAt(replicas, "value");
    const at = Date.parse(sent.at);
    const created = (Array.isArray(list) ? list : []).map((r) =>
      Date.parse(String(valueAt(r, "properties", "createdTime"))),
    );
    return created.some((t) => !Number.isNaN(t) && t >= at) ? "applied" : "unknown";
  },
  auditBefore: (before) => before,
};
