/**
 * applyPlan: sends the plan's writes to ARM, step by step, safely.
 *
 * For each step it reads the resource fresh (so it keeps what is there now, and notices a change already made by a
 * concurrent run), builds the exact request, checks it against the forbidden list, takes one unit of the change
 * budget, sends it through the SDK client's pipeline, waits for the operation, reads the result back and records an
 * audit row. A dry run (and every step the policy does not let through) builds the same requests and sends none.
 *
 * Role assignments use the deterministic name; 409 RoleAssignmentExists is `already-in-place` only when the existing
 * assignment has the same role at the same scope and a condition admitting the repositories. The system identity
 * case runs in one plan: enable, read the app back for the new principal, grant to it, restart.
 */

import { assertAllowed, ForbiddenChangeError } from "../core/forbidden.js";
import { isObject, type Json, valueAt } from "../core/json-path.js";
import { stepDependencies } from "../core/plan.js";
import type { AssignRoleStep, PlanStep } from "../core/plan-step.js";
import { isAllowed } from "../core/policy.js";
import { conditionAdmits, extendCondition } from "../core/pull-grants.js";
import { roleAssignmentName, roleGuidOf } from "../core/role-assignment-name.js";
import {
  type ArmRequest,
  type ArmResponse,
  type ArmTransport,
  awaitOperation,
  ensureOk,
  isTransient,
} from "./arm-transport.js";
import type { AuditLog, ChangeOutcome, ChangeTrigger } from "./audit-log.js";
import type { ChangeBudget } from "./change-budget.js";

export const API_VERSIONS = {
  containerApps: "2025-07-01",
  registries: "2025-11-01",
  roleAssignments: "2022-04-01",
} as const;

export interface ApplyDeps {
  /** ARM through an SDK client's pipeline (armTransportFrom). */
  arm: ArmTransport;
  now: () => Date;
  /** Waits between long-running-operation polls. Default: real time. */
  sleep?: (ms: number) => Promise<void>;
  budget: ChangeBudget;
  audit: AuditLog;
  trigger: ChangeTrigger;
  dryRun: boolean;
  /** Defense in depth: a step whose target is outside these scopes is never sent, whatever its decision. */
  allowedScopes?: readonly string[];
  /** Apply `needs-approval` steps too (a person approved them). Default false. */
  approveNeedsApproval?: boolean;
}

export type AppliedStep = PlanStep & {
  result: ChangeOutcome;
  error?: string;
  auditId?: string;
};

export type SkippedStep = PlanStep & { why: string };

export interface RecordedRequest {
  /** Index of the step in the plan. */
  step: number;
  method: string;
  url: string;
  body: unknown;
  /** Whether it went out (false: dry run, report-only, needs approval, budget). */
  sent: boolean;
  /** When the request could not be built exactly (e.g. the resource could not be read). */
  note?: string;
}

export interface ApplyResult {
  applied: AppliedStep[];
  skipped: SkippedStep[];
  auditIds: string[];
  requests: RecordedRequest[];
  /** Write requests sent. */
  writes: number;
}

