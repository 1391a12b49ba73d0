/**
 * The app's `identity` block, shared by enable-system-identity and attach-user-identity: both PATCH the whole block
 * (ARM replaces it), keeping every identity that is there. v2: a job's `identity` is the same block at the same path,
 * written the same way (a JSON merge PATCH of the job: Job_Patch.json in azure-rest-api-specs, 2025-07-01 examples).
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import { workloadNounOfId } from "../resource-id.js";
import type { ArmCall } from "./step-module.js";
import { lower } from "./step-module.js";

/** What the audit keeps of an app's identity: type, system principal, attached user-assigned identity IDs. */
export function identitySlice(app: unknown): Json {
  const identity = valueAt(app, "identity");
  const uamis = valueAt(identity, "userAssignedIdentities");
  return {
    type: valueAt(identity, "type") ?? "None",
    principalId: valueAt(identity, "principalId") ?? null,
    userAssignedIdentities: Object.keys(isObject(uamis) ? uamis : {}),
  };
}

export function hasIdentityType(type: unknown, part: "systemassigned" | "userassigned"): boolean {
  return typeof type === "string" && lower(type).replace(/\s/g, "").split(",").includes(part);
}

function identityType(system: boolean, user: boolean): string {
  if (system && user) return "SystemAssigned,UserAssigned";
  if (system) return "SystemAssigned";
  if (user) return "UserAssigned";
  return "None";
}

/** The workload (app or job) as read, or the error a step on one that is gone reports. */
export function existingApp(appId: string, app: unknown): Json {
  if (!isObject(app)) throw new Error(`${workloadNounOfId(appId)} ${appId} no longer exists`);
  return app;
}

export function readApp(appId: string): ArmCall {
  return { method: "GET", path: appId, api: "containerApps" };
}

export function attachedUamis(app: unknown): string[] {
  const uamis = valueAt(app, "identity", "userAssignedIdentities");
  return isObject(uamis) ? Object.keys(uamis) : [];
}

/** The PATCH of the identity block: the system identity on or kept, and the user-assigned identities `ids`. */
export function identityPatch(appId: string, app: Json, system: boolean, ids: string[]): ArmCall {
  const body: Json = {
    identity: {
      type: identityType(system || hasIdentityType(valueAt(app, "identity", "type"), "systemassigned"), ids.length > 0),
      ...(ids.length > 0 ? { userAssignedIdentities: Object.fromEntries(ids.map((id) => [id, {}])) } : {}),
    },
  };
  return { method: "PATCH", path: appId, api: "containerApps", body };
}

/** The audit's "before" of an identity write: the slice (the full block is kept for the forbidden-list check). */
export function identityBefore(app: Json): Json {
  return { identity: valueAt(app, "identity") ?? null, slice: identitySlice(app) };
}

export function identityAuditBefore(before: unknown): unknown {
  return valueAt(before, "slice") ?? before;
}
