/**
 * The pull-failure alert: ONE rule per workspace whose query reads both system-log tables (union isfuzzy=true, columns
 * normalised) with the terms of src/core/pull-failure-terms.json, split so that each alert names one app; and the
 * action group that posts it to onPullFailureAlert. The query is evaluated as Bicep builds it (bicep-eval.ts) and its
 * predicate run on rows of either table (kql-where.ts).
 */

import {
  arrayItems,
  type BicepFiles,
  declarations,
  objectBody,
  propertyAt,
  resources,
  stringLiteral,
  stripComments,
} from "./bicep.js";
import { type BicepValue, evaluateBicep } from "./bicep-eval.js";
import type { EventFacts } from "./checks.js";
import { matches, parseWhere, type Row } from "./kql-where.js";

export const RULES = "infra/app/pull-failure-alert-rules.bicep";
export const TERMS = "src/core/pull-failure-terms.json";
const TERMS_FROM_RULES = "../../src/core/pull-failure-terms.json";

export interface PullFailureTerms {
  systemLogReasons: string[];
  terminatedReason: { reason: string; logContains: string };
  systemLogTexts: string[];
}

/** Each leg's source columns, by the normalised name the query gives them. */
const LEGS: Record<string, Record<string, string>> = {
  ContainerAppSystemLogs: {
    ResourceId: "_ResourceId",
    EnvironmentName: "EnvironmentName",
    ContainerAppName: "ContainerAppName",
    RevisionName: "RevisionName",
    Reason: "Reason",
    Log: "Log",
  },
  ContainerAppSystemLogs_CL: {
    ResourceId: "_ResourceId",
    EnvironmentName: "EnvironmentName_s",
    ContainerAppName: "ContainerAppName_s",
    RevisionName: "RevisionName_s",
    Reason: "Reason_s",
    Log: "Log_s",
  },
};

function get(files: BicepFiles, path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`missing ${path}`);
  return text;
}

/** The query the rule sends, evaluated as Bicep builds it. */
export function alertQuery(files: BicepFiles): string {
  const rule = resources(get(files, RULES)).find((r) => r.resourceType === "Microsoft.Insights/scheduledQueryRules");
  const criterion = arrayItems(propertyAt(objectBody(rule?.value ?? ""), ["properties", "criteria", "allOf"]) ?? "")[0];
  const value: BicepValue = evaluateBicep(propertyAt(criterion ?? "{}", ["query"]) ?? "''", {
    path: RULES,
    files,
    bindings: {},
  });
  if (typeof value !== "string") throw new Error("the query is not a string");
  return value;
}

