/**
 * The chicken-and-egg case of pull-path.md (`system-identity-disabled`): the registry entry says `system` but the
 * app has no system identity, so there is no principal to grant pull to until the identity exists. One `fix` run
 * enables the identity (PATCH keeping what is there), reads the new principal back, grants AcrPull to it at
 * registry scope under the deterministic name derived from that principal, and restarts the failed revision.
 */
import { describe, expect, it } from "vitest";
import { roleAssignmentName } from "../../src/core/role-assignment-name.js";
import {
  app,
  assignmentIds,
  latestRevision,
  newAssignments,
  revisionState,
  roleGuid,
  runFixCommand,
  useEmulators,
  worldFile,
} from "./fix-helpers.js";

const running = useEmulators();

const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

describe("fix: system identity disabled", () => {
  it("enables the identity, reads the new principal, grants to it and restarts, in one run", async () => {
    const world = worldFile("system-identity-disabled");
    const appId = world.world.expect.app;
    const emulator = await running.start(world.world);
    expect(app(emulator, appId).identity?.type).toBe("None");
    const failedRevision = latestRevision(emulator, appId).name;
    const before = assignmentIds(emulator);
    emulator.log.clear();

    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.exit).toBe(0);
    const doc = run.doc;
    if (!doc) throw new Error(run.stdout);

    // The plan could not know the principal: it says so, and the applied grant carries the real one.
    const plannedGrant = doc.before.plan.find((s) => s.kind === "assign-role");
    expect(plannedGrant?.principalFrom).toBe("app-system-identity");
    expect(doc.applied.map((s) => [s.kind, s.result])).toEqual([
      ["enable-system-identity", "done"],
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);

    const identity = app(emulator, appId).identity;
    expect(identity?.type?.replace(/\s/g, "").toLowerCase()).toBe("systemassigned");
    const principal = String(identity?.principalId);
    expect(principal).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

    const registry = String(plannedGrant?.scope);
    const grant = doc.applied.find((s) => s.kind === "assign-role");
    expect(grant?.principalId).toBe(principal);
    expect(grant?.name).toBe(roleAssignmentName(registry, principal, ACR_PULL));

    const created = newAssignments(emulator, before);
    expect(created).toHaveLength(1);
    expect(created[0]?.name).toBe(grant?.name);
    expect({
      principal: created[0]?.properties?.principalId,
      role: roleGuid(created[0]?.properties?.roleDefinitionId),
      scope: String(created[0]?.properties?.scope).toLowerCase(),
      principalType: created[0]?.properties?.principalType,
    }).toEqual({ principal, role: ACR_PULL, scope: registry.toLowerCase(), principalType: "ServicePrincipal" });

    // The writes, in order: enable (PATCH of the identity only), grant, restart of the revision that had failed.
    const writes = emulator.log.writes().map((w) => `${w.method} ${w.path.replace(/\?.*$/, "")}`);
    expect(writes).toEqual([
      `PATCH ${appId}`,
      `PUT ${registry}/providers/Microsoft.Authorization/roleAssignments/${grant?.name}`,
      `POST ${appId}/revisions/${failedRevision}/restart`,
    ]);
    // The enable PATCH sends the identity and nothing else (no template, no configuration, no secrets).
    const enable = doc.requests.find((r) => r.method === "PATCH");
    expect(enable?.sent).toBe(true);
    expect(enable?.body).toEqual({ identity: { type: "SystemAssigned" } });
    // The principal was read back between the enable and the grant.
    const entries = emulator.log.entries();
    const patchAt = entries.findIndex((e) => e.method === "PATCH");
    const putAt = entries.findIndex((e) => e.method === "PUT");
    expect(
      entries.slice(patchAt + 1, putAt).some((e) => e.method === "GET" && e.path.replace(/\?.*$/, "") === appId),
    ).toBe(true);

    expect(revisionState(latestRevision(emulator, appId))).toEqual({ runningState: "Running", healthState: "Healthy" });
    expect(doc.verification.outcome).toBe("resolved");
  });
});
