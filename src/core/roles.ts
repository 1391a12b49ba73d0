/**
 * Role semantics of the pull path in one place (pull-path.md, "Roles"): which role definitions grant pull in which
 * registry mode, whether an ABAC condition admits a repository, and how old an assignment is.
 *
 * Legacy mode checks the control-plane action `Microsoft.ContainerRegistry/registries/pull/read`; ABAC mode checks the
 * data action `Microsoft.ContainerRegistry/registries/repositories/content/read` and ignores control-plane roles.
 * Definitions are evaluated from their `permissions`; the GUID table below is only the fallback for a definition
 * PullGuard could not read.
 *
 * Example: Reader (`actions: ["*\/read"]`) → pullGrant(def, READER, "legacy") = "grants", ... "abac") = "no"; a custom
 * role with `actions: ["Microsoft.ContainerRegistry/*"]` → "not-proven" (ACR honours custom-role wildcards only with
 * ARM private link), the same role with the exact action → "grants".
 */
import type { RoleAssignmentFacts, RoleDefinitionFacts } from "./facts.js";

export const LEGACY_PULL_ACTION = "Microsoft.ContainerRegistry/registries/pull/read";
export const ABAC_PULL_DATA_ACTION = "Microsoft.ContainerRegistry/registries/repositories/content/read";

export const ROLES = {
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  repositoryReader: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
  repositoryWriter: "2a1e307c-b015-4ebd-883e-5b7698a07328",
  repositoryContributor: "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
  dataImporterAndReader: "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
  quarantineReader: "cdda3590-29a3-44f6-95f2-9f980659eb04",
  catalogLister: "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
  rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  containerAppsContributor: "358470bc-b998-42bd-ab17-a7e34c199c0f",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  registryConfigurationAdministrator: "3bc748fc-213d-45c1-8d91-9da5725539b9",
} as const;

/** Names of the built-in roles above, for messages. */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLES.acrPull]: "AcrPull",
  [ROLES.acrPush]: "AcrPush",
  [ROLES.reader]: "Reader",
  [ROLES.contributor]: "Contributor",
  [ROLES.owner]: "Owner",
  [ROLES.repositoryReader]: "Container Registry Repository Reader",
  [ROLES.repositoryWriter]: "Container Registry Repository Writer",
  [ROLES.repositoryContributor]: "Container Registry Repository Contributor",
  [ROLES.dataImporterAndReader]: "Container Registry Data Importer and Data Reader",
  [ROLES.quarantineReader]: "AcrQuarantineReader",
  [ROLES.catalogLister]: "Container Registry Repository Catalog Lister",
  [ROLES.rbacAdministrator]: "Role Based Access Control Administrator",
  [ROLES.containerAppsContributor]: "Container Apps Contributor",
  [ROLES.managedIdentityOperator]: "Managed Identity Operator",
  [ROLES.registryConfigurationAdministrator]:
    "Container Registry Contributor and Data Access Configuration Administrator",
};

/** Fallback when a definition was not read: the table's "grants pull" columns. */
const BUILT_IN_LEGACY_PULL: ReadonlySet<string> = new Set([
  ROLES.acrPull,
  ROLES.acrPush,
  ROLES.reader,
  ROLES.contributor,
  ROLES.owner,
  ROLES.dataImporterAndReader,
]);
const BUILT_IN_ABAC_PULL: ReadonlySet<string> = new Set([
  ROLES.repositoryReader,
  ROLES.repositoryWriter,
  ROLES.repositoryContributor,
  ROLES.dataImporterAndReader,
]);

export type RegistryMode = "legacy" | "abac";
export type PullGrant = "grants" | "no" | "not-proven";

export function registryMode(roleAssignmentMode: string): RegistryMode {
  return roleAssignmentMode.toLowerCase() === "abacrepositorypermissions" ? "abac" : "legacy";
}

export function roleName(definition: RoleDefinitionFacts | undefined, roleGuid: string): string {
  return definition?.roleName ?? ROLE_NAMES[roleGuid.toLowerCase()] ?? roleGuid;
}

/** How a permission pattern matches an action: exactly (proof), through a wildcard, or not at all. */
type Match = "exact" | "wildcard" | "none";

function patternMatch(pattern: string, action: string): Match {
  if (pattern.toLowerCase() === action.toLowerCase()) return "exact";
  if (!pattern.includes("*")) return "none";
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i").test(action) ? "wildcard" : "none";
}

/**
 * Whether a role definition grants pull in `mode`. Each permission block grants when one of its (data) actions
 * covers the action and none of its not(Data)Actions does. A CustomRole that grants only through a wildcard is
 * "not-proven"; built-in roles' wildcards are honoured (Reader's `*\/read` is documented to grant pull).
 */
