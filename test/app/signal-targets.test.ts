/**
 * v2: the signals find jobs as they find apps. A world with a container app and a scheduled job in one environment,
 * both pulling from fabrikamacr through the same user-assigned identity (the job as Job_Get.json shapes it, REST spec
 * 2025-07-01), served by the emulator to the real SDK clients: the cheap lists (one of apps, one of jobs) map an
 * environment's write, an identity's change, a role assignment under the registry and an alert naming the job to
 * the workloads they concern, with no workload read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAzureAccess } from "../../src/app/azure-access.js";
import { createEventLooks } from "../../src/app/event-looks.js";
import type { FlowContext, FlowDeps } from "../../src/app/flow-deps.js";
import { appsForAlert, appsForArmTarget } from "../../src/app/signal-targets.js";
import { readArmEvent } from "../../src/core/signals/arm-event.js";
import { readPullFailureAlert } from "../../src/core/signals/pull-failure-alert.js";
import { startEmulator } from "../../tools/emulator/index.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-checkout`;
const APP = `${RG}/providers/Microsoft.App/containerApps/checkout-web`;
const JOB = `${RG}/providers/Microsoft.App/jobs/nightly-export`;
const ENVIRONMENT = `${RG}/providers/Microsoft.App/managedEnvironments/env-checkout`;
const UAMI = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-checkout-pull`;
const REGISTRY = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;

/** A scheduled job beside checkout-web: same environment, registry entry and identity (Job_Get.json's shape). */
const job = {
  id: JOB,
  name: "nightly-export",
  type: "Microsoft.App/jobs",
  location: "northeurope",
  identity: { type: "UserAssigned", userAssignedIdentities: { [UAMI]: {} } },
  properties: {
    provisioningState: "Succeeded",
    environmentId: ENVIRONMENT,
    configuration: {
      triggerType: "Schedule",
      replicaTimeout: 1800,
      replicaRetryLimit: 1,
      scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
      registries: [{ server: "fabrikamacr.azurecr.io", identity: UAMI }],
    },
    template: {
      containers: [
        {
          name: "export",
          image: "fabrikamacr.azurecr.io/checkout/export:2.1.0",
          resources: { cpu: 0.5, memory: "1Gi" },
        },
      ],
    },
  },
};

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
});

async function setUp() {
  const world = JSON.parse(
    readFileSync(join(import.meta.dirname, "../fixtures/worlds/identity-not-attached.json"), "utf8"),
  ) as { resources: unknown[] };
  world.resources.push(job);
  const emulator = await startEmulator(world);
  stops.push(() => emulator.stop());
  const access = createAzureAccess(
    { endpoint: emulator.endpoint, credential: emulator.credential, httpClient: emulator.httpClient },
    () => emulator.clock.now(),
  );
  const now = () => emulator.clock.now();
  // Only what finding the targets uses; fixing them is not this test's business.
  const deps = { now, listApps: access.listApps, listRegistries: access.listRegistries } as Partial<FlowDeps>;
  const ctx: FlowContext = {
    deps: deps as FlowDeps,
    watched: new Set([SUB]),
    looks: createEventLooks({ now, coalesceEvents: false }),
    fixAndNotify: () => Promise.reject(new Error("not called here")),
  };
  return { emulator, access, ctx };
}

const sorted = (ids: string[]) => [...ids].sort();

describe("v2: signals reach jobs through the same lists as apps", () => {
  it("the lists hold the app and the job, one list call each", async () => {
    const { emulator, access } = await setUp();
    emulator.log.clear();
    const listed = await access.listApps(SUB);
    expect(listed.map((w) => ({ id: w.id, kind: w.kind, trigger: w.trigger }))).toEqual([
      { id: APP, kind: "app", trigger: null },
      { id: JOB, kind: "job", trigger: { type: "Schedule", cronExpression: "0 2 * * *" } },
    ]);
    const paths = emulator.log.entries().map((e) => e.path.split("?")[0] ?? "");
    expect(sorted(paths)).toEqual([
      `/subscriptions/${SUB}/providers/Microsoft.App/containerApps`,
      `/subscriptions/${SUB}/providers/Microsoft.App/jobs`,
    ]);
    const inGroup = await access.listApps(SUB, "rg-checkout");
    expect(inGroup.map((w) => w.id)).toEqual([APP, JOB]);
    expect(await access.listApps(SUB, "rg-platform")).toEqual([]);
  });

  it("an environment's write re-checks its app and its job", async () => {
    const { ctx } = await setUp();
    const event = JSON.parse(
      readFileSync("test/fixtures/events/environment-write-success.eventgrid.json", "utf8"),
    ) as Record<string, unknown>;
    event.subject = ENVIRONMENT;
    (event.data as Record<string, unknown>).resourceUri = ENVIRONMENT;
    const signal = readArmEvent(event);
    expect(signal).toMatchObject({ outcome: "look", target: { kind: "environment" } });
    const target = signal.outcome === "look" ? signal.target : { kind: "app" as const, appId: "" };
    expect(sorted(await appsForArmTarget(ctx, target, null))).toEqual([APP, JOB]);
  });

  it("an identity's change, a role assignment under the registry and the registry itself reach the job too", async () => {
    const { ctx } = await setUp();
    const found = await Promise.all([
      appsForArmTarget(ctx, { kind: "identity", identityId: UAMI.toLowerCase() }, null),
      appsForArmTarget(ctx, { kind: "scope", scope: REGISTRY }, null),
      appsForArmTarget(ctx, { kind: "registry", registryId: REGISTRY }, null),
    ]);
    expect(found.map(sorted)).toEqual([
      [APP, JOB],
      [APP, JOB],
      [APP, JOB],
    ]);
  });

  it("a pull-failure alert naming the job (JobName_s) finds the job, not the app", async () => {
    const { ctx } = await setUp();
    const alert = JSON.parse(readFileSync("test/fixtures/events/pull-failure-job.alert.json", "utf8")) as {
      data: { essentials: Record<string, unknown>; alertContext: { condition: { allOf: unknown[] } } };
    };
    const environment = ENVIRONMENT.toLowerCase();
    alert.data.essentials.configurationItems = [environment];
    alert.data.alertContext.condition.allOf = [
      {
        dimensions: [
          { name: "_ResourceId", value: environment },
          { name: "ContainerAppName_s", value: "nightly-export" },
          { name: "JobName_s", value: "nightly-export" },
        ],
      },
    ];
    const reading = readPullFailureAlert(alert);
    expect(reading).toMatchObject({ outcome: "look", alert: { kind: "job", appName: "nightly-export" } });
    const workload = reading.outcome === "look" ? reading.alert : null;
    expect(workload ? await appsForAlert(ctx, workload) : null).toEqual([JOB]);
    // Named as a job, an app of that name is not a match; named by ContainerAppName alone, either kind is.
    expect(workload ? await appsForAlert(ctx, { ...workload, appName: "checkout-web" }) : null).toEqual([]);
    expect(workload ? await appsForAlert(ctx, { ...workload, appName: "checkout-web", kind: null }) : null).toEqual([
      APP,
    ]);
  });
});
