/**
 * What PullGuard reports to Application Insights: a custom event per diagnosis and per applied step, and metrics for
 * fixes and failures. The implementation is injected (src/azure/app-insights.ts in Azure; nothing when no
 * connection string is set).
 */
export interface DiagnosisEvent {
  appId: string;
  verdict: string;
  codes: string[];
  trigger: string;
  durationMs: number;
  armRequests: number;
  eventId?: string | null;
  correlationId?: string | null;
}

export interface StepEvent {
  appId: string;
  kind: string;
  reason: string;
  result: string;
  auditId?: string | null;
  eventId?: string | null;
  correlationId?: string | null;
}

export interface Telemetry {
  diagnosis(event: DiagnosisEvent): void;
  step(event: StepEvent): void;
  metric(name: string, value: number, properties?: Record<string, string>): void;
  flush(): Promise<void>;
}

export const noTelemetry: Telemetry = {
  diagnosis: () => undefined,
  step: () => undefined,
  metric: () => undefined,
  flush: async () => undefined,
};
