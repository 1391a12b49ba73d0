/**
 * v2: Container Apps jobs and their executions, through the real SDK client (`jobs`, `jobsExecutions`,
 * `jobExecution` of @azure/arm-appcontainers): reads, lists, JSON merge PATCH as a long-running operation, start,
 * executions evaluated like revisions, a world's own executions kept, RBAC, events, and the world's validation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { loadWorld } from "../../../tools/emulator/world.js";
import {
  ACR_PULL,
  armCount,
  assignmentId,
  clientsFor,
  collect,
  ENV_ID,
  READER,
  REGISTRY_ID,
  RG,
  readJson,
  rg,
  roleId,
  SUB,
  shopWorld,
  UAMI_ID,
} from "./helpers.js";

const jobId = (name: string) => `${rg(RG)}/providers/Microsoft.App/jobs/${name}`;
const CALLER = "8e7d6c5b-4a39-4281-9f0e-d1c2b3a4f5e6";

/** A job like the app helper's: the UAMI id-orders (AcrPull on the registry) or its own system identity (none). */
function job(name: string, options: { identity?: "system" | "uami"; trigger?: string } = {}): Record<string, unknown> {
  const identityRef = options.identity === "system" ? "system" : UAMI_ID;
  const trigger = options.trigger ?? "Manual";
  return {
    id: jobId(name),
    name,
    type: "Microsoft.App/jobs",
    location: "West Europe",
    identity:
      options.identity === "system"
        ? { type: "SystemAssigned" }
        : { type: "UserAssigned", userAssignedIdentities: { [UAMI_ID]: {} } },
    properties: {
      environmentId: ENV_ID,
      configuration: {
        triggerType: trigger,
        replicaTimeout: 1800,
        ...(trigger === "Schedule" ? { scheduleTriggerConfig: { cronExpression: "0 2 * * *" } } : {}),
        registries: [{ server: "contosoprod.azurecr.io", identity: identityRef }],
        secrets: [{ name: "export-key", value: "s3cr3t" }],
      },
      template: { containers: [{ name: "export", image: "contosoprod.azurecr.io/orders/api:1.4.2" }] },
    },
  };
}

const execution = (jobName: string, name: string, status: string, startTime: string) => ({
  id: `${jobId(jobName)}/executions/${name}`,
  name,
  type: "Microsoft.App/jobs/executions",
  properties: {
    status,
    startTime,
    template: { containers: [{ name: "export", image: "contosoprod.azurecr.io/orders/api:1.4.2" }] },
  },
});

const world = (extra: { caller?: unknown; resources?: unknown[] } = {}) =>
  shopWorld({
    ...extra,
    resources: [
      job("nightly-export", { trigger: "Schedule" }),
      job("reindex", { identity: "system" }),
      execution("nightly-export", "nightly-export-29412000", "Failed", "2026-11-21T02:00:00Z"),
      execution("nightly-export", "nightly-export-29413440", "Succeeded", "2026-11-22T02:00:00Z"),
      ...(extra.resources ?? []),
    ],
  });

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});
async function emulator(w: unknown = world(), options = {}) {
  const emu = await startEmulator(w, options);
  started.push(emu);
  return { emu, apps: clientsFor(emu).apps };
}

describe("jobs read through the SDK", () => {
  it("gets a job with its secrets redacted; lists by group and subscription, paged", async () => {
    const { emu, apps } = await emulator(world(), { pageSize: 1 });
    const got = await apps.jobs.get(RG, "nightly-export");
    expect(got).toMatchObject({ provisioningState: "Succeeded", configuration: { triggerType: "Schedule" } });
    expect(got.configuration?.secrets).toEqual([{ name: "export-key" }]);
    const byGroup = await collect(apps.jobs.listByResourceGroup(RG));
    expect(byGroup.map((j) => j.name)).toEqual(["nightly-export", "reindex"]);
    expect((await collect(apps.jobs.listBySubscription())).length).toBe(2);
    expect(armCount(emu, "GET", /\/resourceGroups\/rg-shop\/providers\/Microsoft\.App\/jobs$/)).toBe(2);
    expect((await apps.jobs.listSecrets(RG, "nightly-export")).value).toEqual([
      { name: "export-key", value: "s3cr3t" },
    ]);
  });

  it("keeps a world's executions as given, in start order; one by name; a job with none has none", async () => {
    const { apps } = await emulator();
    const listed = await collect(apps.jobsExecutions.list(RG, "nightly-export"));
    expect(listed.map((e) => [e.name, e.status])).toEqual([
      ["nightly-export-29412000", "Failed"],
      ["nightly-export-29413440", "Succeeded"],
    ]);
    const one = await apps.jobExecution(RG, "nightly-export", "nightly-export-29412000");
    expect(one.startTime?.toISOString()).toBe("2026-11-21T02:00:00.000Z");
    expect(await collect(apps.jobsExecutions.list(RG, "reindex"))).toEqual([]);
  });
});

