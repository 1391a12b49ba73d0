/**
 * The readers of the pull path, in one explicit list (the order they are asked each wave), and the assembly of
 * their facts. Adding a reader: one file beside these with `plan()` and `facts()`, one line in `createReaders`, its
 * part of the facts in `assemble`.
 */
import type { PullFacts } from "../../core/facts.js";
import { type AssignmentsReader, createAssignmentsReader } from "./assignments.js";
import { createEnvironmentReader, type EnvironmentReader } from "./environment.js";
import { createExecutionsReader, type ExecutionsReader } from "./executions.js";
import { createIdentitiesReader, type IdentitiesReader } from "./identities.js";
import { createNetworkReader, type NetworkReader } from "./network.js";
import type { ReadContext, Reader } from "./reader.js";
import { createRegistriesReader, type RegistriesReader } from "./registries.js";
import { createRevisionReader, type RevisionReader } from "./revision.js";

export interface Readers {
  /** Every reader, in the order asked. */
  list: readonly Reader[];
  registries: RegistriesReader;
  environment: EnvironmentReader;
  identities: IdentitiesReader;
  revision: RevisionReader;
  executions: ExecutionsReader;
  assignments: AssignmentsReader;
  network: NetworkReader;
}

export function createReaders(context: ReadContext): Readers {
  const registries = createRegistriesReader(context);
  const environment = createEnvironmentReader(context, registries);
  const identities = createIdentitiesReader(context);
  const revision = createRevisionReader(context);
  const executions = createExecutionsReader(context);
  const assignments = createAssignmentsReader(context, { registries, identities, environment });
  const network = createNetworkReader(context, { registries, environment });
  return {
    list: [registries, environment, identities, revision, executions, assignments, network],
    registries,
    environment,
    identities,
    revision,
    executions,
    assignments,
    network,
  };
}

/** The facts the readers hold (all but readAt and the tag checks). */
export function assemble(context: ReadContext, readers: Readers): Omit<PullFacts, "readAt" | "manifests"> {
  const registries: PullFacts["registries"] = {};
  for (const [server, read] of readers.registries.facts()) registries[server] = readers.network.withReplications(read);
  const { roleAssignments, roleDefinitions } = readers.assignments.facts();
  return {
    app: context.app,
    environment: readers.environment.facts(),
    userAssignedIdentities: Object.fromEntries(readers.identities.facts()),
    registries,
    subscriptionTenants: context.subscriptionTenants,
    roleAssignments,
    roleDefinitions,
    revision: readers.revision.facts(),
    executions: readers.executions.facts(),
    network: readers.network.facts(),
  };
}
