/**
 * Reads an Azure Monitor log-search alert in the common alert schema (spec/events.md) that fired on image
 * pull failures, and says which app to look at.
 *
 * The system logs are recorded against the managed environment, so the alert names the environment (in a
 * `_ResourceId` dimension, `alertTargetIDs` or `configurationItems`, often lower-cased) and the app by name
 * (`ContainerAppName_s` / `ContainerAppName`). The `ContainerAppSystemLogs_CL` table may lack `_ResourceId`: then the
 * rule splits by `EnvironmentName_s`.
 *
 * Example: dimensions `_ResourceId=/subscriptions/s/resourcegroups/rg-shop/providers/microsoft.app/managedenvironments/env-shop`
 * and `ContainerAppName_s=orders-api` → `{ environment: { id: ".../env-shop" }, appName: "orders-api" }`.
 */
import { z } from "zod";
import { plainResourceIdSegments } from "./arm-event.js";

const dimension = z.looseObject({ name: z.string().max(256), value: z.string().max(1024) });

const alert = z.looseObject({
  schemaId: z.literal("azureMonitorCommonAlertSchema"),
  data: z.looseObject({
    essentials: z.looseObject({
      alertId: z.string().max(1024).optional(),
      alertRule: z.string().max(512).optional(),
      monitorCondition: z.enum(["Fired", "Resolved"]),
      firedDateTime: z.string().max(64).optional(),
      resolvedDateTime: z.string().max(64).optional(),
      alertTargetIDs: z.array(z.string().max(1024)).max(100).optional(),
      configurationItems: z.array(z.string().max(1024)).max(100).optional(),
    }),
    alertContext: z
      .looseObject({
        condition: z
          .looseObject({
            allOf: z
              .array(z.looseObject({ dimensions: z.array(dimension).max(50).optional() }))
              .max(20)
              .optional(),
          })
          .optional(),
      })
      .nullable()
      .optional(),
  }),
});

export interface PullFailureAlert {
  alertId: string | null;
  alertRule: string | null;
  monitorCondition: "Fired" | "Resolved";
  firedAt: string | null;
  /** The container app, when the alert names it by resource ID. */
  appId: string | null;
  /** The managed environment: its ID, or only its name when the table has no `_ResourceId`. */
  environment: { id: string } | { name: string } | null;
  /** The app's name inside that environment. */
  appName: string | null;
  revisionName: string | null;
}

export type AlertReading = { outcome: "look"; alert: PullFailureAlert } | { outcome: "reject"; reason: string };

const ENVIRONMENT_ID =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/managedenvironments\/[^/]+$/i;
const APP_ID = /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/containerapps\/[^/]+$/i;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/i;

function firstDimension(dimensions: Array<{ name: string; value: string }>, names: string[]): string | null {
  const wanted = names.map((n) => n.toLowerCase());
  return dimensions.find((d) => wanted.includes(d.name.toLowerCase()))?.value.trim() || null;
}

export function readPullFailureAlert(input: unknown): AlertReading {
  const parsed = alert.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      outcome: "reject",
      reason: `not a common-alert-schema alert (schemaId azureMonitorCommonAlertSchema, data.essentials.monitorCondition Fired|Resolved): ${
        issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "unreadable"
      }`,
    };
  }
  const { essentials, alertContext } = parsed.data.data;
  const dimensions = (alertContext?.condition?.allOf ?? []).flatMap((c) => c.dimensions ?? []);
  const candidates = [
    firstDimension(dimensions, ["_ResourceId"]),
    ...(essentials.configurationItems ?? []),
    ...(essentials.alertTargetIDs ?? []),
  ].filter((v): v is string => typeof v === "string" && plainResourceIdSegments(v) !== null);

  const appId = candidates.find((c) => APP_ID.test(c)) ?? null;
  const environmentId = candidates.find((c) => ENVIRONMENT_ID.test(c)) ?? null;
  const environmentName = firstDimension(dimensions, ["EnvironmentName_s", "EnvironmentName"]);
  const appName = firstDimension(dimensions, ["ContainerAppName_s", "ContainerAppName"]);
  const revisionName = firstDimension(dimensions, ["RevisionName_s", "RevisionName"]);

  if (appName !== null && !NAME.test(appName)) {
    return {
      outcome: "reject",
      reason: `dimension ContainerAppName_s ${JSON.stringify(appName.slice(0, 80))} is not a container app name`,
    };
  }
  if (environmentName !== null && !NAME.test(environmentName)) {
    return {
      outcome: "reject",
      reason: `dimension EnvironmentName_s ${JSON.stringify(environmentName.slice(0, 80))} is not an environment name`,
    };
  }
  if (appId === null && appName === null) {
    return {
      outcome: "reject",
      reason:
        "the alert does not name the app: split the alert rule by ContainerAppName_s (or ContainerAppName) and RevisionName_s, see docs/deploy.md",
    };
  }
  if (appId === null && environmentId === null && environmentName === null) {
    return {
      outcome: "reject",
      reason: "the alert does not name the managed environment: split the rule by _ResourceId (or EnvironmentName_s)",
    };
  }
  return {
    outcome: "look",
    alert: {
      alertId: essentials.alertId ?? null,
      alertRule: essentials.alertRule ?? null,
      monitorCondition: essentials.monitorCondition,
      firedAt: essentials.firedDateTime ?? null,
      appId,
      environment: environmentId ? { id: environmentId } : environmentName ? { name: environmentName } : null,
      appName,
      revisionName,
    },
  };
}