describe("starting a job", () => {
  it("a job that can pull: 202 with the execution's {name, id}; Running, then Succeeded", async () => {
    const { emu, apps } = await emulator();
    const base = await apps.jobs.beginStartAndWait(RG, "nightly-export");
    expect(base.name).toMatch(/^nightly-export-[a-z0-9]{7}$/);
    expect(base.id).toBe(`${jobId("nightly-export")}/executions/${base.name}`);
    const name = base.name ?? "";
    expect((await apps.jobExecution(RG, "nightly-export", name)).status).toBe("Running");
    emu.clock.advance(10_000);
    const done = await apps.jobExecution(RG, "nightly-export", name);
    expect(done.status).toBe("Succeeded");
    expect(done.endTime).toBeInstanceOf(Date);
    expect((await collect(apps.jobsExecutions.list(RG, "nightly-export"))).at(-1)?.name).toBe(name);
    await emu.alerts.settle();
    expect(emu.alerts.published()).toEqual([]);
    expect(emu.events.published().map((e) => e.data.operationName)).toEqual(["Microsoft.App/jobs/start/action"]);
  });

  it("a job whose identity lacks AcrPull: Running, then Failed; the system logs and the alert name the job", async () => {
    const w = { ...world(), behaviour: { failureWording: "managed-identity" } };
    const { emu, apps } = await emulator(w);
    const { name = "" } = await apps.jobs.beginStartAndWait(RG, "reindex");
    expect((await apps.jobExecution(RG, "reindex", name)).status).toBe("Running");
    emu.clock.advance(10_000);
    expect((await apps.jobExecution(RG, "reindex", name)).status).toBe("Failed");
    await emu.systemLogs.settle();
    expect(emu.systemLogs.published()).toEqual([
      expect.objectContaining({
        ContainerAppName: "reindex",
        JobName: "reindex",
        ExecutionName: name,
        Reason: "ImagePullBackOff",
        Log: 'Container is waiting with reason: ImagePullBackOff. Failed to pull image "contosoprod.azurecr.io/orders/api:1.4.2": unable to pull image using Managed identity system for registry contosoprod.azurecr.io',
      }),
    ]);
    const dimensions = (
      emu.alerts.published()[0] as { data: { alertContext: { condition: { allOf: Array<{ dimensions: unknown }> } } } }
    ).data.alertContext.condition.allOf[0]?.dimensions;
    expect(dimensions).toEqual([
      { name: "_ResourceId", value: ENV_ID.toLowerCase() },
      { name: "ContainerAppName_s", value: "reindex" },
      { name: "JobName_s", value: "reindex" },
    ]);
  });

  it("a scheduled run the platform starts: no ARM request and no ARM event; decided like a started one", async () => {
    const { emu, apps } = await emulator();
    const before = emu.log.entries().length;
    const run = emu.simulateScheduledRun(jobId("reindex"));
    expect(run?.id).toBe(`${jobId("reindex")}/executions/${run?.name}`);
    expect(emu.log.entries().length).toBe(before);
    emu.clock.advance(10_000);
    expect((await apps.jobExecution(RG, "reindex", run?.name ?? "")).status).toBe("Failed");
    await emu.events.settle();
    expect(emu.events.published()).toEqual([]);
    expect(emu.simulateScheduledRun(jobId("no-such-job"))).toBeNull();
  });

  it("a scheduled run given its fire time starts exactly then, whatever real time passed since the clock moved", async () => {
    const { emu, apps } = await emulator();
    const fire = new Date(emu.clock.now().getTime() + 60_000);
    fire.setUTCSeconds(0, 0);
    emu.clock.advance(fire.getTime() - emu.clock.now().getTime());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const run = emu.simulateScheduledRun(jobId("nightly-export"), fire);
    const started = await apps.jobExecution(RG, "nightly-export", run?.name ?? "");
    expect(started.startTime?.toISOString()).toBe(fire.toISOString());
  });

  it("a failing pull stays Running for behaviour.failedPullSeconds when that is longer", async () => {
    const { emu, apps } = await emulator({ ...world(), behaviour: { failedPullSeconds: 120 } });
    const { name = "" } = await apps.jobs.beginStartAndWait(RG, "reindex");
    emu.clock.advance(60_000);
    expect((await apps.jobExecution(RG, "reindex", name)).status).toBe("Running");
    emu.clock.advance(60_000);
    expect((await apps.jobExecution(RG, "reindex", name)).status).toBe("Failed");
  });

  it("the start answers 202 with Location only and the JobExecutionBase body (Job_Start.json; az's start_job)", async () => {
    const { emu, apps } = await emulator();
    const poller = await apps.jobs.beginStart(RG, "nightly-export");
    const entry = emu.log.entries().find((e) => e.method === "POST" && e.path.includes("/start?"));
    expect(entry?.status).toBe(202);
    await poller.pollUntilDone();
    expect(armCount(emu, "GET", /containerappsjobOperationResults\//)).toBeGreaterThanOrEqual(1);
    expect(armCount(emu, "GET", /containerappsjobOperationStatuses\//)).toBe(0);
  });
});

describe("writing a job", () => {
  it("PATCH merges like an app's, answered as an operation the SDK polls; an unpullable image still succeeds", async () => {
    const { emu, apps } = await emulator();
    const patched = await apps.jobs.beginUpdateAndWait(RG, "reindex", {
      identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { [UAMI_ID]: {} } },
      properties: {
        configuration: {
          triggerType: "Manual",
          replicaTimeout: 1800,
          registries: [{ server: "contosoprod.azurecr.io", identity: UAMI_ID }],
        },
        template: { containers: [{ name: "export", image: "contosoprod.azurecr.io/orders/api:9.9.9" }] },
      },
    });
    expect(patched.provisioningState).toBe("Succeeded");
    expect(patched.configuration?.registries).toEqual([{ server: "contosoprod.azurecr.io", identity: UAMI_ID }]);
    expect(patched.configuration?.secrets).toEqual([{ name: "export-key" }]);
    expect(patched.identity?.type).toBe("SystemAssigned,UserAssigned");
    expect(armCount(emu, "GET", /containerappsjobOperationStatuses\//)).toBeGreaterThanOrEqual(1);
    expect(emu.events.published().map((e) => [e.eventType, e.data.operationName])).toEqual([
      ["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.App/jobs/write"],
    ]);
  });

  it("PUT creates a job (201, polled to Succeeded); DELETE removes it with its executions", async () => {
    const { emu, apps } = await emulator();
    const body = job("backfill") as { location: string; properties: Record<string, unknown> };
    const created = await apps.jobs.beginCreateOrUpdateAndWait(RG, "backfill", {
      location: body.location,
      environmentId: ENV_ID,
      configuration: { triggerType: "Manual", replicaTimeout: 60 },
      template: { containers: [{ name: "x", image: "contosoprod.azurecr.io/orders/api:1.4.2" }] },
    });
    expect(created.provisioningState).toBe("Succeeded");
    await apps.jobs.beginDeleteAndWait(RG, "nightly-export");
    expect(emu.getResource(`${jobId("nightly-export")}/executions/nightly-export-29412000`)).toBeUndefined();
    expect(emu.events.published().map((e) => e.data.operationName)).toEqual([
      "Microsoft.App/jobs/write",
      "Microsoft.App/jobs/delete",
    ]);
  });

  it("a PUT without configuration.triggerType is refused naming the field", async () => {
    const { apps } = await emulator();
    await expect(
      apps.jobs.beginCreateOrUpdateAndWait(RG, "bad", { location: "West Europe", environmentId: ENV_ID, template: {} }),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("properties.configuration") });
  });
});

describe("RBAC on jobs (a caller named by the world)", () => {
  const reader = {
    id: assignmentId(rg(RG), "6f405162-8d9e-4fa0-b1c2-3d4e5f607182"),
    name: "6f405162-8d9e-4fa0-b1c2-3d4e5f607182",
    type: "Microsoft.Authorization/roleAssignments",
    properties: { roleDefinitionId: roleId(READER), principalId: CALLER, principalType: "ServicePrincipal" },
  };

  it("a Reader reads jobs and executions but may neither start nor write one", async () => {
    const { apps } = await emulator(world({ caller: { principalId: CALLER }, resources: [reader] }));
    expect((await collect(apps.jobsExecutions.list(RG, "nightly-export"))).length).toBe(2);
    await expect(apps.jobs.beginStartAndWait(RG, "nightly-export")).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationFailed",
      message: expect.stringContaining("'Microsoft.App/jobs/start/action'"),
    });
    await expect(apps.jobs.beginUpdateAndWait(RG, "reindex", { tags: { a: "b" } })).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining("'Microsoft.App/jobs/write'"),
    });
    await expect(apps.jobs.listSecrets(RG, "reindex")).rejects.toMatchObject({ statusCode: 403 });
    expect(await collect(apps.jobsExecutions.list(RG, "reindex"))).toEqual([]);
  });

  it("the job's own identity needs AcrPull: granting it makes the next execution succeed", async () => {
    const { emu, apps } = await emulator();
    const principal = emu.getResource(jobId("reindex"))?.identity?.principalId ?? "";
    await clientsFor(emu).auth.roleAssignments.create(REGISTRY_ID, "7a516273-9eaf-4b01-c2d3-4e5f60718293", {
      roleDefinitionId: roleId(ACR_PULL, SUB),
      principalId: principal,
      principalType: "ServicePrincipal",
    });
    const { name = "" } = await apps.jobs.beginStartAndWait(RG, "reindex");
    emu.clock.advance(10_000);
    expect((await apps.jobExecution(RG, "reindex", name)).status).toBe("Succeeded");
  });
});

