/**
 * planFixes: findings + facts + policy → the ordered, least-privilege steps that would fix the pull path (pure).
 *
 * Each finding asks for its drafts here; the order, the dependencies and what counts as one change are the step
 * modules' (`steps/order.ts`, `steps/<kind>.ts`): identity steps, then grants, then registry entries, then registry
 * policy steps, then one restart of the failing revision (or a template re-submission when no revision exists).
 * v2: a job's plan has the same identity, grant and registry-entry steps (their PATCHes target the job); it never
 * restarts or re-submits anything, and ends with the start of one execution only when a person opted in and the job's
 * trigger is Manual (jobStart).
 *
 * Example: `system-identity-disabled` for fabrikamacr (legacy mode) gives
 *   enable-system-identity(app) → assign-role(AcrPull @ fabrikamacr, principalFrom app-system-identity) →
 *   restart-revision(checkout-web--abc).
 */
import { createHash } from "node:crypto";
import {
  isFound,
  type PrincipalAssignments,
  type PullFacts,
  type RegistryFacts,
  type RoleAssignmentFacts,
} from "./facts.js";
import type { Finding, FindingCode } from "./finding.js";
import { ACR_PULL_ROLE, REPOSITORY_READER_ROLE } from "./forbidden.js";
import { ipCovered } from "./ip-range.js";
import type { PlanStep, StepDecision } from "./plan-step.js";
import { decide, isAllowed, type Policy } from "./policy.js";
import { isPullFailure, revisionPullFailure } from "./pull-failure.js";
import {
  ABAC_CONDITION_VERSION,
  conditionAdmits,
  extendCondition,
  grantsPullFor,
  imageRepository,
  repositoriesOn,
  repositoryCondition,
} from "./pull-grants.js";
import { hasSystemAssigned } from "./pull-paths.js";
import { roleAssignmentName, roleGuidOf } from "./role-assignment-name.js";
import { assignmentCovers, PROPAGATION_WINDOW_MS } from "./roles.js";
import { followsFixes } from "./steps/index.js";
import { inPhaseOrder, stepDependencies, withoutDuplicates } from "./steps/order.js";
import { type Draft as StepDraft, workloadWord } from "./steps/step-module.js";
import { isRunningHealthy, isTerminallyFailed, listedByFix, startedSinceFix } from "./verification-outcome.js";

const lower = (s: string): string => s.toLowerCase();

/** A step before its policy decision. */
type Draft = StepDraft;

interface Context {
  facts: PullFacts;
  findings: Finding[];
  drafts: Draft[];
  /** Decisions forced by the planner itself (e.g. a grant PullGuard cannot make safely). */
  forced: Map<Draft, { decision: StepDecision; why: string }>;
  /** The restart a propagating grant asks for, used when nothing else needs fixing. */
  propagation: Draft | null;
}

function registryOf(facts: PullFacts, server: string | null | undefined): RegistryFacts | null {
  if (!server) return null;
  const read = facts.registries[lower(server)];
  return isFound(read) ? read : null;
}

function assignmentsOf(facts: PullFacts, principalId: string): RoleAssignmentFacts[] {
  const read: PrincipalAssignments | undefined = facts.roleAssignments[lower(principalId)];
  return isFound(read) ? read.items : [];
}

/** The principal behind a registry identity reference, when it exists. */
function principalOf(facts: PullFacts, ref: string | null | undefined): string | null {
  if (!ref) return null;
  if (lower(ref) === "system")
    return hasSystemAssigned(facts.app.identity.type) ? facts.app.identity.principalId : null;
  const attached = facts.app.identity.userAssigned.find((u) => lower(u.id) === lower(ref));
  if (attached?.principalId) return attached.principalId;
  const read = facts.userAssignedIdentities[lower(ref)];
  return isFound(read) ? read.principalId : null;
}

function holdsPull(facts: PullFacts, principalId: string, registry: RegistryFacts, repos: string[]): boolean {
  return assignmentsOf(facts, principalId).some((a) => grantsPullFor(a, registry, repos, facts.roleDefinitions));
}

