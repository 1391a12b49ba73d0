/**
 * world.md v2 `behaviour`, through the real @azure/arm-appcontainers and @azure/arm-authorization clients: Location-
 * only long-running operations (the 2025-07-01 spec's PATCH), operations that take minutes, revisions that fail only
 * after ACA has retried the pull, writes ACA refuses while the current image cannot be pulled, and replies lost after
 * a write was applied. The sources of each are in tools/emulator/behaviour.ts and docs/worlds.md.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { loadWorld } from "../../../tools/emulator/world.js";

const WORLD = join(import.meta.dirname, "../../fixtures/worlds/pull-role-missing.json");
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
const REGISTRY = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
const LOCATION = "West Europe";
const PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
const ACR_PULL = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

async function withBehaviour(behaviour: Record<string, unknown>): Promise<Emulator> {
  const world = JSON.parse(readFileSync(WORLD, "utf8")) as Record<string, unknown>;
  emu = await startEmulator({ ...world, behaviour });
  return emu;
}

const apps = (e: Emulator) =>
  new ContainerAppsAPIClient(e.credential, SUB, { endpoint: e.endpoint, httpClient: e.httpClient });
const auth = (e: Emulator) =>
  new AuthorizationManagementClient(e.credential, SUB, { endpoint: e.endpoint, httpClient: e.httpClient });
const paths = (e: Emulator) => e.log.entries().map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`);

/** A template change, so the write makes a new revision (its image still cannot be pulled: no AcrPull yet). */
const newRevisionPatch = { location: LOCATION, template: { revisionSuffix: "v2" } };

describe("behaviour.operations", () => {
  it('"location": the PATCH answers with Location only and the SDK polls containerappOperationResults', async () => {
    const e = await withBehaviour({ operations: "location" });
    const updated = await apps(e).containerApps.beginUpdateAndWait(
      "rg-checkout",
      "checkout-web",
      { location: LOCATION, tags: { team: "shop" } },
      { updateIntervalInMs: 1 },
    );
    expect(updated.tags).toEqual({ team: "shop" });
    const log = paths(e);
    expect(log.some((l) => /^GET .*\/containerappOperationResults\/[^/ ]+ 200$/.test(l))).toBe(true);
    expect(log.some((l) => /containerappOperationStatuses/.test(l))).toBe(false);
  });

  it('"azure-async" (the default): the SDK polls containerappOperationStatuses', async () => {
    const e = await withBehaviour({});
    await apps(e).containerApps.beginUpdateAndWait(
      "rg-checkout",
      "checkout-web",
      { location: LOCATION, tags: { team: "shop" } },
      { updateIntervalInMs: 1 },
    );
    expect(paths(e).some((l) => /containerappOperationStatuses/.test(l))).toBe(true);
  });

  it("operationSeconds: InProgress until that much time has passed on the emulator's clock", async () => {
    for (const operations of ["azure-async", "location"]) {
      const e = await withBehaviour({ operations, operationSeconds: 300 });
      const poller = await apps(e).containerApps.beginUpdate(
        "rg-checkout",
        "checkout-web",
        { location: LOCATION, tags: { a: "b" } },
        { updateIntervalInMs: 1 },
      );
      await poller.poll();
      expect(poller.isDone()).toBe(false);
      e.clock.advance(301_000);
      await poller.poll();
      expect(poller.isDone()).toBe(true);
      await e.stop();
      emu = undefined;
    }
  });
});