/** Thrown (instead of recording a failure) when a transient error hit before any write: retrying all is safe. */
export class TransientApplyError extends Error {
  override name = "TransientApplyError";
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

const lower = (s: string): string => s.toLowerCase();

/** What a step needs, worked out from a fresh read. */
type Prepared =
  | { kind: "in-place"; before: unknown; after?: unknown }
  | { kind: "write"; request: ArmRequest; before: unknown; step: PlanStep }
  | { kind: "unbuildable"; request: ArmRequest; note: string };

/** Which Azure role PullGuard needs for a kind of write (said when ARM answers 403). */
const NEEDED_ROLE: Record<PlanStep["kind"], string> = {
  "assign-role": "Role Based Access Control Administrator on the registry",
  "attach-user-identity": "Container Apps Contributor on the app and Managed Identity Operator on the identity",
  "enable-system-identity": "Container Apps Contributor on the app",
  "set-registry-identity": "Container Apps Contributor on the app",
  "add-registry-entry": "Container Apps Contributor on the app",
  "enable-arm-audience-tokens": "Container Registry Contributor and Data Access Configuration Administrator",
  "allow-registry-ips": "Container Registry Contributor and Data Access Configuration Administrator",
  "restart-revision": "Container Apps Contributor on the app",
  "resubmit-template": "Container Apps Contributor on the app",
};

function appIdOf(step: PlanStep): string {
  if (step.kind === "restart-revision") return step.target.replace(/\/revisions\/[^/]+$/i, "");
  return step.target;
}

function describeError(step: PlanStep, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const e = error as { status?: unknown; statusCode?: unknown } | null;
  const status = e?.status ?? e?.statusCode;
  if (status === 403) return `${message} (PullGuard needs ${NEEDED_ROLE[step.kind]})`;
  if (isTransient(error)) return `${message} (transient: run fix again; every step is safe to repeat)`;
  return message;
}

function identitySlice(resource: unknown): unknown {
  const identity = valueAt(resource, "identity");
  return {
    type: valueAt(identity, "type") ?? "None",
    principalId: valueAt(identity, "principalId") ?? null,
    userAssignedIdentities: Object.keys(
      isObject(valueAt(identity, "userAssignedIdentities"))
        ? (valueAt(identity, "userAssignedIdentities") as Json)
        : {},
    ),
  };
}

function hasType(type: unknown, part: "systemassigned" | "userassigned"): boolean {
  return typeof type === "string" && lower(type).replace(/\s/g, "").split(",").includes(part);
}

function identityType(system: boolean, user: boolean): string {
  if (system && user) return "SystemAssigned,UserAssigned";
  if (system) return "SystemAssigned";
  if (user) return "UserAssigned";
  return "None";
}

/** Everything applyPlan remembers while it goes through one plan. */
interface Run {
  deps: ApplyDeps;
  sleep: (ms: number) => Promise<void>;
  /** The app's system-assigned principal once known (after the enable step, or read). */
  systemPrincipalId: string | null;
}

class Steps {
  constructor(private readonly run: Run) {}

  private url(path: string, apiVersion: string): string {
    return `${this.run.deps.arm.endpoint}${path}?api-version=${apiVersion}`;
  }

  private async read(path: string, apiVersion: string): Promise<unknown> {
    const request: ArmRequest = { method: "GET", url: this.url(path, apiVersion) };
    const response = await this.run.deps.arm.send(request);
    if (response.status === 404) return null;
    return ensureOk(request, response).body;
  }

  private async readApp(appId: string): Promise<Json> {
    const app = await this.read(appId, API_VERSIONS.containerApps);
    if (!isObject(app)) throw new Error(`container app ${appId} no longer exists`);
    return app;
  }

  private async readRegistry(registryId: string): Promise<Json> {
    const registry = await this.read(registryId, API_VERSIONS.registries);
    if (!isObject(registry)) throw new Error(`registry ${registryId} no longer exists`);
    return registry;
  }

  /** Fills in the principal of a grant to the system identity that did not exist when the plan was made. */
  resolve(step: PlanStep): PlanStep {
    if (step.kind !== "assign-role" || !step.principalFrom || !this.run.systemPrincipalId) return step;
    const principalId = this.run.systemPrincipalId;
    return { ...step, principalId, name: roleAssignmentName(step.scope, principalId, step.roleDefinitionId) };
  }

  /**
   * The request a step would send, for a dry run or a step the policy holds back. A restart's request needs nothing
   * read (a POST without a body), so its preview costs no request; the others are prepared as for a real run.
   */
  async preview(step: PlanStep): Promise<Prepared> {
    if (step.kind !== "restart-revision") return this.prepare(step);
    return {
      kind: "write",
      request: {
        method: "POST",
        url: this.url(`${appIdOf(step)}/revisions/${step.revision}/restart`, API_VERSIONS.containerApps),
      },
      before: null,
      step,
    };
  }

  async prepare(step: PlanStep): Promise<Prepared> {
    switch (step.kind) {
      case "assign-role":
        return this.prepareGrant(step);
      case "enable-system-identity":
      case "attach-user-identity":
        return this.prepareIdentity(step);
      case "set-registry-identity":
      case "add-registry-entry":
        return this.prepareRegistryEntry(step);
      case "enable-arm-audience-tokens":
      case "allow-registry-ips":
        return this.prepareRegistryPolicy(step);
      case "restart-revision":
        return this.prepareRestart(step);
      case "resubmit-template":
        return this.prepareResubmit(step);
    }
  }

