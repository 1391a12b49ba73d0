/**
 * Real payloads from Azure's REST API specs (test/fixtures/azure-examples), placed in a world unchanged: the world loads,
 * and the emulator returns each resource with every field it was given (unknown ones included), on the wire and
 * through the SDK clients.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { collect, readJson } from "./helpers.js";

const DIR = join(import.meta.dirname, "../../fixtures/azure-examples");

interface Example {
  parameters: Record<string, unknown>;
  responses: Record<string, { body?: Record<string, unknown> & { id?: string; value?: Array<{ id: string }> } }>;
}
const example = (path: string) => readJson<Example>(`${DIR}/${path}`);
const body = (path: string) => {
  const b = example(path).responses["200"]?.body;
  if (!b) throw new Error(`${path} has no 200 body`);
  return b;
};
const values = (path: string) => body(path).value ?? [];

/** GET bodies, each served at its own ID. */
const GETS = [
  "app/ContainerApps_Get.json",
  "app/Revisions_Get.json",
  "app/ManagedEnvironments_Get.json",
  "containerregistry/RegistryGet.json",
  "msi/IdentityGet.json",
  "authorization/RoleAssignments_Get.json",
  "authorization/GetRoleDefinitionById.json",
];

async function rawGet(emu: Emulator, id: string, apiVersion: string): Promise<{ status: number; json: unknown }> {
  const token = (await emu.credential.getToken("https://management.azure.com/.default"))?.token;
  const response = await emu.httpClient.sendRequest(
    createPipelineRequest({
      url: `${emu.endpoint}${id}?api-version=${apiVersion}`,
      headers: createHttpHeaders({ authorization: `Bearer ${token}` }),
    }),
  );
  return { status: response.status, json: JSON.parse(response.bodyAsText ?? "null") };
}

describe("single-resource examples in one world", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ description: "azure examples", resources: GETS.map(body) });
  });
  afterAll(() => emu.stop());

  it.each(GETS.map((p) => [p]))("%s comes back with every field it was given", async (path) => {
    const given = body(path);
    const apiVersion = String(example(path).parameters["api-version"]);
    const answer = await rawGet(emu, String(given.id), apiVersion);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject(given);
  });

  it("keeps an app's given latestRevisionName and its given revision (no new revision at load)", async () => {
    const app = body("app/ContainerApps_Get.json") as { id: string; properties: { latestRevisionName: string } };
    const revisions = (await rawGet(emu, `${app.id}/revisions`, "2025-07-01")).json as {
      value: Array<{ name: string }>;
    };
    expect(revisions.value.map((r) => r.name)).toEqual(["testcontainerApp0-pjxhsye"]);
    expect(emu.getResource(app.id)?.properties?.latestRevisionName).toBe(app.properties.latestRevisionName);
  });

  it("an app given without its revisions gets one under the revision name it was given", async () => {
    const app = body("app/ContainerApps_Get.json") as { id: string; properties: { latestReadyRevisionName: string } };
    const alone = await startEmulator({ resources: [app] });
    try {
      const revisions = (await rawGet(alone, `${app.id}/revisions`, "2025-07-01")).json as {
        value: Array<{ name: string; properties: { template: unknown } }>;
      };
      expect(revisions.value.map((r) => r.name)).toEqual([app.properties.latestReadyRevisionName]);
      expect((await rawGet(alone, app.id, "2025-07-01")).json).toMatchObject(app);
    } finally {
      await alone.stop();
    }
  });

  it("the SDK clients read each of them", async () => {
    const options = { endpoint: emu.endpoint, httpClient: emu.httpClient };
    const apps = new ContainerAppsAPIClient(emu.credential, "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", options);
    const app = await apps.containerApps.get("rg", "testcontainerApp0");
    expect(app.configuration?.ingress?.fqdn).toBe(
      (body("app/ContainerApps_Get.json") as { properties: { configuration: { ingress: { fqdn: string } } } })
        .properties.configuration.ingress.fqdn,
    );
    const revision = await apps.containerAppsRevisions.getRevision(
      "rg",
      "testcontainerApp0",
      "testcontainerApp0-pjxhsye",
    );
    expect(revision.fqdn).toBe("testcontainerApp0-pjxhsye.politehill-ab123456.eastus.azurecontainerapps.io");
    const env = await new ContainerAppsAPIClient(
      emu.credential,
      "8efdecc5-919e-44eb-b179-915dca89ebf9",
      options,
    ).managedEnvironments.get("examplerg", "jlaw-demo1");
    expect(env.name).toBe("jlaw-demo1");

    const registry = await new ContainerRegistryManagementClient(
      emu.credential,
      "00000000-0000-0000-0000-000000000000",
      options,
    ).registries.get("myResourceGroup", "myRegistry");
    expect(registry.roleAssignmentMode).toBe("LegacyRegistryPermissions");
    const identity = await new ManagedServiceIdentityClient(
      emu.credential,
      "subid",
      options,
    ).userAssignedIdentities.get("rgName", "identityName");
    expect(identity).toMatchObject({ clientId: "4024ab25-56a8-4370-aea6-6389221caf29", isolationScope: "None" });

    const auth = new AuthorizationManagementClient(emu.credential, "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2", options);
    const assignment = await auth.roleAssignments.get(
      "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
      "b0f43c54-e787-4862-89b1-a653fa9cf747",
    );
    expect(assignment).toMatchObject({ principalType: "User", principalId: "ce2ce14e-85d7-4629-bdbc-454d0519d987" });
    const role = await auth.roleDefinitions.getById(
      "subscriptions/subID/providers/Microsoft.Authorization/roleDefinitions/roleDefinitionId",
    );
    expect(role).toMatchObject({ roleName: "Role name", description: "Role description", roleType: "roletype" });
    expect(role.permissions?.[0]?.dataActions).toEqual(["dataAction"]);
  });
});

