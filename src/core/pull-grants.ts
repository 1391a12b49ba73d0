/**
 * What the planner needs to know about grants: which repositories an image uses, the ABAC repository condition
 * PullGuard writes, whether a condition admits a repository, and whether an assignment already lets a principal pull.
 *
 * The condition PullGuard writes for repositories `api` and `web/frontend` (conditionVersion 2.0):
 *   ((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND
 *     !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR
 *    (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'api' OR
 *     @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'web/frontend'))
 */
import type { RegistryFacts, RoleAssignmentFacts, RoleDefinitionFacts } from "./facts.js";
import { roleGuidOf } from "./role-assignment-name.js";

export const ABAC_CONDITION_VERSION = "2.0" as const;

const CONTENT_READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";
const METADATA_READ = "Microsoft.ContainerRegistry/registries/repositories/metadata/read";
const LEGACY_PULL = "Microsoft.ContainerRegistry/registries/pull/read";
const REPO_NAME = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";
const GUARD = `(!(ActionMatches{'${CONTENT_READ}'}) AND !(ActionMatches{'${METADATA_READ}'}))`;

/** Built-in pull roles, used when the role definition was not read (pull-path.md "Roles"). */
const LEGACY_PULL_ROLES = new Set([
  "7f951dda-4ed3-4680-a7ca-43fe172d538d", // AcrPull
  "8311e382-0749-4cb8-b61a-304f252e45ec", // AcrPush
  "acdd72a7-3385-48ef-bd42-f606fba81ae7", // Reader
  "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
  "577a9874-89fd-4f24-9dbd-b5034d0ad23a", // Container Registry Data Importer and Data Reader
]);
const ABAC_PULL_ROLES = new Set([
  "b93aa761-3e63-49ed-ac28-beffa264f7ac", // Container Registry Repository Reader
  "2a1e307c-b015-4ebd-883e-5b7698a07328", // Container Registry Repository Writer
  "2efddaa5-3f1f-4df3-97df-af3f13818f4c", // Container Registry Repository Contributor
  "577a9874-89fd-4f24-9dbd-b5034d0ad23a", // Container Registry Data Importer and Data Reader
]);

const lower = (s: string): string => s.toLowerCase();

/** The registry host of an image reference, lower case (`docker.io` when the reference names none). */
function namesHost(image: string): boolean {
  const first = image.split("/")[0] ?? "";
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
}

export function imageHost(image: string): string {
  return namesHost(image) ? lower(image.split("/")[0] ?? "") : "docker.io";
}

/** The repository of an image reference, lower case, without host, tag or digest. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split("@")[0] ?? image;
  const parts = withoutDigest.split("/");
  if (namesHost(withoutDigest)) parts.shift();
  const path = parts.join("/");
  const slash = path.lastIndexOf("/");
  const colon = path.lastIndexOf(":");
  return lower(colon > slash ? path.slice(0, colon) : path);
}

const quote = (s: string): string => `'${s.replace(/'/g, "")}'`;

/** The ABAC condition admitting exactly these repositories. */
export function repositoryCondition(repositories: readonly string[]): string {
  const clauses = [...new Set(repositories.map(lower))]
    .sort()
    .map((r) => `${REPO_NAME} StringEqualsIgnoreCase ${quote(r)}`);
  return `(${GUARD} OR (${clauses.join(" OR ")}))`;
}

/** An existing condition extended to admit `repositories` too, keeping everything it admitted. */
export function extendCondition(condition: string, repositories: readonly string[]): string {
  const missing = repositories.filter((r) => !conditionAdmits(condition, r));
  if (missing.length === 0) return condition;
  const clauses = missing.map((r) => `${REPO_NAME} StringEqualsIgnoreCase ${quote(lower(r))}`);
  const trimmed = condition.trim();
  // The shape PullGuard and the portal write ends with the OR-list of repository clauses: append to it.
  if (trimmed.endsWith("))") && trimmed.includes(GUARD)) {
    return `${trimmed.slice(0, -2)} OR ${clauses.join(" OR ")}))`;
  }
  return `(${trimmed}) OR (${clauses.join(" OR ")})`;
}

