/**
 * The assignments reader: the role assignments of every principal that may pull for the app, and the definitions of
 * the roles that cover one of its registries.
 *
 *   per principal  assignedTo() on the app's subscription and on each registry's (direct and group assignments, at,
 *                  above and below); while a registry is not found yet, also in the tenant's other subscriptions when
 *                  there are at most SPECULATIVE_SUBSCRIPTIONS (dropped unless a registry is there);
 *   per registry   atScope(), only while a principal is still unknown (a UAMI named but not attached, the environment's
 *                  identity before the environment is read): whoever holds them, so that such a principal has its
 *                  grants on the registry, and their role definitions, in the same wave as its own read. When that
 *                  already shows it a direct grant of pull on every registry, its own assignedTo() would only add
 *                  more grants and is not read (one wave less);
 *   per role       the definition, from the built-in snapshot (src/core/built-in-role-definitions.ts) or read (custom).
 *
 * A sweep (`fewerRequestsThanWaves`) reads neither the speculative nor the atScope() assignments.
 */
import type { PrincipalAssignments, RoleAssignmentFacts, RoleDefinitionFacts } from "../../core/facts.js";
import { grantsPullFor, repositoriesOn } from "../../core/pull-grants.js";
import { hasSystemAssigned } from "../../core/pull-paths.js";
import { assignmentCovers } from "../../core/roles.js";
import { readerOn } from "../errors.js";
import { isFound, onceEach, type ReadTask } from "../read-results.js";
import type { EnvironmentReader } from "./environment.js";
import type { IdentitiesReader } from "./identities.js";
import { listAssignments, mergeAssignmentReads } from "./list-assignments.js";
import { type ReadContext, type Reader, usesEnvironmentIdentity } from "./reader.js";
import type { RegistriesReader } from "./registries.js";
import { createRoleDefinitionsReading } from "./role-definitions.js";

/** How many other subscriptions a principal's assignments are read in ahead of knowing where its registry is. */
const SPECULATIVE_SUBSCRIPTIONS = 2;

export interface AssignmentsReader extends Reader {
  facts(): {
    roleAssignments: Record<string, PrincipalAssignments>;
    roleDefinitions: Record<string, RoleDefinitionFacts>;
  };
}

interface Sources {
  registries: RegistriesReader;
  identities: IdentitiesReader;
  environment: EnvironmentReader;
}

