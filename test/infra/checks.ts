/**
 * Static checks of infra/ (Bicep + azd). Each check takes the files' text and returns the problems it found, so a
 * test can run it on the real files (expecting none) and on a mutated copy (expecting the problem): every check is
 * proven to fail when the thing it guards is broken.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  arrayItems,
  type BicepFiles,
  declarations,
  objectBody,
  properties,
  propertyAt,
  resolveString,
  resources,
  stringLiteral,
  stringScope,
  stripComments,
} from "./bicep.js";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** infra/**\/*.bicep, roles.json, main.parameters.json, the hooks, azure.yaml, docs/deploy.md, .funcignore, the terms. */
export function loadDeployment(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(REPO, full).split("\\").join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(join(REPO, "infra"));
  for (const path of ["azure.yaml", "docs/deploy.md", ".funcignore", "src/core/pull-failure-terms.json"]) {
    if (existsSync(join(REPO, path))) files.set(path, readFileSync(join(REPO, path), "utf8"));
  }
  return files;
}

/** A copy of `files` with `from` replaced by `to` in `path`; throws if `from` is not there (a near miss must bite). */
export function mutate(files: BicepFiles, path: string, from: string | RegExp, to: string): Map<string, string> {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no file ${path}`);
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`mutation of ${path} changed nothing: ${String(from)} not found`);
  return new Map(files).set(path, changed);
}

export const bicepPaths = (files: BicepFiles) => [...files.keys()].filter((p) => p.endsWith(".bicep")).sort();

function get(files: BicepFiles, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`missing ${path}`);
  return text;
}

function targetScope(source: string): string {
  return /^targetScope\s*=\s*'(\w+)'/m.exec(stripComments(source))?.[1] ?? "resourceGroup";
}

/** Splits the top-level comma-separated arguments of a call `f(a, b(c, d), 'e,f')`. */
export function callArguments(expr: string, fn: string): string[] | null {
  const start = expr.indexOf(`${fn}(`);
  if (start < 0) return null;
  const open = start + fn.length;
  const args: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = open + 1; i < expr.length; i++) {
    const c = expr[i] ?? "";
    if (c === "'") {
      const end = expr.indexOf("'", i + 1);
      current += expr.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        args.push(current.trim());
        return args;
      }
      depth--;
    }
    if (c === "," && depth === 0) {
      args.push(current.trim());
      current = "";
    } else current += c;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Role definitions
// ---------------------------------------------------------------------------------------------------------------

/**
 * Built-in role definition IDs, from spec/pull-path.md's table (checked there against Microsoft's docs) and,
 * for the storage, monitoring and Key Vault roles, from the Azure built-in roles reference. Same in every tenant.
 */
export const BUILT_IN_ROLES: Record<string, string> = {
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  ContainerAppsContributor: "358470bc-b998-42bd-ab17-a7e34c199c0f",
  ManagedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  RoleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  ContainerRegistryContributorAndDataAccessConfigurationAdministrator: "3bc748fc-213d-45c1-8d91-9da5725539b9",
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  ContainerRegistryRepositoryReader: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
  ContainerRegistryRepositoryWriter: "2a1e307c-b015-4ebd-883e-5b7698a07328",
  StorageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  StorageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  StorageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  StorageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  MonitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  KeyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  UserAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
};

/** Roles PullGuard's identity must never hold: each would let it do far more than its fixes. */
export const FORBIDDEN_ROLES = [
  "Owner",
  "Contributor",
  "UserAccessAdministrator",
  "AcrPush",
  "ContainerRegistryRepositoryWriter",
];

const GUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;

export function roleTable(files: BicepFiles): Record<string, string> {
  const parsed = JSON.parse(get(files, "infra/roles.json")) as Record<string, string>;
  return Object.fromEntries(Object.entries(parsed).filter(([k]) => !k.startsWith("$")));
}

/** Every role GUID is the right one, comes from infra/roles.json, and every roles.X names an entry there. */
export function checkRoleDefinitions(files: BicepFiles): string[] {
  const problems: string[] = [];
  const table = roleTable(files);
  for (const [name, id] of Object.entries(table)) {
    const expected = BUILT_IN_ROLES[name];
    if (expected === undefined) problems.push(`infra/roles.json: ${name} is not a built-in role this check knows`);
    else if (id.toLowerCase() !== expected)
      problems.push(`infra/roles.json: ${name} is ${id}, the built-in role is ${expected}`);
    if (FORBIDDEN_ROLES.includes(name)) problems.push(`infra/roles.json: ${name} must never be granted to PullGuard`);
  }
  for (const path of bicepPaths(files)) {
    const text = stripComments(get(files, path));
    for (const guid of text.match(GUID) ?? []) {
      problems.push(`${path}: literal GUID ${guid}: take role IDs from infra/roles.json`);
    }
    for (const m of text.matchAll(/(?<![\w/.])roles\.(\w+)/g)) {
      if (table[m[1] ?? ""] === undefined) problems.push(`${path}: roles.${m[1]} is not in infra/roles.json`);
    }
  }
  return problems;
}

export interface RoleAssignment {
  path: string;
  symbol: string;
  role: string;
  condition: string | null;
  /** The `if (...)` guard, or null when unconditional. */
  guard: string | null;
  scope: string | null;
  value: string;
}

export function roleAssignments(files: BicepFiles): RoleAssignment[] {
  const found: RoleAssignment[] = [];
  for (const path of bicepPaths(files)) {
    for (const r of resources(get(files, path))) {
      if (r.resourceType !== "Microsoft.Authorization/roleAssignments" || r.existing) continue;
      const body = objectBody(r.value);
      const roleId = propertyAt(body, ["properties", "roleDefinitionId"]) ?? "";
      found.push({
        path,
        symbol: r.name,
        role: /\broles\.(\w+)/.exec(roleId)?.[1] ?? "",
        condition: propertyAt(body, ["properties", "condition"]),
        guard: /^if\s*\((.*)\)\s*\{/s.exec(r.value)?.[1]?.trim() ?? null,
        scope: propertyAt(body, ["scope"]),
        value: r.value,
      });
    }
  }
  return found;
}

/** Each assignment: named guid(scope, principal, role) with the same role it grants, to a service principal. */
export function checkRoleAssignmentNames(files: BicepFiles): string[] {
  const problems: string[] = [];
  for (const a of roleAssignments(files)) {
    const where = `${a.path}: ${a.symbol}`;
    const body = objectBody(a.value);
    const name = propertyAt(body, ["name"]) ?? "";
    const args = callArguments(name, "guid");
    if (!a.role) problems.push(`${where}: roleDefinitionId does not use roles.<Name>`);
    if (FORBIDDEN_ROLES.includes(a.role)) problems.push(`${where}: grants ${a.role}`);
    if (args?.length !== 3 || !args) {
      problems.push(`${where}: name is not guid(scope, principal, role): ${name}`);
      continue;
    }
    const [scopeArg, principalArg, roleArg] = args;
    const expectedScope =
      a.scope !== null
        ? `${a.scope}.id`
        : targetScope(get(files, a.path)) === "subscription"
          ? "subscription().id"
          : "resourceGroup().id";
    if (scopeArg !== expectedScope)
      problems.push(`${where}: guid scope is ${scopeArg}, the assignment's scope is ${expectedScope}`);
    const principal = propertyAt(body, ["properties", "principalId"]);
    if (principalArg !== principal)
      problems.push(`${where}: guid principal ${principalArg} is not properties.principalId (${principal})`);
    if (roleArg !== `roles.${a.role}`)
      problems.push(`${where}: guid role ${roleArg} is not the granted roles.${a.role}`);
    if (propertyAt(body, ["properties", "principalType"]) !== "'ServicePrincipal'") {
      problems.push(`${where}: principalType is not 'ServicePrincipal'`);
    }
  }
  return problems;
}

