/**
 * Each watched subscription's system topic has PullGuard's event subscription, provisioned (Event Grid has no
 * enabled/disabled switch on an event subscription: provisioningState Succeeded is what delivers; EventGrid
 * 2025-02-15 EventSubscriptionProperties), delivering to onResourceEvent with the event types and the
 * data.operationName filter of spec/events.md v2 (src/core/watched-operations.ts).
 */
import { WATCHED_EVENT_TYPES, WATCHED_OPERATIONS } from "../../watched-operations.js";
import { eventSubscriptionName } from "../expected.js";
import type { DoctorCheck, DoctorProblem } from "../facts.js";

const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);
const strings = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x).toLowerCase()).sort() : []);
const same = (a: string[], b: readonly string[]) =>
  a.join("\n") ===
  b
    .map((x) => x.toLowerCase())
    .sort()
    .join("\n");

export const eventSubscription: DoctorCheck = {
  name: "event-subscription",
  title: "each watched subscription's ARM events reach onResourceEvent, filtered as spec/events.md says",
  run(facts) {
    const problems: DoctorProblem[] = [];
    const env = facts.functionApp.environmentName ?? "<env>";
    const name = eventSubscriptionName(env);
    const redeploy = "run infra/hooks/postdeploy.sh (or azd deploy), which deploys infra/events.bicep";
    const target = `${facts.functionApp.id}/functions/onResourceEvent`.toLowerCase();
    // A subscription that cannot be read is subscription-access's finding.
    for (const sub of facts.subscriptions.filter((s) => s.state !== null)) {
      const where = `subscription ${sub.subscriptionId}`;
      const add = (what: string, fix = redeploy) => problems.push({ check: "event-subscription", what, fix });
      if (sub.systemTopicId === null) {
        add(
          `${where} has no Microsoft.Resources.Subscriptions system topic`,
          "run azd provision (infra/app/watch-subscription.bicep creates it)",
        );
        continue;
      }
      const es = sub.eventSubscription;
      if (es === null) {
        add(`${where}: the system topic ${sub.systemTopicId} has no event subscription ${name}`);
        continue;
      }
      const state = String(at(es, "properties", "provisioningState") ?? "");
      if (state !== "Succeeded")
        add(`${where}: event subscription ${name} is ${state || "in no state"}, not Succeeded: it delivers nothing`);
      const endpoint = String(at(es, "properties", "destination", "endpointType") ?? "");
      const resourceId = String(at(es, "properties", "destination", "properties", "resourceId") ?? "").toLowerCase();
      if (endpoint !== "AzureFunction" || resourceId !== target)
        add(`${where}: event subscription ${name} delivers to ${endpoint} ${resourceId || "(nothing)"}, not ${target}`);
      if (!same(strings(at(es, "properties", "filter", "includedEventTypes")), WATCHED_EVENT_TYPES))
        add(
          `${where}: event subscription ${name} does not include exactly the event types ${WATCHED_EVENT_TYPES.join(", ")}`,
        );
      const filters = at(es, "properties", "filter", "advancedFilters");
      const operation = Array.isArray(filters)
        ? filters.find((f) => at(f, "key") === "data.operationName" && at(f, "operatorType") === "StringIn")
        : undefined;
      if (
        !Array.isArray(filters) ||
        filters.length !== 1 ||
        !operation ||
        !same(strings(at(operation, "values")), WATCHED_OPERATIONS)
      )
        add(
          `${where}: event subscription ${name}'s advanced filter is not data.operationName StringIn the ${WATCHED_OPERATIONS.length} operations of spec/events.md v2`,
        );
    }
    return problems;
  },
};
