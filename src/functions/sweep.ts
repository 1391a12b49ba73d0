/** Timer trigger: the backstop for every lost or late signal. Schedule from PULLGUARD_SWEEP_SCHEDULE. */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import type { SweepOutcome } from "../app/outcomes.js";
import { flowFromEnvironment } from "../app/runtime.js";
import { contextLogger } from "./context-logger.js";

export async function sweep(_timer: Timer, context: InvocationContext): Promise<SweepOutcome> {
  const log = contextLogger(context);
  const flow = await flowFromEnvironment();
  const outcome = await flow.sweep({ source: "sweep", invocationId: context.invocationId }, log);
  log.info(`sweep checked ${outcome.apps} apps, ${outcome.broken} broken, ${outcome.armRequests} ARM requests`);
  return outcome;
}

app.timer("sweep", { schedule: "%PULLGUARD_SWEEP_SCHEDULE%", handler: sweep });
