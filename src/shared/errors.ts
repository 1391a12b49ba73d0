/** Refusals the front doors map to their own answers (HTTP 404/403, CLI exit 1 with a next step). */

export class AppNotFoundError extends Error {
  override name = "AppNotFoundError";
  constructor(readonly appId: string) {
    super(
      `container app ${appId} was not found; check the subscription, resource group and name (az containerapp show --ids ${appId})`,
    );
  }
}

export class InvalidAppIdError extends Error {
  override name = "InvalidAppIdError";
  constructor(readonly appId: string) {
    super(
      `${JSON.stringify(appId)} is not a container app resource ID; expected ` +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.App/containerApps/<name> " +
        "(az containerapp show -n <name> -g <group> --query id -o tsv)",
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
