/**
 * What the flow needs from the world (FlowDeps: injected by the composition root, runtime.ts) and what its parts share
 * (FlowContext: built once by createPullGuardFlow, flow.ts).
 */

import type { WorkloadLease } from "../azure/workload-lease.js";
import type { Settings } from "../config.js";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";
import type { JobExecutionFacts, PullFacts, ReadStats } from "../core/facts.js";
import type { NetworkChangeReads } from "../core/network/affected-environments.js";
import type { NotificationInput } from "../notify/message.js";
import type { Logger } from "../shared/logger.js";
import type { Telemetry } from "../shared/telemetry.js";
import type { EventLooks } from "./event-looks.js";
import type { ApplyEnvironment, FixResult } from "./fix-app.js";
import type { AppOutcome } from "./outcomes.js";
import type { Trigger } from "./trigger.js";
import type { Diagnosis, FollowUp, VerificationScheduling } from "./verify.js";

export interface FlowDeps {
  settings: Settings;
  now(): Date;
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  diagnose(facts: PullFacts): Diagnosis;
  /** One cheap list of the workloads of a subscription (v2: its container apps and its jobs, one list call each). */
  listApps(subscriptionId: string): Promise<AppSummary[]>;
  /**
   * v2: a job's recent executions, newest first (one request). Inside a run they are kept in its shared reads under
   * `executions:<lower-cased job id>`, so the job's diagnosis does not list them again.
   */
  recentExecutions(jobId: string): Promise<JobExecutionFacts[]>;
  /** One cheap list of the registries of a subscription. */
  listRegistries(subscriptionId: string): Promise<RegistrySummary[]>;
  /** Counts the ARM requests `work` sends. */
  countArmRequests<T>(work: () => Promise<T>): Promise<{ value: T; armRequests: number }>;
  /**
   * Runs a sweep (or, with `since`, an event) as one run: its reads share what does not depend on the app (the
   * registry index, role definitions, environments, identities, role assignments) (azure-access.ts).
   */
  inRun?<T>(work: () => Promise<T>, options?: { since?: Date | null }): Promise<T>;
  apply: ApplyEnvironment;
  scheduler: VerificationScheduling;
  followUp(appId: string, trigger: Trigger): FollowUp;
  notify(input: NotificationInput, log: Logger): Promise<void>;
  telemetry: Telemetry;
  /**
   * Answer an ARM event with a look at the app (or a list) that started after the event's change, when there is one,
   * instead of looking again (fresh-looks.ts). Default true; false handles every event on its own.
   */
  coalesceEvents?: boolean;
  /** v2: the reads that map a network change to environments (network-targets.ts); absent: such events do nothing. */
  networkReads?: NetworkChangeReads;
  /** The lease per workload across instances (workload-lease.ts); absent: only the in-process lock (app-lock.ts). */
  lease?: WorkloadLease;
}

/** One app fixed per policy and told about: its outcome, and the fix result when the mode let it run. */
export interface FixOutcome {
  outcome: AppOutcome;
  fix: FixResult | null;
}

export interface FlowContext {
  deps: FlowDeps;
  /** PULLGUARD_SUBSCRIPTIONS, lower case. */
  watched: ReadonlySet<string>;
  looks: EventLooks;
  /** fixAndNotify (fix-and-notify.ts) under the app's lock (app-lock.ts). */
  fixAndNotify(appId: string, trigger: Trigger, log: Logger): Promise<FixOutcome>;
}
