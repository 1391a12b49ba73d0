/** Validation of the CLI's own options, with messages that name the flag and what it expects. */
import { UsageError } from "../errors.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const APP_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.App\/containerApps\/([a-z][a-z0-9-]{0,31})$/i;

export function appIdArgument(value: unknown): string {
  const text = typeof value === "string" ? value.trim() : "";
  const match = APP_ID.exec(text);
  if (!match || !GUID.test(match[1] ?? "") || /\/\.\.?\//.test(text)) {
    throw new UsageError(
      `${JSON.stringify(text || String(value))} is not a container app resource ID; expected ` +
        "/subscriptions/<subscription-guid>/resourceGroups/<group>/providers/Microsoft.App/containerApps/<name> " +
        "(az containerapp show -n <name> -g <group> --query id -o tsv)",
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
