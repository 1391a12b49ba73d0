/**
 * v2 (issue 18), end to end through the timer trigger over a world with a container app and jobs (every event and
 * alert lost): the sweep reads the executions of each job that could have run within its lookback (one request per
 * job), fixes the scheduled job whose run there Failed, and leaves alone a healthy job and a job whose failed run is
 * older than the lookback (its executions are not even listed). The sweep after that has nothing to do.
 *
 * The lookback is the default sweep schedule's (`0 *\/15 * * * *`: one hour, job-sweep.ts); the jobs are daily, so
 * the sweep times them by their cron (a job that runs more often than that, or a Manual or Event job, is read on its
 * turn, once per 2 hours: test/core/job-sweep.test.ts), and their crons are set from the present so that their last
 * fire time falls inside the lookback or well outside it.
 */
import { describe, expect, it } from "vitest";
import { type Host, invocation, timer, useFunctionHost } from "../functions/harness.js";
import {
  ARM_CLOCK_AHEAD_MS,
  executionListings,
  executionsOf,
  type JobWorld,
  jobDeveloper,
  presentJobWorld,
  pullGuardWrites,
  resourceOf,
} from "./jobs-host.js";

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-batch`;
const ENV_ID = `${RG}/providers/Microsoft.App/managedEnvironments/env-batch`;
const REGISTRY = `${RG}/providers/Microsoft.ContainerRegistry/registries/batchacr`;
const SYSTEM_PRINCIPAL = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
/** How long an execution runs on the emulator's clock (tools/emulator/job-executions.ts EXECUTION_SECONDS). */
const EXECUTION_MS = 10_000;
const PUBLIC_IMAGE = "mcr.microsoft.com/k8se/quickstart-jobs:latest";
const jobId = (name: string) => `${RG}/providers/Microsoft.App/jobs/${name}`;

/** Failed 20 minutes ago, inside the lookback; its system identity has no pull role (pull-role-missing). */
const BROKEN_RECENT = jobId("nightly-export");
/** Ran 20 minutes ago too, and Succeeded. */
const HEALTHY = jobId("daily-report");
/** Broken the same way, but its failed run was 6 hours ago: outside the lookback. */
const BROKEN_OLD = jobId("morning-cleanup");
const APP = `${RG}/providers/Microsoft.App/containerApps/batch-portal`;

const harness = useFunctionHost();
const sweep = () => harness.handlers.sweep(timer(), invocation("sweep").context);

/** A daily cron (five fields, UTC) that fired at `t`'s hour and minute. */
const dailyAt = (t: Date) => `${t.getUTCMinutes()} ${t.getUTCHours()} * * *`;

function job(name: string, cron: string, image: string): Record<string, unknown> {
  const trigger = {
    triggerType: "Schedule",
    scheduleTriggerConfig: { cronExpression: cron, parallelism: 1, replicaCompletionCount: 1 },
  };
  const privateImage = image.startsWith("batchacr.");
  return {
    id: jobId(name),
    name,
    type: "Microsoft.App/jobs",
    location: "westeurope",
    identity: { type: "SystemAssigned" },
    properties: {
      provisioningState: "Succeeded",
      environmentId: ENV_ID,
      configuration: {
        ...trigger,
        replicaTimeout: 1800,
        replicaRetryLimit: 1,
        registries: privateImage ? [{ server: "batchacr.azurecr.io", identity: "system" }] : [],
      },
      template: { containers: [{ name: "main", image }] },
    },
  };
}

function execution(name: string, status: string, start: Date): Record<string, unknown> {
  return {
    id: `${jobId(name)}/executions/${name}-${start.getTime() / 60_000}`,
    name: `${name}-${start.getTime() / 60_000}`,
    type: "Microsoft.App/jobs/executions",
    properties: {
      status,
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 60_000).toISOString(),
      template: { containers: [{ name: "main", image: "(as the job's)" }] },
    },
  };
}

/** scheduled-job-pull-role-missing.json moved to now, with a container app and two more jobs beside its job. */
function mixedWorld(): JobWorld {
  const now = new Date();
  const minute = (ago: number) => new Date(Math.floor(now.getTime() / 60_000) * 60_000 - ago * 60_000);
  const recent = minute(20);
  const old = minute(6 * 60);
  const world = presentJobWorld("scheduled-job-pull-role-missing.json", now);
  const nightly = resourceOf(world, BROKEN_RECENT);
  const config = nightly.properties.configuration as { scheduleTriggerConfig: { cronExpression: string } };
  config.scheduleTriggerConfig.cronExpression = dailyAt(recent);
  for (const r of world.resources) {
    if (r.type === "Microsoft.App/jobs/executions") {
      Object.assign(r.properties, {
        startTime: recent.toISOString(),
        endTime: new Date(recent.getTime() + 60_000).toISOString(),
      });
    }
  }
  world.resources.push(
    ...([
      job("daily-report", dailyAt(recent), PUBLIC_IMAGE),
      execution("daily-report", "Succeeded", recent),
      job("morning-cleanup", dailyAt(old), "batchacr.azurecr.io/export:2.1.0"),
      execution("morning-cleanup", "Failed", old),
      {
        id: APP,
        name: "batch-portal",
        type: "Microsoft.App/containerApps",
        location: "westeurope",
        identity: { type: "SystemAssigned" },
        properties: {
          environmentId: ENV_ID,
          managedEnvironmentId: ENV_ID,
          configuration: { activeRevisionsMode: "Single", registries: [] },
          template: { containers: [{ name: "web", image: "mcr.microsoft.com/k8se/quickstart:latest" }] },
        },
      },
    ] as JobWorld["resources"]),
  );
  expect(Date.parse(world.now) - now.getTime()).toBe(ARM_CLOCK_AHEAD_MS);
  return world;
}

/** PullGuard's listings of each job's executions since the log was cleared. */
const listings = (host: Host) =>
  Object.fromEntries([BROKEN_RECENT, HEALTHY, BROKEN_OLD].map((id) => [id, executionListings(host, id)]));

describe("v2: the timer sweep over apps and jobs", () => {
  it("fixes the job whose run inside the lookback Failed, lists only the executions of jobs that could have run; a second sweep has nothing to do", async () => {
    const host = await harness.open(mixedWorld());
    host.emulator.log.clear();

    const first = await sweep();
    expect(first).toMatchObject({
      apps: 4,
      broken: 1,
      handled: [{ appId: BROKEN_RECENT, verdict: "broken", action: "fixed" }],
    });
    // One listing per job that could have run since the last sweeps; none for the job whose run is long past.
    expect(listings(host)).toEqual({ [BROKEN_RECENT]: 1, [HEALTHY]: 1, [BROKEN_OLD]: 0 });
    // The one fix: AcrPull for nightly-export's system identity at batchacr; nothing else written, nothing started.
    expect(pullGuardWrites(host)).toEqual([
      expect.stringMatching(
        new RegExp(`^PUT ${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/[^/]+$`, "i"),
      ),
    ]);
    expect(host.sink.received).toHaveLength(1);

    host.emulator.log.clear();
    const second = await sweep();
    expect(second).toMatchObject({ apps: 4, broken: 0, handled: [] });
    expect(pullGuardWrites(host)).toEqual([]);
    expect(host.sink.received).toHaveLength(1);
  });

  it("a run after the fix that fails again (the grant was removed) is the sweep's again: fixed once more", async () => {
    const host = await harness.open(mixedWorld());
    expect(await sweep()).toMatchObject({ handled: [{ appId: BROKEN_RECENT, action: "fixed" }] });
    const grant = [...host.emulator.state.resources.values()].find(
      (r) => /roleAssignments/i.test(r.type) && r.properties?.principalId === SYSTEM_PRINCIPAL,
    );
    await jobDeveloper(host, SUB).deleteRoleAssignment(String(grant?.id));
    const run = host.emulator.simulateScheduledRun(BROKEN_RECENT);
    host.emulator.clock.advance(EXECUTION_MS);
    expect((await executionsOf(host, BROKEN_RECENT))[run?.name ?? ""]).toBe("Failed");
    host.emulator.log.clear();

    const again = await sweep();
    expect(again).toMatchObject({ broken: 1, handled: [{ appId: BROKEN_RECENT, verdict: "broken", action: "fixed" }] });
    expect(pullGuardWrites(host)).toEqual([
      expect.stringMatching(
        new RegExp(`^PUT ${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/[^/]+$`, "i"),
      ),
    ]);
  });
});
