/**
 * Decides, like Azure Container Apps and ACR would, whether a revision can pull each image of its template
 * (containers and initContainers): registry entry, identity, token audience, tenant, network, RBAC in the
 * registry's mode, manifest, quarantine. The messages are the registry's own words, which end up in the revision's
 * provisioning error and the replica's runningStateDetails.
 */

import { mayReadQuarantined } from "./dataplane.js";
import { isRegistryHost, lowerId, subscriptionOf } from "./ids.js";
import { networkBlock } from "./network.js";
import { principalMayPull } from "./rbac.js";
import type { ArmResource, WorldState } from "./state.js";
import { findRegistryByLoginServer, tenantOfSubscription } from "./world.js";

export interface PullFailure {
  container: string;
  /** Which list the container is in (template.containers or template.initContainers). */
  kind?: "container" | "init";
  image: string;
  status: 400 | 401 | 403 | 404;
  registryCode: string;
  message: string;
}

export interface RevisionDecision {
  ok: boolean;
  failures: PullFailure[];
}

export const UNAUTHORIZED =
  "unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.";

export function splitImage(image: string): { host: string; repository: string; reference: string; byDigest: boolean } {
  const [withoutDigest, digest] = image.split("@");
  const parts = (withoutDigest ?? "").split("/");
  const first = parts[0] ?? "";
  const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = hasHost ? first.toLowerCase() : "docker.io";
  const path = (hasHost ? parts.slice(1) : parts).join("/");
  const colon = path.lastIndexOf(":");
  const repository = (colon > path.lastIndexOf("/") ? path.slice(0, colon) : path).toLowerCase();
  const tag = colon > path.lastIndexOf("/") ? path.slice(colon + 1) : "latest";
  return { host, repository, reference: digest ?? tag, byDigest: digest !== undefined };
}

interface Principal {
  principalId: string;
  tenantId: string;
}

function resolveIdentity(state: WorldState, app: ArmResource, ref: string): Principal | string {
  const identity = app.identity ?? {};
  const type = String(identity.type ?? "None").toLowerCase();
  // The emulator's own words name the workload's kind (v2: a job is a workload too).
  const noun = app.type.toLowerCase() === "microsoft.app/jobs" ? "job" : "app";
  if (ref.toLowerCase() === "system") {
    if (!type.includes("systemassigned") || !identity.principalId) return `the ${noun} has no system-assigned identity`;
    return { principalId: identity.principalId, tenantId: String(identity.tenantId ?? "") };
  }
  if (ref.toLowerCase() === "system-environment") {
    const envId = String(app.properties?.environmentId ?? app.properties?.managedEnvironmentId ?? "");
    const env = state.resources.get(lowerId(envId));
    const envIdentity = env?.identity;
    if (
      !envIdentity ||
      !String(envIdentity.type ?? "")
        .toLowerCase()
        .includes("systemassigned") ||
      !envIdentity.principalId
    ) {
      return "the managed environment has no system-assigned identity";
    }
    return { principalId: envIdentity.principalId, tenantId: String(envIdentity.tenantId ?? "") };
  }
  const attached = Object.keys(identity.userAssignedIdentities ?? {}).some((k) => lowerId(k) === lowerId(ref));
  // v2 (world.md): a UAMI on the workload's managed environment can pull for any workload of it whose entry names
  // it. Source: the Azure CLI's `registry set` leaves the app alone when the environment has the identity
  // (Azure/azure-cli-extensions, src/containerapp/azext_containerapp/containerapp_job_registry_decorator.py,
  // set_up_registry_identity: `if not env_has_managed_identity(...)`).
  const envId = String(app.properties?.environmentId ?? app.properties?.managedEnvironmentId ?? "");
  const envIdentities = state.resources.get(lowerId(envId))?.identity?.userAssignedIdentities ?? {};
  const onEnvironment = Object.keys(envIdentities).some((k) => lowerId(k) === lowerId(ref));
  if (!attached && !onEnvironment) {
    return `the user-assigned identity ${ref} is assigned neither to the ${noun} nor to its managed environment`;
  }
  const uami = state.resources.get(lowerId(ref));
  if (!uami) return `the user-assigned identity ${ref} does not exist`;
  return { principalId: String(uami.properties?.principalId ?? ""), tenantId: String(uami.properties?.tenantId ?? "") };
}

function manifestFailure(
  state: WorldState,
  server: string,
  image: ReturnType<typeof splitImage>,
): Omit<PullFailure, "container" | "image"> | null {
  const repo = state.registryContent.get(server)?.get(image.repository);
  if (!repo) {
    return {
      status: 404,
      registryCode: "NAME_UNKNOWN",
      message: `name unknown: repository '${image.repository}' not found`,
    };
  }
  const tag = image.byDigest
    ? [...repo.values()].find((t) => t.digest === image.reference || t.image.manifests.has(image.reference))
    : repo.get(image.reference);
  if (!tag) {
    return {
      status: 404,
      registryCode: "MANIFEST_UNKNOWN",
      message: `manifest unknown: manifest tagged by "${image.reference}" is not found`,
    };
  }
  return null;
}

