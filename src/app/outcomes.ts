/** What the flow answers each front door (Event Grid, alert, HTTP, timer, queue): per app, per signal, per sweep. */

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

export interface SweepOutcome {
  apps: number;
  broken: number;
  handled: AppOutcome[];
  armRequests: number;
}
