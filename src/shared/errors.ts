/** Refusals the front doors map to their own answers (HTTP 404/403, CLI exit 1 with a next step). */
import { workloadIdOf, workloadNounOfId } from "../core/resource-id.js";

/** "container app <id>" or "job <id>": what a workload ID names, for messages (an ID of another shape: "container app"). */
export function workloadLabel(id: string): string {
  return `${workloadNounOfId(id)} ${id}`;
}

/**
 * The command that shows the workload, for a person to check the ID with. `az containerapp job show` takes
 * --name/--resource-group (Azure/azure-cli, src/azure-cli/azure/cli/command_modules/containerapp/commands.py,
 * group `containerapp job`: `show` → show_containerappsjob).
 */
function showCommand(id: string): string {
  const at = workloadIdOf(id);
  if (at?.kind === "job") return `az containerapp job show --name ${at.name} --resource-group ${at.resourceGroup}`;
  return `az containerapp show --ids ${id}`;
}

export class AppNotFoundError extends Error {
  override name = "AppNotFoundError";
  constructor(readonly appId: string) {
    super(
      `${workloadLabel(appId)} was not found; check the subscription, resource group and name (${showCommand(appId)})`,
    );
  }
}

export class InvalidAppIdError extends Error {
  override name = "InvalidAppIdError";
  constructor(readonly appId: string) {
    super(
      `${JSON.stringify(appId)} is not a container app or job resource ID; expected ` +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.App/containerApps/<name> " +
        "(az containerapp show -n <name> -g <group> --query id -o tsv) or " +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.App/jobs/<name> " +
        "(az containerapp job show -n <name> -g <group> --query id -o tsv)",
    );
  }
}

export class OutsideAllowlistError extends Error {
  override name = "OutsideAllowlistError";
  constructor(
    readonly resourceId: string,
    readonly allowedScopes: readonly string[],
  ) {
    super(
      `${resourceId} is outside the scopes PullGuard may act on (${allowedScopes.join(", ") || "none configured"}); add its subscription or resource group to PULLGUARD_ALLOWED_SCOPES or PULLGUARD_SUBSCRIPTIONS`,
    );
  }
}