/** The grant that lets `principalId` pull `repos` from `registry`: AcrPull (legacy) or conditioned Repository Reader. */
function grantDraft(
  facts: PullFacts,
  registry: RegistryFacts,
  reason: FindingCode,
  principal: { id: string } | { fromSystemIdentity: true },
): Draft {
  const abac = lower(registry.roleAssignmentMode) === lower("AbacRepositoryPermissions");
  const role = abac ? REPOSITORY_READER_ROLE : ACR_PULL_ROLE;
  const repos = repositoriesOn(facts, registry.loginServer);
  const condition = abac && repos.length > 0 ? repositoryCondition(repos) : null;
  const grant = {
    kind: "assign-role" as const,
    target: registry.id,
    reason,
    roleDefinitionId: `/subscriptions/${registry.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    roleName: abac ? "Container Registry Repository Reader" : "AcrPull",
    scope: registry.id,
    principalType: "ServicePrincipal" as const,
    condition,
    conditionVersion: condition ? ABAC_CONDITION_VERSION : null,
    ...(abac ? { repositories: repos } : {}),
  };
  if ("fromSystemIdentity" in principal) {
    return { ...grant, principalId: null, name: null, principalFrom: "app-system-identity" };
  }
  return { ...grant, principalId: principal.id, name: roleAssignmentName(registry.id, principal.id, role) };
}

function addGrant(ctx: Context, draft: Draft, registry: RegistryFacts): void {
  ctx.drafts.push(draft);
  if (draft.kind === "assign-role" && draft.repositories?.length === 0) {
    ctx.forced.set(draft, {
      decision: "needs-approval",
      why: `no image of the ${workloadWord(ctx.facts.app.id)} uses ${registry.loginServer}, so no repository condition can be written; approving grants Repository Reader on the whole registry`,
    });
  }
}

/** Picks the identity a new or switched registry entry should use (pull-path.md, registry-not-configured). */
function chooseIdentity(
  facts: PullFacts,
  registry: RegistryFacts | null,
): { ref: string; principalId: string | null; enableSystem: boolean } {
  const repos = registry ? repositoriesOn(facts, registry.loginServer) : [];
  const uamis = facts.app.identity.userAssigned.filter((u) => u.principalId);
  if (registry) {
    const pulling = uamis.find((u) => u.principalId && holdsPull(facts, u.principalId, registry, repos));
    if (pulling) return { ref: pulling.id, principalId: pulling.principalId, enableSystem: false };
  }
  if (hasSystemAssigned(facts.app.identity.type) && facts.app.identity.principalId) {
    return { ref: "system", principalId: facts.app.identity.principalId, enableSystem: false };
  }
  const first = uamis[0];
  if (first) return { ref: first.id, principalId: first.principalId, enableSystem: false };
  return { ref: "system", principalId: null, enableSystem: true };
}

/** An identity for a registry entry, plus the grant it needs (used by registry-not-configured and admin credentials). */
function entryWithIdentity(ctx: Context, finding: Finding, kind: "add-registry-entry" | "set-registry-identity"): void {
  const { facts } = ctx;
  const server = finding.registry?.server;
  if (!server) return;
  const registry = registryOf(facts, server);
  const chosen = chooseIdentity(facts, registry);
  if (chosen.enableSystem)
    ctx.drafts.push({ kind: "enable-system-identity", target: facts.app.id, reason: finding.code });
  if (registry) {
    const repos = repositoriesOn(facts, registry.loginServer);
    if (chosen.principalId === null) {
      addGrant(ctx, grantDraft(facts, registry, finding.code, { fromSystemIdentity: true }), registry);
    } else if (!holdsPull(facts, chosen.principalId, registry, repos)) {
      addGrant(ctx, grantDraft(facts, registry, finding.code, { id: chosen.principalId }), registry);
    }
  }
  ctx.drafts.push({ kind, target: facts.app.id, reason: finding.code, server: lower(server), identity: chosen.ref });
}

function grantForFinding(ctx: Context, finding: Finding): void {
  const registry = registryOf(ctx.facts, finding.registry?.server);
  const principalId = finding.identity?.principalId ?? principalOf(ctx.facts, finding.identity?.ref);
  if (!registry || !principalId) return;
  addGrant(ctx, grantDraft(ctx.facts, registry, finding.code, { id: principalId }), registry);
}

/** Repositories of the finding's image that the principal's conditioned ABAC assignments do not admit. */
function extendExistingCondition(ctx: Context, finding: Finding): void {
  const { facts } = ctx;
  const registry = registryOf(facts, finding.registry?.server);
  const principalId = finding.identity?.principalId ?? principalOf(facts, finding.identity?.ref);
  if (!registry || !principalId) return;
  const wanted = finding.image ? [imageRepository(finding.image)] : repositoriesOn(facts, registry.loginServer);
  const candidates = assignmentsOf(facts, principalId)
    .filter((a) => a.condition && assignmentCovers(a.scope, registry.id))
    .filter((a) => grantsPullFor({ ...a, condition: null }, registry, wanted, facts.roleDefinitions));
  // Prefer what PullGuard may edit: a Repository Reader assignment at registry scope.
  const editable = candidates.find(
    (a) => roleGuidOf(a.roleDefinitionId) === REPOSITORY_READER_ROLE && lower(a.scope) === lower(registry.id),
  );
  // Only a Repository Reader assignment at registry scope is edited: editing any other would write a role or scope
  // the forbidden list refuses (forbidden.ts), so the finding stays a report for a person.
  const existing = editable;
  if (!existing?.condition) return;
  const missing = wanted.filter((r) => !conditionAdmits(existing.condition, r));
  if (missing.length === 0) return;
  const draft: Draft = {
    kind: "assign-role",
    target: existing.scope,
    reason: finding.code,
    roleDefinitionId: existing.roleDefinitionId,
    roleName:
      facts.roleDefinitions[roleGuidOf(existing.roleDefinitionId)]?.roleName ?? roleGuidOf(existing.roleDefinitionId),
    scope: existing.scope,
    principalId,
    principalType: "ServicePrincipal",
    condition: extendCondition(existing.condition, missing),
    conditionVersion: ABAC_CONDITION_VERSION,
    name: existing.name,
    replaces: existing.id,
    repositories: [...new Set([...wanted, ...missing])].sort(),
  };
  ctx.drafts.push(draft);
  if (lower(existing.principalType) !== "serviceprincipal") {
    ctx.forced.set(draft, {
      decision: "report-only",
      why: `the conditioned assignment ${existing.name} is for a ${existing.principalType}; PullGuard only edits assignments of managed identities`,
    });
  }
}

function allowIps(ctx: Context, finding: Finding): void {
  const registry = registryOf(ctx.facts, finding.registry?.server);
  if (!registry) return;
  const allowed = registry.ipRules.filter((r) => lower(r.action || "Allow") === "allow").map((r) => r.value);
  const ips = ctx.facts.app.outboundIpAddresses.filter((ip) => !allowed.some((rule) => ipCovered(ip, rule)));
  if (ips.length === 0) return;
  ctx.drafts.push({ kind: "allow-registry-ips", target: registry.id, reason: finding.code, ips });
}

function propagationRestart(ctx: Context, finding: Finding): Draft | null {
  const { facts } = ctx;
  const revision = facts.revision;
  if (!isFound(revision) || revisionHealthy(facts)) return null;
  return {
    kind: "restart-revision",
    target: `${facts.app.id}/revisions/${revision.name}`,
    reason: finding.code,
    revision: revision.name,
    notBefore: new Date(freshGrantTime(facts, finding) + PROPAGATION_WINDOW_MS).toISOString(),
  };
}

/** When the fresh grant a role-assignment-propagating finding is about was made (the read time when unknown). */
function freshGrantTime(facts: PullFacts, finding: Finding): number {
  const principalId = finding.identity?.principalId ?? principalOf(facts, finding.identity?.ref);
  const readAt = Date.parse(facts.readAt);
  const fresh = (principalId ? assignmentsOf(facts, principalId) : [])
    .map((a) => (a.createdOn ? Date.parse(a.createdOn) : Number.NaN))
    .filter((t) => !Number.isNaN(t) && readAt - t < PROPAGATION_WINDOW_MS);
  return fresh.length > 0 ? Math.max(...fresh) : readAt;
}

/**
 * v2: the earliest time a job's start can pull: once the grants the plan makes (from now) and the fresh ones the
 * diagnosis found have propagated; undefined when there is nothing to wait for.
 */
function startNotBefore(facts: PullFacts, findings: readonly Finding[], drafts: readonly Draft[]): string | undefined {
  const times = findings.filter((f) => f.code === "role-assignment-propagating").map((f) => freshGrantTime(facts, f));
  if (drafts.some((d) => d.kind === "assign-role")) times.push(Date.parse(facts.readAt));
  return times.length > 0 ? new Date(Math.max(...times) + PROPAGATION_WINDOW_MS).toISOString() : undefined;
}

/**
 * The latest revision failed because it could not pull an image (or may have: pull-failure.ts decides from the
 * structured fields first, then the one term list), yet nothing is left to fix: the cause was repaired (a fix whose
 * restart was lost to a fault or a timeout, a person's change) but the revision was never restarted, and nothing else
 * ever would restart it. Secret references, mounts, probes and crash loops are left alone.
 */
function revisionStuckOnPull(facts: PullFacts): boolean {
  const r = facts.revision;
  if (!isFound(r) || !isTerminallyFailed(r)) return false;
  return isPullFailure(revisionPullFailure(r));
}

/** Whether the latest revision runs and is healthy (then no restart is needed). */
export function revisionHealthy(facts: PullFacts): boolean {
  const r = facts.revision;
  if (!isFound(r)) return false;
  return isRunningHealthy(r);
}

function restartDraft(facts: PullFacts, reason: FindingCode): Draft {
  const r = facts.revision;
  if (isFound(r)) {
    return { kind: "restart-revision", target: `${facts.app.id}/revisions/${r.name}`, reason, revision: r.name };
  }
  const digest = createHash("sha1")
    .update(`${lower(facts.app.id)}|${facts.readAt}`)
    .digest("hex");
  return { kind: "resubmit-template", target: facts.app.id, reason, revisionSuffix: `pg${digest.slice(0, 8)}` };
}

const STRENGTH: Record<StepDecision, number> = { "report-only": 0, "needs-approval": 1, apply: 2 };

/** The drafts one finding asks for (none for a finding without a fix). */
function draftFor(ctx: Context, finding: Finding, policy: Policy): void {
  const { facts } = ctx;
  switch (finding.code) {
    case "registry-not-configured":
      if (finding.severity !== "info") entryWithIdentity(ctx, finding, "add-registry-entry");
      return;
    case "registry-uses-admin-credentials":
      entryWithIdentity(ctx, finding, "set-registry-identity");
      return;
    case "identity-not-attached":
      attachIdentity(ctx, finding, policy);
      return;
    case "system-identity-disabled": {
      ctx.drafts.push({ kind: "enable-system-identity", target: facts.app.id, reason: finding.code });
      const registry = registryOf(facts, finding.registry?.server);
      if (registry) addGrant(ctx, grantDraft(facts, registry, finding.code, { fromSystemIdentity: true }), registry);
      return;
    }
    case "pull-role-missing":
    case "abac-mode-legacy-role-only":
      grantForFinding(ctx, finding);
      return;
    case "abac-condition-excludes-repository":
      extendExistingCondition(ctx, finding);
      return;
    case "role-assignment-propagating":
      ctx.propagation ??= propagationRestart(ctx, finding);
      return;
    case "arm-audience-tokens-disabled": {
      const registry = registryOf(facts, finding.registry?.server);
      if (registry) ctx.drafts.push({ kind: "enable-arm-audience-tokens", target: registry.id, reason: finding.code });
      return;
    }
    case "registry-firewall-blocks-environment":
      allowIps(ctx, finding);
      return;
    default:
      return;
  }
}

function attachIdentity(ctx: Context, finding: Finding, policy: Policy): void {
  const ref = finding.identity?.ref;
  if (!ref) return;
  const draft: Draft = {
    kind: "attach-user-identity",
    target: ctx.facts.app.id,
    reason: finding.code,
    identityId: ref,
  };
  ctx.drafts.push(draft);
  // Attaching lends the identity's rights to the app: the identity must be in the allowlist as well.
  if (policy.mode === "fix" && !isAllowed(policy, ref)) {
    ctx.forced.set(draft, {
      decision: "report-only",
      why: `outside the allowlist: the identity ${ref} is in none of PULLGUARD_ALLOWED_SCOPES, and attaching it would give the ${workloadWord(ctx.facts.app.id)} its rights`,
    });
  }
}

/**
 * v2: what ends a job's plan. A job has no revision to restart and starting an execution runs its real work, so
 * nothing, unless a person opted in (PULLGUARD_START_JOBS_AFTER_FIX): then, after fixes, the start of one execution,
 * which only a manual-trigger job gets (for a Schedule or Event job it is report-only: its next run pulls again).
 */
function jobStart(ctx: Context, drafts: Draft[], policy: Policy): Draft | null {
  const { facts } = ctx;
  const first = drafts[0];
  if (!first || !policy.startJobsAfterFix) return null;
  const notBefore = startNotBefore(facts, ctx.findings, drafts);
  const draft: Draft = {
    kind: "start-job-execution",
    target: facts.app.id,
    reason: first.reason,
    ...(notBefore ? { notBefore } : {}),
  };
  const type = facts.app.trigger?.type ?? "unknown";
  if (lower(type) !== "manual") {
    const next = lower(type) === "schedule" ? "its next scheduled execution" : "its next triggered execution";
    ctx.forced.set(draft, {
      decision: "report-only",
      why: `PullGuard starts executions of manual-trigger jobs only (PULLGUARD_START_JOBS_AFTER_FIX); this job's trigger is ${type}: ${next} pulls again`,
    });
  }
  return draft;
}