function evaluateImage(
  state: WorldState,
  app: ArmResource,
  image: string,
  now: Date,
): Omit<PullFailure, "container" | "image"> | null {
  const ref = splitImage(image);
  if (!isRegistryHost(ref.host)) return null;
  const registry = findRegistryByLoginServer(state, ref.host);
  if (!registry) {
    return { status: 404, registryCode: "NAME_UNKNOWN", message: `dial tcp: lookup ${ref.host}: no such host` };
  }
  const p = registry.properties ?? {};
  const entries = ((app.properties?.configuration as Record<string, unknown> | undefined)?.registries ?? []) as Array<
    Record<string, unknown>
  >;
  const entry = entries.find((e) => String(e.server ?? "").toLowerCase() === ref.host);
  const envId = String(app.properties?.environmentId ?? app.properties?.managedEnvironmentId ?? "");
  const environment = state.resources.get(lowerId(envId));
  const blocked = networkBlock(state, app, environment, registry);
  // A timeout has no HTTP answer; 403 is nominal there, the code and message say what happened.
  if (blocked) return { status: 403, registryCode: blocked.code, message: blocked.message };

  const policies = (p.policies ?? {}) as Record<string, { status?: string } | undefined>;
  if (!entry) {
    if (p.anonymousPullEnabled === true) return manifestFailure(state, ref.host, ref);
    return { status: 401, registryCode: "UNAUTHORIZED", message: UNAUTHORIZED };
  }
  const identityRef = typeof entry.identity === "string" ? entry.identity.trim() : "";
  if (identityRef === "") {
    const secrets = ((app.properties?.configuration as Record<string, unknown> | undefined)?.secrets ?? []) as Array<{
      name?: string;
    }>;
    const secretExists = secrets.some((s) => s.name === entry.passwordSecretRef);
    if (p.adminUserEnabled === true && typeof entry.username === "string" && secretExists) {
      return manifestFailure(state, ref.host, ref);
    }
    return { status: 401, registryCode: "UNAUTHORIZED", message: UNAUTHORIZED };
  }
  const principal = resolveIdentity(state, app, identityRef);
  if (typeof principal === "string") {
    return {
      status: 401,
      registryCode: "UNAUTHORIZED",
      message: `unable to pull image using Managed identity ${identityRef} for registry ${ref.host}: ${principal}`,
    };
  }
  const registryTenant = tenantOfSubscription(state, subscriptionOf(registry.id));
  if (principal.tenantId && principal.tenantId.toLowerCase() !== registryTenant.toLowerCase()) {
    return { status: 401, registryCode: "UNAUTHORIZED", message: UNAUTHORIZED };
  }
  if (String(policies.azureADAuthenticationAsArmPolicy?.status ?? "enabled").toLowerCase() === "disabled") {
    return { status: 401, registryCode: "UNAUTHORIZED", message: UNAUTHORIZED };
  }
  if (principalMayPull(state, principal.principalId, registry, ref.repository, now) !== "allowed") {
    return { status: 401, registryCode: "UNAUTHORIZED", message: UNAUTHORIZED };
  }
  const missing = manifestFailure(state, ref.host, ref);
  if (missing) return missing;
  const tags = state.registryContent.get(ref.host)?.get(ref.repository);
  const tag = ref.byDigest
    ? [...(tags?.values() ?? [])].find((t) => t.digest === ref.reference || t.image.manifests.has(ref.reference))
    : tags?.get(ref.reference);
  // v2 (world.md, dataplane.ts): quarantine hides a not-Passed image from a puller without AcrQuarantineReader.
  if (
    String(policies.quarantinePolicy?.status ?? "disabled").toLowerCase() === "enabled" &&
    tag?.quarantineState !== "Passed" &&
    !mayReadQuarantined(state, principal.principalId, registry)
  ) {
    return ref.byDigest
      ? { status: 403, registryCode: "UNKNOWN", message: "The operation is disallowed." }
      : {
          status: 404,
          registryCode: "MANIFEST_UNKNOWN",
          message: `manifest unknown: manifest tagged by "${ref.reference}" is not found`,
        };
  }
  return tag ? platformFailure(tag.platforms, image) : null;
}

/**
 * v2: ACA runs linux/amd64 only. An index without that child fails as containerd words it (`no child with platform
 * linux/amd64 in index <image>`, quoted in spec/pull-path.md); a single manifest for another platform fails with
 * ACA's `image OS/Arc must be linux/amd64` (same source). The registry code is an emulator-only label.
 */
function platformFailure(platforms: string[], image: string): Omit<PullFailure, "container" | "image"> | null {
  const amd64 = platforms.some((p) => /^linux\/amd64(\/|$)/i.test(p));
  if (amd64) return null;
  return platforms.length > 1
    ? { status: 400, registryCode: "PLATFORM", message: `no child with platform linux/amd64 in index ${image}` }
    : { status: 400, registryCode: "PLATFORM", message: `image OS/Arc must be linux/amd64 but is ${platforms[0]}` };
}

export function evaluateRevision(state: WorldState, app: ArmResource, now: Date): RevisionDecision {
  const template = (app.properties?.template ?? {}) as {
    containers?: Array<{ name?: string; image?: string }>;
    initContainers?: Array<{ name?: string; image?: string }>;
  };
  const failures: PullFailure[] = [];
  const listed = [
    ...(template.initContainers ?? []).map((c) => ({ c, kind: "init" as const })),
    ...(template.containers ?? []).map((c) => ({ c, kind: "container" as const })),
  ];
  for (const { c, kind } of listed) {
    if (typeof c.image !== "string") continue;
    const failure = evaluateImage(state, app, c.image, now);
    if (failure) failures.push({ container: c.name ?? "", kind, image: c.image, ...failure });
  }
  return { ok: failures.length === 0, failures };
}
