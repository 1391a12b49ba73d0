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
import type { PullFacts, RegistryFacts, RoleAssignmentFacts, RoleDefinitionFacts } from "./facts.js";
import { parseImageRef } from "./image-ref.js";
import { roleGuidOf } from "./role-assignment-name.js";
import { assignmentCovers, conditionAdmits as conditionVerdict, pullGrant, registryMode } from "./roles.js";

export const ABAC_CONDITION_VERSION = "2.0" as const;

const CONTENT_READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";
const METADATA_READ = "Microsoft.ContainerRegistry/registries/repositories/metadata/read";
const REPO_NAME = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";
const GUARD = `(!(ActionMatches{'${CONTENT_READ}'}) AND !(ActionMatches{'${METADATA_READ}'}))`;

const lower = (s: string): string => s.toLowerCase();

/** The registry host of an image reference, lower case (`docker.io` when the reference names none). */
export function imageHost(image: string): string {
  return parseImageRef(image).host;
}

/** The repository of an image reference, lower case, without host, tag or digest. */
export function imageRepository(image: string): string {
  return parseImageRef(image).repository.toLowerCase();
}

const quote = (s: string): string => `'${s.replace(/'/g, "")}'`;

/** Lower-cased repositories of the app's images on `server` (sorted, unique). */
export function repositoriesOn(facts: Pick<PullFacts, "app">, server: string): string[] {
  const repos = new Set<string>();
  for (const c of facts.app.containers) {
    if (imageHost(c.image) === lower(server)) repos.add(imageRepository(c.image));
  }
  return [...repos].sort();
}

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

/**
 * Whether a condition provably admits reading `repo` (roles.ts evaluates it): a condition PullGuard cannot evaluate
 * does not count as admitting.
 */
export function conditionAdmits(condition: string | null, repo: string): boolean {
  return conditionVerdict(condition, repo) === "admits";
}

/**
 * Whether an assignment lets its principal pull every one of `repositories` from `registry` in the registry's mode
 * (roles.ts: legacy mode needs `registries/pull/read`, ABAC mode `repositories/content/read` and a condition that
 * admits each repository). A grant that is only "not proven" (a custom-role wildcard) does not count.
 */
export function grantsPullFor(
  assignment: Pick<RoleAssignmentFacts, "scope" | "roleDefinitionId" | "condition">,
  registry: Pick<RegistryFacts, "id" | "roleAssignmentMode">,
  repositories: readonly string[],
  roleDefinitions: Record<string, RoleDefinitionFacts>,
): boolean {
  if (!assignmentCovers(assignment.scope, registry.id)) return false;
  const guid = roleGuidOf(assignment.roleDefinitionId);
  const mode = registryMode(registry.roleAssignmentMode);
  if (pullGrant(roleDefinitions[guid], guid, mode) !== "grants") return false;
  if (mode === "legacy") return true;
  return repositories.every((r) => conditionAdmits(assignment.condition, r));
}