/** The restart that ends the plan: after any fix (unless the revision is healthy), or the only step. */
function finalRestart(ctx: Context, drafts: Draft[], policy: Policy): Draft | null {
  const { facts, findings } = ctx;
  if (facts.app.kind === "job") return jobStart(ctx, drafts, policy);
  if (drafts.length > 0) {
    return revisionHealthy(facts) ? null : restartDraft(facts, drafts[0]?.reason ?? "pull-role-missing");
  }
  if (ctx.propagation) return ctx.propagation;
  // Same reason as the verification's plain restart (followUpRestart): the grant or change is in place, the
  // revision only needs to try again.
  if (findings.every((f) => f.severity === "info") && revisionStuckOnPull(facts)) {
    return restartDraft(facts, "role-assignment-propagating");
  }
  return null;
}

/** The policy's decision for each draft, never stronger than what the step depends on. */
function decideSteps(ctx: Context, drafts: Draft[], policy: Policy): PlanStep[] {
  const plan: PlanStep[] = [];
  for (const d of drafts) {
    const own = ctx.forced.get(d) ?? decide(policy, d.reason, d.target);
    let { decision } = own;
    let why = own.why;
    if (followsFixes(d) && plan.length > 0) {
      // The restart is only as strong as the strongest fix before it: it helps only once something changed.
      const strongest = Math.max(...plan.map((p) => STRENGTH[p.decision]));
      if (strongest < STRENGTH[decision]) {
        decision = strongest === STRENGTH["needs-approval"] ? "needs-approval" : "report-only";
        why = "follows the fixes above";
      }
    } else if (!followsFixes(d)) {
      const withSelf = [...plan, { ...d, decision } as PlanStep];
      for (const dep of stepDependencies(withSelf, plan.length)) {
        const parent = plan[dep];
        if (parent && STRENGTH[parent.decision] < STRENGTH[decision]) {
          decision = parent.decision;
          why = `depends on ${parent.kind} (${parent.decision})`;
        }
      }
    }
    plan.push({ ...d, decision, ...(why ? { why } : {}) } as PlanStep);
  }
  return plan;
}

