/**
 * Static checks of what a first `azd up` meets (issue 19): azd's build and version settings, the dead-letter identity,
 * names Event Grid accepts for every azd environment name, the Flex Consumption instance floor, deployment names per
 * environment, and the documented "constrain roles" condition. Same pattern as checks.ts: text in, problems out.
 */
import { execFileSync } from "node:child_process";
import {
  type BicepFiles,
  declarations,
  objectBody,
  propertyAt,
  resolveString,
  resources,
  stringScope,
  stripComments,
} from "./bicep.js";
import { evaluateBicep } from "./bicep-eval.js";

function get(files: BicepFiles, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`missing ${path}`);
  return text;
}

const semver = (v: string) => v.split(".").map((n) => Number(n));
const atLeast = (v: string, min: string) => {
  const [a, b] = [semver(v), semver(min)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/** azd 1.23.12: remoteBuild honoured (1.23.5, #6748) and checked against .funcignore (#7223). */
export const MIN_AZD = "1.23.12";

/** The api service deploys the prebuilt package as is, and azd is new enough to honour that. */
export function checkAzdBuild(files: BicepFiles): string[] {
  const problems: string[] = [];
  const yaml = files.get("azure.yaml") ?? "";
  const service = /^services:\n {2}api:\n((?: {4}.*\n|\s*\n)+)/m.exec(yaml)?.[1] ?? "";
  const remoteBuild = /^ {4}remoteBuild:\s*(\S+)/m.exec(service)?.[1];
  if (remoteBuild !== "false")
    problems.push(`azure.yaml: service api remoteBuild is ${remoteBuild ?? "unset"}, must be false`);
  const range = /^requiredVersions:\n {2}azd:\s*"?([^"\n]+)"?/m.exec(yaml)?.[1]?.trim();
  const min = /^>=\s*(\d+\.\d+\.\d+)$/.exec(range ?? "")?.[1];
  if (!min) problems.push(`azure.yaml: requiredVersions.azd is ${range ?? "unset"}, must be ">= ${MIN_AZD}" or later`);
  else if (!atLeast(min, MIN_AZD)) problems.push(`azure.yaml: requiredVersions.azd allows ${min}, before ${MIN_AZD}`);
  // azd 1.23.12+ refuses remoteBuild: false when .funcignore drops node_modules (service_target_functionapp.go).
  if (/^\/?node_modules\/?$/m.test(files.get(".funcignore") ?? ""))
    problems.push(".funcignore excludes node_modules, which azd refuses with remoteBuild: false");
  return problems;
}

/** The system topic carries PullGuard's identity and the event subscription dead-letters with it. */
export function checkDeadLetterIdentity(files: BicepFiles): string[] {
  const problems: string[] = [];
  const topicPath = "infra/app/system-topic.bicep";
  const topic = resources(get(files, topicPath)).find((r) => r.resourceType === "Microsoft.EventGrid/systemTopics");
  const topicBody = objectBody(topic?.value ?? "");
  if (propertyAt(topicBody, ["identity", "type"]) !== "'UserAssigned'")
    problems.push(`${topicPath}: the topic has no user-assigned identity`);
  if (!/'\$\{identityId\}':\s*\{\}/.test(propertyAt(topicBody, ["identity", "userAssignedIdentities"]) ?? ""))
    problems.push(`${topicPath}: the topic's identity is not param identityId`);

  const subPath = "infra/app/event-subscription.bicep";
  const sub = resources(get(files, subPath)).find(
    (r) => r.resourceType === "Microsoft.EventGrid/systemTopics/eventSubscriptions",
  );
  const body = objectBody(sub?.value ?? "");
  if (propertyAt(body, ["properties", "deadLetterDestination"]) !== null)
    problems.push(
      `${subPath}: deadLetterDestination uses Event Grid's identity, which a shared-key-less account refuses`,
    );
  const withIdentity = ["properties", "deadLetterWithResourceIdentity"];
  if (propertyAt(body, [...withIdentity, "identity", "type"]) !== "'UserAssigned'")
    problems.push(`${subPath}: dead-lettering does not use the topic's user-assigned identity`);
  if (propertyAt(body, [...withIdentity, "identity", "userAssignedIdentity"]) !== "deadLetterIdentityId")
    problems.push(`${subPath}: the dead-letter identity is not param deadLetterIdentityId`);

  // The same identity flows from main.bicep to the topic and, through the hook, to the event subscription.
  const wiring: Array<[string, string, string]> = [
    ["infra/main.bicep", "app/watch-subscription.bicep", "identityId: identity.outputs.id"],
    ["infra/app/watch-subscription.bicep", "system-topic.bicep", "identityId: identityId"],
    ["infra/events.bicep", "app/event-subscription.bicep", "deadLetterIdentityId: identityResourceId"],
  ];
  for (const [path, target, line] of wiring) {
    const module = declarations(get(files, path)).find((d) => d.kind === "module" && d.type === target);
    if (!module?.value.includes(line)) problems.push(`${path}: module ${target} does not pass ${line}`);
  }
  if (!/^output PULLGUARD_IDENTITY_RESOURCE_ID string = identity\.outputs\.id$/m.test(get(files, "infra/main.bicep")))
    problems.push("infra/main.bicep: no output PULLGUARD_IDENTITY_RESOURCE_ID = identity.outputs.id");
  if (
    !(files.get("infra/hooks/postdeploy.sh") ?? "").includes(
      '"identityResourceId": { "value": "$PULLGUARD_IDENTITY_RESOURCE_ID" }',
    )
  )
    problems.push("infra/hooks/postdeploy.sh does not pass identityResourceId");
  return problems;
}

