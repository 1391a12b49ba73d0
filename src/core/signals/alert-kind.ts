/**
 * Which Azure Monitor alerts (common alert schema) PullGuard acts on: spec/events.md v2 "which alerts count".
 * Only a fired log search alert counts: a Log Alerts V2 alert (`alertContext.conditionType` `LogQueryCriteria`) or
 * the older Log Alerts V1 forms (`monitoringService` `Log Analytics` / `Application Insights` with a `SearchQuery`).
 * Everything else an action group may post (it is often shared by many rules) is ignored with the reason.
 *
 * Shapes: the common alert schema and its published samples (learn.microsoft.com/azure/azure-monitor/alerts/
 * alerts-common-schema and alerts-payload-samples; stored in test/fixtures/alerts/). Note the smart detector sample
 * says `signalType: "Log"`: the signal type alone does not make a log search alert.
 *
 * Example: `{ signalType: "Metric", monitoringService: "Platform", conditionType: "SingleResourceMultipleMetricCriteria" }`
 * → `{ counts: false, reason: "a metric alert (signalType Metric, monitoringService Platform, ...) is not ..." }`.
 */

export interface AlertSignal {
  monitorCondition: string;
  signalType?: string | undefined;
  monitoringService?: string | undefined;
  conditionType?: string | undefined;
  /** Log Alerts V1 carry the query at the top of `alertContext`. */
  hasSearchQuery: boolean;
}

export type AlertKind = { counts: true; form: "log-v2" | "log-v1" } | { counts: false; reason: string };

/** The alert kinds Azure documents besides log search alerts, as `monitoringService` (spaces and case ignored). */
const OTHER_KINDS: Array<{ service: RegExp; kind: string }> = [
  { service: /^activitylog/, kind: "an activity log alert" },
  { service: /^resourcehealth$/, kind: "a resource health alert" },
  { service: /^servicehealth$/, kind: "a service health alert" },
  { service: /^costalerts$/, kind: "a budget alert" },
  { service: /^smartdetector$/, kind: "a smart detector alert" },
  { service: /^prometheus$/, kind: "a Prometheus alert" },
  { service: /^vminsights/, kind: "a VM insights health alert" },
];
const V1_SERVICES = new Set(["loganalytics", "applicationinsights"]);

function squash(value: string | undefined): string {
  return (value ?? "").replace(/\s+/g, "").toLowerCase();
}

function kindOf(signal: AlertSignal): string {
  const service = squash(signal.monitoringService);
  const named = OTHER_KINDS.find((k) => k.service.test(service));
  if (named) return named.kind;
  if (signal.conditionType === "WebtestLocationAvailabilityCriteria") return "an availability test alert";
  if (squash(signal.signalType) === "metric") return "a metric alert";
  return "an alert of another kind";
}

function described(signal: AlertSignal): string {
  const parts = [
    `signalType ${signal.signalType ?? "(none)"}`,
    `monitoringService ${signal.monitoringService ?? "(none)"}`,
    ...(signal.conditionType ? [`conditionType ${signal.conditionType}`] : []),
  ];
  return parts.map((p) => p.slice(0, 120)).join(", ");
}

export function alertKind(signal: AlertSignal): AlertKind {
  if (signal.monitorCondition !== "Fired") {
    return {
      counts: false,
      reason: `a ${signal.monitorCondition === "Resolved" ? "resolved" : "not fired"} alert only updates state: PullGuard acts on fired alerts`,
    };
  }
  const signalType = squash(signal.signalType);
  if (signal.conditionType === "LogQueryCriteria" && (signalType === "" || signalType === "log")) {
    return { counts: true, form: "log-v2" };
  }
  if (signalType === "log" && V1_SERVICES.has(squash(signal.monitoringService)) && signal.hasSearchQuery) {
    return { counts: true, form: "log-v1" };
  }
  return {
    counts: false,
    reason: `${kindOf(signal)} (${described(signal)}) is not a log search alert: PullGuard acts only on fired log search alerts over the Container Apps system logs (spec/events.md)`,
  };
}
