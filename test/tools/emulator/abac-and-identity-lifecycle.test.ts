/**
 * Two smaller divergences from real Azure (issue 15, item 7), read back through the real SDK clients:
 * - an ABAC condition that guards only write actions admits every repository for pull (a pull is content/read, for
 *   which `!(ActionMatches{'.../content/write'})` is true: conditions-format, "How a condition is evaluated");
 * - a system-assigned identity removed and enabled again is a new service principal (container-apps/managed-identity,
 *   "Remove a managed identity": it is deleted from Microsoft Entra ID), so its old grants no longer apply.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { clientsFor, readJson } from "./helpers.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const RG = "rg-checkout";
const APP = "checkout-web";

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

async function open(world: unknown) {
  const emu = await startEmulator(world);
  started.push(emu);
  return { emu, c: clientsFor(emu, emu.credential, SUB) };
}

async function latest(c: ReturnType<typeof clientsFor>) {
  const app = await c.apps.containerApps.get(RG, APP);
  return c.apps.containerAppsRevisions.getRevision(RG, APP, app.latestRevisionName ?? "");
}

describe("an ABAC condition on a Repository Reader grant", () => {
  it("that guards only content/write admits every repository for pull: the revision runs", async () => {
    const { c } = await open(readJson("test/fixtures/worlds/v2/abac-write-guard.json"));
    expect(await latest(c)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
  });

  it("near miss: the portal's read guard leaves it to the repository test, which excludes checkout/web", async () => {
    const { c } = await open(readJson("test/fixtures/worlds/abac-condition-excludes-repository.json"));
    expect((await latest(c)).healthState).toBe("Unhealthy");
  });
});

describe("a system-assigned identity removed and enabled again", () => {
  it("gets a new principalId, and the AcrPull held by the old principal no longer lets the app pull", async () => {
    const { c } = await open(readJson("test/fixtures/worlds/healthy-system-identity.json"));
    const first = (await c.apps.containerApps.get(RG, APP)).identity?.principalId;
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    const patch = (type: "None" | "SystemAssigned") =>
      c.apps.containerApps.beginUpdateAndWait(
        RG,
        APP,
        { location: "northeurope", identity: { type } },
        { updateIntervalInMs: 5 },
      );

    await patch("None");
    expect((await c.apps.containerApps.get(RG, APP)).identity?.principalId).toBeUndefined();
    await patch("SystemAssigned");
    const second = (await c.apps.containerApps.get(RG, APP)).identity?.principalId;
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);

    // The revision restarted with the new principal fails: the world's AcrPull names the old one.
    const revision = await latest(c);
    await c.apps.containerAppsRevisions.restartRevision(RG, APP, revision.name ?? "");
    expect((await latest(c)).healthState).toBe("Unhealthy");

    // A third enablement after another removal is yet another principal.
    await patch("None");
    await patch("SystemAssigned");
    const third = (await c.apps.containerApps.get(RG, APP)).identity?.principalId;
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it("near miss: a write that keeps the identity (another change, a tag) keeps its principal", async () => {
    const { c } = await open(readJson("test/fixtures/worlds/healthy-system-identity.json"));
    const first = (await c.apps.containerApps.get(RG, APP)).identity?.principalId;
    await c.apps.containerApps.beginUpdateAndWait(
      RG,
      APP,
      { location: "northeurope", identity: { type: "SystemAssigned" }, tags: { team: randomUUID().slice(0, 8) } },
      { updateIntervalInMs: 5 },
    );
    expect((await c.apps.containerApps.get(RG, APP)).identity?.principalId).toBe(first);
  });
});
