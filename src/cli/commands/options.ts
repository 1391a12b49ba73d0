/** Validation of the CLI's own options, with messages that name the flag and what it expects. */
import { workloadIdOf } from "../../core/resource-id.js";
import { UsageError } from "../errors.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Resource group names: 1-90 letters, digits, '_', '-', '.', '(' or ')'. */
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/;
/**
 * Container app and job names (the same rule: PSRule for Azure, Azure.ContainerApp.Name and
 * Azure.ContainerApp.JobNaming): a letter, then up to 31 letters, digits and hyphens.
 */
const APP_NAME = /^[a-z][a-z0-9-]{0,31}$/i;

/** A workload ID (v2, cli.md): a container app's or a container apps job's resource ID. */
export function appIdArgument(value: unknown): string {
  const text = typeof value === "string" ? value.trim() : "";
  const parts = workloadIdOf(text);
  const valid =
    parts !== null &&
    GUID.test(parts.subscriptionId) &&
    RESOURCE_GROUP.test(parts.resourceGroup) &&
    APP_NAME.test(parts.name) &&
    !/\/\.\.?\//.test(text);
  if (!valid) {
    throw new UsageError(
      `${JSON.stringify(text || String(value))} is not a container app or job resource ID; expected ` +
        "/subscriptions/<subscription-guid>/resourceGroups/<group>/providers/Microsoft.App/containerApps/<name> " +
        "(az containerapp show -n <name> -g <group> --query id -o tsv) or " +
        "/subscriptions/<subscription-guid>/resourceGroups/<group>/providers/Microsoft.App/jobs/<name> " +
        "(az containerapp job show -n <name> -g <group> --query id -o tsv)",
    );
  }
  return text;
}

export function subscriptionOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!GUID.test(text)) {
    throw new UsageError(
      `--subscription ${JSON.stringify(text)} is not a subscription ID; expected 8-4-4-4-12 hex digits`,
    );
  }
  return text.toLowerCase();
}

export function stringOption(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export function flag(value: unknown): boolean {
  return value === true;
}
