/**
 * Decides, like Azure Container Apps and ACR would, whether a revision can pull each image of its template
 * (containers and initContainers): registry entry, identity, token audience, tenant, network, RBAC in the
 * registry's mode, manifest, quarantine. The messages are the registry's own words, which end up in the revision's
 * provisioning error and the replica's runningStateDetails.
 */
import { lowerId, subscriptionOf } from "./ids.js";
import { networkBlock } from "./network.js";
import { principalMayPull } from "./rbac.js";
import type { ArmResource, WorldState } from "./state.js";
import { findRegistryByLoginServer, tenantOfSubscription } from "./world.js";

export interface PullFailure {
  container: string;
  image: string;
  status: 401 | 403 | 404;
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

const isAcrHost = (host: string) => /\.azurecr\.(io|cn|us)$/i.test(host);

interface Principal {
  principalId: string;
  tenantId: string;
}

function resolveIdentity(state: WorldState, app: ArmResource, ref: string): Principal | string {
  const identity = app.identity ?? {};
  const type = String(identity.type ?? "None").toLowerCase();
  if (ref.toLowerCase() === "system") {
    if (!type.includes("systemassigned") || !identity.principalId) return "the app has no system-assigned identity";
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
  if (!attached) return `the user-assigned identity ${ref} is not assigned to the app`;
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
  const tag = image.byDigest ? [...repo.values()].find((t) => t.digest === image.reference) : repo.get(image.reference);
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
  if (!isAcrHost(ref.host)) return null;
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
  if (String(policies.quarantinePolicy?.status ?? "disabled").toLowerCase() === "enabled") {
    const tags = state.registryContent.get(ref.host)?.get(ref.repository);
    const tag = ref.byDigest
      ? [...(tags?.values() ?? [])].find((t) => t.digest === ref.reference)
      : tags?.get(ref.reference);
    if (tag?.quarantineState !== "Passed") {
      return {
        status: 403,
        registryCode: "DENIED",
        message: "denied: the image is quarantined and has not been marked as passed",
      };
    }
  }
  return null;
}

export function evaluateRevision(state: WorldState, app: ArmResource, now: Date): RevisionDecision {
  const template = (app.properties?.template ?? {}) as {
    containers?: Array<{ name?: string; image?: string }>;
    initContainers?: Array<{ name?: string; image?: string }>;
  };
  const failures: PullFailure[] = [];
  for (const c of [...(template.initContainers ?? []), ...(template.containers ?? [])]) {
    if (typeof c.image !== "string") continue;
    const failure = evaluateImage(state, app, c.image, now);
    if (failure) failures.push({ container: c.name ?? "", image: c.image, ...failure });
  }
  return { ok: failures.length === 0, failures };
}