export function createAssignmentsReader(context: ReadContext, sources: Sources): AssignmentsReader {
  const { app } = context;
  const { registries, identities, environment } = sources;
  /** Per principal (lower case): one assignedTo() read per subscription listed. */
  const assignmentReads = new Map<string, Map<string, PrincipalAssignments>>();
  /** Per registry (lower-cased ID): every assignment at or above it, whoever holds it (atScope()). */
  const registryScopeReads = new Map<string, PrincipalAssignments>();
  const definitions = createRoleDefinitionsReading(context);
  const once = onceEach();
  const environmentIdentity = usesEnvironmentIdentity(app);

  /** The principals the app itself names (its system identity, its attached UAMIs), lower case. */
  const appPrincipals = new Set(
    [
      hasSystemAssigned(app.identity.type) ? app.identity.principalId : null,
      ...app.identity.userAssigned.map((u) => u.principalId),
    ]
      .filter((p): p is string => !!p)
      .map((p) => p.toLowerCase()),
  );

  /** Principal IDs known so far, lower case: the app's, then those first seen in a later read. */
  function knownPrincipals(): string[] {
    const principals = [...appPrincipals];
    for (const read of identities.facts().values())
      if (isFound(read) && read.principalId) principals.push(read.principalId);
    const env = environment.current();
    if (environmentIdentity && isFound(env)) {
      const { type, principalId } = env.identity;
      if (hasSystemAssigned(type) && principalId) principals.push(principalId);
    }
    return [...new Set(principals.map((p) => p.toLowerCase()))];
  }

  /**
   * Whether a principal that may pull is still unknown: a user-assigned identity a registry entry names that is not
   * attached (its principal comes with its own read), or the environment's identity before the environment is read.
   */
  function principalsPending(): boolean {
    const attached = new Set(app.identity.userAssigned.filter((u) => u.principalId).map((u) => u.id.toLowerCase()));
    const unknownIdentity = app.registries.some((r) => {
      const ref = r.identity?.toLowerCase() ?? "";
      return ref.startsWith("/") && !attached.has(ref) && !identities.has(ref);
    });
    return unknownIdentity || (environmentIdentity && environment.current() === undefined);
  }

  /** The app's subscription and every subscription holding one of its registries. */
  function assignmentSubscriptions(): string[] {
    const subscriptions = [app.subscriptionId.toLowerCase()];
    for (const registry of registries.rbacRegistries()) subscriptions.push(registry.subscriptionId.toLowerCase());
    return [...new Set(subscriptions)];
  }

  /**
   * While an image's registry is not found in the app's subscription yet, the few other subscriptions of the app's
   * tenant it may be in (at most SPECULATIVE_SUBSCRIPTIONS): reading the principal's assignments there now, beside
   * the registry lists, keeps a registry in a neighbouring subscription within the same waves. With more
   * subscriptions, or in a sweep, the reads wait for the registry instead (a wave more, fewer requests).
   */
  function speculativeSubscriptions(): string[] {
    if (context.fewerRequestsThanWaves || !registries.unresolved() || !isFound(context.subscriptions)) return [];
    const own = app.subscriptionId.toLowerCase();
    const tenant = app.identity.tenantId?.toLowerCase() ?? null;
    const others = context.subscriptions.items
      .filter((s) => s.subscriptionId !== own && (tenant === null || s.tenantId?.toLowerCase() === tenant))
      .map((s) => s.subscriptionId);
    return others.length <= SPECULATIVE_SUBSCRIPTIONS ? others : [];
  }

  /** Assignments the registries' atScope() reads showed, whoever holds them. */
  function atScopeItems(): RoleAssignmentFacts[] {
    return [...registryScopeReads.values()].flatMap((read) => (isFound(read) ? read.items : []));
  }

  /**
   * Whether a principal first seen after wave 1 already shows, in the registries' atScope() reads, a direct grant of
   * pull on every registry of the app (for its repositories, in its mode): then its assignedTo() reads could only add
   * grants (through groups, or elsewhere) and are left out.
   */
  function grantsAlreadyShown(principal: string): boolean {
    if (appPrincipals.has(principal)) return false;
    const rbac = registries.rbacRegistries();
    if (rbac.length === 0 || registries.unresolved()) return false;
    const held = atScopeItems().filter((a) => a.principalId.toLowerCase() === principal);
    definitions.takeBuiltIns(held.map((a) => a.roleDefinitionId));
    return rbac.every((registry) => {
      const scopeRead = registryScopeReads.get(registry.id.toLowerCase());
      if (!isFound(scopeRead)) return false;
      const repositories = repositoriesOn({ app }, registry.loginServer);
      return held.some((a) => grantsPullFor(a, registry, repositories, definitions.known()));
    });
  }

  function planPrincipalReads(): ReadTask[] {
    const tasks: ReadTask[] = [];
    for (const principal of knownPrincipals()) {
      if (grantsAlreadyShown(principal)) continue;
      for (const subscriptionId of new Set([...assignmentSubscriptions(), ...speculativeSubscriptions()])) {
        tasks.push(
          ...once(`assignments:${principal}:${subscriptionId}`, async () => {
            const read = await listAssignments(
              context,
              subscriptionId,
              null,
              `assignedTo('${principal}')`,
              readerOn(`subscription ${subscriptionId}`),
            );
            const bySubscription = assignmentReads.get(principal) ?? new Map<string, PrincipalAssignments>();
            bySubscription.set(subscriptionId, read);
            assignmentReads.set(principal, bySubscription);
          }),
        );
      }
    }
    return tasks;
  }

  function planRegistryScopeReads(): ReadTask[] {
    // The registry-scope read only saves a wave for a principal not known yet; when every principal is known it
    // would repeat what assignedTo() returns.
    if (context.fewerRequestsThanWaves || !principalsPending()) return [];
    return registries.rbacRegistries().flatMap((registry) =>
      once(`registry-assignments:${registry.id.toLowerCase()}`, async () => {
        const read = await listAssignments(
          context,
          registry.subscriptionId,
          registry.id,
          "atScope()",
          readerOn(`registry ${registry.name}`),
        );
        registryScopeReads.set(registry.id.toLowerCase(), read);
      }),
    );
  }

  /** Assignments read so far for the principals known now. */
  function knownAssignments(): RoleAssignmentFacts[] {
    const principals = new Set(knownPrincipals());
    const all: RoleAssignmentFacts[] = [];
    for (const reads of assignmentReads.values())
      for (const read of reads.values()) if (isFound(read)) all.push(...read.items);
    all.push(...atScopeItems().filter((a) => principals.has(a.principalId.toLowerCase())));
    return all;
  }

  /** Role definitions of the assignments that cover a registry of the app (the others cannot grant its pulls). */
  function planRoleDefinitions(): ReadTask[] {
    const registryIds = registries.rbacRegistries().map((r) => r.id);
    const covering = knownAssignments().filter((a) => registryIds.some((id) => assignmentCovers(a.scope, id)));
    return definitions.plan(covering.map((a) => a.roleDefinitionId));
  }

  function facts(): ReturnType<AssignmentsReader["facts"]> {
    const roleAssignments: Record<string, PrincipalAssignments> = {};
    const scopeItems = atScopeItems();
    // Only the subscriptions that matter count: a speculative read of a subscription that turned out to hold none of
    // the app's registries neither adds grants nor, when it failed, makes the principal's assignments unreadable.
    const relevant = new Set(assignmentSubscriptions());
    const principals = new Set([...assignmentReads.keys(), ...knownPrincipals().filter(grantsAlreadyShown)]);
    for (const principal of principals) {
      const reads = [...(assignmentReads.get(principal) ?? new Map<string, PrincipalAssignments>())]
        .filter(([subscriptionId]) => relevant.has(subscriptionId))
        .map(([, read]) => read);
      const atRegistries = scopeItems.filter((a) => a.principalId.toLowerCase() === principal);
      roleAssignments[principal] = mergeAssignmentReads(reads, atRegistries);
    }
    return { roleAssignments, roleDefinitions: definitions.known() };
  }

  return {
    name: "assignments",
    plan: () => [
      ...planPrincipalReads(),
      ...planRegistryScopeReads(),
      // After the principal reads: a definition a known assignment needs starts in the same wave.
      ...planRoleDefinitions(),
    ],
    facts,
  };
}
