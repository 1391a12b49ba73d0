/**
 * The app's `configuration.registries`, shared by add-registry-entry and set-registry-identity: both PATCH the whole
 * array (ARM replaces arrays) with every other entry as it is, and never send `configuration.secrets`.
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import type { PlanStep } from "../plan-step.js";
import { resourceNameOf } from "../resource-id.js";
import { existingApp, readApp } from "./app-identity.js";
import { type ArmCall, lower, type Preparation, type StepModule } from "./step-module.js";

type EntryStep = Extract<PlanStep, { kind: "add-registry-entry" | "set-registry-identity" }>;

export function entriesOf(app: unknown): Json[] {
  const registries = valueAt(app, "properties", "configuration", "registries");
  return Array.isArray(registries) ? registries.filter(isObject) : [];
}

export function identityLabel(identity: string): string {
  return identity === "system" ? "system" : resourceNameOf(identity);
}

function entriesPatch(appId: string, next: Json[]): ArmCall {
  return {
    method: "PATCH",
    path: appId,
    api: "containerApps",
    body: { properties: { configuration: { registries: next } } },
  };
}

/**
 * The entry for `step.server` already uses `step.identity` without credentials: in place. Otherwise `change` builds
 * the new array from the entries and the current entry (if any).
 */
export function prepareEntries<S extends EntryStep>(
  step: S,
  current: unknown,
  change: (entries: Json[], index: number, entry: Json | undefined) => Json[],
): Preparation<S> {
  const app = existingApp(step.target, current);
  const entries = entriesOf(app);
  const index = entries.findIndex((e) => typeof e.server === "string" && lower(e.server) === lower(step.server));
  const entry = entries[index];
  const sameIdentity = typeof entry?.identity === "string" && lower(entry.identity) === lower(step.identity);
  if (entry && sameIdentity && !entry.username && !entry.passwordSecretRef)
    return { kind: "in-place", before: entries };
  return { kind: "write", call: entriesPatch(step.target, change(entries, index, entry)), before: app, step };
}

/** The parts of a registry-entry module that both kinds share. */
export function entryModule<S extends EntryStep>(): Pick<
  StepModule<S>,
  "neededRole" | "key" | "dependsOn" | "read" | "confirmRead" | "confirm" | "auditBefore"
> {
  return {
    neededRole: "Container Apps Contributor on the app",
    key: (s) => `entry|${lower(s.server)}`,
    // After the identity it names and after the grant made for the same finding: an entry never switches to an
    // identity before that identity may pull.
    dependsOn: (step, earlier) =>
      (earlier.kind === "enable-system-identity" && lower(step.identity) === "system") ||
      (earlier.kind === "attach-user-identity" && lower(earlier.identityId) === lower(step.identity)) ||
      (earlier.kind === "assign-role" && earlier.reason === step.reason),
    read: (step) => readApp(step.target),
    confirmRead: (step) => readApp(step.target),
    confirm: (step, _answer, reread) => ({
      outcome: "done",
      after: valueAt(existingApp(step.target, reread), "properties", "configuration", "registries") ?? null,
    }),
    auditBefore: (before) => valueAt(before, "properties", "configuration", "registries") ?? before,
  };
}
