/**
 * planFixes: findings + facts + policy → the ordered, least-privilege steps that would fix the pull path (pure).
 *
 * Order: identity steps (enable the system identity, attach a user-assigned identity), then grants, then registry
 * entries (after the grant for their identity, so that switching an entry away from working admin credentials never
 * happens before the managed identity may pull), then registry policy steps (ARM-audience tokens, firewall IPs),
 * then one restart of the failing revision (or a template re-submission when no revision exists).
 *
 * Example: `system-identity-disabled` for fabrikamacr (legacy mode) gives
 *   enable-system-identity(app) → assign-role(AcrPull @ fabrikamacr, principalFrom app-system-identity) →
 *   restart-revision(checkout-web--abc).
 */
import { createHash } from "node:crypto";
import type { PrincipalAssignments, PullFacts, RegistryFacts, RoleAssignmentFacts } from "./facts.js";
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
import { isRunningHealthy, isTerminallyFailed } from "./verification-outcome.js";

/** How long a new role assignment may take to work (pull-path.md, "Propagation"). */
export const PROPAGATION_WINDOW_MS = 10 * 60 * 1000;

/** The readable placeholder for a principal that exists only once the system identity is enabled. */
export function systemPrincipalPlaceholder(appName: string): string {
  return `(system identity of ${appName} once enabled)`;
}
export const NAME_PLACEHOLDER = "(derived from the new principal)";

const lower = (s: string): string => s.toLowerCase();

const ORDER: Record<PlanStep["kind"], number> = {
  "enable-system-identity": 0,
  "attach-user-identity": 1,
  "assign-role": 2,
  "set-registry-identity": 3,
  "add-registry-entry": 3,
  "enable-arm-audience-tokens": 4,
  "allow-registry-ips": 5,
  "restart-revision": 6,
  "resubmit-template": 6,
};

/** A step before its policy decision. */
type Draft = PlanStep extends infer S ? (S extends PlanStep ? Omit<S, "decision" | "why"> : never) : never;

interface Context {
  facts: PullFacts;
  findings: Finding[];
  drafts: Draft[];
  /** Decisions forced by the planner itself (e.g. a grant PullGuard cannot make safely). */
  forced: Map<Draft, { decision: StepDecision; why: string }>;
}

function registryOf(facts: PullFacts, server: string | null | undefined): RegistryFacts | null {
  if (!server) return null;
  const read = facts.registries[lower(server)];
  return read?.readable && read.found ? read : null;
}

function assignmentsOf(facts: PullFacts, principalId: string): RoleAssignmentFacts[] {
  const read: PrincipalAssignments | undefined = facts.roleAssignments[lower(principalId)];
  return read?.readable && read.found ? read.items : [];
}

