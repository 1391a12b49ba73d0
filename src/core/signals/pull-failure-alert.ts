/**
 * Reads an Azure Monitor alert in the common alert schema (spec/events.md) and says which workloads to look at.
 * Only a fired log search alert counts (alert-kind.ts); every other alert an action group posts is ignored with the
 * reason; a `null` field is read as absent (without-nulls.ts); at most MAX_ALERT_WORKLOADS workloads per alert.
 *
 * The system logs are recorded against the managed environment, so the alert names the environment (in a
 * `_ResourceId` dimension, `alertTargetIDs` or `configurationItems`, often lower-cased) and the app by name
 * (`ContainerAppName_s` / `ContainerAppName`; v2: a job by `JobName_s` / `JobName` too). The
 * `ContainerAppSystemLogs_CL` table may lack `_ResourceId`: then the rule splits by `EnvironmentName_s`.
 *
 * Example: dimensions `_ResourceId=/subscriptions/s/resourcegroups/rg-shop/providers/microsoft.app/managedenvironments/env-shop`
 * and `ContainerAppName_s=orders-api` → `{ environment: { id: ".../env-shop" }, appName: "orders-api" }`.
 */
import { z } from "zod";
import { alertKind } from "./alert-kind.js";
import { type AlertNames, type AlertWorkload, alertWorkloads, type NameValue, rowsAsSets } from "./alert-workloads.js";
import { withoutNulls } from "./without-nulls.js";

export { type AlertWorkload, MAX_ALERT_WORKLOADS } from "./alert-workloads.js";

const dimension = z.looseObject({ name: z.string().max(256), value: z.string().max(1024) });
const resourceIds = z.array(z.string().max(1024)).max(100);

const alert = z.looseObject({
  schemaId: z.literal("azureMonitorCommonAlertSchema"),
  data: z.looseObject({
    essentials: z.looseObject({
      alertId: z.string().max(1024).optional(),
      alertRule: z.string().max(512).optional(),
      signalType: z.string().max(64).optional(),
      monitoringService: z.string().max(128).optional(),
      monitorCondition: z.enum(["Fired", "Resolved"]),
      firedDateTime: z.string().max(64).optional(),
      alertTargetIDs: resourceIds.optional(),
      configurationItems: resourceIds.optional(),
    }),
    alertContext: z
      .looseObject({
        conditionType: z.string().max(128).optional(),
        condition: z
          .looseObject({
            allOf: z
              .array(z.looseObject({ dimensions: z.array(dimension).max(50).optional() }))
              .max(20)
              .optional(),
          })
          .optional(),
        // Log Alerts V1: the query, its dimensions and (when they fit in 256 KB) its results.
        SearchQuery: z.string().optional(),
        Dimensions: z.array(dimension).max(50).optional(),
        SearchResults: z
          .looseObject({
            tables: z
              .array(
                z.looseObject({
                  columns: z.array(z.looseObject({ name: z.string().max(256) })).max(100),
                  rows: z.array(z.array(z.unknown())),
                }),
              )
              .max(10),
          })
          .optional(),
      })
      .optional(),
  }),
});

type Parsed = z.infer<typeof alert>["data"];

/** A fired log search alert and the workloads it names (the first of them also at the top, as before v2). */
export interface PullFailureAlert extends AlertWorkload {
  alertId: string | null;
  alertRule: string | null;
  monitorCondition: "Fired";
  firedAt: string | null;
  /** At most MAX_ALERT_WORKLOADS, distinct, in payload order; never empty. */
  workloads: AlertWorkload[];
  /** How many more workloads the alert named beyond the bound (left to the sweep). */
  workloadsLeft: number;
}

export type AlertReading =
  | { outcome: "look"; alert: PullFailureAlert }
  | { outcome: "ignore"; reason: string }
  | { outcome: "reject"; reason: string };

function namesIn({ essentials, alertContext }: Parsed): AlertNames {
  const sets: NameValue[][] = [
    ...(alertContext?.condition?.allOf ?? []).map((c) => c.dimensions ?? []),
    ...(alertContext?.Dimensions ? [alertContext.Dimensions] : []),
    ...rowsAsSets(alertContext?.SearchResults?.tables ?? []),
  ];
  return { sets, resourceIds: [...(essentials.configurationItems ?? []), ...(essentials.alertTargetIDs ?? [])] };
}

function unreadable(error: z.ZodError): AlertReading {
  const issue = error.issues[0];
  return {
    outcome: "reject",
    reason: `not a common-alert-schema alert (schemaId azureMonitorCommonAlertSchema, data.essentials.monitorCondition Fired|Resolved): ${
      issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "unreadable"
    }`,
  };
}

export function readPullFailureAlert(input: unknown): AlertReading {
  const parsed = alert.safeParse(withoutNulls(input));
  if (!parsed.success) return unreadable(parsed.error);
  const { essentials, alertContext } = parsed.data.data;
  const kind = alertKind({
    monitorCondition: essentials.monitorCondition,
    signalType: essentials.signalType,
    monitoringService: essentials.monitoringService,
    conditionType: alertContext?.conditionType,
    hasSearchQuery: typeof alertContext?.SearchQuery === "string",
  });
  if (!kind.counts) return { outcome: "ignore", reason: kind.reason };

  const named = alertWorkloads(namesIn(parsed.data.data));
  if (named.outcome === "reject") return named;
  if (named.outcome === "none") {
    if (named.namesApp) {
      return {
        outcome: "reject",
        reason: "the alert does not name the managed environment: split the rule by _ResourceId (or EnvironmentName_s)",
      };
    }
    if (named.namesEnvironment) {
      return {
        outcome: "reject",
        reason:
          "the alert does not name the app: split the alert rule by ContainerAppName_s (or ContainerAppName) and RevisionName_s, see docs/deploy.md",
      };
    }
    return {
      outcome: "ignore",
      reason: `the log search alert ${JSON.stringify((essentials.alertRule ?? "").slice(0, 120))} names no container app or managed environment: not a pull-failure alert`,
    };
  }
  const [first, ...rest] = named.workloads;
  if (!first) return { outcome: "ignore", reason: "the alert names no workload" };
  return {
    outcome: "look",
    alert: {
      alertId: essentials.alertId ?? null,
      alertRule: essentials.alertRule ?? null,
      monitorCondition: "Fired",
      firedAt: essentials.firedDateTime ?? null,
      ...first,
      workloads: [first, ...rest],
      workloadsLeft: named.left,
    },
  };
}
