/**
 * v2 (spec/world.md): a user-assigned identity on the managed environment can pull for any workload of that
 * environment whose registry entry names it, whether or not the workload has it too. Read back through the real SDK.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { clientsFor, readJson } from "./helpers.js";

const DIR = "test/fixtures/worlds/v2";
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

async function latestOf(file: string) {
  const emu = await startEmulator(readJson(file));
  started.push(emu);
  const c = clientsFor(emu, emu.credential, SUB);
  const app = await c.apps.containerApps.get("rg-checkout", "checkout-web");
  const name = app.latestRevisionName ?? "";
  const revision = await c.apps.containerAppsRevisions.getRevision("rg-checkout", "checkout-web", name);
  const replicas = await c.apps.containerAppsRevisionReplicas.listReplicas("rg-checkout", "checkout-web", name);
  return { app, revision, container: replicas.value[0]?.containers?.[0] };
}

describe("a user-assigned identity on the managed environment", () => {
  it("pulls for the app whose entry names it (ID in another case), though the app does not have it", async () => {
    const { app, revision, container } = await latestOf(`${DIR}/identity-on-environment.json`);
    expect(Object.keys(app.identity?.userAssignedIdentities ?? {})).toEqual([]);
    expect(revision).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(container?.runningState).toBe("Running");
  });

  it("still needs a pull role: without one the pull is refused with ACR's 401", async () => {
    const { revision, container } = await latestOf(`${DIR}/identity-on-environment-no-role.json`);
    expect(revision.healthState).toBe("Unhealthy");
    expect(container?.runningStateDetails).toMatch(/UNAUTHORIZED: unauthorized: authentication required/);
  });

  it("near miss: another identity on the environment does not help; the entry's identity is on neither", async () => {
    const { revision, container } = await latestOf(`${DIR}/identity-on-neither.json`);
    expect(revision.healthState).toBe("Unhealthy");
    expect(container?.runningStateDetails).toMatch(
      /unable to pull image using Managed identity .*id-checkout-pull for registry fabrikamacr\.azurecr\.io: the user-assigned identity .* is assigned neither to the app nor to its managed environment/,
    );
  });

  it("the environment's userAssignedIdentities values carry the UAMI's principalId, as ARM fills them in", async () => {
    const emu = await startEmulator(readJson(`${DIR}/identity-on-environment-no-role.json`));
    started.push(emu);
    const env = await clientsFor(emu, emu.credential, SUB).apps.managedEnvironments.get("rg-checkout", "env-checkout");
    expect(Object.values(env.identity?.userAssignedIdentities ?? {})).toEqual([
      expect.objectContaining({ principalId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d" }),
    ]);
  });
});
