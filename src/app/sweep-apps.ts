/**
 * The timer sweep: one cheap list of apps per watched subscription, then a fix of each app that looks unhealthy
 * (app-summary.ts `looksUnhealthy`), a few at a time, all in one run that shares its reads.
 */
import { looksUnhealthy } from "../core/app-summary.js";
import type { Logger } from "../shared/logger.js";
import type { FlowContext } from "./flow-deps.js";
import { mapBounded } from "./map-bounded.js";
import type { AppOutcome, SweepOutcome } from "./outcomes.js";
import type { Trigger } from "./trigger.js";

/** Apps a sweep handles at once (each request that gets a 429 waits out its Retry-After in the SDK's retry policy). */
const SWEEP_CONCURRENCY = 4;

export async function sweepApps(ctx: FlowContext, trigger: Trigger, log: Logger): Promise<SweepOutcome> {
  const { deps } = ctx;
  const inRun = deps.inRun ?? (<T>(work: () => Promise<T>) => work());
  const { value, armRequests } = await deps.countArmRequests(() =>
    inRun(async () => {
      const apps = (await Promise.all([...ctx.watched].map((s) => deps.listApps(s)))).flat();
      const handled: AppOutcome[] = await mapBounded(
        apps.filter(looksUnhealthy),
        SWEEP_CONCURRENCY,
        async (app) => (await ctx.fixAndNotify(app.id, trigger, log)).outcome,
      );
      return { apps: apps.length, handled };
    }),
  );
  return {
    apps: value.apps,
    broken: value.handled.filter((h) => h.verdict === "broken").length,
    handled: value.handled,
    armRequests,
  };
}
