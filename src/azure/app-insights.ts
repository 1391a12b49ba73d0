/**
 * Telemetry through applicationinsights 3.x (OpenTelemetry based). Loaded lazily: the package is heavy, and the
 * function app only pays for it when a connection string is configured.
 */
import type { DiagnosisEvent, StepEvent, Telemetry } from "../shared/telemetry.js";

export async function createAppInsightsTelemetry(connectionString: string): Promise<Telemetry> {
  const { TelemetryClient } = await import("applicationinsights");
  const client = new TelemetryClient(connectionString);
  const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  return {
    diagnosis: (e: DiagnosisEvent) =>
      client.trackEvent({
        name: "PullGuard.Diagnosis",
        properties: {
          appId: e.appId,
          verdict: e.verdict,
          codes: e.codes.join(","),
          trigger: e.trigger,
          eventId: text(e.eventId),
          correlationId: text(e.correlationId),
        },
        measurements: { durationMs: e.durationMs, armRequests: e.armRequests },
      }),
    step: (e: StepEvent) =>
      client.trackEvent({
        name: "PullGuard.Step",
        properties: {
          appId: e.appId,
          kind: e.kind,
          reason: e.reason,
          result: e.result,
          auditId: text(e.auditId),
          eventId: text(e.eventId),
          correlationId: text(e.correlationId),
        },
      }),
    metric: (name, value, properties) => client.trackMetric({ name, value, ...(properties ? { properties } : {}) }),
    flush: async () => {
      await client.flush();
    },
  };
}