interface Clause {
  op: string;
  value: string;
}

function clausesOf(condition: string): Clause[] {
  const re = /@Request\[Microsoft\.ContainerRegistry\/registries\/repositories:name\]\s+(\w+)\s+'([^']*)'/gi;
  return [...condition.matchAll(re)].map((m) => ({ op: lower(m[1] ?? ""), value: m[2] ?? "" }));
}

function clauseAdmits(clause: Clause, repo: string): boolean {
  const r = lower(repo);
  const v = lower(clause.value);
  switch (clause.op) {
    case "stringequalsignorecase":
      return r === v;
    case "stringequals":
      return repo === clause.value;
    case "stringstartswithignorecase":
      return r.startsWith(v);
    case "stringstartswith":
      return repo.startsWith(clause.value);
    case "stringlikeignorecase":
    case "stringlike": {
      const flags = clause.op.endsWith("ignorecase") ? "i" : "";
      const pattern = clause.value.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
      return new RegExp(`^${pattern}$`, flags).test(repo);
    }
    default:
      return false;
  }
}

/**
 * Whether a condition provably admits reading `repo`. Only the shape "read guard OR (clause OR clause ...)" is
 * understood; anything else (AND between clauses, negations, other attributes) is "not proven" and answers false.
 */
export function conditionAdmits(condition: string | null, repo: string): boolean {
  if (condition === null || condition.trim() === "") return true;
  const rest = condition
    .replace(GUARD, " ")
    .replace(/@Request\[Microsoft\.ContainerRegistry\/registries\/repositories:name\]\s+\w+\s+'[^']*'/gi, " ")
    .replace(/\bOR\b/g, " ")
    .replace(/[()\s]/g, "");
  if (rest !== "") return false;
  return clausesOf(condition).some((c) => clauseAdmits(c, repo));
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return re.test(action);
}

function definitionGrants(def: RoleDefinitionFacts, action: string, data: boolean): boolean {
  return def.permissions.some((p) => {
    const allow = data ? p.dataActions : p.actions;
    const deny = data ? p.notDataActions : p.notActions;
    return allow.some((a) => actionMatches(a, action)) && !deny.some((a) => actionMatches(a, action));
  });
}

function scopeCoversRegistry(scope: string, registryId: string): boolean {
  const s = lower(scope).replace(/\/+$/, "");
  const r = lower(registryId);
  return s === "" || r === s || r.startsWith(`${s}/`);
}

/**
 * Whether an assignment lets its principal pull every one of `repositories` from `registry` in the registry's mode:
 * legacy mode needs the action `registries/pull/read`, ABAC mode the data action `repositories/content/read` and a
 * condition that admits each repository.
 */
export function grantsPullFor(
  assignment: Pick<RoleAssignmentFacts, "scope" | "roleDefinitionId" | "condition">,
  registry: Pick<RegistryFacts, "id" | "roleAssignmentMode">,
  repositories: readonly string[],
  roleDefinitions: Record<string, RoleDefinitionFacts>,
): boolean {
  if (!scopeCoversRegistry(assignment.scope, registry.id)) return false;
  const guid = roleGuidOf(assignment.roleDefinitionId);
  const abac = lower(registry.roleAssignmentMode) === "abacrepositorypermissions";
  const def = roleDefinitions[guid];
  const roleGrants = def
    ? abac
      ? definitionGrants(def, CONTENT_READ, true)
      : definitionGrants(def, LEGACY_PULL, false)
    : (abac ? ABAC_PULL_ROLES : LEGACY_PULL_ROLES).has(guid);
  if (!roleGrants) return false;
  if (!abac) return true;
  return repositories.every((r) => conditionAdmits(assignment.condition, r));
}
