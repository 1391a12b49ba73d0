/**
 * The forbidden list of pull-path.md ("Remediation rules"), enforced in code: applyPlan calls `assertAllowed` before
 * every write, with the step and the exact request it is about to send (and the state it read just before), and a
 * forbidden change throws `ForbiddenChangeError` instead of reaching ARM.
 *
 * Rules (one test each in test/core/forbidden.test.ts):
 * - grant only AcrPull or Container Registry Repository Reader, only at registry scope, only to a ServicePrincipal;
 * - never enable the admin user, anonymous pull or public network access, never open a registry firewall;
 * - never remove anything a person configured: identities, registry entries, IP rules, role assignments, conditions;
 * - never send an app's `configuration.secrets`; a template re-submission changes nothing but the revision suffix;
 * - never DELETE;
 * - v2: never start a job execution (it runs the job's real work) unless a person switched it on
 *   (PULLGUARD_START_JOBS_AFTER_FIX), and then only for a job whose trigger is Manual as read just before.
 */

import { isObject, valueAt } from "./json-path.js";
import type { AssignRoleStep, PlanStep } from "./plan-step.js";
import { hasSystemAssigned } from "./pull-paths.js";
import { roleGuidOf } from "./role-assignment-name.js";

export const ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const REPOSITORY_READER_ROLE = "b93aa761-3e63-49ed-ac28-beffa264f7ac";

/** The only roles PullGuard ever grants (the narrowest pull role for each registry mode). */
export const GRANTABLE_ROLES: ReadonlySet<string> = new Set([ACR_PULL_ROLE, REPOSITORY_READER_ROLE]);

export type ForbiddenRule =
  | "role-not-grantable"
  | "scope-not-registry"
  | "principal-type-not-service-principal"
  | "principal-unresolved"
  | "enables-admin-user"
  | "enables-anonymous-pull"
  | "enables-public-network-access"
  | "opens-registry-firewall"
  | "removes-identity"
  | "removes-registry-entry"
  | "removes-ip-rule"
  | "removes-role-assignment"
  | "narrows-condition"
  | "sends-secrets"
  | "changes-template"
  | "removes-registry-policy"
  | "starts-job-execution";

export class ForbiddenChangeError extends Error {
  override name = "ForbiddenChangeError";
  constructor(
    readonly rule: ForbiddenRule,
    detail: string,
  ) {
    super(`forbidden change (${rule}): ${detail}`);
  }
}

/** The write applyPlan is about to send, with the resource as it read it just before (null when it does not exist). */
export interface ProposedWrite {
  method: string;
  url: string;
  body?: unknown;
  before?: unknown;
}

const REGISTRY_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i;

const lower = (s: string): string => s.toLowerCase();
function fail(rule: ForbiddenRule, detail: string): never {
  throw new ForbiddenChangeError(rule, detail);
}

/** What the run allows beyond the list (v2: whether a person switched on starting a manual job's execution). */
export interface WriteContext {
  startJobsAfterFix?: boolean;
}

const JOB_START = /\/providers\/Microsoft\.App\/jobs\/[^/]+\/start\/?$/i;

/** A start of a job execution is refused without the switch, and for a job whose trigger is not Manual. */
function assertJobStart(write: ProposedWrite, context: WriteContext): void {
  const path = (write.url.split("?")[0] ?? "").replace(/^https?:\/\/[^/]+/, "");
  if (!JOB_START.test(path)) return;
  if (context.startJobsAfterFix !== true) {
    fail(
      "starts-job-execution",
      `${path}: starting an execution runs the job's work; PULLGUARD_START_JOBS_AFTER_FIX is off`,
    );
  }
  const trigger =
    valueAt(write.before, "triggerType") ?? valueAt(write.before, "properties", "configuration", "triggerType");
  if (typeof trigger !== "string" || lower(trigger) !== "manual") {
    fail("starts-job-execution", `${path}: the job's trigger is ${String(trigger ?? "unknown")}, not Manual`);
  }
}

/** Checks a plan step on its own (before any request exists). */
function assertStep(step: PlanStep): void {
  if (step.kind === "assign-role") assertGrant(step);
}

function assertGrant(step: AssignRoleStep): void {
  const role = roleGuidOf(step.roleDefinitionId);
  if (!GRANTABLE_ROLES.has(role)) {
    fail("role-not-grantable", `role ${role} is broader than AcrPull / Container Registry Repository Reader`);
  }
  if (!REGISTRY_ID.test(step.scope.replace(/\/+$/, ""))) {
    fail("scope-not-registry", `scope ${step.scope} is not a registry (never a subscription or resource group)`);
  }
  if (lower(step.target) !== lower(step.scope)) {
    fail("scope-not-registry", `target ${step.target} differs from the grant's scope ${step.scope}`);
  }
  if (step.principalType !== "ServicePrincipal") {
    fail("principal-type-not-service-principal", `principalType ${String(step.principalType)}`);
  }
  if (step.principalId === null) {
    fail("principal-unresolved", `the principal comes from ${step.principalFrom} and is not known yet`);
  }
  if (!/^[0-9A-Za-z-]+$/.test(step.principalId)) {
    fail("principal-unresolved", `principal ${JSON.stringify(step.principalId)} is not an object ID`);
  }
}