/**
 * Which roles the identity gets, where, and under which switch: the least that works for each job.
 * (docs/deploy.md "Permissions" is the prose version of this table.)
 */
export function checkRoleSet(files: BicepFiles): string[] {
  const problems: string[] = [];
  const assignments = roleAssignments(files);
  const find = (path: string, role: string) => assignments.filter((a) => a.path === path && a.role === role);
  const expect = (path: string, role: string, guard: RegExp | null, scope: string | null = null) => {
    const found = find(path, role);
    if (found.length !== 1) {
      problems.push(`${path}: expected one ${role} assignment, found ${found.length}`);
      return;
    }
    const a = found[0];
    if (!a) return;
    if (guard === null && a.guard !== null) problems.push(`${path}: ${role} must be unconditional, is if (${a.guard})`);
    if (guard !== null && (a.guard === null || !guard.test(a.guard))) {
      problems.push(
        `${path}: ${role} must be guarded by ${guard}, is ${a.guard === null ? "unconditional" : `if (${a.guard})`}`,
      );
    }
    if (scope !== null && a.scope !== scope)
      problems.push(`${path}: ${role} must be scoped to ${scope}, is ${a.scope}`);
  };
  const subscriptionRoles = "infra/app/roles-subscription.bicep";
  expect(subscriptionRoles, "Reader", null);
  expect(subscriptionRoles, "ContainerAppsContributor", /^grantWriteRoles$/);
  expect(subscriptionRoles, "ManagedIdentityOperator", /\bgrantWriteRoles\b.*&&.*\bgrantManagedIdentityOperator\b/);
  expect(subscriptionRoles, "RoleBasedAccessControlAdministrator", /^grantWriteRoles$/);
  expect(
    subscriptionRoles,
    "ContainerRegistryContributorAndDataAccessConfigurationAdministrator",
    /\bgrantWriteRoles\b.*&&.*\bgrantRegistryConfiguration\b/,
  );
  expect(subscriptionRoles, "AcrPull", /^grantRegistryDataRead$/);
  expect(subscriptionRoles, "ContainerRegistryRepositoryReader", /^grantRegistryDataRead$/);
  expect("infra/app/storage.bicep", "StorageBlobDataOwner", null, "storage");
  expect("infra/app/storage.bicep", "StorageQueueDataContributor", null, "storage");
  expect("infra/app/storage.bicep", "StorageTableDataContributor", null, "storage");
  expect("infra/app/monitoring.bicep", "MonitoringMetricsPublisher", null, "appInsights");
  expect("infra/app/key-vault.bicep", "KeyVaultSecretsUser", null, "vault");

  // The switches in main.bicep follow the settings.
  const main = stripComments(get(files, "infra/main.bicep"));
  if (!/var grantWriteRoles = mode == 'fix'/.test(main))
    problems.push("infra/main.bicep: write roles are not tied to mode == 'fix'");
  if (
    !/var grantManagedIdentityOperator = grantWriteRoles && !contains\(disabledFixList, 'identity-not-attached'\)/.test(
      main,
    )
  ) {
    problems.push("infra/main.bicep: Managed Identity Operator is not dropped when identity-not-attached is disabled");
  }
  const registryFixes = /var registryConfigurationFixes = (\[[^\]]*\])/.exec(main)?.[1];
  const codes = registryFixes ? arrayItems(registryFixes).map((i) => stringLiteral(i)) : [];
  if (codes.join(",") !== "arm-audience-tokens-disabled,registry-firewall-blocks-environment") {
    problems.push(`infra/main.bicep: registryConfigurationFixes is ${JSON.stringify(codes)}`);
  }
  if (
    !/var grantRegistryConfiguration = grantWriteRoles && !empty\(intersection\(optInFixList, registryConfigurationFixes\)\)/.test(
      main,
    )
  ) {
    problems.push("infra/main.bicep: the registry-configuration role is not tied to the opt-in registry fixes");
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// The delegation condition on Role Based Access Control Administrator
// ---------------------------------------------------------------------------------------------------------------

export interface AccessRequest {
  action: string;
  request?: Record<string, string>;
  resource?: Record<string, string>;
}

/**
 * Evaluates an Azure role-assignment condition (the subset the delegation templates use: !, AND, OR, parentheses,
 * ActionMatches{'…'}, @Request[…]/@Resource[…] with ForAnyOfAnyValues:GuidEquals / StringEqualsIgnoreCase) for one
 * request. Throws on anything outside that subset, so an unreadable condition fails the test.
 */
type ConditionNode =
  | { kind: "not"; operand: ConditionNode }
  | { kind: "and" | "or"; operands: ConditionNode[] }
  | { kind: "action"; action: string }
  | { kind: "attribute"; source: "Request" | "Resource"; attribute: string; operator: string; values: string[] };

/** Parses an Azure role-assignment condition (the subset the delegation templates use); throws outside it. */
export function parseCondition(condition: string): ConditionNode {
  const tokens = condition.match(
    /\s*(\(|\)|!|AND\b|OR\b|ActionMatches\{'[^']*'\}|@(?:Request|Resource)\[[^\]]*\]\s+\S+\s+\{[^}]*\})/gy,
  );
  const joined = (tokens ?? []).join("");
  if (joined.replace(/\s+/g, "") !== condition.replace(/\s+/g, "")) {
    throw new Error(
      `condition has text outside the supported grammar near: ${condition.slice(joined.length, joined.length + 60)}`,
    );
  }
  const list = (tokens ?? []).map((t) => t.trim());
  let pos = 0;
  const expr = (): ConditionNode => {
    const operands = [unary()];
    let op: string | null = null;
    while (list[pos] === "AND" || list[pos] === "OR") {
      const next = list[pos++] ?? "";
      if (op !== null && op !== next) throw new Error("AND and OR mixed without parentheses");
      op = next;
      operands.push(unary());
    }
    if (op === null) return operands[0] as ConditionNode;
    return { kind: op === "AND" ? "and" : "or", operands };
  };
  const unary = (): ConditionNode => {
    const t = list[pos++];
    if (t === "!") return { kind: "not", operand: unary() };
    if (t === "(") {
      const inner = expr();
      if (list[pos++] !== ")") throw new Error("missing )");
      return inner;
    }
    if (t?.startsWith("ActionMatches{")) return { kind: "action", action: /'([^']*)'/.exec(t)?.[1] ?? "" };
    const m = t ? /^@(Request|Resource)\[([^\]]*)\]\s+(\S+)\s+\{([^}]*)\}$/.exec(t) : null;
    if (m) {
      const operator = m[3] ?? "";
      if (operator !== "ForAnyOfAnyValues:GuidEquals" && operator !== "ForAnyOfAnyValues:StringEqualsIgnoreCase") {
        throw new Error(`operator ${operator} is not supported by this evaluator`);
      }
      return {
        kind: "attribute",
        source: m[1] as "Request" | "Resource",
        attribute: m[2] ?? "",
        operator,
        values: (m[4] ?? "").split(",").map((v) => v.trim().replace(/^'|'$/g, "")),
      };
    }
    throw new Error(`unexpected ${t}`);
  };
  const tree = expr();
  if (pos !== list.length) throw new Error(`trailing tokens: ${list.slice(pos).join(" ")}`);
  return tree;
}

