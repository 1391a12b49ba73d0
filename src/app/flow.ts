/**
 * The one flow behind every front door (Event Grid, alert, HTTP, timer, queue): what the thin trigger files call.
 * target → read → diagnose → plan → apply (per policy) → schedule verification → notify → telemetry.
 */

import type { Logger } from "../shared/logger.js";
import type { CheckResult } from "./check-result.js";

/** Who or what asked PullGuard to look (recorded in audit rows, logs, telemetry and notifications). */
export interface Trigger {
  source: "event" | "alert" | "http" | "sweep" | "cli" | "verification";
  eventId?: string | null;
  correlationId?: string | null;
  /** HTTP caller, CLI user or event principal, when known. */
  caller?: string | null;
  invocationId?: string | null;
}

export type SignalOutcome =
  | { outcome: "rejected"; reason: string }
  | { outcome: "ignored"; reason: string }
  | { outcome: "handled"; apps: AppOutcome[] };

export interface AppOutcome {
  appId: string;
  verdict: string;
  /** What happened: "healthy", "reported", "fixed", "verification-scheduled", "skipped: <why>", ... */
  action: string;
  writes: number;
}

export interface HttpCheckRequest {
  appId: string;
  fix: boolean;
}

export interface SweepOutcome {
  apps: number;
  broken: number;
  handled: AppOutcome[];
  armRequests: number;
}

export interface PullGuardFlow {
  handleArmEvent(event: unknown, trigger: Trigger, log: Logger): Promise<SignalOutcome>;
  handleAlert(body: unknown, trigger: Trigger, log: Logger): Promise<SignalOutcome>;
  check(request: HttpCheckRequest, trigger: Trigger, log: Logger): Promise<CheckResult | Record<string, unknown>>;
  sweep(trigger: Trigger, log: Logger): Promise<SweepOutcome>;
  finishVerification(message: unknown, trigger: Trigger, log: Logger): Promise<SignalOutcome>;
}
