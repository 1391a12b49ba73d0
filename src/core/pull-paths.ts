/**
 * Pull paths: one per image of `template.containers` and `template.initContainers`, plus one per `registries[]` entry
 * that no image uses (ACA may reject a deployment of a new image synchronously, so PullGuard never sees that image;
 * diagnosing every entry covers it: pull-path.md, failure mode (b)).
 *
 * Example: containers api (fabrikamacr.azurecr.io/api:1) and init migrate (docker.io/library/busybox), entries
 * [fabrikamacr.azurecr.io → system, legacyacr.azurecr.io → system] → three paths: api→fabrikamacr (entry 0),
 * migrate→docker.io (no entry), and (no container)→legacyacr (entry 1).
 */

import { isAcrLoginServer } from "./acr-host.js";
import {
  type ContainerFacts,
  isFound,
  type PrincipalAssignments,
  type PullFacts,
  type Read,
  type RegistryEntryFacts,
  type RegistryFacts,
  type Unreadable,
} from "./facts.js";
import { type ImageRef, parseImageRef } from "./image-ref.js";

/** Who pulls on a path: the identity the registry entry names, resolved to a principal when possible. */
export type PathIdentity =
  | { kind: "none" }
  | { kind: "system"; enabled: boolean; principalId: string | null; tenantId: string | null }
  | {
      kind: "environment";
      /** null when the environment facts are missing or unreadable. */
      enabled: boolean | null;
      principalId: string | null;
      tenantId: string | null;
      unreadable: Unreadable | null;
    }
  | {
      kind: "user";
      id: string;
      /** On the workload or (v2) on its managed environment: ACA can get a token for it either way. */
      attached: boolean;
      /** Where it is attached: the workload, (v2) its environment, or neither. */
      attachedTo: "app" | "environment" | null;
      /**
       * v2: the workload lacks it and the environment's identities are not known (the environment was not read, or
       * could not be): whether it is attached cannot be decided.
       */
      environmentUnknown: { unreadable: Unreadable | null } | null;
      /** "found", "not-found" (404), "unreadable" or "unknown" (not read). */
      state: "found" | "not-found" | "unreadable" | "unknown";
      unreadable: Unreadable | null;
      principalId: string | null;
      tenantId: string | null;
    };

export interface PullPath {
  container: string | null;
  containerKind: ContainerFacts["kind"] | null;
  image: string | null;
  ref: ImageRef | null;
  /** Lower-cased registry host: the image's host, or the unused entry's server. */
  server: string;
  isAcr: boolean;
  entry: RegistryEntryFacts | null;
  /** Index of the entry in `properties.configuration.registries` (for evidence paths). */
  entryIndex: number | null;
  /** The entry's identity as written ("system", "system-environment", a UAMI ID), null for none. */
  identityRef: string | null;
  identity: PathIdentity;
  /** What the reader found for this server; undefined when it was not read. */
  registry: Read<RegistryFacts> | undefined;
  /** Role assignments of the path's principal; undefined when there is no principal or they were not read. */
  assignments: PrincipalAssignments | undefined;
}

const lower = (s: string): string => s.toLowerCase();

export function hasSystemAssigned(type: string): boolean {
  return type.replace(/\s/g, "").toLowerCase().split(",").includes("systemassigned");
}

function resolveIdentity(facts: PullFacts, ref: string | null): PathIdentity {
  if (ref === null || ref.trim() === "") return { kind: "none" };
  const r = ref.trim();
  if (lower(r) === "system") {
    const enabled = hasSystemAssigned(facts.app.identity.type);
    return {
      kind: "system",
      enabled,
      principalId: enabled ? facts.app.identity.principalId : null,
      tenantId: facts.app.identity.tenantId,
    };
  }
  if (lower(r) === "system-environment") {
    const env = facts.environment;
    if (env === null || !env.readable) {
      return {
        kind: "environment",
        enabled: null,
        principalId: null,
        tenantId: null,
        unreadable: env && !env.readable ? env : null,
      };
    }
    if (!env.found) return { kind: "environment", enabled: null, principalId: null, tenantId: null, unreadable: null };
    const enabled = hasSystemAssigned(env.identity.type);
    return {
      kind: "environment",
      enabled,
      principalId: enabled ? env.identity.principalId : null,
      tenantId: env.identity.tenantId,
      unreadable: null,
    };
  }
  return resolveUserIdentity(facts, r);
}