/**
 * Evaluates a condition for one request as Azure does: `(!(ActionMatches{a})) OR (expr)` lets every other action
 * through, AND/OR short-circuit, and an attribute the action does not have is an error.
 */
export function evaluateCondition(condition: string, req: AccessRequest): boolean {
  const evaluate = (node: ConditionNode): boolean => {
    switch (node.kind) {
      case "not":
        return !evaluate(node.operand);
      case "and":
        return node.operands.every(evaluate);
      case "or":
        return node.operands.some(evaluate);
      case "action":
        return node.action === req.action;
      case "attribute": {
        const source = node.source === "Request" ? req.request : req.resource;
        const actual = source?.[node.attribute.split(":")[1] ?? ""];
        if (actual === undefined)
          throw new Error(`${node.source} attribute ${node.attribute} is not available for ${req.action}`);
        return node.values.some((v) => v.toLowerCase() === actual.toLowerCase());
      }
    }
  };
  return evaluate(parseCondition(condition));
}

export function rbacAdministratorCondition(files: BicepFiles): { condition: string | null; version: string | null } {
  const path = "infra/app/roles-subscription.bicep";
  const a = roleAssignments(files).find((x) => x.path === path && x.role === "RoleBasedAccessControlAdministrator");
  if (!a?.condition) return { condition: null, version: null };
  const scope = stringScope(get(files, path), { roles: roleTable(files) });
  return {
    condition: resolveString(a.condition, scope),
    version: propertyAt(objectBody(a.value), ["properties", "conditionVersion"]),
  };
}