/** Keys that must never be switched on, wherever they appear in a body. */
function assertNoOpening(body: unknown, path: string): void {
  if (Array.isArray(body)) {
    body.forEach((item, i) => {
      assertNoOpening(item, `${path}[${i}]`);
    });
    return;
  }
  if (!isObject(body)) return;
  for (const [key, value] of Object.entries(body)) {
    const here = path ? `${path}.${key}` : key;
    const k = lower(key);
    if (k === "adminuserenabled" && value === true) fail("enables-admin-user", here);
    if (k === "anonymouspullenabled" && value === true) fail("enables-anonymous-pull", here);
    if (k === "publicnetworkaccess" && typeof value === "string" && lower(value) !== "disabled") {
      fail("enables-public-network-access", `${here} = ${value}`);
    }
    assertNoOpening(value, here);
  }
}

function hasSystem(type: unknown): boolean {
  return typeof type === "string" && hasSystemAssigned(type);
}

function assertIdentityKept(before: unknown, body: unknown): void {
  const next = valueAt(body, "identity");
  if (next === undefined) return;
  const prev = valueAt(before, "identity");
  if (hasSystem(valueAt(prev, "type")) && !hasSystem(valueAt(next, "type"))) {
    fail("removes-identity", "the system-assigned identity would be disabled");
  }
  const prevUami = valueAt(prev, "userAssignedIdentities");
  const nextUami = valueAt(next, "userAssignedIdentities");
  const kept = new Set(
    isObject(nextUami)
      ? Object.entries(nextUami)
          .filter(([, v]) => v !== null)
          .map(([k]) => lower(k))
      : [],
  );
  if (isObject(prevUami)) {
    for (const id of Object.keys(prevUami)) {
      if (!kept.has(lower(id))) fail("removes-identity", `user-assigned identity ${id} would be detached`);
    }
    const nextType = valueAt(next, "type");
    if (
      Object.keys(prevUami).length > 0 &&
      !(typeof nextType === "string" && lower(nextType).includes("userassigned"))
    ) {
      fail("removes-identity", `identity type ${String(nextType)} would drop the user-assigned identities`);
    }
  }
}

function assertRegistriesKept(step: PlanStep, before: unknown, body: unknown): void {
  if (valueAt(body, "properties", "configuration", "secrets") !== undefined) {
    fail("sends-secrets", "a PATCH must not send configuration.secrets");
  }
  const next = valueAt(body, "properties", "configuration", "registries");
  if (next === undefined) return;
  const prev = valueAt(before, "properties", "configuration", "registries");
  const nextEntries = Array.isArray(next) ? next : [];
  const switched = step.kind === "set-registry-identity" ? lower(step.server) : null;
  for (const entry of Array.isArray(prev) ? prev : []) {
    const server = valueAt(entry, "server");
    if (typeof server !== "string") continue;
    const match = nextEntries.find(
      (e) => typeof valueAt(e, "server") === "string" && lower(String(valueAt(e, "server"))) === lower(server),
    );
    if (!match) fail("removes-registry-entry", `registry entry ${server} would be removed`);
    if (lower(server) === switched) continue;
    for (const field of ["identity", "username", "passwordSecretRef"]) {
      const was = valueAt(entry, field);
      if (typeof was === "string" && was !== "" && valueAt(match, field) !== was) {
        fail("removes-registry-entry", `registry entry ${server} would lose ${field}`);
      }
    }
  }
}

function withoutSuffix(template: unknown): string {
  if (!isObject(template)) return JSON.stringify(template ?? null);
  const { revisionSuffix: _ignored, ...rest } = template;
  return JSON.stringify(rest);
}

function assertTemplateUnchanged(before: unknown, body: unknown): void {
  const next = valueAt(body, "properties", "template");
  if (next === undefined) return;
  if (withoutSuffix(next) !== withoutSuffix(valueAt(before, "properties", "template"))) {
    fail("changes-template", "a re-submission may change only template.revisionSuffix");
  }
}

