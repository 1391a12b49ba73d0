/**
 * readPullFacts of a container apps job (v2) over the real SDK clients against the small local ARM + ACR
 * (local-world.ts): the job is read with `jobs.get`, its recent executions with `jobsExecutions.list` in wave 2, and a
 * job costs the same waves as the same workload deployed as an app (its one executions list takes the place of the
 * app's revision and replicas). The job's body follows Job_Get.json and the executions list Job_Executions_Get.json
 * (azure-rest-api-specs, specification/app/resource-manager/Microsoft.App/ContainerApps/stable/2025-07-01/examples/).
 */
import { afterEach, describe, expect, it } from "vitest";
import { AppNotFoundError, AppUnreadableError } from "../../src/azure/errors.js";
import { readPullFacts } from "../../src/azure/read-pull-facts.js";
import { createSharedReads, type SharedReads } from "../../src/azure/shared-reads.js";
import { InvalidAppIdError } from "../../src/shared/errors.js";
import { armRequestsOf, TEST_TENANT, testBackend } from "./local-arm.js";
import { type LocalServer, startLocalHttps } from "./local-https.js";
import { answerWorld, type LocalResource, type LocalWorld } from "./local-world.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-batch`;
const JOB_ID = `${RG}/providers/Microsoft.App/jobs/nightly-export`;
const APP_ID = `${RG}/providers/Microsoft.App/containerApps/nightly-export`;
const ENV_ID = `${RG}/providers/Microsoft.App/managedEnvironments/env-batch`;
const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
const UAMI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-batch-pull`;
const SYSTEM_PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
const UAMI_PRINCIPAL = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const NOW = new Date("2026-11-22T12:00:00Z");

const identity = {
  type: "SystemAssigned,UserAssigned",
  principalId: SYSTEM_PRINCIPAL,
  tenantId: TEST_TENANT,
  userAssignedIdentities: {
    [UAMI_ID]: { principalId: UAMI_PRINCIPAL, clientId: "0b9f6e2d-4c3a-4e18-b7d5-91a8c6e0f2d4" },
  },
};
const registries = [{ server: "fabrikamacr.azurecr.io", identity: UAMI_ID }];
const template = {
  containers: [
    { name: "export", image: "fabrikamacr.azurecr.io/batch/export:2.1.0", resources: { cpu: 0.5, memory: "1Gi" } },
  ],
  initContainers: [{ name: "schema", image: "fabrikamacr.azurecr.io/batch/schema:2.1.0" }],
};

/** A scheduled job, as `GET .../jobs/{name}` answers (Job_Get.json's shape, 2025-07-01). */
const job: LocalResource = {
  id: JOB_ID,
  name: "nightly-export",
  type: "Microsoft.App/jobs",
  location: "northeurope",
  identity,
  properties: {
    provisioningState: "Succeeded",
    environmentId: ENV_ID,
    outboundIpAddresses: ["51.104.12.9"],
    configuration: {
      triggerType: "Schedule",
      replicaTimeout: 1800,
      replicaRetryLimit: 1,
      scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
      registries,
      secrets: [{ name: "storage-key" }],
    },
    template,
  },
};

/** The same workload deployed as a container app, with its failed latest revision and one replica. */
const app: LocalResource = {
  id: APP_ID,
  name: "nightly-export",
  type: "Microsoft.App/containerApps",
  location: "northeurope",
  identity,
  properties: {
    provisioningState: "Succeeded",
    environmentId: ENV_ID,
    latestRevisionName: "nightly-export--r1",
    latestReadyRevisionName: "nightly-export--r0",
    outboundIpAddresses: ["51.104.12.9"],
    configuration: { registries, secrets: [{ name: "storage-key" }] },
    template,
  },
};

const execution = (name: string, status: string, startTime: string): LocalResource => ({
  id: `${JOB_ID}/executions/${name}`,
  name,
  type: "Microsoft.App/jobs/executions",
  properties: { status, startTime, endTime: null, template },
});

function world(): LocalWorld {
  return {
    subscriptions: [{ subscriptionId: SUB, tenantId: TEST_TENANT }],
    resources: [
      job,
      app,
      {
        id: ENV_ID,
        name: "env-batch",
        type: "Microsoft.App/managedEnvironments",
        location: "northeurope",
        properties: { provisioningState: "Succeeded" },
      },
      {
        id: REGISTRY_ID,
        name: "fabrikamacr",
        type: "Microsoft.ContainerRegistry/registries",
        location: "northeurope",
        sku: { name: "Premium" },
        properties: { loginServer: "fabrikamacr.azurecr.io", adminUserEnabled: false },
      },
      {
        id: UAMI_ID,
        name: "id-batch-pull",
        type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        location: "northeurope",
        properties: {
          principalId: UAMI_PRINCIPAL,
          clientId: "0b9f6e2d-4c3a-4e18-b7d5-91a8c6e0f2d4",
          tenantId: TEST_TENANT,
        },
      },
      {
        id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/a-pull`,
        name: "a-pull",
        type: "Microsoft.Authorization/roleAssignments",
        properties: {
          scope: REGISTRY_ID,
          roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
          principalId: UAMI_PRINCIPAL,
          principalType: "ServicePrincipal",
          createdOn: "2026-10-01T09:00:00Z",
        },
      },
      // ARM's list order is not documented: listed oldest first here, the facts hold them newest first.
      execution("nightly-export-29301120", "Succeeded", "2026-11-20T02:00:04Z"),
      execution("nightly-export-29302560", "Failed", "2026-11-21T02:00:03Z"),
      execution("nightly-export-29304000", "Failed", "2026-11-22T02:00:05Z"),
      {
        id: `${APP_ID}/revisions/nightly-export--r1`,
        name: "nightly-export--r1",
        type: "Microsoft.App/containerApps/revisions",
        properties: { provisioningState: "Failed", runningState: "Failed", healthState: "Unhealthy" },
      },
      {
        id: `${APP_ID}/revisions/nightly-export--r1/replicas/nightly-export--r1-abc`,
        name: "nightly-export--r1-abc",
        type: "Microsoft.App/containerApps/revisions/replicas",
        properties: { runningState: "NotRunning", containers: [] },
      },
    ],
    tags: { "fabrikamacr.azurecr.io": { "batch/export": ["2.1.0"], "batch/schema": ["2.1.0"] } },
  };
}

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function read(w: LocalWorld, id: string, shared?: SharedReads) {
  server ??= await startLocalHttps(answerWorld(w));
  const backend = testBackend(server);
  const before = server.requests.length;
  const result = await readPullFacts(id, {
    clients: backend.clients,
    credential: backend.credential,
    httpClient: backend.httpClient,
    now: () => NOW,
    dataPlaneRetryOptions: { maxRetries: 0 },
    ...(shared ? { shared } : {}),
  });
  return { ...result, arm: armRequestsOf(server.requests.slice(before)) };
}