/** Turns findings into the ordered plan, each step with the policy's decision (pure). */
export function planFixes(facts: PullFacts, findings: readonly Finding[], policy: Policy): PlanStep[] {
  if (policy.mode === "off") return [];
  const ctx: Context = { facts, findings: [...findings], drafts: [], forced: new Map(), propagation: null };
  for (const finding of findings) draftFor(ctx, finding, policy);
  // One step per change; the first finding that asked for it gives the reason.
  const drafts = inPhaseOrder(withoutDuplicates(ctx.drafts));
  const restart = finalRestart(ctx, drafts, policy);
  return decideSteps(ctx, restart ? [...drafts, restart] : drafts, policy);
}

/**
 * The restart a verification may still make for a failed revision once nothing else needs fixing: the planner's
 * restart (with `notBefore` while a grant propagates) or, when the re-diagnosis is clean, a plain restart.
 * Null when a real fix is still needed, when an error has no fix, or when the policy holds the restart back.
 */
export function followUpRestart(facts: PullFacts, findings: readonly Finding[], policy: Policy): PlanStep | null {
  // v2: a job has no revision, and the start of an execution is never repeated by a follow-up.
  if (facts.app.kind === "job" || revisionHealthy(facts)) return null;
  const plan = planFixes(facts, findings, policy);
  if (plan.some((s) => !followsFixes(s))) return null;
  const planned = plan[0];
  if (planned) return planned.decision === "apply" ? planned : null;
  if (findings.some((f) => f.severity === "error") || policy.mode !== "fix") return null;
  const draft = restartDraft(facts, "role-assignment-propagating");
  const { decision, why } = decide(policy, draft.reason, draft.target);
  return decision === "apply" ? ({ ...draft, decision, ...(why ? { why } : {}) } as PlanStep) : null;
}

