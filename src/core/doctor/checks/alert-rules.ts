/**
 * The pull-failure alert rules are enabled (Azure Monitor disables a log search alert rule whose query keeps failing
 * for a week: "disabled by the System due to : Alert has been failing consistently with the same exception for the past
 * week", quoted in microsoft/AzureMonitorCommunity#175; learn.microsoft.com/azure/azure-monitor/alerts/log-alert-rule-health
 * lists "Log alert was disabled"; the rule's properties.enabled is then false) and call the action group that posts
 * the common alert schema to onPullFailureAlert.
 */
import { ALERT_ROUTE } from "../expected.js";
import type { DoctorCheck, DoctorProblem } from "../facts.js";

const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);

export const alertRules: DoctorCheck = {
  name: "alert-rules",
  title: "the pull-failure alert rules are enabled and call onPullFailureAlert",
  run(facts) {
    const problems: DoctorProblem[] = [];
    const add = (what: string, fix: string) => problems.push({ check: "alert-rules", what, fix });
    const host = (facts.functionApp.defaultHostName ?? "").toLowerCase();
    for (const rule of facts.alertRules) {
      const id = String(rule.id ?? "");
      const name = String(rule.name ?? id);
      if (at(rule, "properties", "enabled") !== true)
        add(
          `alert rule ${name} is disabled (Azure Monitor disables a rule whose query fails for a week)`,
          `az resource update --ids ${id} --set properties.enabled=true (after checking its query runs in the workspace)`,
        );
      const query = String(
        (at(rule, "properties", "criteria", "allOf") as unknown[] | undefined)?.map((c) => at(c, "query")).join("\n") ??
          "",
      );
      if (!/union\s+isfuzzy\s*=\s*true/.test(query) || !query.includes("ContainerAppSystemLogs_CL"))
        add(
          `alert rule ${name} does not read both system-log tables with union isfuzzy=true`,
          "run infra/hooks/postdeploy.sh (redeploys infra/events.bicep)",
        );
      const groups = (at(rule, "properties", "actions", "actionGroups") as unknown[] | undefined) ?? [];
      const calling = groups
        .map((g) => facts.actionGroups[String(g).toLowerCase()])
        .filter((g): g is Record<string, unknown> => Boolean(g))
        .filter((g) => at(g, "properties", "enabled") === true)
        .filter((g) =>
          ((at(g, "properties", "webhookReceivers") as unknown[] | undefined) ?? []).some((w) => {
            const uri = String(at(w, "serviceUri") ?? "").toLowerCase();
            return at(w, "useCommonAlertSchema") === true && uri.startsWith(`https://${host}${ALERT_ROUTE}?`);
          }),
        );
      if (calling.length === 0)
        add(
          `alert rule ${name} calls no enabled action group that posts the common alert schema to https://${host}${ALERT_ROUTE}`,
          "run infra/hooks/postdeploy.sh (infra/app/pull-failure-alerts.bicep recreates the action group with the function key)",
        );
    }
    return problems;
  },
};