function assertNetworkKept(before: unknown, body: unknown): void {
  const next = valueAt(body, "properties", "networkRuleSet");
  if (next === undefined) return;
  const prev = valueAt(before, "properties", "networkRuleSet");
  const prevAction = valueAt(prev, "defaultAction");
  const nextAction = valueAt(next, "defaultAction");
  if (
    typeof nextAction === "string" &&
    lower(nextAction) === "allow" &&
    !(typeof prevAction === "string" && lower(prevAction) === "allow")
  ) {
    fail("opens-registry-firewall", "networkRuleSet.defaultAction would become Allow");
  }
  const values = (rules: unknown): string[] =>
    (Array.isArray(rules) ? rules : [])
      .map((r) => valueAt(r, "value") ?? valueAt(r, "iPAddressOrRange"))
      .filter((v): v is string => typeof v === "string")
      .map(lower);
  const kept = new Set(values(valueAt(next, "ipRules")));
  for (const value of values(valueAt(prev, "ipRules"))) {
    if (!kept.has(value)) fail("removes-ip-rule", `IP rule ${value} would be removed`);
  }
}

function assertPoliciesKept(before: unknown, body: unknown): void {
  const next = valueAt(body, "properties", "policies");
  if (next === undefined) return;
  const arm = valueAt(next, "azureADAuthenticationAsArmPolicy", "status");
  if (arm !== undefined && arm !== "enabled") {
    fail("removes-registry-policy", `azureADAuthenticationAsArmPolicy.status would become ${String(arm)}`);
  }
  const prev = valueAt(before, "properties", "policies");
  if (!isObject(prev) || !isObject(next)) return;
  for (const [name, value] of Object.entries(prev)) {
    if (name === "azureADAuthenticationAsArmPolicy") continue;
    if (JSON.stringify(next[name]) !== JSON.stringify(value)) {
      fail("removes-registry-policy", `policy ${name} would change`);
    }
  }
}

/** The repository clauses of a condition (`StringEqualsIgnoreCase 'x'`, `StringStartsWithIgnoreCase 'x/'`, ...). */
function conditionClauses(condition: string): string[] {
  const out: string[] = [];
  for (const m of condition.matchAll(/(StringEquals\w*|StringStartsWith\w*|StringLike\w*)\s+'([^']*)'/gi)) {
    out.push(`${lower(m[1] ?? "")} '${lower(m[2] ?? "")}'`);
  }
  return out;
}

function assertGrantRequest(step: AssignRoleStep, write: ProposedWrite): void {
  const props = valueAt(write.body, "properties");
  const role = valueAt(props, "roleDefinitionId");
  if (typeof role !== "string" || !GRANTABLE_ROLES.has(roleGuidOf(role))) {
    fail("role-not-grantable", `request grants ${String(role)}`);
  }
  if (roleGuidOf(role) !== roleGuidOf(step.roleDefinitionId) || valueAt(props, "principalId") !== step.principalId) {
    fail("role-not-grantable", "the request grants something other than the planned step");
  }
  if (valueAt(props, "principalType") !== "ServicePrincipal") {
    fail("principal-type-not-service-principal", `request principalType ${String(valueAt(props, "principalType"))}`);
  }
  const path = write.url.split("?")[0] ?? "";
  const scope = path.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, "");
  if (scope === path || !REGISTRY_ID.test(scope.replace(/^https?:\/\/[^/]+/, ""))) {
    fail("scope-not-registry", `request scope ${scope}`);
  }
  const prevCondition = valueAt(write.before, "properties", "condition") ?? valueAt(write.before, "condition");
  if (typeof prevCondition === "string" && prevCondition.trim() !== "") {
    const nextCondition = valueAt(props, "condition");
    if (typeof nextCondition !== "string") {
      fail("narrows-condition", "the existing condition would be dropped (that would widen the grant)");
    } else {
      const kept = new Set(conditionClauses(nextCondition));
      for (const clause of conditionClauses(prevCondition)) {
        if (!kept.has(clause)) fail("narrows-condition", `the existing condition clause ${clause} would be removed`);
      }
    }
  }
  const prevRole = valueAt(write.before, "properties", "roleDefinitionId") ?? valueAt(write.before, "roleDefinitionId");
  if (typeof prevRole === "string" && roleGuidOf(prevRole) !== roleGuidOf(role)) {
    fail("removes-role-assignment", `the existing assignment of role ${roleGuidOf(prevRole)} would be replaced`);
  }
}

/**
 * Throws ForbiddenChangeError when the step, or the request about to be sent for it, breaks a rule of the forbidden
 * list. Pure; call it before every write.
 */
export function assertAllowed(step: PlanStep, write?: ProposedWrite, context: WriteContext = {}): void {
  assertStep(step);
  if (!write) return;
  const method = write.method.toUpperCase();
  if (method === "DELETE") fail("removes-role-assignment", `DELETE ${write.url}`);
  assertJobStart(write, context);
  assertNoOpening(write.body, "");
  if (step.kind === "assign-role") {
    assertGrantRequest(step, write);
    return;
  }
  assertIdentityKept(write.before, write.body);
  assertRegistriesKept(step, write.before, write.body);
  assertTemplateUnchanged(write.before, write.body);
  assertNetworkKept(write.before, write.body);
  assertPoliciesKept(write.before, write.body);
}