export function pullGrant(
  definition: RoleDefinitionFacts | undefined,
  roleGuid: string,
  mode: RegistryMode,
): PullGrant {
  const guid = roleGuid.toLowerCase();
  if (!definition) return (mode === "abac" ? BUILT_IN_ABAC_PULL : BUILT_IN_LEGACY_PULL).has(guid) ? "grants" : "no";
  const action = mode === "abac" ? ABAC_PULL_DATA_ACTION : LEGACY_PULL_ACTION;
  let best: Match = "none";
  for (const p of definition.permissions) {
    const allow = mode === "abac" ? p.dataActions : p.actions;
    const deny = mode === "abac" ? p.notDataActions : p.notActions;
    if (deny.some((d) => patternMatch(d, action) !== "none")) continue;
    for (const a of allow) {
      const m = patternMatch(a, action);
      if (m === "exact") best = "exact";
      else if (m === "wildcard" && best === "none") best = "wildcard";
    }
  }
  if (best === "none") return "no";
  if (best === "wildcard" && definition.roleType.toLowerCase() === "customrole") return "not-proven";
  return "grants";
}

export type ConditionVerdict = "admits" | "excludes" | "cannot-evaluate";

const REPO_ATTRIBUTE = /^@Request\[Microsoft\.ContainerRegistry\/registries\/repositories:name\]$/i;
const NOT_ACTION = /^!\s*\(\s*ActionMatches\{'([^']+)'\}\s*\)$/i;

/** Splits `s` at top-level (outside parentheses, braces and quotes) occurrences of ` OR `. */
function splitTopLevelOr(s: string): string[] {
  return splitTopLevel(s, "OR");
}

/** Splits `s` at top-level (outside parentheses, braces and quotes) occurrences of ` <word> ` (OR, AND). */
function splitTopLevel(s: string, word: "OR" | "AND"): string[] {
  const separator = new RegExp(`^\\s+${word}\\s+`, "i");
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === "(" || c === "{") depth++;
    else if (c === ")" || c === "}") depth--;
    else if (depth === 0 && /\s/.test(c ?? "") && separator.test(s.slice(i))) {
      const m = separator.exec(s.slice(i));
      parts.push(s.slice(start, i));
      i += (m?.[0].length ?? 1) - 1;
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

/** Removes parentheses that wrap the whole expression. */
function unwrap(s: string): string {
  let t = s.trim();
  while (t.startsWith("(") && t.endsWith(")")) {
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === "(") depth++;
      else if (t[i] === ")") depth--;
      if (depth === 0 && i < t.length - 1) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    t = t.slice(1, -1).trim();
  }
  return t;
}

function likeMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, ignoreCase ? "i" : "").test(value);
}

/** One comparison `@Request[...repositories:name] <op> <value(s)>`: true/false, or null when not understood. */
function comparisonAdmits(expr: string, repository: string): boolean | null {
  const m = /^(@Request\[[^\]]+\])\s+(ForAnyOfAnyValues:)?(\w+)\s+(.+)$/is.exec(expr);
  if (!m || !REPO_ATTRIBUTE.test(m[1] ?? "")) return null;
  const op = (m[3] ?? "").toLowerCase();
  const rawValues = (m[4] ?? "").trim();
  const values = rawValues.startsWith("{")
    ? [...rawValues.matchAll(/'([^']*)'/g)].map((v) => v[1] ?? "")
    : /^'([^']*)'$/.exec(rawValues)
      ? [rawValues.slice(1, -1)]
      : null;
  if (!values) return null;
  const test = (v: string): boolean | null => {
    switch (op) {
      case "stringequals":
        return repository === v;
      case "stringequalsignorecase":
        return repository.toLowerCase() === v.toLowerCase();
      case "stringstartswith":
        return repository.startsWith(v);
      case "stringstartswithignorecase":
        return repository.toLowerCase().startsWith(v.toLowerCase());
      case "stringlike":
        return likeMatches(v, repository, false);
      case "stringlikeignorecase":
        return likeMatches(v, repository, true);
      default:
        return null;
    }
  };
  const results = values.map(test);
  if (results.some((r) => r === null)) return null;
  return results.some((r) => r === true);
}

/**
 * Whether an ABAC condition admits pulling `repository`. Understood: OR-combinations of repository-name comparisons
 * (StringEquals[IgnoreCase], StringStartsWith[IgnoreCase], StringLike, ForAnyOfAnyValues:… {'a','b'}), optionally
 * behind an action guard `((!(ActionMatches{a}) AND !(ActionMatches{b})) OR (...))`. The portal's read guard (a, b =
 * content/read, metadata/read) is false for a pull, so only the right side decides; a guard on other actions only
 * (v2: e.g. content/write) is true for a pull, so the condition admits every repository for pull.
 * Anything else (AND between comparisons, negations, other attributes) is "cannot-evaluate", never a guess.
 * A missing condition admits everything.
 */