/** The name a Bicep expression in `path` gives for one environment name. */
export function evaluateName(files: BicepFiles, path: string, expr: string, environmentName: string): string {
  const value = evaluateBicep(expr, { path, files, bindings: { environmentName } });
  if (typeof value !== "string") throw new Error(`${expr} is not a string`);
  return value;
}

/** Environment names azd accepts (^[a-zA-Z0-9-\(\)_\.]{1,64}$) that are not Event Grid names. */
export const AZD_ENVIRONMENT_NAMES = ["dev", "team_a.prod", "pr(42)", "x".repeat(64), "a-b_c.d(e)"];
const EVENT_GRID_NAME = /^[A-Za-z0-9-]{3,64}$/;
const SYSTEM_TOPIC_NAME = /^[A-Za-z0-9-]{3,128}$/;

/** The event subscription and topic names are valid for every azd environment name; predown derives the same. */
export function checkEventGridNames(files: BicepFiles): string[] {
  const problems: string[] = [];
  const events = get(files, "infra/events.bicep");
  const module = declarations(events).find((d) => d.kind === "module" && d.type === "app/event-subscription.bicep");
  const nameExpr =
    propertyAt(propertyAt(objectBody(module?.value.replace(/^\[\s*for[^:]*:/, "") ?? ""), ["params"]) ?? "{}", [
      "name",
    ]) ?? "";
  const watch = get(files, "infra/app/watch-subscription.bicep");
  const topicModule = declarations(watch).find((d) => d.kind === "module" && d.type === "system-topic.bicep");
  const topicExpr =
    propertyAt(propertyAt(objectBody(topicModule?.value.replace(/^if\s*\([^)]*\)\s*/, "") ?? ""), ["params"]) ?? "{}", [
      "name",
    ]) ?? "";
  const predown = /^event_subscription="(.*)"$/m.exec(files.get("infra/hooks/predown.sh") ?? "")?.[1];
  for (const environmentName of AZD_ENVIRONMENT_NAMES) {
    let name: string;
    let topic: string;
    try {
      name = evaluateName(files, "infra/events.bicep", nameExpr, environmentName);
      topic = evaluateName(files, "infra/app/watch-subscription.bicep", topicExpr, environmentName);
    } catch (error) {
      problems.push(`the Event Grid names cannot be evaluated: ${(error as Error).message}`);
      break;
    }
    if (!EVENT_GRID_NAME.test(name))
      problems.push(`infra/events.bicep: environment "${environmentName}" gives event subscription name "${name}"`);
    if (!SYSTEM_TOPIC_NAME.test(topic))
      problems.push(`infra/app/watch-subscription.bicep: environment "${environmentName}" gives topic name "${topic}"`);
    if (predown === undefined) {
      problems.push("infra/hooks/predown.sh: no event_subscription=... line");
      break;
    }
    // The hook's own pipeline, run by sh, must name the same subscription the template created.
    const derived = execFileSync("sh", ["-c", `printf '%s' "${predown}"`], {
      env: { PATH: process.env.PATH ?? "", AZURE_ENV_NAME: environmentName },
      encoding: "utf8",
    });
    if (derived !== name)
      problems.push(
        `infra/hooks/predown.sh: environment "${environmentName}" deletes "${derived}", events.bicep created "${name}"`,
      );
  }
  return problems;
}

