/**
 * Just enough of ARM and ACR, over the local HTTPS server, for readPullFacts' unit tests: resources as raw ARM JSON
 * (GET by ID), the list calls it makes (subscriptions, registries per subscription, role assignments with
 * assignedTo() or atScope(), replicas, a job's executions, private DNS zones, links, A records), built-in role definitions, and a
 * registry data plane with tags. `failures` scripts answers for one path (a list of answers is used in order; the
 * last one repeats). The project's emulator (test/e2e) is the full model; this stays small on purpose.
 */
import type { LocalAnswer, LocalRequest } from "./local-https.js";

export interface LocalResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  identity?: Record<string, unknown>;
  sku?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LocalWorld {
  subscriptions: Array<{ subscriptionId: string; tenantId: string }>;
  resources: LocalResource[];
  /** login server → repository → tags */
  tags?: Record<string, Record<string, string[]>>;
  /** "METHOD /path" (case-insensitive) → scripted answers */
  failures?: Record<string, LocalAnswer | LocalAnswer[]>;
}

export const BUILT_IN_ROLES: Record<string, { roleName: string; actions: string[]; dataActions: string[] }> = {
  "7f951dda-4ed3-4680-a7ca-43fe172d538d": {
    roleName: "AcrPull",
    actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
    dataActions: [],
  },
  "b93aa761-3e63-49ed-ac28-beffa264f7ac": {
    roleName: "Container Registry Repository Reader",
    actions: [],
    dataActions: ["Microsoft.ContainerRegistry/registries/repositories/content/read"],
  },
  "4633458b-17de-408a-b874-0445c86b69e6": {
    roleName: "Key Vault Secrets User",
    actions: [],
    dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
  },
};

const lower = (s: string): string => s.toLowerCase();
const covers = (outer: string, inner: string): boolean =>
  lower(inner) === lower(outer) || lower(inner).startsWith(`${lower(outer)}/`);
const notFound = (path: string): LocalAnswer => ({
  status: 404,
  body: { error: { code: "ResourceNotFound", message: `${path} was not found` } },
});
const ok = (body: unknown): LocalAnswer => ({ status: 200, body });
const typeIs = (r: LocalResource, type: string): boolean => lower(r.type) === lower(type);

function propertiesOf(r: LocalResource): Record<string, unknown> {
  return r.properties ?? {};
}

function registryAnswer(world: LocalWorld, request: LocalRequest): LocalAnswer {
  const tags = world.tags?.[request.host];
  if (!tags) return { status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] } };
  if (request.path === "/oauth2/exchange") return ok({ refresh_token: "refresh" });
  if (request.path === "/oauth2/token") return ok({ access_token: "access" });
  const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(request.path);
  if (manifest) {
    const [, repository = "", reference = ""] = manifest;
    const repo = tags[repository];
    if (repo?.includes(reference))
      return { status: 200, headers: { "docker-content-digest": `sha256:${"b".repeat(64)}` } };
    if (request.method === "HEAD") return { status: 404 };
    return {
      status: 404,
      body: { errors: [{ code: repo ? "MANIFEST_UNKNOWN" : "NAME_UNKNOWN", message: "not found" }] },
    };
  }
  const tagList = /^\/acr\/v1\/(.+)\/_tags$/.exec(request.path);
  if (tagList) return ok({ tags: (tags[tagList[1] ?? ""] ?? []).map((name) => ({ name })) });
  return notFound(request.path);
}

function roleAssignmentsAnswer(world: LocalWorld, scope: string, filter: string): LocalAnswer {
  const assignments = world.resources.filter((r) => typeIs(r, "Microsoft.Authorization/roleAssignments"));
  const assignedTo = /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
  const value = assignments.filter((a) => {
    const p = propertiesOf(a);
    const at = String(p.scope ?? "");
    if (assignedTo)
      return lower(String(p.principalId)) === lower(assignedTo) && (covers(at, scope) || covers(scope, at));
    if (/atScope\(\)/i.test(filter)) return covers(at, scope);
    return covers(at, scope) || covers(scope, at);
  });
  return ok({ value });
}

export function answerWorld(world: LocalWorld): (request: LocalRequest) => LocalAnswer {
  const scripted = new Map<string, LocalAnswer[]>(
    Object.entries(world.failures ?? {}).map(([key, answers]) => [
      lower(key),
      Array.isArray(answers) ? [...answers] : [answers],
    ]),
  );
  return (request) => {
    const script = scripted.get(lower(`${request.method} ${request.path}`));
    if (script && script.length > 0) return (script.length > 1 ? script.shift() : script[0]) ?? notFound(request.path);
    if (request.host.endsWith(".azurecr.io")) return registryAnswer(world, request);
    const path = request.path;
    const filter = request.query.get("$filter") ?? "";
    if (lower(path) === "/subscriptions") {
      return ok({
        value: world.subscriptions.map((s) => ({ ...s, id: `/subscriptions/${s.subscriptionId}`, state: "Enabled" })),
      });
    }
    const registries = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries$/i.exec(path);
    if (registries) {
      const sub = lower(registries[1] ?? "");
      return ok({
        value: world.resources.filter(
          (r) =>
            typeIs(r, "Microsoft.ContainerRegistry/registries") && lower(r.id).startsWith(`/subscriptions/${sub}/`),
        ),
      });
    }
    const zones = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones$/i.exec(path);
    if (zones) {
      const sub = lower(zones[1] ?? "");
      return ok({
        value: world.resources.filter(
          (r) => typeIs(r, "Microsoft.Network/privateDnsZones") && lower(r.id).startsWith(`/subscriptions/${sub}/`),
        ),
      });
    }
    if (/\/providers\/Microsoft\.Authorization\/roleAssignments$/i.test(path)) {
      return roleAssignmentsAnswer(
        world,
        path.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments$/i, ""),
        filter,
      );
    }
    const role = /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(path);
    if (role) {
      const guid = lower(role[1] ?? "");
      const builtIn = BUILT_IN_ROLES[guid];
      if (!builtIn) return notFound(path);
      return ok({
        id: path,
        name: guid,
        type: "Microsoft.Authorization/roleDefinitions",
        properties: {
          roleName: builtIn.roleName,
          type: "BuiltInRole",
          permissions: [
            { actions: builtIn.actions, notActions: [], dataActions: builtIn.dataActions, notDataActions: [] },
          ],
        },
      });
    }
    const children = /^(.*)\/(replicas|virtualNetworkLinks|A|replications|executions)$/i.exec(path);
    if (children && request.method === "GET") {
      const [, parent = "", kind = ""] = children;
      return ok({
        value: world.resources.filter((r) => {
          const parentOf = r.id.slice(0, r.id.lastIndexOf("/", r.id.lastIndexOf("/") - 1));
          return lower(parentOf) === lower(parent) && lower(r.id.split("/").at(-2) ?? "") === lower(kind);
        }),
      });
    }
    const resource = world.resources.find((r) => lower(r.id) === lower(path));
    return resource ? ok(resource) : notFound(path);
  };
}