export function conditionAdmits(condition: string | null | undefined, repository: string): ConditionVerdict {
  if (condition === null || condition === undefined || condition.trim() === "") return "admits";
  const verdict = evaluateOr(unwrap(condition), repository);
  return verdict === null ? "cannot-evaluate" : verdict ? "admits" : "excludes";
}

/**
 * The value, for a pull, of an action guard `!(ActionMatches{'a'}) [AND !(ActionMatches{'b'}) ...]`, or null when
 * `part` is not such a guard. A pull is the data action `.../repositories/content/read`; the guard is true when none
 * of its actions matches it (ActionMatches with a `*` wildcard is read as a pattern: an assumption). So the portal's
 * read guard (content/read AND metadata/read) is false for a pull and leaves the decision to the repository tests,
 * while a guard on write actions only (`!(ActionMatches{'.../content/write'})`) is true for a pull: the condition then
 * admits every repository for pull (learn.microsoft.com/azure/role-based-access-control/conditions-format, "How a
 * condition is evaluated": for an action that is not the condition's <action>, `!(ActionMatches)` is true and so is
 * the whole condition).
 */
function guardForPull(part: string): boolean | null {
  const terms = splitTopLevel(part, "AND").map(unwrap);
  const actions = terms.map((t) => NOT_ACTION.exec(t)?.[1]);
  if (actions.some((a) => a === undefined)) return null;
  return !actions.some((a) => likeMatches(a ?? "", ABAC_PULL_DATA_ACTION, true));
}

function evaluateOr(expr: string, repository: string): boolean | null {
  const parts = splitTopLevelOr(expr).map(unwrap);
  const guards = parts.map(guardForPull);
  // A guard that is true for a pull makes the whole OR true, whatever the other parts say.
  if (guards.some((g) => g === true)) return true;
  let admitted = false;
  for (const [i, part] of parts.entries()) {
    // A guard that is false for a pull contributes nothing; the other parts decide.
    if (guards[i] === false) {
      if (parts.length === 1) return false;
      continue;
    }
    const inner = splitTopLevelOr(part);
    const result = inner.length > 1 ? evaluateOr(part, repository) : comparisonAdmits(part, repository);
    if (result === null) return null;
    admitted ||= result;
  }
  return admitted;
}

const MANAGEMENT_GROUP_SCOPE = /^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/;

/**
 * Whether a role assignment's scope covers a resource (normal Azure RBAC inheritance): the same ID or a parent on a
 * path-segment boundary, case-insensitive. "/" (tenant root) covers everything. A management group scope covers it
 * too: ARM lists an assignment made at a management group for a subscription (assignedTo, atScope) only when that
 * group is one of the subscription's ancestors, so one that is listed applies.
 */
export function assignmentCovers(scope: string, resourceId: string): boolean {
  const s = scope.trim().replace(/\/+$/, "").toLowerCase();
  const r = resourceId.trim().replace(/\/+$/, "").toLowerCase();
  return s === "" || MANAGEMENT_GROUP_SCOPE.test(s) || r === s || r.startsWith(`${s}/`);
}

/** How long a new assignment may take to work (pull-path.md, "Propagation"). */
export const PROPAGATION_WINDOW_MS = 10 * 60 * 1000;
/** How long a group grant may take to reach a managed identity token (tokens are cached ~24 h). */
export const GROUP_PROPAGATION_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Age of an assignment at `now` in ms; a missing or unparsable createdOn means old (never fresh). */
export function assignmentAgeMs(assignment: Pick<RoleAssignmentFacts, "createdOn">, now: string): number {
  if (!assignment.createdOn) return Number.POSITIVE_INFINITY;
  const created = Date.parse(assignment.createdOn);
  const at = Date.parse(now);
  if (Number.isNaN(created) || Number.isNaN(at)) return Number.POSITIVE_INFINITY;
  return Math.max(0, at - created);
}

export function isPropagating(assignment: Pick<RoleAssignmentFacts, "createdOn">, now: string): boolean {
  return assignmentAgeMs(assignment, now) < PROPAGATION_WINDOW_MS;
}

export function isFreshGroupGrant(assignment: Pick<RoleAssignmentFacts, "createdOn">, now: string): boolean {
  return assignmentAgeMs(assignment, now) < GROUP_PROPAGATION_WINDOW_MS;
}
