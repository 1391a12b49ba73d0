/**
 * App Service "Web Apps - List Application Settings": POST <site>/config/appsettings/list answers the site's
 * Microsoft.Web/sites/config resource named appsettings ({ id, name, type, properties: { NAME: value } }), which a
 * world holds like any resource (azure-rest-api-specs, web/resource-manager/Microsoft.Web/stable/2024-04-01,
 * WebApps.json "WebApps_ListApplicationSettings"). The action it needs is Microsoft.Web/sites/config/list/action.
 */
import type { ArmContext, ArmRequest, ArmResponse } from "./arm.js";
import { callerMay } from "./rbac.js";
import { resourceKey } from "./state.js";

const LIST_ACTION = "Microsoft.Web/sites/config/list/action";

export function webConfigRoute(ctx: ArmContext, req: ArmRequest, path: string): ArmResponse | null {
  const m = /^(.*\/providers\/Microsoft\.Web\/sites\/[^/]+)\/config\/appsettings\/list$/i.exec(path);
  if (!m || req.method !== "POST") return null;
  const siteId = m[1] ?? "";
  if (!callerMay(ctx.state, req.caller, LIST_ACTION, siteId, ctx.clock.now())) {
    return {
      status: 403,
      body: {
        error: {
          code: "AuthorizationFailed",
          message: `The client '${req.caller}' does not have authorization to perform action '${LIST_ACTION}' over scope '${siteId}'.`,
        },
      },
    };
  }
  if (!ctx.state.resources.get(resourceKey(siteId))) {
    return {
      status: 404,
      body: {
        error: {
          code: "ResourceNotFound",
          message: `The Resource 'Microsoft.Web/sites/${siteId.split("/").pop()}' was not found.`,
        },
      },
    };
  }
  const config = ctx.state.resources.get(resourceKey(`${siteId}/config/appsettings`));
  return {
    status: 200,
    body: config ?? {
      id: `${siteId}/config/appsettings`,
      name: "appsettings",
      type: "Microsoft.Web/sites/config",
      properties: {},
    },
  };
}