describe("readPullFacts of a job", () => {
  it("reads the job with jobs.get and its executions in wave 2, newest first; no revision", async () => {
    const { facts, stats, arm } = await read(world(), JOB_ID);
    expect(stats.waves).toBe(2);
    expect(stats.armRequests).toBe(arm.length);
    expect(facts.app).toEqual({
      kind: "job",
      id: JOB_ID,
      name: "nightly-export",
      subscriptionId: SUB,
      resourceGroup: "rg-batch",
      location: "northeurope",
      tags: {},
      environmentId: ENV_ID,
      provisioningState: "Succeeded",
      latestRevisionName: null,
      latestReadyRevisionName: null,
      outboundIpAddresses: ["51.104.12.9"],
      identity: {
        type: "SystemAssigned,UserAssigned",
        principalId: SYSTEM_PRINCIPAL,
        tenantId: TEST_TENANT,
        userAssigned: [{ id: UAMI_ID, principalId: UAMI_PRINCIPAL, clientId: "0b9f6e2d-4c3a-4e18-b7d5-91a8c6e0f2d4" }],
      },
      registries: [{ server: "fabrikamacr.azurecr.io", identity: UAMI_ID, username: null, passwordSecretRef: null }],
      secretNames: ["storage-key"],
      containers: [
        { name: "export", image: "fabrikamacr.azurecr.io/batch/export:2.1.0", kind: "container" },
        { name: "schema", image: "fabrikamacr.azurecr.io/batch/schema:2.1.0", kind: "init" },
      ],
      trigger: { type: "Schedule", cronExpression: "0 2 * * *" },
    });
    expect(arm.filter((r) => r.path === JOB_ID)).toHaveLength(1);
    expect(arm.filter((r) => r.path === `${JOB_ID}/executions`)).toHaveLength(1);
    expect(arm.some((r) => /\/revisions/i.test(r.path) || r.path.startsWith(APP_ID))).toBe(false);
    expect(facts.revision).toBeNull();
    expect(facts.executions).toEqual({
      readable: true,
      found: true,
      items: [
        { name: "nightly-export-29304000", status: "Failed", startTime: "2026-11-22T02:00:05.000Z", endTime: null },
        { name: "nightly-export-29302560", status: "Failed", startTime: "2026-11-21T02:00:03.000Z", endTime: null },
        { name: "nightly-export-29301120", status: "Succeeded", startTime: "2026-11-20T02:00:04.000Z", endTime: null },
      ],
    });
    // The rest of the pull path is read as for an app.
    const pulls = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(pulls?.readable && pulls.found && pulls.items.map((a) => a.name)).toEqual(["a-pull"]);
    expect(facts.manifests["fabrikamacr.azurecr.io/batch/export:2.1.0"]).toMatchObject({ status: "found" });
  });

  it("costs the same waves as the same workload as an app: one executions list for the revision and its replicas", async () => {
    const asJob = await read(world(), JOB_ID);
    const asApp = await read(world(), APP_ID);
    expect(asApp.facts.executions).toBeNull();
    expect(asApp.facts.revision).toMatchObject({ readable: true, found: true, name: "nightly-export--r1" });
    expect(asJob.stats.waves).toBe(asApp.stats.waves);
    expect(asJob.stats.armRequests).toBe(asApp.stats.armRequests - 1);
    const appOwn = asApp.arm.filter((r) => r.path.startsWith(`${APP_ID}/`)).map((r) => r.path);
    const jobOwn = asJob.arm.filter((r) => r.path.startsWith(`${JOB_ID}/`)).map((r) => r.path);
    expect(appOwn.sort()).toEqual([
      `${APP_ID}/revisions/nightly-export--r1`,
      `${APP_ID}/revisions/nightly-export--r1/replicas`,
    ]);
    expect(jobOwn).toEqual([`${JOB_ID}/executions`]);
    const others = (arm: typeof asApp.arm, own: string) =>
      arm.filter((r) => !r.path.startsWith(own)).map((r) => `${r.path}?${r.query.toString()}`);
    expect(others(asJob.arm, JOB_ID).sort()).toEqual(others(asApp.arm, APP_ID).sort());
  });

  it("a run that already listed the job's executions shares them: no second list", async () => {
    const shared = createSharedReads();
    const listed = {
      readable: true,
      found: true,
      items: [
        { name: "nightly-export-29304000", status: "Failed", startTime: "2026-11-22T02:00:05.000Z", endTime: null },
      ],
    };
    shared.seed(`executions:${JOB_ID.toLowerCase()}`, listed);
    const { facts, arm } = await read(world(), JOB_ID, shared);
    expect(arm.filter((r) => r.path.endsWith("/executions"))).toEqual([]);
    expect(facts.executions).toEqual(listed);
    // Without the seed the same run lists them once, and a second read in the run does not list again.
    const fresh = createSharedReads();
    await read(world(), JOB_ID, fresh);
    const again = await read(world(), JOB_ID, fresh);
    expect(again.arm.filter((r) => r.path.endsWith("/executions"))).toEqual([]);
  });

  it("executions PullGuard may not list are Unreadable, with the role it needs; the job is still diagnosed", async () => {
    const w = world();
    w.failures = {
      [`GET ${JOB_ID}/executions`]: {
        status: 403,
        body: { error: { code: "AuthorizationFailed", message: "The client does not have authorization" } },
      },
    };
    const { facts } = await read(w, JOB_ID);
    expect(facts.executions).toMatchObject({
      readable: false,
      resource: `${JOB_ID}/executions`,
      status: 403,
      errorCode: "AuthorizationFailed",
      neededRole: expect.stringContaining("Reader on job nightly-export"),
    });
    expect(facts.app.kind).toBe("job");
  });

  it("the job itself: 404 → AppNotFoundError, 403 and 404 SubscriptionNotFound → AppUnreadableError, each saying job", async () => {
    const gone = `${JOB_ID}-gone`;
    const missing = await read(world(), gone).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AppNotFoundError);
    expect((missing as Error).message).toBe(
      `job ${gone} was not found; check the subscription, resource group and name ` +
        "(az containerapp job show --name nightly-export-gone --resource-group rg-batch)",
    );
    const refusedWorld = world();
    refusedWorld.failures = {
      [`GET ${JOB_ID}`]: { status: 403, body: { error: { code: "AuthorizationFailed", message: "no" } } },
    };
    await server?.close();
    server = undefined;
    const refused = await read(refusedWorld, JOB_ID).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppUnreadableError);
    expect((refused as Error).message).toBe(
      `PullGuard cannot read job ${JOB_ID} (HTTP 403 AuthorizationFailed); ` +
        "give its identity Reader on the job, its resource group or its subscription",
    );
    const invisibleWorld = world();
    invisibleWorld.failures = {
      [`GET ${JOB_ID}`]: {
        status: 404,
        body: { error: { code: "SubscriptionNotFound", message: `The subscription '${SUB}' could not be found.` } },
      },
    };
    await (server as LocalServer | undefined)?.close();
    server = undefined;
    const invisible = await read(invisibleWorld, JOB_ID).catch((e: unknown) => e);
    expect(invisible).toBeInstanceOf(AppUnreadableError);
    expect((invisible as Error).message).toMatch(
      new RegExp(`^PullGuard cannot see the subscription of job ${JOB_ID} .*Reader on the job,`),
    );
    const execution = await read(world(), `${JOB_ID}/executions/nightly-export-29304000`).catch((e: unknown) => e);
    expect(execution).toBeInstanceOf(InvalidAppIdError);
  });
});
