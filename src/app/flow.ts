/**
 * The one flow behind every front door (Event Grid, alert, HTTP, timer, queue): what the thin trigger files call.
 * target → read → diagnose → plan → apply (per policy) → schedule verification → notify → telemetry. Everything it
 * touches is injected (FlowDeps), so the same code runs in the function app, in the CLI, in the demo and in tests
 * against the emulator. Each operation is one named step in its own file:
 *
 *   handleArmEvent, handleAlert   signal-handling.ts  (apps from the signal: signal-targets.ts)
 *   check                         http-check.ts
 *   sweep                         sweep-apps.ts
 *   finishVerification            verification-follow-up.ts
 *   every fix of one app          fix-and-notify.ts, one at a time per app (app-lock.ts)
 */
import type { Logger } from "../shared/logger.js";
import { createAppLock } from "./app-lock.js";
import type { CheckDocument } from "./check-result.js";
import { createEventLooks } from "./event-looks.js";
import { fixAndNotify } from "./fix-and-notify.js";
import type { FlowContext, FlowDeps } from "./flow-deps.js";
import { answerHttpCheck, type HttpCheckRequest } from "./http-check.js";
import type { SignalOutcome, SweepOutcome } from "./outcomes.js";
import { handleAlert, handleArmEvent } from "./signal-handling.js";
import { sweepApps } from "./sweep-apps.js";
import type { Trigger } from "./trigger.js";
import { followUpVerification } from "./verification-follow-up.js";

export interface PullGuardFlow {
  handleArmEvent(event: unknown, trigger: Trigger, log: Logger): Promise<SignalOutcome>;
  handleAlert(body: unknown, trigger: Trigger, log: Logger): Promise<SignalOutcome>;
  check(request: HttpCheckRequest, trigger: Trigger, log: Logger): Promise<CheckDocument | Record<string, unknown>>;
  sweep(trigger: Trigger, log: Logger): Promise<SweepOutcome>;
  finishVerification(message: unknown, trigger: Trigger, log: Logger): Promise<SignalOutcome>;
}

export function createPullGuardFlow(deps: FlowDeps): PullGuardFlow {
  const lock = createAppLock();
  const ctx: FlowContext = {
    deps,
    watched: new Set(deps.settings.subscriptions),
    looks: createEventLooks(deps),
    fixAndNotify: (appId, trigger, log) => lock.run(appId, () => fixAndNotify(deps, appId, trigger, log)),
  };
  return {
    handleArmEvent: (event, trigger, log) => handleArmEvent(ctx, event, trigger, log),
    handleAlert: (body, trigger, log) => handleAlert(ctx, body, trigger, log),
    check: (request, trigger, log) => answerHttpCheck(ctx, request, trigger, log),
    sweep: (trigger, log) => sweepApps(ctx, trigger, log),
    finishVerification: (message, trigger, log) => followUpVerification(ctx, message, trigger, log),
  };
}
