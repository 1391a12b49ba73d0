/**
 * What a check is, and the pieces every check uses to build a finding: who (container, image, registry, identity)
 * and where the evidence sits in the ARM JSON, so a person can verify each claim in the portal.
 */
import type { PullFacts, RegistryFacts, Unreadable } from "../facts.js";
import type { Evidence, Finding, FindingCode, FindingFix, Severity } from "../finding.js";
import { fixAvailability } from "../fix-defaults.js";
import { foundRegistry } from "../pull-access.js";
import { hasSystemAssigned, type PullPath, principalOf } from "../pull-paths.js";
import { resourceNameOf, workloadNoun } from "../resource-id.js";

/** One check: looks at one pull path (with all the facts at hand) and returns its findings, usually none. */
export interface Check {
  code: FindingCode;
  run(path: PullPath, facts: PullFacts): Finding[];
}

export interface FindingParts {
  severity: Severity;
  message: string;
  evidence: Evidence[];
  /** The fix; whether it is automatic comes from the default policy (fix-defaults.ts), never from the check. */
  fix?: Omit<FindingFix, "auto">;
}

/**
 * Messages are sentences: one that opens with a plain word ("the app's ...") gets its capital letter; one that
 * opens with an identifier (an image, a repository, a registry name) keeps it exactly as Azure spells it.
 */
function sentence(text: string): string {
  return /^[a-z]+[ ']/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** A finding about `path`, naming its container, image, registry and identity. */
export function findingOn(code: FindingCode, path: PullPath, parts: FindingParts): Finding {
  const registry = foundRegistry(path);
  return {
    code,
    severity: parts.severity,
    container: path.container,
    image: path.image,
    registry: { server: path.server, id: registry?.id ?? null },
    identity: path.identityRef ? { ref: path.identityRef, principalId: principalOf(path.identity) } : null,
    message: sentence(parts.message),
    evidence: parts.evidence,
    ...(parts.fix ? { fix: { ...parts.fix, auto: fixAvailability(code) === "auto" } } : {}),
  };
}

/** The field path of the path's registry entry, e.g. `properties.configuration.registries[0].identity`. */
export function entryPath(path: PullPath, field?: string): string {
  const base = `properties.configuration.registries[${path.entryIndex ?? "?"}]`;
  return field ? `${base}.${field}` : base;
}

/** Evidence quoting the image the container runs (or the registry entry, for an entry no image uses). */
export function imageEvidence(path: PullPath, facts: PullFacts): Evidence {
  if (path.container === null) {
    return { resource: facts.app.id, path: entryPath(path, "server"), value: path.entry?.server ?? path.server };
  }
  const list = path.containerKind === "init" ? "initContainers" : "containers";
  const index = facts.app.containers
    .filter((c) => c.kind === path.containerKind)
    .findIndex((c) => c.name === path.container);
  return { resource: facts.app.id, path: `properties.template.${list}[${index}].image`, value: path.image };
}

/** Who the finding is about, for messages: `container "api" (fabrikamacr.azurecr.io/api:1)` or the entry. */
export function subject(path: PullPath): string {
  return path.container === null
    ? `the registry entry for ${path.server} (used by no current image)`
    : `container "${path.container}" (${path.image})`;
}

/** "the container app" or (v2) "the job": how messages name the workload. */
export function theWorkload(facts: PullFacts): string {
  return `the ${workloadNoun(facts.app.kind)}`;
}

/** How the path's identity is named in messages. */
export function identityLabel(path: PullPath, facts: PullFacts): string {
  switch (path.identity.kind) {
    case "system":
      return `${theWorkload(facts)}'s system-assigned identity`;
    case "environment":
      return "the environment's system-assigned identity (system-environment)";
    case "user":
      return `the user-assigned identity ${resourceNameOf(path.identity.id)}`;
    default:
      return "no managed identity";
  }
}

/** Names of the app for `az` commands. */
export function appNames(facts: PullFacts): string {
  return `--name ${facts.app.name} --resource-group ${facts.app.resourceGroup}`;
}

/**
 * The Azure CLI command group of the workload: `az containerapp` for an app, `az containerapp job` for a job (v2).
 * The job commands the checks name, each with the flags used here, as the Azure CLI defines them:
 *   - `job identity assign --user-assigned .. | --system-assigned` (Azure/azure-cli,
 *     src/azure-cli/azure/cli/command_modules/containerapp/commands.py group `containerapp job identity`, and _params.py
 *     `argument_context('containerapp job identity')`: user_assigned, system_assigned);
 *   - `job registry set --server .. --identity ..` (Azure/azure-cli-extensions,
 *     src/containerapp/azext_containerapp/commands.py group `containerapp job registry` → set_registry_job, and
 *     _params.py `argument_context('containerapp job registry')`: identity `system`, `system-environment` or an ID);
 *   - `job update --container-name .. --image ..` (custom.py `update_containerappsjob(..., image, container_name, ...)`
 *     in both repositories);
 *   - `job start`, `job execution list` (Azure/azure-cli commands.py, groups `containerapp job` and
 *     `containerapp job execution`).
 * Every one takes `--name`/`--resource-group` like the app's.
 */
export function azWorkload(facts: PullFacts): string {
  return facts.app.kind === "job" ? "az containerapp job" : "az containerapp";
}

/**
 * The identity an `az containerapp registry set` command should name for a new or switched entry: the usual case
 * (the planner makes the real choice, preferring a user-assigned identity that already holds pull).
 */
export function entryIdentityForAz(facts: PullFacts): string {
  return hasSystemAssigned(facts.app.identity.type) ? "system" : (facts.app.identity.userAssigned[0]?.id ?? "system");
}

/** Names of the registry for `az` commands. */
export function registryNames(registry: RegistryFacts): string {
  return `--name ${registry.name} --resource-group ${registry.resourceGroup}`;
}

/** Whether the path pulls with a managed identity (an entry naming one). */
export function usesManagedIdentity(path: PullPath): boolean {
  return path.isAcr && path.entry !== null && path.identity.kind !== "none";
}

/** Evidence for something PullGuard could not read. */
export function unreadableEvidence(u: Unreadable): Evidence {
  return {
    resource: u.resource,
    path: u.status ? `HTTP ${u.status}` : "request",
    value: u.errorCode ? `${u.errorCode}: ${u.message}` : u.message,
  };
}
