/**
 * The composition root of the function app: settings (validated once) → clients, clock, stores, notifier,
 * telemetry → the flow. Trigger files call `flowFromEnvironment()`; tests and the demo call `composeFlow()` with
 * their own pieces, or set the environment the way the host would.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createAppInsightsTelemetry } from "../azure/app-insights.js";
import { openAuditLog } from "../azure/audit-log.js";
import { type Backend, backendFromSettings } from "../azure/backend.js";
import { openChangeBudget } from "../azure/change-budget.js";
import { networkChangeReads } from "../azure/network-change-reads.js";
import { createTableFingerprintStore } from "../azure/notification-fingerprints.js";
import { openTable, TABLES } from "../azure/storage.js";
import { openVerificationScheduler } from "../azure/verification-queue.js";
import { openWorkloadLease, type WorkloadLease } from "../azure/workload-lease.js";
import { DEV_SETTING_NAMES, type Env, loadSettings, SETTING_NAMES, type Settings } from "../config.js";
import { diagnose } from "../core/diagnose.js";
import { channelsFromSettings } from "../notify/channels.js";
import type { NotificationInput } from "../notify/message.js";
import { sendNotifications } from "../notify/sender.js";
import type { Logger } from "../shared/logger.js";
import { noTelemetry, type Telemetry } from "../shared/telemetry.js";
import { type AzureAccess, createAzureAccess } from "./azure-access.js";
import { type ApplyEnvironment, createRestartFollowUp } from "./fix-app.js";
import type { PullGuardFlow } from "./flow.js";
import { createPullGuardFlow } from "./flow.js";
import type { FlowDeps } from "./flow-deps.js";
import { changeTrigger } from "./trigger.js";
import type { VerificationScheduling } from "./verify.js";

export interface ComposeOptions {
  /** Defaults to the backend the settings name (real Azure, or the emulator with the dev settings). */
  backend?: Backend;
  now?: () => Date;
  telemetry?: Telemetry;
  /** Sends notifications (default: fetch). */
  fetch?: typeof fetch;
}

/** The stores and outlets a flow writes to: Table/Queue storage and channels in the app, in memory in the bench. */
export interface FlowOutlets {
  budget: ApplyEnvironment["budget"];
  audit: ApplyEnvironment["audit"];
  scheduler: VerificationScheduling;
  /** The lease per workload across instances (absent in the bench: one process). */
  lease?: WorkloadLease;
  notify: FlowDeps["notify"];
  telemetry: Telemetry;
}

/**
 * How long one fix in the function app may take before what is left goes to the verification queue (`pending`).
 * Below the host's functionTimeout (host.json: 10 minutes; on Flex Consumption the default is 30 and host.json sets
 * it) and below the 230 seconds an HTTP-triggered function has to answer (the alert endpoint): "Function app timeout
 * duration", learn.microsoft.com/azure/azure-functions/functions-scale#timeout. test/app/invocation-deadline.test.ts
 * checks it against host.json.
 */
export const INVOCATION_MS = 180_000;

/** The flow's dependencies on one Azure access: the single place that wires reads, decisions and writes together. */
export function assembleFlowDeps(
  settings: Settings,
  azure: AzureAccess,
  now: () => Date,
  outlets: FlowOutlets,
): FlowDeps {
  const firstSubscription = settings.subscriptions[0] ?? "00000000-0000-0000-0000-000000000000";
  const apply: ApplyEnvironment = {
    arm: azure.arm(firstSubscription),
    now,
    budget: outlets.budget,
    audit: outlets.audit,
    allowedScopes: settings.allowedScopes,
    invocationMs: INVOCATION_MS,
  };
  return {
    settings,
    now,
    readFacts: azure.readFacts,
    diagnose,
    listApps: (subscriptionId) => azure.listApps(subscriptionId),
    recentExecutions: azure.recentExecutions,
    listRegistries: azure.listRegistries,
    networkReads: networkChangeReads(azure.clients),
    countArmRequests: (work) => azure.clients.countArmRequests(work),
    inRun: (work, options) => azure.inRun(work, options),
    apply,
    scheduler: outlets.scheduler,
    followUp: (appId, trigger) =>
      createRestartFollowUp({
        appId,
        settings,
        apply,
        trigger: changeTrigger(trigger),
      }),
    notify: outlets.notify,
    telemetry: outlets.telemetry,
    ...(outlets.lease ? { lease: outlets.lease } : {}),
  };
}

export async function composeFlow(settings: Settings, options: ComposeOptions = {}): Promise<PullGuardFlow> {
  const backend = options.backend ?? backendFromSettings(settings);
  const now = options.now ?? (() => new Date());
  const azure = createAzureAccess(backend, now);
  const telemetry =
    options.telemetry ??
    (settings.appInsightsConnectionString
      ? await createAppInsightsTelemetry(settings.appInsightsConnectionString)
      : noTelemetry);
  const channels = channelsFromSettings(settings.notify);
  const fingerprints = createTableFingerprintStore(
    openTable(settings.storage, TABLES.notifications, backend.credential),
  );
  const notify = async (input: NotificationInput, log: Logger): Promise<void> => {
    if (channels.channels.length === 0) return;
    const report = await sendNotifications(
      input,
      channels.channels,
      {
        store: fingerprints,
        now,
        sleep: (ms: number) => sleep(ms),
        log,
        telemetry,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      },
      { cooldownMs: settings.notify.cooldownMinutes * 60_000 },
    );
    if (report.suppressed) log.debug("notification suppressed: the same state was reported inside the cooldown");
  };

  const deps = assembleFlowDeps(settings, azure, now, {
    budget: openChangeBudget(settings.storage, backend.credential, settings.maxChangesPerHour),
    audit: openAuditLog(settings.storage, backend.credential),
    scheduler: openVerificationScheduler(settings.storage, backend.credential),
    lease: openWorkloadLease(settings.storage, backend.credential, { now }),
    notify,
    telemetry,
  });
  return createPullGuardFlow(deps);
}

let composed: { key: string; flow: Promise<PullGuardFlow> } | null = null;

/**
 * The flow for the settings in this process's environment, composed once. It is composed again only when those
 * settings change (the host restarts the worker on a settings change in Azure; a test or the demo may set them
 * between invocations).
 */
export function flowFromEnvironment(env: Env = process.env): Promise<PullGuardFlow> {
  const key = JSON.stringify([...SETTING_NAMES, ...DEV_SETTING_NAMES].map((name) => env[name] ?? null));
  if (composed?.key !== key) {
    const flow = composeFlow(loadSettings(env));
    composed = { key, flow };
    flow.catch(() => {
      if (composed?.flow === flow) composed = null;
    });
  }
  return composed.flow;
}