  private assignmentPath(step: AssignRoleStep): string {
    return `${step.scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/roleAssignments/${step.name}`;
  }

  private grantBody(step: AssignRoleStep, condition: string | null): Json {
    return {
      properties: {
        roleDefinitionId: step.roleDefinitionId,
        principalId: step.principalId,
        principalType: step.principalType,
        ...(condition ? { condition, conditionVersion: step.conditionVersion ?? "2.0" } : {}),
      },
    };
  }

  private async prepareGrant(step: AssignRoleStep): Promise<Prepared> {
    const path = this.assignmentPath(step);
    const url = this.url(path, API_VERSIONS.roleAssignments);
    if (step.principalFrom && step.principalId.startsWith("(")) {
      return {
        kind: "unbuildable",
        request: { method: "PUT", url, body: this.grantBody(step, step.condition) },
        note: "the principal ID and the assignment name are known once the system identity is enabled",
      };
    }
    const existing = await this.read(path, API_VERSIONS.roleAssignments);
    const repos = step.repositories ?? [];
    if (step.replaces) {
      if (!isObject(existing))
        throw new Error(`the assignment ${step.name} to extend no longer exists at ${step.scope}`);
      const current = valueAt(existing, "properties", "condition");
      const condition = typeof current === "string" ? current : null;
      if (repos.every((r) => conditionAdmits(condition, r))) return { kind: "in-place", before: existing };
      const extended = extendCondition(condition ?? "", repos);
      return {
        kind: "write",
        request: { method: "PUT", url, body: this.grantBody(step, extended) },
        before: existing,
        step: { ...step, condition: extended },
      };
    }
    if (isObject(existing)) {
      const verdict = this.grantVerdict(step, [existing]);
      if (verdict.ok) return { kind: "in-place", before: existing };
      throw new Error(verdict.error);
    }
    return {
      kind: "write",
      request: { method: "PUT", url, body: this.grantBody(step, step.condition) },
      before: null,
      step,
    };
  }

  /** Whether one of `assignments` grants what `step` intends (same role, same scope, condition admits the repos). */
  grantVerdict(step: AssignRoleStep, assignments: unknown[]): { ok: true } | { ok: false; error: string } {
    const role = roleGuidOf(step.roleDefinitionId);
    const same = assignments.filter((a) => {
      const rd = valueAt(a, "properties", "roleDefinitionId");
      const scope = valueAt(a, "properties", "scope");
      const principal = valueAt(a, "properties", "principalId");
      return (
        typeof rd === "string" &&
        roleGuidOf(rd) === role &&
        (typeof scope !== "string" || lower(scope) === lower(step.scope)) &&
        (typeof principal !== "string" || lower(principal) === lower(step.principalId))
      );
    });
    if (same.length === 0) {
      return {
        ok: false,
        error: `ARM says an assignment exists, but none of role ${step.roleName} for ${step.principalId} at ${step.scope} was found`,
      };
    }
    const repos = step.repositories ?? [];
    const admitting = same.find((a) => {
      const condition = valueAt(a, "properties", "condition");
      return repos.every((r) => conditionAdmits(typeof condition === "string" ? condition : null, r));
    });
    if (admitting) return { ok: true };
    const first = same[0];
    return {
      ok: false,
      error:
        `an assignment of ${step.roleName} for ${step.principalId} at ${step.scope} already exists ` +
        `(${String(valueAt(first, "name"))}) with a condition that does not admit ${repos.join(", ")}; ` +
        "extend it (opt-in fix abac-condition-excludes-repository) or edit it in the portal",
    };
  }

