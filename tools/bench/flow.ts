/**
 * The product's flow as the function app composes it (src/app/runtime.ts), with in-memory stores in place of Table
 * and Queue storage (the bench measures ARM, not Azurite) and no notification channels. Everything that talks to
 * ARM is the product's own code: createAzureAccess, createPullGuardFlow, diagnose.
 */
import { createAzureAccess } from "../../src/app/azure-access.js";
import type { PullGuardFlow } from "../../src/app/flow.js";
import { createPullGuardFlow } from "../../src/app/flow.js";
import type { FlowDeps } from "../../src/app/flow-deps.js";
import { assembleFlowDeps } from "../../src/app/runtime.js";
import type { VerificationScheduling } from "../../src/app/verify.js";
import { createMemoryAuditLog } from "../../src/azure/audit-log.js";
import type { Backend } from "../../src/azure/backend.js";
import { createMemoryChangeBudget } from "../../src/azure/change-budget.js";
import { loadSettings, type Mode } from "../../src/config.js";
import { noTelemetry } from "../../src/shared/telemetry.js";

export interface BenchFlowOptions {
  subscriptions: string[];
  mode: Mode;
  /** PullGuard's own principal: events it caused are ignored. */
  selfPrincipalId?: string;
  /** false: every event handled on its own (the naive way). */
  coalesceEvents?: boolean;
  /** The flow's clock (default the system clock); a generated world with jobs fixes its own (world-jobs.ts). */
  now?: () => Date;
}

export function benchFlow(
  backend: Backend,
  options: BenchFlowOptions,
): { flow: PullGuardFlow; deps: FlowDeps; scheduled: () => number } {
  const settings = loadSettings({
    PULLGUARD_SUBSCRIPTIONS: options.subscriptions.join(","),
    PULLGUARD_MODE: options.mode,
    PULLGUARD_MAX_CHANGES_PER_HOUR: "10000",
    ...(options.selfPrincipalId ? { PULLGUARD_SELF_PRINCIPAL_ID: options.selfPrincipalId } : {}),
  });
  const now = options.now ?? (() => new Date());
  const azure = createAzureAccess(backend, now);
  let scheduled = 0;
  const scheduler: VerificationScheduling = {
    async schedule() {
      scheduled++;
      return `bench-${scheduled}`;
    },
  };
  const deps: FlowDeps = {
    ...assembleFlowDeps(settings, azure, now, {
      budget: createMemoryChangeBudget(settings.maxChangesPerHour),
      audit: createMemoryAuditLog(),
      scheduler,
      notify: async () => undefined,
      telemetry: noTelemetry,
    }),
    ...(options.coalesceEvents === false ? { coalesceEvents: false } : {}),
  };
  return { flow: createPullGuardFlow(deps), deps, scheduled: () => scheduled };
}
