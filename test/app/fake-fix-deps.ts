/**
 * The FixDeps the fix use-case tests run fixApp with over a FakeArm: fix mode within the test subscription, in-memory
 * budget and audit, a CLI caller, and the CLI's wait whose sleep moves the one test clock (also the fake's, so ARM and
 * PullGuard agree on the time).
 */
import type { FixDeps } from "../../src/app/fix-app.js";
import { createMemoryAuditLog } from "../../src/azure/audit-log.js";
import { createMemoryChangeBudget } from "../../src/azure/change-budget.js";
import type { PolicySettings } from "../../src/core/policy.js";
import type { FakeArm } from "../azure/fake-arm.js";
import { SUB } from "../core/builders.js";

export const FIX_START = Date.parse("2026-11-22T12:00:00Z");

export function fakeFixDeps(
  arm: FakeArm,
  reader: Pick<FixDeps, "readFacts" | "diagnose">,
  settings: Partial<PolicySettings> = {},
): FixDeps {
  let t = FIX_START;
  arm.clock = () => new Date(t);
  return {
    ...reader,
    settings: {
      mode: "fix",
      optInFixes: [],
      disabledFixes: [],
      allowedScopes: [`/subscriptions/${SUB}`],
      maxChangesPerHour: 20,
      ...settings,
    },
    apply: {
      arm,
      now: () => new Date(t),
      sleep: async () => undefined,
      budget: createMemoryChangeBudget(20),
      audit: createMemoryAuditLog(),
    },
    trigger: { source: "cli", caller: "alice" },
    dryRun: false,
    confirm: async () => true,
    verification: {
      mode: "wait",
      deadlineMs: 60_000,
      sleep: async (ms) => {
        t += ms;
      },
    },
  };
}