/** A user-assigned identity: attached to the workload, or (v2) to its environment (pull-path.md). */
function resolveUserIdentity(facts: PullFacts, r: string): PathIdentity {
  const key = lower(r.replace(/\/+$/, ""));
  const sameKey = (u: { id: string }) => lower(u.id.replace(/\/+$/, "")) === key;
  const attachedEntry = facts.app.identity.userAssigned.find(sameKey);
  const env = facts.environment;
  const envFound = isFound(env) ? env : null;
  const envEntry = attachedEntry ? undefined : envFound?.identity.userAssigned.find(sameKey);
  const envUnknown =
    attachedEntry || envFound || env?.readable === true ? null : { unreadable: env && !env.readable ? env : null };
  const read = facts.userAssignedIdentities[key];
  const state = read === undefined ? "unknown" : !read.readable ? "unreadable" : read.found ? "found" : "not-found";
  const found = isFound(read) ? read : null;
  const attachedTo = attachedEntry ? "app" : envEntry ? "environment" : null;
  const viaTenant = attachedEntry
    ? facts.app.identity.tenantId
    : envEntry
      ? (envFound?.identity.tenantId ?? null)
      : null;
  return {
    kind: "user",
    id: r,
    attached: attachedTo !== null,
    attachedTo,
    environmentUnknown: envUnknown,
    state,
    unreadable: read && !read.readable ? read : null,
    // A deleted identity has no principal that could pull, whatever the app or environment still lists.
    principalId:
      state === "not-found"
        ? null
        : (attachedEntry?.principalId ?? envEntry?.principalId ?? found?.principalId ?? null),
    tenantId: found?.tenantId ?? viaTenant,
  };
}

export function principalOf(identity: PathIdentity): string | null {
  return identity.kind === "none" ? null : identity.principalId;
}

function pathFor(
  facts: PullFacts,
  container: ContainerFacts | null,
  server: string,
  entryIndex: number | null,
): PullPath {
  const entry = entryIndex === null ? null : (facts.app.registries[entryIndex] ?? null);
  const identityRef = entry?.identity && entry.identity.trim() !== "" ? entry.identity : null;
  const identity = resolveIdentity(facts, identityRef);
  const principal = principalOf(identity);
  return {
    container: container?.name ?? null,
    containerKind: container?.kind ?? null,
    image: container?.image ?? null,
    ref: container ? parseImageRef(container.image) : null,
    server,
    isAcr: isAcrLoginServer(server),
    entry,
    entryIndex,
    identityRef,
    identity,
    registry: facts.registries[server],
    assignments: principal ? facts.roleAssignments[lower(principal)] : undefined,
  };
}

/** Every pull path of the app, containers first (in template order), then unused registry entries. */
export function pullPaths(facts: PullFacts): PullPath[] {
  const servers = facts.app.registries.map((e) => lower(e.server.trim()));
  const used = new Set<number>();
  const paths: PullPath[] = [];
  for (const container of facts.app.containers) {
    const host = parseImageRef(container.image).host;
    const index = servers.indexOf(host);
    if (index >= 0) used.add(index);
    paths.push(pathFor(facts, container, host, index >= 0 ? index : null));
  }
  servers.forEach((server, index) => {
    // Only the first entry for a server is used by ACA; a duplicate is still diagnosed as an entry of its own.
    if (!used.has(index)) paths.push(pathFor(facts, null, server, index));
  });
  return paths;
}