/** The principal behind a registry identity reference, when it exists. */
function principalOf(facts: PullFacts, ref: string | null | undefined): string | null {
  if (!ref) return null;
  if (lower(ref) === "system")
    return hasSystemAssigned(facts.app.identity.type) ? facts.app.identity.principalId : null;
  const attached = facts.app.identity.userAssigned.find((u) => lower(u.id) === lower(ref));
  if (attached?.principalId) return attached.principalId;
  const read = facts.userAssignedIdentities[lower(ref)];
  return read?.readable && read.found ? read.principalId : null;
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
  const roleDefinitionId = `/subscriptions/${registry.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
  const placeholder = "fromSystemIdentity" in principal;
  const principalId = placeholder ? systemPrincipalPlaceholder(facts.app.name) : principal.id;
  return {
    kind: "assign-role",
    target: registry.id,
    reason,
    roleDefinitionId,
    roleName: abac ? "Container Registry Repository Reader" : "AcrPull",
    scope: registry.id,
    principalId,
    principalType: "ServicePrincipal",
    condition,
    conditionVersion: condition ? ABAC_CONDITION_VERSION : null,
    name: placeholder ? NAME_PLACEHOLDER : roleAssignmentName(registry.id, principalId, role),
    ...(placeholder ? { principalFrom: "app-system-identity" as const } : {}),
    ...(abac ? { repositories: repos } : {}),
  };
}

function addGrant(ctx: Context, draft: Draft, registry: RegistryFacts): void {
  ctx.drafts.push(draft);
  if (draft.kind === "assign-role" && draft.repositories?.length === 0) {
    ctx.forced.set(draft, {
      decision: "needs-approval",
      why: `no image of the app uses ${registry.loginServer}, so no repository condition can be written; approving grants Repository Reader on the whole registry`,
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
    .filter((a) => a.condition && lower(registry.id).startsWith(lower(a.scope.replace(/\/+$/, ""))))
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
  if (!revision?.readable || !revision.found || revisionHealthy(facts)) return null;
  const principalId = finding.identity?.principalId ?? principalOf(facts, finding.identity?.ref);
  const readAt = Date.parse(facts.readAt);
  const fresh = (principalId ? assignmentsOf(facts, principalId) : [])
    .map((a) => (a.createdOn ? Date.parse(a.createdOn) : Number.NaN))
    .filter((t) => !Number.isNaN(t) && readAt - t < PROPAGATION_WINDOW_MS);
  const createdOn = fresh.length > 0 ? Math.max(...fresh) : readAt;
  return {
    kind: "restart-revision",
    target: `${facts.app.id}/revisions/${revision.name}`,
    reason: finding.code,
    revision: revision.name,
    notBefore: new Date(createdOn + PROPAGATION_WINDOW_MS).toISOString(),
  };
}

/**
 * The latest revision failed because it could not pull an image (or may have: pull-failure.ts decides from the
 * structured fields first, then the one term list), yet nothing is left to fix: the cause was repaired (a fix whose
 * restart was lost to a fault or a timeout, a person's change) but the revision was never restarted, and nothing else
 * ever would restart it. Secret references, mounts, probes and crash loops are left alone.
 */
function revisionStuckOnPull(facts: PullFacts): boolean {
  const r = facts.revision;
  if (!r?.readable || !r.found || !isTerminallyFailed(r)) return false;
  return isPullFailure(revisionPullFailure(r));
}

/** Whether the latest revision runs and is healthy (then no restart is needed). */
export function revisionHealthy(facts: PullFacts): boolean {
  const r = facts.revision;
  if (!r?.readable || !r.found) return false;
  return isRunningHealthy(r);
}

function restartDraft(facts: PullFacts, reason: FindingCode): Draft {
  const r = facts.revision;
  if (r?.readable && r.found) {
    return { kind: "restart-revision", target: `${facts.app.id}/revisions/${r.name}`, reason, revision: r.name };
  }
  const digest = createHash("sha1")
    .update(`${lower(facts.app.id)}|${facts.readAt}`)
    .digest("hex");
  return { kind: "resubmit-template", target: facts.app.id, reason, revisionSuffix: `pg${digest.slice(0, 8)}` };
}

/** Key under which two drafts are the same change. */
function keyOf(d: Draft): string {
  switch (d.kind) {
    case "assign-role":
      return `assign-role|${lower(d.scope)}|${lower(d.principalFrom ?? d.principalId)}|${roleGuidOf(d.roleDefinitionId)}`;
    case "attach-user-identity":
      return `attach|${lower(d.identityId)}`;
    case "enable-system-identity":
      return "enable-system";
    case "set-registry-identity":
    case "add-registry-entry":
      return `entry|${lower(d.server)}`;
    case "enable-arm-audience-tokens":
      return `arm-audience|${lower(d.target)}`;
    case "allow-registry-ips":
      return `ips|${lower(d.target)}`;
    case "restart-revision":
    case "resubmit-template":
      return "restart";
  }
}

/** Indices of the steps `plan[index]` depends on (a failed or skipped dependency skips it). */
export function stepDependencies(plan: readonly PlanStep[], index: number): number[] {
  const step = plan[index];
  if (!step) return [];
  const before = plan.map((s, i) => ({ s, i })).filter(({ i }) => i < index);
  switch (step.kind) {
    case "assign-role":
      return step.principalFrom ? before.filter(({ s }) => s.kind === "enable-system-identity").map(({ i }) => i) : [];
    case "set-registry-identity":
    case "add-registry-entry":
      return before
        .filter(
          ({ s }) =>
            (s.kind === "enable-system-identity" && lower(step.identity) === "system") ||
            (s.kind === "attach-user-identity" && lower(s.identityId) === lower(step.identity)) ||
            (s.kind === "assign-role" && s.reason === step.reason),
        )
        .map(({ i }) => i);
    case "restart-revision":
    case "resubmit-template":
      return before.map(({ i }) => i);
    default:
      return [];
  }
}

const STRENGTH: Record<StepDecision, number> = { "report-only": 0, "needs-approval": 1, apply: 2 };

/** Turns findings into the ordered plan, each step with the policy's decision (pure). */
export function planFixes(facts: PullFacts, findings: readonly Finding[], policy: Policy): PlanStep[] {
  if (policy.mode === "off") return [];
  const ctx: Context = { facts, findings: [...findings], drafts: [], forced: new Map() };
  let propagation: Draft | null = null;
  for (const finding of findings) {
    switch (finding.code) {
      case "registry-not-configured":
        if (finding.severity !== "info") entryWithIdentity(ctx, finding, "add-registry-entry");
        break;
      case "registry-uses-admin-credentials":
        entryWithIdentity(ctx, finding, "set-registry-identity");
        break;
      case "identity-not-attached":
        if (finding.identity?.ref) {
          const draft: Draft = {
            kind: "attach-user-identity",
            target: facts.app.id,
            reason: finding.code,
            identityId: finding.identity.ref,
          };
          ctx.drafts.push(draft);
          // Attaching lends the identity's rights to the app: the identity must be in the allowlist as well.
          if (policy.mode === "fix" && !isAllowed(policy, finding.identity.ref)) {
            ctx.forced.set(draft, {
              decision: "report-only",
              why: `outside the allowlist: the identity ${finding.identity.ref} is in none of PULLGUARD_ALLOWED_SCOPES, and attaching it would give the app its rights`,
            });
          }
        }
        break;
      case "system-identity-disabled": {
        ctx.drafts.push({ kind: "enable-system-identity", target: facts.app.id, reason: finding.code });
        const registry = registryOf(facts, finding.registry?.server);
        if (registry) addGrant(ctx, grantDraft(facts, registry, finding.code, { fromSystemIdentity: true }), registry);
        break;
      }
      case "pull-role-missing":
      case "abac-mode-legacy-role-only":
        grantForFinding(ctx, finding);
        break;
      case "abac-condition-excludes-repository":
        extendExistingCondition(ctx, finding);
        break;
      case "role-assignment-propagating":
        propagation ??= propagationRestart(ctx, finding);
        break;
      case "arm-audience-tokens-disabled": {
        const registry = registryOf(facts, finding.registry?.server);
        if (registry)
          ctx.drafts.push({ kind: "enable-arm-audience-tokens", target: registry.id, reason: finding.code });
        break;
      }
      case "registry-firewall-blocks-environment":
        allowIps(ctx, finding);
        break;
      default:
        break;
    }
  }

  // One step per change; the first finding that asked for it gives the reason.
  const unique = new Map<string, Draft>();
  for (const d of ctx.drafts) {
    const key = keyOf(d);
    const seen = unique.get(key);
    if (!seen) unique.set(key, d);
    else if (seen.kind === "allow-registry-ips" && d.kind === "allow-registry-ips") {
      seen.ips = [...new Set([...seen.ips, ...d.ips])];
    }
  }
  const drafts = [...unique.values()]
    .map((d, i) => ({ d, i }))
    .sort((a, b) => ORDER[a.d.kind] - ORDER[b.d.kind] || a.i - b.i)
    .map(({ d }) => d);

  const fixing = drafts.length > 0;
  if (fixing && !revisionHealthy(facts)) drafts.push(restartDraft(facts, drafts[0]?.reason ?? "pull-role-missing"));
  else if (!fixing && propagation) drafts.push(propagation);
  else if (!fixing && findings.every((f) => f.severity === "info") && revisionStuckOnPull(facts)) {
    // Same reason as the verification's plain restart (followUpRestart): the grant or change is in place, the
    // revision only needs to try again.
    drafts.push(restartDraft(facts, "role-assignment-propagating"));
  }

  const plan: PlanStep[] = [];
  drafts.forEach((d) => {
    const own = ctx.forced.get(d) ?? decide(policy, d.reason, d.target);
    let { decision } = own;
    let why = own.why;
    // A step is never stronger than what it depends on.
    const index = plan.length;
    const withSelf = [...plan, { ...d, decision } as PlanStep];
    for (const dep of stepDependencies(withSelf, index)) {
      const parent = plan[dep];
      if (!parent) continue;
      const isRestart = d.kind === "restart-revision" || d.kind === "resubmit-template";
      if (isRestart) continue;
      if (STRENGTH[parent.decision] < STRENGTH[decision]) {
        decision = parent.decision;
        why = `depends on ${parent.kind} (${parent.decision})`;
      }
    }
    if ((d.kind === "restart-revision" || d.kind === "resubmit-template") && plan.length > 0) {
      // The restart is only as strong as the strongest fix before it: it helps only once something changed.
      const strongest = Math.max(...plan.map((p) => STRENGTH[p.decision]));
      if (strongest < STRENGTH[decision]) {
        decision = strongest === STRENGTH["needs-approval"] ? "needs-approval" : "report-only";
        why = "follows the fixes above";
      }
    }
    plan.push({ ...d, decision, ...(why ? { why } : {}) } as PlanStep);
  });
  return plan;
}

/**
 * The restart a verification may still make for a failed revision once nothing else needs fixing: the planner's
 * restart (with `notBefore` while a grant propagates) or, when the re-diagnosis is clean, a plain restart.
 * Null when a real fix is still needed, when an error has no fix, or when the policy holds the restart back.
 */
export function followUpRestart(facts: PullFacts, findings: readonly Finding[], policy: Policy): PlanStep | null {
  if (revisionHealthy(facts)) return null;
  const plan = planFixes(facts, findings, policy);
  if (plan.some((s) => s.kind !== "restart-revision" && s.kind !== "resubmit-template")) return null;
  const planned = plan[0];
  if (planned) return planned.decision === "apply" ? planned : null;
  if (findings.some((f) => f.severity === "error") || policy.mode !== "fix") return null;
  const draft = restartDraft(facts, "role-assignment-propagating");
  const { decision, why } = decide(policy, draft.reason, draft.target);
  return decision === "apply" ? ({ ...draft, decision, ...(why ? { why } : {}) } as PlanStep) : null;
}

/** Identifies one follow-up restart (revision and due time), so a verification makes it once. */
export function followUpKey(step: PlanStep): string {
  if (step.kind === "restart-revision") return `${step.revision}|${step.notBefore ?? "now"}`;
  if (step.kind === "resubmit-template") return `template|${step.revisionSuffix}`;
  return `${step.kind}|${step.target}`;
}