describe("jobs in world files", () => {
  const load = (resources: unknown[]) => () => loadWorld({ resources });
  it("rejects a job without a trigger type, naming the field and what is expected", () => {
    const bad = job("x");
    delete ((bad.properties as { configuration: Record<string, unknown> }).configuration as Record<string, unknown>)
      .triggerType;
    expect(load([bad])).toThrow(
      'resources[0].properties.configuration.triggerType: found nothing; expected the job\'s trigger type: "Manual", "Schedule" or "Event"',
    );
  });

  it("rejects a Schedule job without cronExpression, an execution of no job, and an unknown status", () => {
    const schedule = job("s", { trigger: "Schedule" });
    delete (schedule.properties as { configuration: Record<string, unknown> }).configuration.scheduleTriggerConfig;
    expect(load([schedule])).toThrow("resources[0].properties.configuration.scheduleTriggerConfig.cronExpression");
    expect(load([execution("ghost", "ghost-1", "Failed", "2026-11-21T02:00:00Z")])).toThrow("resources[0].id: found");
    expect(load([job("x"), execution("x", "x-1", "Crashed", "2026-11-21T02:00:00Z")])).toThrow(
      'resources[1].properties.status: found "Crashed"; expected one of Running, Processing, Stopped, Degraded, Failed, Unknown, Succeeded',
    );
  });
});

describe("the job world test/fixtures/worlds/jobs/scheduled-job-pull-role-missing.json", () => {
  it("keeps last night's Failed execution; a started one fails too (the system identity has no pull role)", async () => {
    const w = readJson("test/fixtures/worlds/jobs/scheduled-job-pull-role-missing.json");
    const emu = await startEmulator(w);
    started.push(emu);
    const apps = clientsFor(emu, emu.credential, "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11").apps;
    expect((await collect(apps.jobsExecutions.list("rg-batch", "nightly-export"))).map((e) => e.status)).toEqual([
      "Failed",
    ]);
    const { name = "" } = await apps.jobs.beginStartAndWait("rg-batch", "nightly-export");
    emu.clock.advance(10_000);
    expect((await apps.jobExecution("rg-batch", "nightly-export", name)).status).toBe("Failed");
  });
});