  /** After a 409 RoleAssignmentExists: find the existing assignment and decide whether it is what was intended. */
  async resolveConflict(step: AssignRoleStep): Promise<{ ok: true; existing: unknown } | { ok: false; error: string }> {
    const filter = encodeURIComponent(`principalId eq '${step.principalId}'`);
    const url = `${this.url(`${step.scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/roleAssignments`, API_VERSIONS.roleAssignments)}&$filter=${filter}`;
    const items: unknown[] = [];
    let next: string | null = url;
    while (next) {
      const request: ArmRequest = { method: "GET", url: next };
      const page = ensureOk(request, await this.run.deps.arm.send(request)).body;
      const value = valueAt(page, "value");
      if (Array.isArray(value)) items.push(...value);
      const link = valueAt(page, "nextLink");
      next = typeof link === "string" && link !== "" ? link : null;
    }
    const verdict = this.grantVerdict(step, items);
    if (!verdict.ok) return verdict;
    const role = roleGuidOf(step.roleDefinitionId);
    const existing = items.find((a) => roleGuidOf(String(valueAt(a, "properties", "roleDefinitionId") ?? "")) === role);
    return { ok: true, existing };
  }

  private async prepareIdentity(step: PlanStep & { kind: "enable-system-identity" | "attach-user-identity" }) {
    const app = await this.readApp(step.target);
    const identity = valueAt(app, "identity");
    const type = valueAt(identity, "type");
    const uamis = isObject(valueAt(identity, "userAssignedIdentities"))
      ? Object.keys(valueAt(identity, "userAssignedIdentities") as Json)
      : [];
    const before = identitySlice(app);
    if (step.kind === "enable-system-identity") {
      if (hasType(type, "systemassigned")) {
        const principal = valueAt(identity, "principalId");
        if (typeof principal === "string") this.run.systemPrincipalId = principal;
        return { kind: "in-place", before } satisfies Prepared;
      }
    } else if (uamis.some((id) => lower(id) === lower(step.identityId))) {
      return { kind: "in-place", before } satisfies Prepared;
    }
    const ids = step.kind === "attach-user-identity" ? [...uamis, step.identityId] : uamis;
    const system = step.kind === "enable-system-identity" || hasType(type, "systemassigned");
    const body: Json = {
      identity: {
        type: identityType(system, ids.length > 0),
        ...(ids.length > 0 ? { userAssignedIdentities: Object.fromEntries(ids.map((id) => [id, {}])) } : {}),
      },
    };
    return {
      kind: "write",
      request: { method: "PATCH", url: this.url(step.target, API_VERSIONS.containerApps), body },
      before: { identity: valueAt(app, "identity") ?? null, slice: before },
      step,
    } satisfies Prepared;
  }

  private async prepareRegistryEntry(step: PlanStep & { kind: "set-registry-identity" | "add-registry-entry" }) {
    const app = await this.readApp(step.target);
    const registries = valueAt(app, "properties", "configuration", "registries");
    const entries: Json[] = Array.isArray(registries) ? registries.filter(isObject) : [];
    const index = entries.findIndex((e) => typeof e.server === "string" && lower(e.server) === lower(step.server));
    const current = entries[index];
    const sameIdentity = (e: Json | undefined): boolean =>
      typeof e?.identity === "string" && lower(e.identity) === lower(step.identity);
    const noCredentials = (e: Json | undefined): boolean => !e?.username && !e?.passwordSecretRef;
    if (current && sameIdentity(current) && noCredentials(current)) {
      return { kind: "in-place", before: entries } satisfies Prepared;
    }
    let next: Json[];
    if (step.kind === "add-registry-entry") {
      if (current) {
        throw new Error(
          `an entry for ${step.server} appeared meanwhile (identity ${String(current.identity ?? "none")}); PullGuard does not overwrite it`,
        );
      }
      next = [...entries, { server: step.server, identity: step.identity }];
    } else {
      if (!current) throw new Error(`the registry entry for ${step.server} no longer exists`);
      // Switch to the managed identity; the password secret itself stays in configuration.secrets (never sent).
      const { username: _u, passwordSecretRef: _p, ...rest } = current;
      next = entries.map((e, i) => (i === index ? { ...rest, identity: step.identity } : e));
    }
    return {
      kind: "write",
      request: {
        method: "PATCH",
        url: this.url(step.target, API_VERSIONS.containerApps),
        body: { properties: { configuration: { registries: next } } },
      },
      before: app,
      step,
    } satisfies Prepared;
  }

  private async prepareRegistryPolicy(step: PlanStep & { kind: "enable-arm-audience-tokens" | "allow-registry-ips" }) {
    const registry = await this.readRegistry(step.target);
    const url = this.url(step.target, API_VERSIONS.registries);
    if (step.kind === "enable-arm-audience-tokens") {
      const policies = isObject(valueAt(registry, "properties", "policies"))
        ? (valueAt(registry, "properties", "policies") as Json)
        : {};
      const status = valueAt(policies, "azureADAuthenticationAsArmPolicy", "status");
      if (status === undefined || lower(String(status)) === "enabled") {
        return { kind: "in-place", before: policies } satisfies Prepared;
      }
      return {
        kind: "write",
        request: {
          method: "PATCH",
          url,
          body: { properties: { policies: { ...policies, azureADAuthenticationAsArmPolicy: { status: "enabled" } } } },
        },
        before: registry,
        step,
      } satisfies Prepared;
    }
    const ruleSet = valueAt(registry, "properties", "networkRuleSet");
    const defaultAction = valueAt(ruleSet, "defaultAction");
    const rulesRaw = valueAt(ruleSet, "ipRules");
    const rules: Json[] = Array.isArray(rulesRaw) ? rulesRaw.filter(isObject) : [];
    const values = new Set(rules.map((r) => lower(String(r.value ?? r.iPAddressOrRange ?? ""))));
    const missing = step.ips.filter((ip) => !values.has(lower(ip)) && !values.has(`${lower(ip)}/32`));
    if (typeof defaultAction !== "string" || lower(defaultAction) !== "deny" || missing.length === 0) {
      return { kind: "in-place", before: ruleSet ?? null } satisfies Prepared;
    }
    return {
      kind: "write",
      request: {
        method: "PATCH",
        url,
        body: {
          properties: {
            networkRuleSet: {
              defaultAction,
              ipRules: [...rules, ...missing.map((value) => ({ action: "Allow", value }))],
            },
          },
        },
      },
      before: registry,
      step: { ...step, ips: missing },
    } satisfies Prepared;
  }

  private async prepareRestart(step: PlanStep & { kind: "restart-revision" }): Promise<Prepared> {
    const appId = appIdOf(step);
    const revision = await this.read(`${appId}/revisions/${step.revision}`, API_VERSIONS.containerApps);
    if (!isObject(revision)) throw new Error(`revision ${step.revision} no longer exists`);
    return {
      kind: "write",
      request: {
        method: "POST",
        url: this.url(`${appId}/revisions/${step.revision}/restart`, API_VERSIONS.containerApps),
      },
      before: revisionState(revision),
      step,
    };
  }

  private async prepareResubmit(step: PlanStep & { kind: "resubmit-template" }): Promise<Prepared> {
    const app = await this.readApp(step.target);
    const template = valueAt(app, "properties", "template");
    if (!isObject(template)) throw new Error(`container app ${step.target} has no template to re-submit`);
    if (template.revisionSuffix === step.revisionSuffix)
      return { kind: "in-place", before: { revisionSuffix: step.revisionSuffix } };
    return {
      kind: "write",
      request: {
        method: "PATCH",
        url: this.url(step.target, API_VERSIONS.containerApps),
        body: { properties: { template: { ...template, revisionSuffix: step.revisionSuffix } } },
      },
      before: app,
      step,
    };
  }

  /** Sends the write, waits for it, reads the result; returns what to record as `after`. */
  async send(
    prepared: Prepared & { kind: "write" },
  ): Promise<{ outcome: ChangeOutcome; after: unknown; error?: string }> {
    const { request, step } = prepared;
    const response: ArmResponse = await this.run.deps.arm.send(request);
    if (step.kind === "assign-role" && response.status === 409) {
      const code = valueAt(response.body, "error", "code");
      if (code === "RoleAssignmentExists") {
        const verdict = await this.resolveConflict(step);
        if (verdict.ok) return { outcome: "already-in-place", after: verdict.existing };
        return { outcome: "failed", after: null, error: verdict.error };
      }
    }
    ensureOk(request, response);
    await awaitOperation(this.run.deps.arm, request, response, { sleep: this.run.sleep });
    switch (step.kind) {
      case "assign-role":
        return { outcome: "done", after: response.body };
      case "restart-revision":
        return { outcome: "done", after: { restarted: step.revision } };
      case "enable-system-identity": {
        const app = await this.readApp(step.target);
        const principal = valueAt(app, "identity", "principalId");
        if (typeof principal !== "string" || principal === "") {
          return {
            outcome: "failed",
            after: identitySlice(app),
            error: "the system identity was enabled but ARM returned no principalId yet; run fix again",
          };
        }
        this.run.systemPrincipalId = principal;
        return { outcome: "done", after: identitySlice(app) };
      }
      case "attach-user-identity":
        return { outcome: "done", after: identitySlice(await this.readApp(step.target)) };
      case "set-registry-identity":
      case "add-registry-entry":
        return {
          outcome: "done",
          after: valueAt(await this.readApp(step.target), "properties", "configuration", "registries") ?? null,
        };
      case "resubmit-template":
        return { outcome: "done", after: { revisionSuffix: step.revisionSuffix } };
      case "enable-arm-audience-tokens":
        return {
          outcome: "done",
          after: valueAt(await this.readRegistry(step.target), "properties", "policies") ?? null,
        };
      case "allow-registry-ips":
        return {
          outcome: "done",
          after: valueAt(await this.readRegistry(step.target), "properties", "networkRuleSet") ?? null,
        };
    }
  }
}

function revisionState(revision: unknown): Json {
  return {
    name: valueAt(revision, "name") ?? null,
    provisioningState: valueAt(revision, "properties", "provisioningState") ?? null,
    runningState: valueAt(revision, "properties", "runningState") ?? null,
    healthState: valueAt(revision, "properties", "healthState") ?? null,
  };
}

/** The part of the state read before a write that is worth keeping in the audit row. */
function beforeForAudit(step: PlanStep, before: unknown): unknown {
  switch (step.kind) {
    case "enable-system-identity":
    case "attach-user-identity":
      return valueAt(before, "slice") ?? before;
    case "set-registry-identity":
    case "add-registry-entry":
      return valueAt(before, "properties", "configuration", "registries") ?? before;
    case "enable-arm-audience-tokens":
      return valueAt(before, "properties", "policies") ?? before;
    case "allow-registry-ips":
      return valueAt(before, "properties", "networkRuleSet") ?? before;
    case "resubmit-template":
      return { revisionSuffix: valueAt(before, "properties", "template", "revisionSuffix") ?? null };
    default:
      return before;
  }
}

function requestOf(request: ArmRequest): { method: string; url: string; body: unknown } {
  return { method: request.method, url: request.url, body: request.body ?? null };
}

type Status = "done" | "already-in-place" | "failed" | "blocked" | "not-approved";

/** Applies the plan (see the module comment). Never throws for a step's failure; rethrows only transient errors
 * that hit before anything was written (then a retry of the whole fix is safe). */
export async function applyPlan(plan: readonly PlanStep[], appId: string, deps: ApplyDeps): Promise<ApplyResult> {
  const run: Run = {
    deps,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    systemPrincipalId: null,
  };
  const steps = new Steps(run);
  const result: ApplyResult = { applied: [], skipped: [], auditIds: [], requests: [], writes: 0 };
  const status: Status[] = [];
  let budgetExhausted = false;
  /** Whether a write has taken effect: until then a transient failure is rethrown, as a retry of all is safe. */
  let changed = false;

  const skip = (index: number, step: PlanStep, why: string, state: Status) => {
    status[index] = state;
    result.skipped.push({ ...step, why });
  };
  const audit = async (
    step: PlanStep,
    outcome: ChangeOutcome,
    before: unknown,
    after: unknown,
    request: ArmRequest | null,
    error?: string,
  ) => {
    const id = await deps.audit.record({
      appId,
      step,
      before: beforeForAudit(step, before),
      after,
      trigger: deps.trigger,
      time: deps.now(),
      outcome,
      ...(error ? { error } : {}),
      request: request ? { method: request.method, url: request.url } : null,
    });
    result.auditIds.push(id);
    return id;
  };

  for (let index = 0; index < plan.length; index++) {
    const planned = plan[index];
    if (!planned) continue;
    const sendable =
      planned.decision === "apply" || (planned.decision === "needs-approval" && deps.approveNeedsApproval === true);

    // Dependencies: a failed or blocked step blocks what depends on it (a step the policy held back does not block a restart).
    const blockers = stepDependencies(plan, index).filter((d) => {
      const s = status[d];
      const isRestart = planned.kind === "restart-revision" || planned.kind === "resubmit-template";
      return s === "failed" || s === "blocked" || (!isRestart && s === "not-approved");
    });
    const step = steps.resolve(planned);

    if (!sendable || deps.dryRun) {
      // Show the exact request it would send (reads only, no write).
      let why = deps.dryRun && sendable ? "dry run: nothing sent" : (planned.why ?? planned.decision);
      try {
        const prepared = await steps.preview(step);
        if (prepared.kind === "write") {
          assertAllowed(prepared.step, { ...prepared.request, before: prepared.before });
          result.requests.push({ step: index, ...requestOf(prepared.request), sent: false });
        } else if (prepared.kind === "unbuildable") {
          result.requests.push({ step: index, ...requestOf(prepared.request), sent: false, note: prepared.note });
        } else {
          why = `${why} (already in place: nothing would be sent)`;
        }
      } catch (error) {
        if (error instanceof ForbiddenChangeError) why = `${why}; ${error.message}`;
        else why = `${why}; the request could not be built: ${describeError(step, error)}`;
      }
      skip(index, step, why, deps.dryRun && sendable ? "done" : "not-approved");
      continue;
    }
    if (budgetExhausted) {
      skip(index, step, "change budget exhausted", "blocked");
      continue;
    }
    if (blockers.length > 0) {
      const first = plan[blockers[0] ?? 0];
      skip(
        index,
        step,
        `depends on ${first?.kind ?? "an earlier step"}, which ${status[blockers[0] ?? 0] === "failed" ? "failed" : "was not applied"}`,
        "blocked",
      );
      continue;
    }
    if (deps.allowedScopes && !isAllowed({ allowedScopes: [...deps.allowedScopes] }, step.target)) {
      skip(index, step, `outside the allowlist: ${step.target}`, "blocked");
      continue;
    }
    if (step.kind === "restart-revision" && step.notBefore && Date.parse(step.notBefore) > deps.now().getTime()) {
      skip(
        index,
        step,
        `not before ${step.notBefore}: a new role assignment can take up to 10 minutes to work`,
        "blocked",
      );
      continue;
    }

    let prepared: Prepared | null = null;
    /** Set once this step's write is on its way: from then on ARM may have applied it, whatever happens next. */
    let sending = false;
    try {
      prepared = await steps.prepare(step);
      if (prepared.kind === "unbuildable") throw new Error(prepared.note);
      if (prepared.kind === "in-place") {
        const auditId = await audit(step, "already-in-place", prepared.before, prepared.after ?? prepared.before, null);
        status[index] = "already-in-place";
        result.applied.push({ ...steps.resolve(planned), result: "already-in-place", auditId });
        continue;
      }
      assertAllowed(prepared.step, { ...prepared.request, before: prepared.before });
      if (!(await deps.budget.tryConsume(deps.now()))) {
        budgetExhausted = true;
        result.requests.push({
          step: index,
          ...requestOf(prepared.request),
          sent: false,
          note: "change budget exhausted",
        });
        skip(index, prepared.step, "change budget exhausted", "blocked");
        continue;
      }
      result.requests.push({ step: index, ...requestOf(prepared.request), sent: true });
      result.writes++;
      sending = true;
      const sent = await steps.send(prepared);
      const after = sent.after;
      const finalStep = steps.resolve(prepared.step);
      const auditId = await audit(finalStep, sent.outcome, prepared.before, after, prepared.request, sent.error);
      status[index] = sent.outcome;
      if (sent.outcome === "done") changed = true;
      result.applied.push({
        ...finalStep,
        result: sent.outcome,
        ...(sent.error ? { error: sent.error } : {}),
        auditId,
      });
    } catch (error) {
      if (isTransient(error) && !changed) {
        // The write went out and may have taken effect (e.g. only its operation's polls failed): audit it before the
        // retry, so that no change ARM accepted is missing from the audit table.
        if (sending && prepared?.kind === "write") {
          await audit(
            prepared.step,
            "failed",
            prepared.before,
            null,
            prepared.request,
            `outcome unknown: ${describeError(step, error)}`,
          );
        }
        throw new TransientApplyError(describeError(step, error), error);
      }
      const message = error instanceof ForbiddenChangeError ? error.message : describeError(step, error);
      const failedStep = prepared?.kind === "write" ? prepared.step : step;
      const auditId = await audit(
        failedStep,
        "failed",
        prepared && prepared.kind !== "unbuildable" ? prepared.before : null,
        null,
        prepared?.kind === "write" ? prepared.request : null,
        message,
      );
      status[index] = "failed";
      result.applied.push({ ...failedStep, result: "failed", error: message, auditId });
    }
  }
  return result;
}