/** What the constrained RBAC Administrator may and may not do. */
export function checkRbacCondition(files: BicepFiles): string[] {
  const { condition, version } = rbacAdministratorCondition(files);
  if (condition === null) return ["roles-subscription.bicep: Role Based Access Control Administrator has no condition"];
  const problems: string[] = [];
  if (version !== "'2.0'") problems.push(`conditionVersion is ${version}, must be '2.0'`);
  const roles = BUILT_IN_ROLES;
  const write = "Microsoft.Authorization/roleAssignments/write";
  const del = "Microsoft.Authorization/roleAssignments/delete";
  const asRequest = (role: string, principalType: string): AccessRequest => ({
    action: write,
    request: { RoleDefinitionId: roles[role] ?? "", PrincipalType: principalType },
  });
  const cases: Array<[string, AccessRequest, boolean]> = [
    ["assign AcrPull to a managed identity", asRequest("AcrPull", "ServicePrincipal"), true],
    [
      "assign Container Registry Repository Reader to a managed identity",
      asRequest("ContainerRegistryRepositoryReader", "ServicePrincipal"),
      true,
    ],
    ["assign AcrPull to a user", asRequest("AcrPull", "User"), false],
    ["assign AcrPull to a group", asRequest("AcrPull", "Group"), false],
    ["assign AcrPush", asRequest("AcrPush", "ServicePrincipal"), false],
    ["assign Owner", asRequest("Owner", "ServicePrincipal"), false],
    ["assign Contributor", asRequest("Contributor", "ServicePrincipal"), false],
    ["assign User Access Administrator", asRequest("UserAccessAdministrator", "ServicePrincipal"), false],
    [
      "assign Role Based Access Control Administrator",
      asRequest("RoleBasedAccessControlAdministrator", "ServicePrincipal"),
      false,
    ],
    ["assign Repository Writer", asRequest("ContainerRegistryRepositoryWriter", "ServicePrincipal"), false],
    // The documented "constrain roles" form constrains a delete to the same roles and principal types.
    ...(["AcrPull", "ContainerRegistryRepositoryReader", "Owner", "RoleBasedAccessControlAdministrator"] as const).map(
      (role): [string, AccessRequest, boolean] => [
        `delete an assignment of ${role}`,
        { action: del, resource: { RoleDefinitionId: roles[role] ?? "", PrincipalType: "ServicePrincipal" } },
        role === "AcrPull" || role === "ContainerRegistryRepositoryReader",
      ],
    ),
    [
      "delete a user's AcrPull assignment",
      { action: del, resource: { RoleDefinitionId: roles.AcrPull ?? "", PrincipalType: "User" } },
      false,
    ],
    ["read role assignments", { action: "Microsoft.Authorization/roleAssignments/read" }, true],
  ];
  for (const [what, req, allowed] of cases) {
    let got: boolean;
    try {
      got = evaluateCondition(condition, req);
    } catch (error) {
      problems.push(`${what}: the condition cannot be evaluated: ${(error as Error).message}`);
      continue;
    }
    if (got !== allowed)
      problems.push(`${what}: ${got ? "allowed" : "denied"}, must be ${allowed ? "allowed" : "denied"}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Module wiring (what a compiler would catch first)
// ---------------------------------------------------------------------------------------------------------------

/** Every module path exists, gets only params it declares and every param it requires; every .outputs.x exists. */
export function checkModuleWiring(files: BicepFiles): string[] {
  const problems: string[] = [];
  for (const path of bicepPaths(files)) {
    const source = get(files, path);
    const decls = declarations(source);
    const modules = new Map<string, string>();
    for (const m of decls.filter((d) => d.kind === "module")) {
      const target = posix.normalize(posix.join(posix.dirname(path), m.type));
      modules.set(m.name, target);
      const targetSource = files.get(target);
      if (targetSource === undefined) {
        problems.push(`${path}: module ${m.name} points at ${m.type}, which does not exist`);
        continue;
      }
      const params = declarations(targetSource).filter((d) => d.kind === "param" && d.depth === 0);
      const given = properties(propertyAt(objectBody(m.value), ["params"]) ?? "{}").map((p) => p.key);
      for (const key of given) {
        if (!params.some((p) => p.name === key))
          problems.push(`${path}: module ${m.name} passes ${key}, which ${target} does not declare`);
      }
      for (const p of params) {
        const hasDefault = p.assigned || p.type.endsWith("?");
        if (!hasDefault && !given.includes(p.name))
          problems.push(`${path}: module ${m.name} does not pass required param ${p.name}`);
      }
    }
    for (const ref of stripComments(source).matchAll(/\b(\w+)(?:\[[^\]]*\])?\.outputs\.(\w+)/g)) {
      const target = modules.get(ref[1] ?? "");
      if (target === undefined) {
        problems.push(`${path}: ${ref[0]} refers to no module`);
        continue;
      }
      const outputs = declarations(files.get(target) ?? "").filter((d) => d.kind === "output");
      if (!outputs.some((o) => o.name === ref[2]))
        problems.push(`${path}: ${ref[0]}: ${target} has no output ${ref[2]}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs and secrets
// ---------------------------------------------------------------------------------------------------------------

const SECRET_NAME = /(secret|password|passwd|key|token|connection|credential|sas|code|webhook|url|uri)/i;
const SECRET_VALUE = /\blist\w*\(|ConnectionString|InstrumentationKey|primaryKey|secondaryKey|\.keys\b/i;

/** No output is @secure, has a secret-looking name, or carries a key, connection string or secure param. */
export function checkOutputs(files: BicepFiles): string[] {
  const problems: string[] = [];
  for (const path of bicepPaths(files)) {
    const decls = declarations(get(files, path));
    const secureParams = decls.filter((d) => d.kind === "param" && d.decorators.some((x) => x.startsWith("@secure")));
    for (const o of decls.filter((d) => d.kind === "output")) {
      const where = `${path}: output ${o.name}`;
      if (o.decorators.some((x) => x.startsWith("@secure")))
        problems.push(`${where} is @secure(): secrets are never outputs`);
      if (SECRET_NAME.test(o.name)) problems.push(`${where} has a secret-looking name`);
      if (SECRET_VALUE.test(o.value)) problems.push(`${where} carries a key or connection string: ${o.value}`);
      for (const p of secureParams) {
        if (new RegExp(`\\b${p.name}\\b`).test(o.value)) problems.push(`${where} carries the secure param ${p.name}`);
      }
    }
  }
  return problems;
}

/** A @secure param of main.bicep flows only into the Key Vault module (or into an emptiness test). */
export function checkSecretFlow(files: BicepFiles): string[] {
  const problems: string[] = [];
  const path = "infra/main.bicep";
  const source = get(files, path);
  const decls = declarations(source);
  const secure = decls
    .filter((d) => d.kind === "param" && d.decorators.some((x) => x.startsWith("@secure")))
    .map((d) => d.name);
  for (const name of ["notifyTeamsUrl", "notifySlackUrl", "notifyWebhookUrl", "notifyWebhookSecret"]) {
    if (!secure.includes(name)) problems.push(`${path}: param ${name} is not @secure()`);
  }
  const keyVault = decls.find((d) => d.kind === "module" && d.type === "app/key-vault.bicep");
  const keyVaultParams = properties(propertyAt(objectBody(keyVault?.value ?? ""), ["params"]) ?? "{}");
  for (const name of secure) {
    if (!keyVaultParams.some((p) => p.value === name))
      problems.push(`${path}: ${name} does not go to the Key Vault module`);
    const text = stripComments(source);
    for (const m of text.matchAll(new RegExp(`[^\\n]*\\b${name}\\b[^\\n]*`, "g"))) {
      const line = m[0].trim();
      const fine =
        line.startsWith("@") ||
        line.startsWith("param ") ||
        line === `${name}: ${name}` ||
        new RegExp(`!empty\\(${name}\\)`).test(line);
      if (!fine) problems.push(`${path}: secure param ${name} used outside the vault: ${line}`);
    }
  }
  const vaultSource = get(files, "infra/app/key-vault.bicep");
  const vaultDecls = declarations(vaultSource);
  for (const d of vaultDecls.filter((x) => x.kind === "param" && /^notify/.test(x.name))) {
    if (!d.decorators.some((x) => x.startsWith("@secure")))
      problems.push(`key-vault.bicep: param ${d.name} is not @secure()`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// API versions
// ---------------------------------------------------------------------------------------------------------------

/**
 * Every api-version infra/ uses, each confirmed in Azure/azure-rest-api-specs (the stable/<version> folder of the
 * resource provider exists and defines the type) or in Microsoft's Flex Consumption / AVM Bicep. None is a preview.
 * docs/deploy.md lists the same table.
 */
export const VERIFIED_API_VERSIONS: Record<string, string> = {
  "Microsoft.Resources/resourceGroups": "2024-03-01",
  "Microsoft.ManagedIdentity/userAssignedIdentities": "2023-01-31",
  "Microsoft.Storage/storageAccounts": "2023-05-01",
  "Microsoft.OperationalInsights/workspaces": "2023-09-01",
  "Microsoft.Insights/components": "2020-02-02",
  "Microsoft.KeyVault/vaults": "2023-07-01",
  "Microsoft.KeyVault/vaults/secrets": "2023-07-01",
  "Microsoft.Web/serverfarms": "2024-04-01",
  "Microsoft.Web/sites": "2024-04-01",
  "Microsoft.Web/sites/config": "2024-04-01",
  "Microsoft.Web/sites/host": "2024-04-01", // listKeys
  "Microsoft.Authorization/roleAssignments": "2022-04-01",
  "Microsoft.EventGrid/systemTopics": "2025-02-15",
  "Microsoft.EventGrid/systemTopics/eventSubscriptions": "2025-02-15",
  "Microsoft.Insights/actionGroups": "2023-01-01",
  "Microsoft.Insights/scheduledQueryRules": "2023-12-01",
};

/** Every resource (and listKeys/reference call) uses the verified, non-preview api-version of its type. */
export function checkApiVersions(files: BicepFiles): string[] {
  const problems: string[] = [];
  for (const path of bicepPaths(files)) {
    const source = get(files, path);
    for (const r of resources(source)) {
      if (r.apiVersion === null) continue; // a nested child resource takes its parent's version
      const expected = VERIFIED_API_VERSIONS[r.resourceType];
      if (/preview/i.test(r.apiVersion))
        problems.push(`${path}: ${r.name} uses the preview api-version ${r.apiVersion}`);
      if (expected === undefined) problems.push(`${path}: ${r.resourceType} has no verified api-version`);
      else if (r.apiVersion !== expected)
        problems.push(`${path}: ${r.resourceType}@${r.apiVersion}, verified is ${expected}`);
    }
    const text = stripComments(source);
    for (const m of text.matchAll(/\blistKeys\(resourceId\('([^']+)'[^)]*\),\s*'([^']+)'\)/g)) {
      if (VERIFIED_API_VERSIONS[m[1] ?? ""] !== m[2])
        problems.push(`${path}: listKeys on ${m[1]} with api-version ${m[2]}`);
    }
    for (const m of text.matchAll(/\breference\([^,]+,\s*'([^']+)'/g)) {
      if (m[1] !== VERIFIED_API_VERSIONS["Microsoft.OperationalInsights/workspaces"]) {
        problems.push(`${path}: reference() with unverified api-version ${m[1]}`);
      }
    }
  }
  return problems;
}

/** docs/deploy.md states every api-version the templates rely on. */
export function checkApiVersionsDocumented(files: BicepFiles): string[] {
  const docs = files.get("docs/deploy.md") ?? "";
  const problems: string[] = [];
  const used = new Set<string>();
  for (const path of bicepPaths(files)) {
    for (const r of resources(get(files, path))) if (r.apiVersion) used.add(`${r.resourceType}@${r.apiVersion}`);
  }
  for (const entry of used) {
    const [type, version] = entry.split("@");
    const line = docs.split("\n").find((l) => l.includes(`\`${type}\``) && l.includes(version ?? ""));
    if (!line) problems.push(`docs/deploy.md does not list ${type} ${version}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// The function app and its settings
// ---------------------------------------------------------------------------------------------------------------

/** Settings Flex Consumption deprecates (it takes them from functionAppConfig or does not support them). */
export const FLEX_DEPRECATED_SETTINGS = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTSHARE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "ENABLE_ORYX_BUILD",
];

/** Identity-based host storage: what replaces the AzureWebJobsStorage connection string. */
export const IDENTITY_STORAGE_SETTINGS = [
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "AzureWebJobsStorage__blobServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__tableServiceUri",
];

/** Settings whose values are secrets: Key Vault references only. */
export const SECRET_SETTINGS = [
  "PULLGUARD_NOTIFY_TEAMS_URL",
  "PULLGUARD_NOTIFY_SLACK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_SECRET",
];

export interface CodeFacts {
  settingNames: readonly string[];
  devSettingNames: readonly string[];
  /** The function sources (src/functions/*.ts), by file name. */
  functionSources: ReadonlyMap<string, string>;
  tables: readonly string[];
  verifyQueue: string;
}

export function appSettings(files: BicepFiles): Map<string, string> {
  const decl = declarations(get(files, "infra/app/function-app.bicep")).find(
    (d) => d.kind === "var" && d.name === "appSettings",
  );
  return new Map(properties(objectBody(decl?.value ?? "")).map((p) => [p.key, p.value]));
}

function secretNames(files: BicepFiles): string[] {
  return resources(get(files, "infra/app/key-vault.bicep"))
    .filter((r) => r.resourceType === "Microsoft.KeyVault/vaults/secrets")
    .map((r) => stringLiteral(propertyAt(objectBody(r.value), ["name"]) ?? "") ?? "");
}

/** Every setting the code reads is set (dev-only ones never), the Flex way, secrets through Key Vault. */
export function checkAppSettings(files: BicepFiles, code: CodeFacts): string[] {
  const problems: string[] = [];
  const path = "infra/app/function-app.bicep";
  const settings = appSettings(files);
  if (settings.size === 0) return [`${path}: no var appSettings`];
  const required = [...code.settingNames.filter((n) => n !== "AzureWebJobsStorage"), ...IDENTITY_STORAGE_SETTINGS];
  for (const name of required) if (!settings.has(name)) problems.push(`${path}: app setting ${name} is not set`);
  const forbidden = [
    ...code.devSettingNames,
    ...FLEX_DEPRECATED_SETTINGS,
    "AzureWebJobsStorage",
    "APPINSIGHTS_INSTRUMENTATIONKEY",
  ];
  for (const name of forbidden)
    if (settings.has(name)) problems.push(`${path}: app setting ${name} must not be set in Azure`);

  const expectValue = (name: string, value: string) => {
    if (settings.has(name) && settings.get(name) !== value)
      problems.push(`${path}: ${name} is ${settings.get(name)}, must be ${value}`);
  };
  expectValue("AzureWebJobsStorage__credential", "'managedidentity'");
  expectValue("AzureWebJobsStorage__clientId", "identityClientId");
  expectValue("AZURE_CLIENT_ID", "identityClientId");
  expectValue("PULLGUARD_SELF_PRINCIPAL_ID", "identityPrincipalId");
  for (const service of ["blob", "queue", "table"]) {
    expectValue(`AzureWebJobsStorage__${service}ServiceUri`, `storage.properties.primaryEndpoints.${service}`);
  }
  if (!/\.properties\.ConnectionString$/.test(settings.get("APPLICATIONINSIGHTS_CONNECTION_STRING") ?? "")) {
    problems.push(`${path}: APPLICATIONINSIGHTS_CONNECTION_STRING does not come from the component's ConnectionString`);
  }

  const secrets = secretNames(files);
  for (const name of SECRET_SETTINGS) {
    const value = settings.get(name) ?? "";
    const m = /^(\w+) \? '@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=([a-z0-9-]+)\)' : ''$/.exec(
      value,
    );
    if (!m) problems.push(`${path}: ${name} is not a Key Vault reference (or empty): ${value}`);
    else if (!secrets.includes(m[2] ?? ""))
      problems.push(`${path}: ${name} references secret ${m[2]}, which key-vault.bicep never writes`);
  }

  // %NAME% placeholders and trigger connections in the function code resolve to app settings.
  for (const [file, source] of code.functionSources) {
    for (const m of source.matchAll(/%(\w+)%/g)) {
      if (!settings.has(m[1] ?? "")) problems.push(`src/functions/${file}: %${m[1]}% is not an app setting`);
    }
    for (const m of source.matchAll(/connection:\s*"(\w+)"/g)) {
      const prefix = m[1] ?? "";
      if (!settings.has(prefix) && !settings.has(`${prefix}__queueServiceUri`)) {
        problems.push(
          `src/functions/${file}: connection ${prefix} has neither a connection string nor ${prefix}__queueServiceUri`,
        );
      }
    }
  }

  // The app itself: Flex Consumption, Node 22, user-assigned identity everywhere, settings applied.
  const source = get(files, path);
  const site = resources(source).find((r) => r.resourceType === "Microsoft.Web/sites" && !r.existing);
  const siteBody = objectBody(site?.value ?? "");
  const at = (p: string[]) => propertyAt(siteBody, p);
  const want = (p: string[], value: string) => {
    if (at(p) !== value) problems.push(`${path}: site ${p.join(".")} is ${at(p)}, must be ${value}`);
  };
  want(["kind"], "'functionapp,linux'");
  want(["identity", "type"], "'UserAssigned'");
  want(["properties", "functionAppConfig", "runtime", "name"], "'node'");
  want(["properties", "functionAppConfig", "runtime", "version"], "'22'");
  want(
    ["properties", "functionAppConfig", "deployment", "storage", "authentication", "type"],
    "'UserAssignedIdentity'",
  );
  want(["properties", "keyVaultReferenceIdentity"], "identityId");
  want(["properties", "httpsOnly"], "true");
  if (!/'azd-service-name': 'api'/.test(at(["tags"]) ?? ""))
    problems.push(`${path}: the site is not tagged azd-service-name: api`);
  const plan = resources(source).find((r) => r.resourceType === "Microsoft.Web/serverfarms");
  const planBody = objectBody(plan?.value ?? "");
  if (
    propertyAt(planBody, ["sku", "name"]) !== "'FC1'" ||
    propertyAt(planBody, ["sku", "tier"]) !== "'FlexConsumption'"
  ) {
    problems.push(`${path}: the plan is not FC1 / FlexConsumption`);
  }
  const config = resources(source).find((r) => r.resourceType === "Microsoft.Web/sites/config");
  const configBody = objectBody(config?.value ?? "");
  if (
    propertyAt(configBody, ["name"]) !== "'appsettings'" ||
    propertyAt(configBody, ["properties"]) !== "appSettings"
  ) {
    problems.push(`${path}: the appsettings config does not apply var appSettings`);
  }

  // Storage the code and the host need: identity only, with the code's queue and tables.
  const storageSource = get(files, "infra/app/storage.bicep");
  const account = resources(storageSource).find((r) => r.resourceType === "Microsoft.Storage/storageAccounts");
  if (propertyAt(objectBody(account?.value ?? ""), ["properties", "allowSharedKeyAccess"]) !== "false") {
    problems.push("infra/app/storage.bicep: shared-key access is not off");
  }
  const tableNames = /var tableNames = (\[[^\]]*\])/.exec(stripComments(storageSource))?.[1] ?? "[]";
  const declared = arrayItems(tableNames).map((t) => stringLiteral(t));
  for (const table of code.tables)
    if (!declared.includes(table)) problems.push(`infra/app/storage.bicep: table ${table} is not created`);
  if (!new RegExp(`var verifyQueueName = '${code.verifyQueue}'`).test(storageSource)) {
    problems.push(`infra/app/storage.bicep: queue ${code.verifyQueue} is not created`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Events: ARM events through Event Grid, runtime failures through a log search alert
// ---------------------------------------------------------------------------------------------------------------

export interface EventFacts {
  watchedOperations: readonly string[];
  watchedEventTypes: readonly string[];
  functionSources: ReadonlyMap<string, string>;
  /** readPullFailureAlert from src/core/signals/pull-failure-alert.ts. */
  readAlert: (input: unknown) => { outcome: string; alert?: { appName: string | null; environment: unknown } };
}

const literals = (expr: string | null) => arrayItems(expr ?? "").map((i) => stringLiteral(i) ?? `<${i}>`);

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

/** The event subscription: to onResourceEvent, exactly the code's event types and operations, retry, dead-letter. */
export function checkEventSubscription(files: BicepFiles, facts: EventFacts): string[] {
  const problems: string[] = [];
  const path = "infra/app/event-subscription.bicep";
  const sub = resources(get(files, path)).find(
    (r) => r.resourceType === "Microsoft.EventGrid/systemTopics/eventSubscriptions",
  );
  if (!sub) return [`${path}: no event subscription`];
  const body = objectBody(sub.value);
  const at = (p: string[]) => propertyAt(body, ["properties", ...p]);
  if (at(["destination", "endpointType"]) !== "'AzureFunction'")
    problems.push(`${path}: endpoint type is not AzureFunction`);
  const target = /\/functions\/(\w+)'$/.exec(at(["destination", "properties", "resourceId"]) ?? "")?.[1];
  const registered = [...facts.functionSources.values()].some((s) => s.includes(`app.eventGrid("${target}"`));
  if (!target || !registered)
    problems.push(`${path}: the destination function ${target} is not an Event Grid function of src/functions`);
  if (at(["eventDeliverySchema"]) !== "'EventGridSchema'")
    problems.push(`${path}: delivery schema is not EventGridSchema`);

  const types = literals(at(["filter", "includedEventTypes"]));
  if (!sameList(types, facts.watchedEventTypes)) {
    problems.push(
      `${path}: includedEventTypes ${JSON.stringify(types)} differ from WATCHED_EVENT_TYPES ${JSON.stringify(facts.watchedEventTypes)}`,
    );
  }
  const filters = arrayItems(at(["filter", "advancedFilters"]) ?? "");
  const operationFilters = filters.filter((f) => propertyAt(f, ["key"]) === "'data.operationName'");
  if (filters.length !== 1 || operationFilters.length !== 1) {
    problems.push(`${path}: expected exactly one advanced filter, on data.operationName; found ${filters.length}`);
  }
  const filter = operationFilters[0] ?? "{}";
  if (propertyAt(filter, ["operatorType"]) !== "'StringIn'")
    problems.push(`${path}: the operation filter is not StringIn`);
  const operations = literals(propertyAt(filter, ["values"]));
  if (!sameList(operations, facts.watchedOperations)) {
    const missing = facts.watchedOperations.filter((o) => !operations.includes(o));
    const extra = operations.filter((o) => !facts.watchedOperations.includes(o));
    problems.push(
      `${path}: data.operationName filter differs from WATCHED_OPERATIONS (missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)})`,
    );
  }
  if (new Set(operations).size !== operations.length)
    problems.push(`${path}: the operation filter lists a value twice`);
  // Event Grid: "25 advanced filters and 25 filter values across all the filters per Event Grid subscription"
  // (learn.microsoft.com/azure/event-grid/event-filtering, "Limitations"): a second filter would not make room.
  if (operations.length > 25) {
    problems.push(
      `${path}: an Event Grid subscription takes at most 25 filter values across all its advanced filters; found ${operations.length}`,
    );
  }

  const attempts = Number(at(["retryPolicy", "maxDeliveryAttempts"]));
  const ttl = Number(at(["retryPolicy", "eventTimeToLiveInMinutes"]));
  if (!(attempts >= 1 && attempts <= 30)) problems.push(`${path}: retryPolicy.maxDeliveryAttempts must be 1-30`);
  if (!(ttl >= 1 && ttl <= 1440)) problems.push(`${path}: retryPolicy.eventTimeToLiveInMinutes must be 1-1440`);
  const deadLetter = ["deadLetterWithResourceIdentity", "deadLetterDestination"];
  if (at([...deadLetter, "endpointType"]) !== "'StorageBlob'")
    problems.push(`${path}: no blob dead-letter destination`);
  if (!at([...deadLetter, "properties", "blobContainerName"])) problems.push(`${path}: no dead-letter container`);

  // The topic: the subscription's ARM events.
  const topicPath = "infra/app/system-topic.bicep";
  const topic = resources(get(files, topicPath)).find((r) => r.resourceType === "Microsoft.EventGrid/systemTopics");
  const topicBody = objectBody(topic?.value ?? "");
  if (propertyAt(topicBody, ["properties", "topicType"]) !== "'Microsoft.Resources.Subscriptions'") {
    problems.push(`${topicPath}: topicType is not Microsoft.Resources.Subscriptions`);
  }
  if (propertyAt(topicBody, ["properties", "source"]) !== "subscription().id")
    problems.push(`${topicPath}: source is not the subscription`);
  if (propertyAt(topicBody, ["location"]) !== "'global'")
    problems.push(`${topicPath}: a subscription topic's location is global`);

  // Created after the code is deployed: never by main.bicep, always by events.bicep through the postdeploy hook.
  const main = stripComments(get(files, "infra/main.bicep"));
  if (/eventSubscriptions@|event-subscription\.bicep|events\.bicep/.test(main)) {
    problems.push("infra/main.bicep creates the event subscription: it must wait for the code (postdeploy)");
  }
  if (
    !declarations(get(files, "infra/events.bicep")).some(
      (d) => d.kind === "module" && d.type === "app/event-subscription.bicep",
    )
  ) {
    problems.push("infra/events.bicep does not deploy app/event-subscription.bicep");
  }
  if (!/events\.bicep/.test(files.get("infra/hooks/postdeploy.sh") ?? ""))
    problems.push("infra/hooks/postdeploy.sh does not deploy events.bicep");
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// azd: azure.yaml, main.parameters.json, the hooks
// ---------------------------------------------------------------------------------------------------------------

const AZD_BUILT_IN = ["AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID"];

export function checkAzd(files: BicepFiles): string[] {
  const problems: string[] = [];
  const yaml = files.get("azure.yaml") ?? "";
  const service = /^services:\n {2}api:\n((?: {4}.*\n)+)/m.exec(yaml)?.[1] ?? "";
  for (const line of ["project: .", "language: ts", "host: function"]) {
    if (!service.includes(line)) problems.push(`azure.yaml: service api lacks "${line}"`);
  }
  for (const [hook, script] of [
    ["postdeploy", "infra/hooks/postdeploy.sh"],
    ["predown", "infra/hooks/predown.sh"],
  ] as const) {
    const block = new RegExp(`^ {2}${hook}:\\n((?: {4}.*\\n)+)`, "m").exec(yaml)?.[1] ?? "";
    if (!block.includes(`run: ${script}`)) problems.push(`azure.yaml: hook ${hook} does not run ${script}`);
    if (!files.has(script)) problems.push(`${script} does not exist`);
  }

  const main = get(files, "infra/main.bicep");
  if (targetScope(main) !== "subscription") problems.push("infra/main.bicep: targetScope is not subscription");
  if (!resources(main).some((r) => r.resourceType === "Microsoft.Resources/resourceGroups" && !r.existing)) {
    problems.push("infra/main.bicep does not create the resource group");
  }
  const params = declarations(main).filter((d) => d.kind === "param");
  const parameterFile = JSON.parse(get(files, "infra/main.parameters.json")) as {
    parameters: Record<string, { value: unknown }>;
  };
  const given = parameterFile.parameters;
  for (const name of Object.keys(given)) {
    if (!params.some((p) => p.name === name))
      problems.push(`infra/main.parameters.json: ${name} is not a param of main.bicep`);
  }
  for (const p of params) {
    const hasDefault = p.assigned;
    if (!hasDefault && !(p.name in given))
      problems.push(`infra/main.parameters.json: required param ${p.name} is missing`);
    const value = given[p.name]?.value;
    if (
      p.decorators.some((d) => d.startsWith("@secure")) &&
      value !== undefined &&
      !/^\$\{\w+=?\}$/.test(String(value))
    ) {
      problems.push(
        `infra/main.parameters.json: secure param ${p.name} must come from the azd environment, not the file`,
      );
    }
  }
  // azd substitutes the placeholder $ { NAME } (without spaces) with the environment's value
  const fromAzd = (name: string) => ["$", "{", name, "}"].join("");
  if (given.environmentName?.value !== fromAzd("AZURE_ENV_NAME")) {
    problems.push("infra/main.parameters.json: environmentName is not the azd value AZURE_ENV_NAME");
  }
  if (given.location?.value !== fromAzd("AZURE_LOCATION")) {
    problems.push("infra/main.parameters.json: location is not the azd value AZURE_LOCATION");
  }

  // The hooks read only what azd provides or main.bicep outputs, and pass every param events.bicep requires.
  const outputs = declarations(main)
    .filter((d) => d.kind === "output")
    .map((d) => d.name);
  for (const hook of ["infra/hooks/postdeploy.sh", "infra/hooks/predown.sh"]) {
    const script = (files.get(hook) ?? "").replace(/^\s*#.*$/gm, ""); // comments aside, every name it mentions
    for (const m of script.matchAll(/\b((?:AZURE|PULLGUARD|SERVICE)_[A-Z_]+)\b/g)) {
      const name = m[1] ?? "";
      if (!AZD_BUILT_IN.includes(name) && !outputs.includes(name))
        problems.push(`${hook}: reads ${name}, which neither azd nor main.bicep provides`);
    }
  }
  const postdeploy = files.get("infra/hooks/postdeploy.sh") ?? "";
  for (const p of declarations(get(files, "infra/events.bicep")).filter((d) => d.kind === "param")) {
    const required = !p.assigned;
    if (required && !postdeploy.includes(`"${p.name}": { "value":`))
      problems.push(`infra/hooks/postdeploy.sh does not pass ${p.name} to events.bicep`);
  }
  return problems;
}

/** docs/deploy.md explains every role it grants (by its Azure name) and the tag-check trade-off. */
export function checkDocs(files: BicepFiles): string[] {
  const docs = (files.get("docs/deploy.md") ?? "").replace(/\s+/g, " "); // Markdown wraps lines anywhere
  const problems: string[] = [];
  const names: Record<string, string> = {
    Reader: "Reader",
    ContainerAppsContributor: "Container Apps Contributor",
    ManagedIdentityOperator: "Managed Identity Operator",
    RoleBasedAccessControlAdministrator: "Role Based Access Control Administrator",
    ContainerRegistryContributorAndDataAccessConfigurationAdministrator:
      "Container Registry Contributor and Data Access Configuration Administrator",
    AcrPull: "AcrPull",
    ContainerRegistryRepositoryReader: "Container Registry Repository Reader",
    StorageBlobDataOwner: "Storage Blob Data Owner",
    StorageQueueDataContributor: "Storage Queue Data Contributor",
    StorageTableDataContributor: "Storage Table Data Contributor",
    MonitoringMetricsPublisher: "Monitoring Metrics Publisher",
    KeyVaultSecretsUser: "Key Vault Secrets User",
  };
  for (const a of roleAssignments(files)) {
    const name = names[a.role];
    if (!name || !docs.includes(name)) problems.push(`docs/deploy.md does not explain the role ${name ?? a.role}`);
  }
  if (!docs.includes("check-incomplete"))
    problems.push("docs/deploy.md does not explain the tag-check trade-off (check-incomplete)");
  return problems;
}