/**
 * v2: the start a verification of a job still owes: the one its fix deferred while the grants propagated
 * (`startAfter`, the plan's `notBefore`; absent when nothing was deferred: a follow-up never starts anything else),
 * once the switch is on, the trigger is Manual, nothing is left to fix and no execution has started since the fix
 * (`since`, ISO; the executions the fix's read listed, `prior`, do not count). Its `notBefore` is the later of `startAfter` and the fresh grants now read. Null otherwise.
 */
export function followUpStart(
  facts: PullFacts,
  findings: readonly Finding[],
  policy: Policy,
  job: { since: string | null; startAfter: string | null; prior?: readonly string[] },
): PlanStep | null {
  if (!job.startAfter || facts.app.kind !== "job" || !policy.startJobsAfterFix || policy.mode !== "fix") return null;
  if (lower(facts.app.trigger?.type ?? "") !== "manual" || findings.some((f) => f.severity === "error")) return null;
  const executions = facts.executions;
  if (!isFound(executions)) return null;
  // The executions the fix's read listed (`prior`) are not starts since the fix, whatever ARM's clock dated them; any
  // other that cannot be dated against the fix counts as begun (never a start on a guess).
  const since = job.since && !Number.isNaN(Date.parse(job.since)) ? job.since : null;
  const begun = executions.items.some((e) =>
    since && e.startTime ? startedSinceFix(e, { since, prior: job.prior ?? [] }) : !listedByFix(e, job.prior),
  );
  if (begun) return null;
  const fresh = startNotBefore(facts, findings, []);
  const due = Math.max(Date.parse(job.startAfter), fresh ? Date.parse(fresh) : Number.NEGATIVE_INFINITY);
  const draft: Draft = {
    kind: "start-job-execution",
    target: facts.app.id,
    reason: "role-assignment-propagating",
    notBefore: new Date(due).toISOString(),
  };
  const { decision, why } = decide(policy, draft.reason, draft.target);
  return decision === "apply" ? ({ ...draft, decision, ...(why ? { why } : {}) } as PlanStep) : null;
}

/** Identifies one follow-up restart (revision and due time), so a verification makes it once. */
export function followUpKey(step: PlanStep): string {
  if (step.kind === "restart-revision") return `${step.revision}|${step.notBefore ?? "now"}`;
  if (step.kind === "resubmit-template") return `template|${step.revisionSuffix}`;
  return `${step.kind}|${step.target}`;
}