/** Flex Consumption's floor for the maximum instance count is 1 (40 was the preview's). */
export function checkInstanceFloor(files: BicepFiles): string[] {
  const problems: string[] = [];
  for (const path of ["infra/main.bicep", "infra/app/function-app.bicep"]) {
    const param = declarations(get(files, path)).find((d) => d.kind === "param" && d.name === "maximumInstanceCount");
    const min = param?.decorators.find((d) => d.startsWith("@minValue("));
    if (min !== "@minValue(1)")
      problems.push(`${path}: maximumInstanceCount is ${min ?? "unbounded below"}, must be @minValue(1)`);
    const max = param?.decorators.find((d) => d.startsWith("@maxValue("));
    if (max !== "@maxValue(1000)")
      problems.push(`${path}: maximumInstanceCount is ${max ?? "unbounded above"}, must be @maxValue(1000)`);
  }
  return problems;
}

/**
 * A nested deployment at subscription scope is named uniquely per subscription: its name must carry the environment,
 * or two environments deployed to one subscription overwrite each other's deployment (and race).
 */
export function checkDeploymentNames(files: BicepFiles): string[] {
  const problems: string[] = [];
  for (const path of [...files.keys()].filter((p) => p.endsWith(".bicep")).sort()) {
    const source = get(files, path);
    const subscriptionScoped = /^targetScope\s*=\s*'subscription'/m.test(stripComments(source));
    for (const m of declarations(source).filter((d) => d.kind === "module")) {
      const body = objectBody(m.value.replace(/^\[\s*for[^:]*:/, "").replace(/^if\s*\([^)]*\)\s*/, ""));
      const scope = propertyAt(body, ["scope"]);
      const atSubscription = scope === null ? subscriptionScoped : /^subscription\(/.test(scope);
      if (!atSubscription) continue;
      const name = propertyAt(body, ["name"]) ?? "";
      if (!/\benvironmentName\b/.test(name))
        problems.push(`${path}: module ${m.name} deploys at subscription scope as ${name}, without the environment`);
    }
  }
  return problems;
}

/** The documented "Constrain roles and principal types" template, filled in (delegate-role-assignments-examples). */
export function constrainRolesCondition(roleIds: readonly string[], principalTypes: readonly string[]): string {
  const roles = roleIds.join(", ");
  const types = principalTypes.map((t) => `'${t}'`).join(", ");
  const clause = (action: string, source: string) =>
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})) OR (@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${roles}} AND @${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {${types}}))`;
  return `${clause("write", "Request")} AND ${clause("delete", "Resource")}`;
}

/** The RBAC Administrator's condition is exactly the documented form for AcrPull and Repository Reader. */
export function checkConditionForm(files: BicepFiles): string[] {
  const path = "infra/app/roles-subscription.bicep";
  const source = get(files, path);
  const table = JSON.parse(get(files, "infra/roles.json")) as Record<string, string>;
  const assignment = resources(source).find((r) => r.name === "rbacAdministrator");
  const expr = propertyAt(objectBody(assignment?.value.replace(/^if\s*\([^)]*\)\s*/, "") ?? ""), [
    "properties",
    "condition",
  ]);
  if (expr === null) return [`${path}: rbacAdministrator has no condition`];
  const actual = resolveString(expr, stringScope(source, { roles: table })).replace(/\s+/g, " ");
  const expected = constrainRolesCondition(
    [table.AcrPull ?? "", table.ContainerRegistryRepositoryReader ?? ""],
    ["ServicePrincipal"],
  );
  return actual === expected
    ? []
    : [
        `${path}: the condition is not the documented "constrain roles and principal types" form:\n  ${actual}\nexpected\n  ${expected}`,
      ];
}

/** The postdeploy hook proves the wiring with `pullguard doctor` once events.bicep is deployed, without failing azd. */
export function checkPostdeployDoctor(files: BicepFiles): string[] {
  const problems: string[] = [];
  const hook = files.get("infra/hooks/postdeploy.sh") ?? "";
  const deploy = hook.indexOf("az deployment sub create");
  const doctor = hook.search(/bin\/pullguard\.js" doctor --function-app "\$PULLGUARD_FUNCTION_APP_ID"/);
  if (doctor < 0) problems.push("infra/hooks/postdeploy.sh does not run pullguard doctor on PULLGUARD_FUNCTION_APP_ID");
  else if (doctor < deploy)
    problems.push("infra/hooks/postdeploy.sh runs pullguard doctor before events.bicep is deployed");
  const after = hook.slice(Math.max(doctor, 0));
  if (
    !/set \+e\n/.test(hook.slice(0, Math.max(doctor, 0)).split("\n").slice(-3).join("\n") + "\n") ||
    !/\nexit 0\n?$/.test(after)
  )
    problems.push("infra/hooks/postdeploy.sh lets pullguard doctor's exit code fail the deploy");
  return problems;
}