describe("behaviour.failedPullSeconds", () => {
  it("a revision that cannot pull is Provisioning/Activating, then Failed with the pull text once the time has passed", async () => {
    const e = await withBehaviour({ failedPullSeconds: 240 });
    const client = apps(e);
    const poller = await client.containerApps.beginUpdate("rg-checkout", "checkout-web", newRevisionPatch, {
      updateIntervalInMs: 1,
    });
    await poller.poll();
    expect(poller.isDone()).toBe(false);
    const name = String((await client.containerApps.get("rg-checkout", "checkout-web")).latestRevisionName);
    const early = await client.containerAppsRevisions.getRevision("rg-checkout", "checkout-web", name);
    expect({ provisioningState: early.provisioningState, runningState: early.runningState }).toEqual({
      provisioningState: "Provisioning",
      runningState: "Activating",
    });
    e.clock.advance(241_000);
    const late = await client.containerAppsRevisions.getRevision("rg-checkout", "checkout-web", name);
    expect(late.provisioningState).toBe("Failed");
    expect(late.provisioningError).toContain("UNAUTHORIZED");
    const failed = await poller.pollUntilDone().then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failed).toContain("ContainerAppOperationError");
    expect(failed).toContain("UNAUTHORIZED");
  });
});

describe("behaviour.rejectWritesWhileUnpullable", () => {
  it("a PATCH of an app whose image cannot be pulled: 400 InvalidParameterValueInContainerTemplate, nothing written", async () => {
    const e = await withBehaviour({ rejectWritesWhileUnpullable: true });
    const before = JSON.stringify(e.getResource(APP));
    const refused = await apps(e)
      .containerApps.beginUpdateAndWait("rg-checkout", "checkout-web", { location: LOCATION, tags: { a: "b" } })
      .then(
        () => null,
        (error: unknown) => error as { statusCode?: number; code?: string; message?: string },
      );
    expect(refused).toMatchObject({ statusCode: 400, code: "InvalidParameterValueInContainerTemplate" });
    expect(refused?.message).toContain("Field 'template.containers.");
    expect(JSON.stringify(e.getResource(APP))).toBe(before);
  });

  it("once the identity may pull, the same PATCH is accepted (the near miss)", async () => {
    const e = await withBehaviour({ rejectWritesWhileUnpullable: true });
    await auth(e).roleAssignments.create(REGISTRY, randomUUID(), {
      roleDefinitionId: ACR_PULL,
      principalId: PRINCIPAL,
      principalType: "ServicePrincipal",
    });
    const updated = await apps(e).containerApps.beginUpdateAndWait(
      "rg-checkout",
      "checkout-web",
      { location: LOCATION, tags: { a: "b" } },
      { updateIntervalInMs: 1 },
    );
    expect(updated.tags).toEqual({ a: "b" });
  });
});

describe("behaviour.lostReplies", () => {
  it("the first write is applied and its reply lost: the SDK's retry finds the assignment there", async () => {
    const e = await withBehaviour({ lostReplies: 1 });
    const name = randomUUID();
    const created = await auth(e).roleAssignments.create(REGISTRY, name, {
      roleDefinitionId: ACR_PULL,
      principalId: PRINCIPAL,
      principalType: "ServicePrincipal",
    });
    expect(created.name).toBe(name);
    const puts = paths(e).filter((l) => l.startsWith("PUT "));
    expect(puts.map((l) => l.split(" ").pop())).toEqual(["0", "200"]);
  });
});

describe("behaviour in the world file", () => {
  const load = (behaviour: unknown) => () => loadWorld({ ...JSON.parse(readFileSync(WORLD, "utf8")), behaviour });
  it("rejects unknown knobs and bad values, naming the knob and what is expected", () => {
    expect(load({ retries: 3 })).toThrow(/behaviour: unknown knob retries; expected one of operations/);
    expect(load({ operations: "polling" })).toThrow(
      /behaviour.operations: found "polling"; expected "azure-async" or "location"/,
    );
    expect(load({ operationSeconds: -1 })).toThrow(/behaviour.operationSeconds: found -1; expected a number ≥ 0/);
    expect(load({ rejectWritesWhileUnpullable: "yes" })).toThrow(/expected true or false/);
    expect(load({ lostReplies: 1.5 })).toThrow(/expected a whole number/);
    expect(load([])).toThrow(/behaviour: found \[\]; expected an object/);
  });
  it("defaults every knob", () => {
    expect(load(undefined)().state.behaviour).toMatchObject({
      operations: "azure-async",
      operationSeconds: 0,
      lostReplies: 0,
    });
  });
});