describe("list examples in one world", () => {
  const LISTS = [
    [
      "app/ContainerApps_ListBySubscription.json",
      "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/providers/Microsoft.App/containerApps",
    ],
    [
      "app/Revisions_List.json",
      "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.App/containerApps/testcontainerApp0/revisions",
    ],
    [
      "containerregistry/RegistryList.json",
      "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.ContainerRegistry/registries",
    ],
    [
      "authorization/RoleAssignments_ListForSubscription.json",
      "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments",
    ],
  ] as const;
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ resources: LISTS.flatMap(([path]) => values(path)) });
  });
  afterAll(() => emu.stop());

  it.each(LISTS.map(([path, url]) => [path, url]))("%s lists its items with every field kept", async (path, url) => {
    const answer = await rawGet(emu, url, String(example(path).parameters["api-version"]));
    expect(answer.status).toBe(200);
    expect((answer.json as { value: unknown[] }).value).toMatchObject(values(path));
  });

  it("the SDK lists them", async () => {
    const options = { endpoint: emu.endpoint, httpClient: emu.httpClient };
    const apps = await collect(
      new ContainerAppsAPIClient(
        emu.credential,
        "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345",
        options,
      ).containerApps.listBySubscription(),
    );
    expect(apps.map((a) => a.id)).toEqual(values("app/ContainerApps_ListBySubscription.json").map((v) => v.id));
  });
});

it("every example with a resource body is covered by this file", () => {
  const covered = new Set([
    ...GETS,
    "app/ContainerApps_ListBySubscription.json",
    "app/Revisions_List.json",
    "containerregistry/RegistryList.json",
    "authorization/RoleAssignments_ListForSubscription.json",
    "app/Job_Get.json",
    "app/Jobs_ListByResourceGroup.json",
    "app/Job_Execution_Get.json",
    "app/Job_Executions_Get.json",
    "app/Job_Start.json",
  ]);
  const all = readdirSync(DIR, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"));
  expect(all.length).toBeGreaterThan(covered.size);
  for (const path of covered) expect(all).toContain(path);
});

describe("v2: job examples (Job_Get, Jobs_ListByResourceGroup, Job_Execution_Get, Job_Executions_Get, Job_Start)", () => {
  const JOB = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.App/jobs";
  /** The execution examples carry no `id`/`type`: a world gives them, under a job of the list example. */
  const executionOf = (b: Record<string, unknown>) => ({
    ...b,
    id: `${JOB}/testcontainerappsjob0/executions/${String(b.name)}`,
    type: "Microsoft.App/jobs/executions",
  });
  const single = body("app/Job_Execution_Get.json");
  const listed = values("app/Job_Executions_Get.json")[0] as unknown as Record<string, unknown>;
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      resources: [...values("app/Jobs_ListByResourceGroup.json"), executionOf(single), executionOf(listed)],
    });
  });
  afterAll(() => emu.stop());

  it("GET of the job and the list by group come back with every field given", async () => {
    // Job_Get's job is the list's first one in another case (IDs compare case-insensitively): a world of its own.
    const given = body("app/Job_Get.json");
    const alone = await startEmulator({ resources: [given] });
    try {
      expect((await rawGet(alone, String(given.id), "2025-07-01")).json).toMatchObject(given);
    } finally {
      await alone.stop();
    }
    const list = (await rawGet(emu, JOB, "2025-07-01")).json as { value: unknown[] };
    expect(list.value).toMatchObject(values("app/Jobs_ListByResourceGroup.json"));
  });

  it("an execution and the executions list have the examples' shapes", async () => {
    const one = (await rawGet(emu, `${JOB}/testcontainerappsjob0/executions/jobExecution1`, "2025-07-01")).json;
    expect(one).toMatchObject(single);
    const list = (await rawGet(emu, `${JOB}/testcontainerappsjob0/executions`, "2025-07-01")).json as {
      value: unknown[];
    };
    expect(list.value).toEqual(expect.arrayContaining([expect.objectContaining(listed)]));
  });

  it("a start answers the example's JobExecutionBase keys and a 202 with Location, through the SDK", async () => {
    const options = { endpoint: emu.endpoint, httpClient: emu.httpClient };
    const apps = new ContainerAppsAPIClient(emu.credential, "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", options);
    const started = await apps.jobs.beginStartAndWait("rg", "testcontainerappsjob0");
    const shown = example("app/Job_Start.json").responses;
    expect(Object.keys(started).sort()).toEqual(Object.keys(shown["200"]?.body ?? {}).sort());
    expect(started.name).toMatch(/^testcontainerappsjob0-[a-z0-9]{7}$/);
    const reply = emu.log.entries().find((e) => e.method === "POST" && e.path.includes("/start?"));
    expect(reply?.status).toBe(202);
    expect(Object.keys(shown["202"] ?? {})).toEqual(["headers"]);
  });
});
