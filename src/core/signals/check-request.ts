/**
 * Validates an on-demand check request (HTTP trigger): either route parameters
 * `apps/{subscriptionId}/{resourceGroup}/{name}` or a JSON body `{ "resourceId": "...", "fix": false }`.
 * Everything is checked before any ARM call; a bad request gets a message that shows what was expected.
 */
import { z } from "zod";
import { containerAppIdOf } from "../resource-id.js";
import { plainResourceIdSegments } from "./arm-event.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Resource group names: 1-90 of letters, digits, underscores, hyphens, periods and parentheses, not ending in a period. */
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
/** Container app names: lower-case letters, digits and hyphens, starting with a letter, at most 32 characters. */
const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/;

export type CheckRequestReading =
  | { outcome: "ok"; appId: string; subscriptionId: string; fix: boolean }
  | { outcome: "invalid"; message: string };

function fromParts(subscriptionId: string, resourceGroup: string, name: string, fix: boolean): CheckRequestReading {
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
      message: `container app name ${JSON.stringify(name.slice(0, 80))} is not valid; expected 1-32 lower-case letters, digits and '-', starting with a letter`,
    };
  }
  const sub = subscriptionId.toLowerCase();
  return {
    outcome: "ok",
    appId: `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers/Microsoft.App/containerApps/${name}`,
    subscriptionId: sub,
    fix,
  };
}

export function readCheckRoute(params: {
  subscriptionId?: string;
  resourceGroup?: string;
  name?: string;
}): CheckRequestReading {
  const { subscriptionId, resourceGroup, name } = params;
  if (!subscriptionId || !resourceGroup || !name) {
    return {
      outcome: "invalid",
      message: "expected the path /api/apps/{subscriptionId}/{resourceGroup}/{containerAppName}",
    };
  }
  return fromParts(subscriptionId, resourceGroup, name, false);
}

const body = z.strictObject({ resourceId: z.string().min(1).max(1024), fix: z.boolean().optional() });

export function readCheckBody(input: unknown): CheckRequestReading {
  const parsed = body.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      outcome: "invalid",
      message: `expected a JSON body {"resourceId": "<container app resource ID>", "fix": false}: ${
        issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "unreadable"
      }`,
    };
  }
  const { resourceId, fix } = parsed.data;
  const parts = plainResourceIdSegments(resourceId) ? containerAppIdOf(resourceId) : null;
  if (!parts) {
    return {
      outcome: "invalid",
      message: `resourceId ${JSON.stringify(resourceId.slice(0, 200))} is not a container app ID; expected /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.App/containerApps/{name}`,
    };
  }
  return fromParts(parts.subscriptionId, parts.resourceGroup, parts.name, fix ?? false);
}
