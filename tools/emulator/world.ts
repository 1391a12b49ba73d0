/**
 * Loads a world file (spec/world.md): raw ARM JSON as GET returns it, kept field for field, with the
 * read-only fields a real service fills in filled when absent. Validation errors name the JSON path, what was
 * found and what is expected.
 */
import { parseBehaviour } from "./behaviour.js";
import { lastSegment, lowerId, nameUuid, subscriptionOf } from "./ids.js";
import { buildImage, parsePlatform } from "./images.js";
import { type ArmResource, type RegistryContent, resourceKey, type TagContent, type WorldState } from "./state.js";
import { validateJobs } from "./world-jobs.js";

export const DEFAULT_TENANT = "00000000-0000-4000-8000-0000000000a1";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class WorldError extends Error {
  override name = "WorldError";
}

export function fail(path: string, found: unknown, expected: string): never {
  const shown = typeof found === "string" ? JSON.stringify(found.slice(0, 120)) : JSON.stringify(found)?.slice(0, 120);
  throw new WorldError(`${path}: found ${shown ?? "nothing"}; expected ${expected}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const typeIs = (r: ArmResource, type: string) => r.type.toLowerCase() === type.toLowerCase();

function props(r: ArmResource): Record<string, unknown> {
  if (!isObject(r.properties)) r.properties = {};
  return r.properties as Record<string, unknown>;
}

/** Fills what Azure fills on a write: identities' principal IDs, login servers, provisioning states, createdOn. */
export function normalizeResource(resource: ArmResource, state: WorldState, now: Date): ArmResource {
  const tenant = tenantOfSubscription(state, subscriptionOf(resource.id));
  const p = props(resource);
  if (resource.identity && typeof resource.identity.type === "string") {
    const type = resource.identity.type.toLowerCase();
    if (type.includes("systemassigned")) {
      resource.identity.principalId ??= nameUuid("system-identity", resource.id);
      resource.identity.tenantId ??= tenant;
    } else {
      delete resource.identity.principalId;
      delete resource.identity.tenantId;
    }
    const uamis = resource.identity.userAssignedIdentities;
    if (isObject(uamis)) {
      for (const id of Object.keys(uamis)) {
        const entry = (uamis[id] ?? {}) as { principalId?: string; clientId?: string };
        const uami = state.resources.get(resourceKey(id));
        const uamiProps = uami ? props(uami) : {};
        entry.principalId ??= (uamiProps.principalId as string | undefined) ?? nameUuid("uami-principal", id);
        entry.clientId ??= (uamiProps.clientId as string | undefined) ?? nameUuid("uami-client", id);
        uamis[id] = entry;
      }
    }
  }
  if (typeIs(resource, "Microsoft.ManagedIdentity/userAssignedIdentities")) {
    p.principalId ??= nameUuid("uami-principal", resource.id);
    p.clientId ??= nameUuid("uami-client", resource.id);
    p.tenantId ??= tenant;
  }
  if (typeIs(resource, "Microsoft.ContainerRegistry/registries")) {
    p.loginServer ??= `${resource.name.toLowerCase()}.azurecr.io`;
    p.provisioningState ??= "Succeeded";
  }
  if (
    typeIs(resource, "Microsoft.App/containerApps") ||
    typeIs(resource, "Microsoft.App/jobs") ||
    typeIs(resource, "Microsoft.App/managedEnvironments")
  ) {
    p.provisioningState ??= "Succeeded";
  }
  if (typeIs(resource, "Microsoft.Authorization/roleAssignments")) {
    const scope = resource.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, "");
    p.scope ??= scope === "" ? "/" : scope;
    p.createdOn ??= new Date(now.getTime() - 30 * 24 * 3600 * 1000).toISOString();
    p.updatedOn ??= p.createdOn;
  }
  return resource;
}

export function tenantOfSubscription(state: WorldState, subscriptionId: string): string {
  const sub = subscriptionId.toLowerCase();
  return state.tenants.find((t) => t.subscriptions.some((s) => s.toLowerCase() === sub))?.tenantId ?? DEFAULT_TENANT;
}

function validateResource(raw: unknown, index: number): ArmResource {
  const path = `resources[${index}]`;
  if (!isObject(raw)) fail(path, raw, "an ARM resource object (id, name, type, properties)");
  const { id, type } = raw;
  if (typeof id !== "string" || !/^\/subscriptions\/[^/]+\/.+/i.test(id) || id.includes("/../")) {
    fail(`${path}.id`, id, 'an ARM resource ID "/subscriptions/<guid>/resourceGroups/<group>/providers/..."');
  }
  if (typeof type !== "string" || !type.includes("/"))
    fail(`${path}.type`, type, 'a resource type such as "Microsoft.App/containerApps"');
  const name = typeof raw.name === "string" ? raw.name : lastSegment(id);
  if (raw.properties !== undefined && !isObject(raw.properties))
    fail(`${path}.properties`, raw.properties, "an object");
  return { ...raw, id, type, name } as ArmResource;
}

/** One tag's long form: platforms (default linux/amd64), the image served for them, quarantine state, digest. */
function tagContent(path: string, image: string, info: Record<string, unknown>): TagContent {
  const platforms = info.platforms ?? ["linux/amd64"];
  if (!Array.isArray(platforms) || platforms.length === 0) {
    fail(`${path}.platforms`, platforms, 'a non-empty list of "os/architecture[/variant]", e.g. ["linux/amd64"]');
  }
  const parsed = platforms.map((p, i) => {
    const platform = typeof p === "string" ? parsePlatform(p) : null;
    if (!platform) fail(`${path}.platforms[${i}]`, p, 'a platform "os/architecture[/variant]", e.g. "linux/arm64"');
    return platform;
  });
  // Emulator-only: `"format": "docker"` serves Docker media types (manifest list, distribution manifest v2).
  if (info.format !== undefined && info.format !== "oci" && info.format !== "docker") {
    fail(`${path}.format`, info.format, '"oci" (default) or "docker"');
  }
  const content = buildImage(image, parsed, info.format === "docker" ? "docker" : "oci");
  return {
    digest: typeof info.digest === "string" ? info.digest : content.top.digest,
    quarantineState: info.quarantineState === "Quarantined" ? "Quarantined" : "Passed",
    platforms: platforms as string[],
    image: content,
  };
}

function expandContent(raw: unknown): RegistryContent {
  const content: RegistryContent = new Map();
  if (raw === undefined) return content;
  if (!isObject(raw)) fail("registryContent", raw, "an object of login server → repository → tags");
  for (const [server, repos] of Object.entries(raw)) {
    if (!isObject(repos)) fail(`registryContent.${server}`, repos, "an object of repository → tags");
    const repoMap = new Map<string, Map<string, TagContent>>();
    for (const [repo, tags] of Object.entries(repos)) {
      const tagMap = new Map<string, TagContent>();
      const path = `registryContent.${server}.${repo}`;
      const image = (tag: string) => `${server.toLowerCase()}/${repo.toLowerCase()}:${tag}`;
      if (Array.isArray(tags)) {
        for (const tag of tags) {
          if (typeof tag !== "string") fail(path, tag, "tag names (strings)");
          tagMap.set(tag, tagContent(`${path}.${tag}`, image(tag), {}));
        }
      } else if (isObject(tags)) {
        for (const [tag, info] of Object.entries(tags)) {
          tagMap.set(tag, tagContent(`${path}.${tag}`, image(tag), isObject(info) ? info : {}));
        }
      } else {
        fail(path, tags, "a list of tags or an object of tag → details");
      }
      repoMap.set(repo.toLowerCase(), tagMap);
    }
    content.set(server.toLowerCase(), repoMap);
  }
  return content;
}

export function loadWorld(json: unknown): { state: WorldState; now: Date } {
  if (!isObject(json)) fail("(world)", json, "a JSON object with a resources array (see docs/worlds.md)");
  if (!Array.isArray(json.resources)) fail("resources", json.resources, "an array of ARM resources");
  const now = json.now === undefined ? new Date() : new Date(String(json.now));
  if (Number.isNaN(now.getTime())) fail("now", json.now, 'an ISO time such as "2026-11-22T12:00:00Z"');
  const resources = json.resources.map((r, i) => validateResource(structuredClone(r), i));
  validateJobs(resources);

  const subscriptions = [...new Set(resources.map((r) => subscriptionOf(r.id)))];
  let tenants: WorldState["tenants"];
  if (json.tenants !== undefined) {
    if (!Array.isArray(json.tenants)) fail("tenants", json.tenants, "an array of { tenantId, subscriptions }");
    tenants = json.tenants.map((t, i) => {
      if (!isObject(t) || typeof t.tenantId !== "string" || !GUID.test(t.tenantId) || !Array.isArray(t.subscriptions)) {
        fail(`tenants[${i}]`, t, "{ tenantId: <guid>, subscriptions: [<guid>] }");
      }
      return {
        tenantId: t.tenantId.toLowerCase(),
        subscriptions: (t.subscriptions as string[]).map((s) => s.toLowerCase()),
      };
    });
    const listed = new Set(tenants.flatMap((t) => t.subscriptions));
    const missing = subscriptions.filter((s) => !listed.has(s));
    if (missing.length > 0 && tenants[0]) tenants[0].subscriptions.push(...missing);
  } else {
    const identityTenants = new Set<string>();
    for (const r of resources) {
      const t = (r.identity?.tenantId as string | undefined) ?? (r.properties?.tenantId as string | undefined);
      if (typeof t === "string" && r.type.toLowerCase() !== "microsoft.authorization/roleassignments")
        identityTenants.add(t.toLowerCase());
    }
    const tenantId = identityTenants.size === 1 ? ([...identityTenants][0] ?? DEFAULT_TENANT) : DEFAULT_TENANT;
    tenants = [{ tenantId, subscriptions }];
  }

  let caller: WorldState["caller"];
  if (json.caller !== undefined) {
    const c = json.caller;
    if (!isObject(c) || typeof c.principalId !== "string" || !GUID.test(c.principalId)) {
      fail("caller", c, "{ principalId: <guid>, tenantId: <guid> }");
    }
    caller = {
      principalId: c.principalId.toLowerCase(),
      tenantId: String(c.tenantId ?? tenants[0]?.tenantId ?? DEFAULT_TENANT).toLowerCase(),
    };
  }
  const groups = Array.isArray(json.groups)
    ? json.groups.map((g, i) => {
        if (!isObject(g) || typeof g.objectId !== "string" || !Array.isArray(g.members)) {
          fail(`groups[${i}]`, g, "{ objectId: <guid>, members: [<principal guid>] }");
        }
        return { objectId: g.objectId.toLowerCase(), members: (g.members as string[]).map((m) => m.toLowerCase()) };
      })
    : [];
  const delay = json.propagationDelaySeconds ?? 0;
  if (typeof delay !== "number" || delay < 0) fail("propagationDelaySeconds", delay, "a number of seconds ≥ 0");

  const state: WorldState = {
    description: typeof json.description === "string" ? json.description : "",
    resources: new Map(),
    tenants,
    groups,
    caller,
    propagationDelaySeconds: delay,
    registryContent: expandContent(json.registryContent),
    behaviour: parseBehaviour(json.behaviour),
  };
  // Identities first, so apps attaching them pick up their principal and client IDs.
  const ordered = [...resources].sort(
    (a, b) =>
      Number(!typeIs(a, "Microsoft.ManagedIdentity/userAssignedIdentities")) -
      Number(!typeIs(b, "Microsoft.ManagedIdentity/userAssignedIdentities")),
  );
  for (const r of ordered) {
    const key = resourceKey(r.id);
    if (state.resources.has(key)) throw new WorldError(`resources: ${r.id} is listed twice`);
    state.resources.set(key, r);
  }
  for (const r of ordered) normalizeResource(r, state, now);
  return { state, now };
}

export function resourcesOfType(state: WorldState, type: string): ArmResource[] {
  const t = type.toLowerCase();
  return [...state.resources.values()].filter((r) => r.type.toLowerCase() === t);
}

export function findRegistryByLoginServer(state: WorldState, server: string): ArmResource | undefined {
  const s = server.toLowerCase();
  return resourcesOfType(state, "Microsoft.ContainerRegistry/registries").find(
    (r) => String(r.properties?.loginServer ?? "").toLowerCase() === s,
  );
}

export { lowerId };