/** The legs of `union isfuzzy=true (A | project ...), (B | project ...)`: table → normalised name → source column. */
function legs(query: string): Map<string, Record<string, string>> {
  const found = new Map<string, Record<string, string>>();
  for (const start of query.matchAll(/\(\s*(\w+)\s*\|\s*project\b/g)) {
    let depth = 0;
    let end = start.index;
    for (; end < query.length; end++) {
      if (query[end] === "(") depth++;
      if (query[end] === ")" && --depth === 0) break;
    }
    const columns: Record<string, string> = {};
    for (const c of query
      .slice(start.index, end)
      .matchAll(/(\w+)\s*=\s*tostring\(column_ifexists\("(\w+)",\s*""\)\)/g)) {
      columns[c[1] ?? ""] = c[2] ?? "";
    }
    found.set(start[1] ?? "", columns);
  }
  return found;
}

/** Rows of each table that say "pull failure", one per term, and rows that must not fire. */
function sampleRows(terms: PullFailureTerms): { failures: Row[]; others: Row[] } {
  const failures: Row[] = [
    ...terms.systemLogReasons.map((reason) => ({ Reason: reason, Log: "" })),
    {
      Reason: terms.terminatedReason.reason,
      Log: `Container 'app' was terminated with exit code '' and ${terms.terminatedReason.logContains}`,
    },
    ...terms.systemLogTexts.map((text) => ({ Reason: "", Log: `${text} "shopacr.azurecr.io/orders:1.4"` })),
  ];
  const others: Row[] = [
    {
      Reason: "ContainerTerminated",
      Log: "Container 'app' was terminated with exit code '1' and reason 'ProcessExited'",
    },
    { Reason: "BackOff", Log: "Back-off restarting failed container (CrashLoopBackOff)" },
    { Reason: "PullingImage", Log: 'Pulling image "shopacr.azurecr.io/orders:1.4"' },
  ];
  return { failures, others };
}

/** The one rule, unconditional, reading both tables with the one list of terms. */
export function checkAlertQuery(files: BicepFiles): string[] {
  const problems: string[] = [];
  const source = get(files, RULES);
  const rules = resources(source).filter((r) => r.resourceType === "Microsoft.Insights/scheduledQueryRules");
  if (rules.length !== 1) problems.push(`${RULES}: ${rules.length} alert rules, must be one reading both tables`);
  if (rules.some((r) => /^(if\s*\(|\[\s*for\b)/.test(r.value.trim())))
    problems.push(`${RULES}: the alert rule is conditional: it must always be created`);
  const termsVar = declarations(source).find((d) => d.kind === "var" && /loadJsonContent\(/.test(d.value));
  if (termsVar?.value.trim() !== `loadJsonContent('${TERMS_FROM_RULES}')`)
    problems.push(`${RULES}: the terms are not loaded from ${TERMS} (the one list)`);
  const terms = JSON.parse(get(files, TERMS)) as PullFailureTerms;
  const code = stripComments(source);
  for (const term of [...terms.systemLogReasons, ...terms.systemLogTexts]) {
    if (code.includes(term)) problems.push(`${RULES}: "${term}" is written into the template: take it from ${TERMS}`);
  }

  let query: string;
  try {
    query = alertQuery(files);
  } catch (error) {
    return [...problems, `${RULES}: the query cannot be evaluated: ${(error as Error).message}`];
  }
  if (!/^\s*union isfuzzy=true\b/.test(query))
    problems.push(`${RULES}: the query does not start with union isfuzzy=true (a missing table would fail the rule)`);
  // isfuzzy errors when no leg resolves: an empty datatable with the normalised columns always does.
  const datatable = /\(datatable\(([^)]*)\)\s*\[\s*\]\)/.exec(query)?.[1] ?? "";
  const declared = datatable.split(",").map((c) => c.split(":")[0]?.trim());
  if (Object.keys(LEGS.ContainerAppSystemLogs ?? {}).join(",") !== declared.join(","))
    problems.push(
      `${RULES}: no empty datatable leg with the normalised columns (a workspace with neither table fails the rule)`,
    );
  const found = legs(query);
  for (const [table, columns] of Object.entries(LEGS)) {
    const leg = found.get(table);
    if (!leg) {
      problems.push(`${RULES}: the query does not read ${table}`);
      continue;
    }
    for (const [name, column] of Object.entries(columns)) {
      if (leg[name] !== column)
        problems.push(`${RULES}: ${table} leg gives ${name} from ${leg[name] ?? "nothing"}, must be ${column}`);
    }
  }

  const where = /\n\|\s*where\s+([\s\S]*?)\n\|/.exec(query)?.[1] ?? "";
  let predicate: ReturnType<typeof parseWhere>;
  try {
    predicate = parseWhere(where);
  } catch (error) {
    return [...problems, `${RULES}: the where clause cannot be read: ${(error as Error).message}`];
  }
  const { failures, others } = sampleRows(terms);
  for (const row of failures) {
    if (!matches(predicate, row))
      problems.push(`${RULES}: a row with Reason "${row.Reason}" and Log "${row.Log}" does not fire the alert`);
  }
  for (const row of others) {
    if (matches(predicate, row))
      problems.push(`${RULES}: a row with Reason "${row.Reason}" and Log "${row.Log}" fires`);
  }
  return problems;
}

/** The rule splits so that every alert names app and environment, scoped to the workspace, calling the group. */
export function checkAlertSplit(files: BicepFiles, facts: EventFacts): string[] {
  const problems: string[] = [];
  const rule = resources(get(files, RULES)).find((r) => r.resourceType === "Microsoft.Insights/scheduledQueryRules");
  const body = objectBody(rule?.value ?? "");
  const criterion = arrayItems(propertyAt(body, ["properties", "criteria", "allOf"]) ?? "")[0] ?? "{}";
  const dims = arrayItems(propertyAt(criterion, ["dimensions"]) ?? "").map(
    (d) => stringLiteral(propertyAt(d, ["name"]) ?? "") ?? "",
  );
  const resourceIdColumn = stringLiteral(propertyAt(criterion, ["resourceIdColumn"]) ?? "");
  let query = "";
  try {
    query = alertQuery(files);
  } catch {
    /* checkAlertQuery reports it */
  }
  const groupedBy = (/summarize[^\n]*\bby\b([^\n]*)/.exec(query)?.[1] ?? "")
    .split(",")
    .map((c) => c.trim().split(/\s*=/)[0]);
  for (const column of [...dims, ...(resourceIdColumn ? [resourceIdColumn] : [])]) {
    if (!groupedBy.includes(column)) problems.push(`${RULES}: splits by ${column}, which the query does not return`);
  }
  // What the alert function receives from each table: the resource-specific one has the environment's ID, the
  // legacy one may have only its name.
  const environmentId =
    "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourcegroups/rg-shop/providers/microsoft.app/managedenvironments/env-shop";
  for (const [table, resourceId] of [
    ["ContainerAppSystemLogs", environmentId],
    ["ContainerAppSystemLogs_CL", ""],
  ]) {
    const sample: Record<string, string> = {
      _ResourceId: resourceId ?? "",
      EnvironmentName: "env-shop",
      ContainerAppName: "orders-api",
      RevisionName: "orders-api--v42",
    };
    const alert = {
      schemaId: "azureMonitorCommonAlertSchema",
      data: {
        // As a Log Alerts V2 rule's alert says (test/fixtures/alerts/test-action-log-v2.json).
        essentials: {
          alertRule: "pullguard-image-pull-failures",
          signalType: "Log",
          monitoringService: "Log Alerts V2",
          monitorCondition: "Fired",
        },
        alertContext: {
          conditionType: "LogQueryCriteria",
          condition: { allOf: [{ dimensions: dims.map((name) => ({ name, value: sample[name] ?? "x" })) }] },
        },
      },
    };
    const reading = facts.readAlert(alert);
    if (reading.outcome !== "look" || reading.alert?.appName !== "orders-api" || !reading.alert?.environment) {
      problems.push(`${RULES}: an alert from ${table} split by (${dims.join(", ")}) does not name app and environment`);
    }
  }
  if (!/\bactionGroupId\b/.test(propertyAt(body, ["properties", "actions", "actionGroups"]) ?? ""))
    problems.push(`${RULES}: the rule does not call the action group`);
  if (!propertyAt(body, ["properties", "scopes"])?.includes("workspaceId"))
    problems.push(`${RULES}: not scoped to the workspace`);
  if (propertyAt(body, ["properties", "enabled"]) !== "true") problems.push(`${RULES}: the rule is not enabled`);
  return problems;
}

/** The action group posts the common alert schema to onPullFailureAlert, with a function key. */
export function checkActionGroup(files: BicepFiles, facts: EventFacts): string[] {
  const problems: string[] = [];
  const groupPath = "infra/app/pull-failure-alerts.bicep";
  const group = resources(get(files, groupPath)).find((r) => r.resourceType === "Microsoft.Insights/actionGroups");
  const receiver =
    arrayItems(propertyAt(objectBody(group?.value ?? ""), ["properties", "webhookReceivers"]) ?? "")[0] ?? "{}";
  if (propertyAt(receiver, ["useCommonAlertSchema"]) !== "true")
    problems.push(`${groupPath}: the webhook does not use the common alert schema`);
  const uri = propertyAt(receiver, ["serviceUri"]) ?? "";
  const http = [...facts.functionSources.values()].join("\n");
  const registration = /app\.http\("onPullFailureAlert",\s*\{([^}]*)\}/.exec(http)?.[1] ?? "";
  const route = /route:\s*"([^"]+)"/.exec(registration)?.[1];
  if (!route || !uri.includes(`/api/${route}?code=`))
    problems.push(`${groupPath}: the webhook does not call /api/${route} with a code`);
  if (!/authLevel:\s*"function"/.test(registration))
    problems.push("src/functions: onPullFailureAlert is not authLevel function");
  if (!/listKeys\(/.test(uri)) problems.push(`${groupPath}: the function key is not read with listKeys`);
  return problems;
}
