/**
 * Validates an on-demand check request (HTTP trigger): either route parameters
 * `apps/{subscriptionId}/{resourceGroup}/{name}` (v2: `jobs/...` for a job) or a JSON body
 * `{ "resourceId": "...", "fix": false }` naming a container app or (v2, cli.md) a container apps job.
 * Everything is checked before any ARM call; a bad request gets a message that shows what was expected.
 */
import { z } from "zod";
import { type WorkloadKind, workloadIdOf, workloadNoun } from "../resource-id.js";
import { plainResourceIdSegments } from "./arm-event.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Resource group names: 1-90 of letters, digits, underscores, hyphens, periods and parentheses, not ending in a period. */
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
/**
 * Container app and job names: lower-case letters, digits and hyphens, starting with a letter, at most 32 characters
 * (the same rule for both: PSRule for Azure, rules Azure.ContainerApp.Name and Azure.ContainerApp.JobNaming).
 */
const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/;

export type CheckRequestReading =
  | { outcome: "ok"; appId: string; kind: WorkloadKind; subscriptionId: string; fix: boolean }
  | { outcome: "invalid"; message: string };

const PROVIDER_TYPE: Record<WorkloadKind, string> = { app: "containerApps", job: "jobs" };

function fromParts(
  kind: WorkloadKind,
  subscriptionId: string,
  resourceGroup: string,
  name: string,
  fix: boolean,
): CheckRequestReading {
  if (!GUID.test(subscriptionId)) {
    return {
      outcome: "invalid",
      message: `subscription ID ${JSON.stringify(subscriptionId.slice(0, 80))} is not a GUID; expected 8-4-4-4-12 hex digits, e.g. 3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11`,
    };
  }
  if (!RESOURCE_GROUP.test(resourceGroup)) {
    return {
      outcome: "invalid",
      message: `resource group ${JSON.stringify(resourceGroup.slice(0, 100))} is not a valid name; expected 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'`,
    };
  }
  if (!APP_NAME.test(name)) {
    return {
      outcome: "invalid",
      message: `${workloadNoun(kind)} name ${JSON.stringify(name.slice(0, 80))} is not valid; expected 1-32 lower-case letters, digits and '-', starting with a letter`,
    };
  }
  const sub = subscriptionId.toLowerCase();
  return {
    outcome: "ok",
    appId: `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers/Microsoft.App/${PROVIDER_TYPE[kind]}/${name}`,
    kind,
    subscriptionId: sub,
    fix,
  };
}

/** The route of a container app (`/api/apps/...`, the default) or of a job (`/api/jobs/...`). */
export function readCheckRoute(
  params: { subscriptionId?: string; resourceGroup?: string; name?: string },
  kind: WorkloadKind = "app",
): CheckRequestReading {
  const { subscriptionId, resourceGroup, name } = params;
  if (!subscriptionId || !resourceGroup || !name) {
    return {
      outcome: "invalid",
      message:
        kind === "job"
          ? "expected the path /api/jobs/{subscriptionId}/{resourceGroup}/{jobName}"
          : "expected the path /api/apps/{subscriptionId}/{resourceGroup}/{containerAppName}",
    };
  }
  return fromParts(kind, subscriptionId, resourceGroup, name, false);
}

const body = z.strictObject({ resourceId: z.string().min(1).max(1024), fix: z.boolean().optional() });

export function readCheckBody(input: unknown): CheckRequestReading {
  const parsed = body.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      outcome: "invalid",
      message: `expected a JSON body {"resourceId": "<container app or job resource ID>", "fix": false}: ${
        issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "unreadable"
      }`,
    };
  }
  const { resourceId, fix } = parsed.data;
  const parts = plainResourceIdSegments(resourceId) ? workloadIdOf(resourceId) : null;
  if (!parts) {
    return {
      outcome: "invalid",
      message: `resourceId ${JSON.stringify(resourceId.slice(0, 200))} is not a container app or job ID; expected /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.App/containerApps/{name} or .../providers/Microsoft.App/jobs/{name}`,
    };
  }
  return fromParts(parts.kind, parts.subscriptionId, parts.resourceGroup, parts.name, fix ?? false);
}
