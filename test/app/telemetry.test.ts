/**
 * What the flow reports to Application Insights, through the real composition (composeFlow with the settings the
 * host would have) against the emulator and Azurite: a custom event per diagnosis and per applied step, metrics for
 * fixes, and the event and correlation IDs on every log line of the app it handled.
 */
import { describe, expect, it } from "vitest";
import { composeFlow } from "../../src/app/runtime.js";
import { loadSettings } from "../../src/config.js";
import { createLogger } from "../../src/shared/logger.js";
import type { DiagnosisEvent, StepEvent, Telemetry } from "../../src/shared/telemetry.js";
import { brokenOrdersWorld, byDeveloper, ORDERS_API, readFixture, useFunctionHost } from "../functions/harness.js";

const harness = useFunctionHost();

function recordingTelemetry() {
  const diagnoses: DiagnosisEvent[] = [];
  const steps: StepEvent[] = [];
  const metrics: Array<{ name: string; value: number; properties?: Record<string, string> }> = [];
  const telemetry: Telemetry = {
    diagnosis: (e) => diagnoses.push(e),
    step: (e) => steps.push(e),
    metric: (name, value, properties) => metrics.push({ name, value, ...(properties ? { properties } : {}) }),
    flush: async () => undefined,
  };
  return { telemetry, diagnoses, steps, metrics };
}

describe("telemetry of the flow", () => {
  it("a failed deployment: one diagnosis event, one event per applied step, fix metrics, IDs on every log line", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const recorded = recordingTelemetry();
    const flow = await composeFlow(loadSettings(process.env), { telemetry: recorded.telemetry });
    const event = byDeveloper(
      readFixture<{ id: string; data: { correlationId: string } }>("events/arm-write-failure.eventgrid.json"),
    );
    const lines: string[] = [];
    const log = createLogger((_level, line) => lines.push(line));

    const outcome = await flow.handleArmEvent(event, { source: "event", eventId: event.id }, log);

    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);

    const diagnosis = recorded.diagnoses.find((d) => d.appId === ORDERS_API);
    expect(diagnosis).toMatchObject({ appId: ORDERS_API, verdict: "broken", codes: ["pull-role-missing"] });
    expect(diagnosis?.armRequests).toBeGreaterThan(0);
    expect(diagnosis?.durationMs).toBeGreaterThanOrEqual(0);

    const kinds = recorded.steps.map((s) => [s.kind, s.result]);
    expect(kinds).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    for (const step of recorded.steps) {
      expect(step).toMatchObject({ appId: ORDERS_API, reason: "pull-role-missing", eventId: event.id });
      expect(step.auditId).toBeTruthy();
    }
    expect(recorded.metrics.filter((m) => m.name === "PullGuard.Fixes")).toHaveLength(2);
    expect(recorded.metrics.some((m) => m.name === "PullGuard.FixFailures")).toBe(false);

    // Every line written about the app carries the event's ID and its correlation ID.
    const appLines = lines.filter((l) => l.includes(ORDERS_API));
    expect(appLines.length).toBeGreaterThan(0);
    for (const line of appLines) {
      expect(line).toContain(event.id);
      expect(line).toContain(event.data.correlationId);
    }
  });
});
