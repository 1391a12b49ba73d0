/**
 * End to end through the alert webhook: the app's AcrPull is removed while it runs (the Event Grid event is lost), a
 * replica restarts and cannot pull; the emulator raises the common-alert-schema alert an action group would post,
 * and it is posted to the real `onPullFailureAlert` handler. The world ends fixed, with one fix.
 */
import { describe, expect, it } from "vitest";
import {
  developer,
  type Host,
  httpRequest,
  invocation,
  readWorld,
  useFunctionHost,
  writesBy,
} from "../functions/harness.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const CHECKOUT_WEB = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
const ACR_PULL_ASSIGNMENT = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr/providers/Microsoft.Authorization/roleAssignments/3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f`;

const harness = useFunctionHost();

async function post(alert: unknown) {
  const { context } = invocation("onPullFailureAlert");
  return harness.handlers.onPullFailureAlert(
    httpRequest({ method: "POST", url: "http://localhost:7071/api/alerts/pull-failure", body: alert }),
    context,
  );
}

/** The healthy world, its AcrPull deleted by a person, a replica restarted: the alert the action group posts. */
async function breakAtRunTime(h: Host): Promise<Record<string, unknown>[]> {
  const alerts: Record<string, unknown>[] = [];
  h.emulator.alerts.subscribe((alert) => {
    alerts.push(alert);
  });
  await developer(h, SUB).deleteRoleAssignment(ACR_PULL_ASSIGNMENT);
  expect(h.emulator.simulateReplicaRestart(CHECKOUT_WEB)).toBe(false);
  await h.emulator.alerts.settle();
  expect(h.latestRevision(CHECKOUT_WEB).healthState).toBe("Unhealthy");
  return alerts;
}

describe("Azure Monitor alert → onPullFailureAlert → fix, against the emulator", () => {
  it("a fired alert: AcrPull granted again, the revision restarted and healthy; the same alert again writes nothing", async () => {
    const host = await harness.open(readWorld("pull-role-missing.fixed.json"));
    const alerts = await breakAtRunTime(host);
    expect(alerts).toHaveLength(1);

    const response = await post(alerts[0]);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({
      outcome: "handled",
      apps: [{ appId: CHECKOUT_WEB, verdict: "broken", action: "fixed" }],
    });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(CHECKOUT_WEB)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(host.sink.received).toHaveLength(1);

    // The action group retries, or the rule fires again for the same window: nothing more is written.
    const writes = writesBy(host);
    const again = await post(alerts[0]);
    expect(again.status).toBe(202);
    expect(again.jsonBody).toMatchObject({ outcome: "handled", apps: [{ action: "healthy", writes: 0 }] });
    expect(writesBy(host)).toBe(writes);
  });

  it("two copies of the alert posted at once: one fix", async () => {
    const host = await harness.open(readWorld("pull-role-missing.fixed.json"));
    const [alert] = await breakAtRunTime(host);
    const responses = await Promise.all([post(alert), post(alert)]);
    expect(responses.map((r) => r.status)).toEqual([202, 202]);
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(
      host.emulator.log.writes().filter((w) => /\/restart/.test(w.path) && w.caller === host?.principal),
    ).toHaveLength(1);
    expect(host.latestRevision(CHECKOUT_WEB).healthState).toBe("Healthy");
  });

  it("the Resolved alert that follows changes nothing", async () => {
    const host = await harness.open(readWorld("pull-role-missing.fixed.json"));
    const [alert] = await breakAtRunTime(host);
    await post(alert);
    const writes = host.writes();
    const resolved = structuredClone(alert) as { data: { essentials: Record<string, unknown> } };
    resolved.data.essentials.monitorCondition = "Resolved";
    const response = await post(resolved);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ outcome: "ignored" });
    expect(host.writes()).toBe(writes);
  });
});
