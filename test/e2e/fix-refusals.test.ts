/**
 * Writes Azure refuses for reasons that are not a missing role (spec/pull-path.md v2, remediation rules; issue 15
 * items 5 and 6), through the real CLI against the emulator:
 * - PullGuard exactly as infra/ deploys it, but with an older condition on its Role Based Access Control
 *   Administrator that admits AcrPull only: the grant of Container Registry Repository Reader an ABAC registry needs
 *   is refused (403, ARM's "ABAC condition not fulfilled"): a clear failure naming the condition and the next step,
 *   sent once, never reported as a missing role;
 * - a world where Container Apps refuses app writes while the current image cannot be pulled
 *   (behaviour.rejectWritesWhileUnpullable): the PATCH fails with the reason and the next step, sent once, no loop.
 */
import { describe, expect, it } from "vitest";
import { asDeployedPullGuard } from "./deployed-pullguard.js";
import { runFixCommand, useEmulators, type WorldFile, worldFile } from "./fix-helpers.js";

const running = useEmulators();
const REPOSITORY_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac";

/** The deployed PullGuard, with the condition of an older deployment: the Repository Reader GUID taken out. */
function withOlderCondition(world: WorldFile["world"]): WorldFile["world"] {
  const deployed = asDeployedPullGuard(world as WorldFile["world"] & { resources: unknown[] }, {
    grantRegistryDataRead: true,
  });
  const resources = deployed.resources.map((r) => {
    const p = (r as { properties?: Record<string, unknown> }).properties;
    if (typeof p?.condition !== "string") return r;
    const condition = p.condition.replace(new RegExp(`,\\s*${REPOSITORY_READER}`, "gi"), "");
    expect(condition).not.toBe(p.condition);
    return { ...(r as object), properties: { ...p, condition } };
  });
  return { ...deployed, resources };
}

describe("fix: refusals that are not a missing role", () => {
  it("a grant the condition on PullGuard's RBAC Administrator does not admit: named, sent once, not a missing role", async () => {
    const world = worldFile("abac-mode-legacy-role-only");
    const emulator = await running.start(withOlderCondition(world.world));
    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.exit).toBe(2);
    const grant = run.doc?.applied.find((s) => s.kind === "assign-role");
    expect(grant?.result).toBe("failed");
    expect(grant?.error).toContain("ABAC condition not fulfilled");
    expect(grant?.error).toContain("the condition on PullGuard's Role Based Access Control Administrator assignment");
    expect(grant?.error).toContain("pullguard doctor");
    expect(grant?.error).not.toContain("PullGuard needs");
    const puts = emulator.log.writes().filter((w) => w.method === "PUT" && /roleAssignments/i.test(w.path));
    expect(puts.map((w) => w.status)).toEqual([403]);
  });

  it("the same world as deployed today (the near miss): the grant is admitted and the app runs", async () => {
    const world = worldFile("abac-mode-legacy-role-only");
    const emulator = await running.start(
      asDeployedPullGuard(world.world as WorldFile["world"] & { resources: unknown[] }, {
        grantRegistryDataRead: true,
      }),
    );
    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.exit).toBe(0);
    expect(run.doc?.applied.find((s) => s.kind === "assign-role")?.result).toBe("done");
  });

  it("Container Apps refusing app writes while the image cannot be pulled: the reason and the next step, one PATCH", async () => {
    const world = worldFile("identity-not-attached");
    const emulator = await running.start({ ...world.world, behaviour: { rejectWritesWhileUnpullable: true } });
    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.exit).toBe(2);
    const attach = run.doc?.applied.find((s) => s.kind === "attach-user-identity");
    expect(attach?.result).toBe("failed");
    expect(attach?.error).toContain("InvalidParameterValueInContainerTemplate");
    expect(attach?.error).toContain("Container Apps refused this change");
    expect(attach?.error).toContain("Next:");
    const patches = emulator.log.writes().filter((w) => w.method === "PATCH");
    expect(patches.map((w) => w.status)).toEqual([400]);
    expect(emulator.log.writes().filter((w) => /\/restart/.test(w.path))).toEqual([]);
  });
});
