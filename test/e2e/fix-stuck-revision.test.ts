/**
 * A revision left failed after its cause was repaired (a person granted the role, nobody restarted it): `pullguard fix`
 * recognises the pull failure in every wording Azure uses (behaviour.failureWording, spec/world.md v2) and restarts
 * it, and leaves alone a revision that failed on a secret reference (spec/pull-path.md v2, "How a pull failure is
 * recognised"). Real CLI, real SDK clients, the emulator over HTTPS.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FAILURE_WORDINGS } from "../../tools/emulator/failure-wording.js";
import { clientsFor } from "../tools/emulator/helpers.js";
import { latestRevision, revisionState, runFixCommand, useEmulators, worldFile, writeWorld } from "./fix-helpers.js";

const running = useEmulators();

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const REGISTRY = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
const ACR_PULL = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
const SYSTEM_PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
const ELEVEN_MINUTES = 11 * 60 * 1000;

describe("fix restarts a revision stuck on a pull failure that is already repaired", () => {
  it.each(FAILURE_WORDINGS.map((w) => [w]))("wording %s: recognised, restarted, running", async (wording) => {
    const base = worldFile("pull-role-missing");
    const world = writeWorld(`stuck-${wording}`, { ...base.world, behaviour: { failureWording: wording } });
    const emulator = await running.start(world.world);
    const app = world.world.expect.app;
    expect(revisionState(latestRevision(emulator, app))).toEqual({
      runningState: "Degraded",
      healthState: "Unhealthy",
    });

    // A person repairs the cause and does not restart; the grant has long propagated when PullGuard looks.
    await clientsFor(emulator, emulator.credential, SUB).auth.roleAssignments.create(REGISTRY, randomUUID(), {
      roleDefinitionId: ACR_PULL,
      principalId: SYSTEM_PRINCIPAL,
      principalType: "ServicePrincipal",
    });
    emulator.clock.advance(ELEVEN_MINUTES);
    emulator.log.clear();

    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.doc?.applied.map((s) => [s.kind, s.result])).toEqual([["restart-revision", "done"]]);
    expect(emulator.log.writes().map((w) => w.method)).toEqual(["POST"]);
    expect(revisionState(latestRevision(emulator, app))).toEqual({ runningState: "Running", healthState: "Healthy" });
  });
});

describe("fix leaves alone a revision that failed for another reason", () => {
  // https://github.com/microsoft/azure-container-apps/issues/1159 (names shortened) and
  // https://github.com/MicrosoftDocs/azure-docs/issues/118769 (the old regex read its "Permission denied" as ACR's DENIED).
  const texts = [
    [
      "a secret reference",
      "InvalidParameterValueInContainerTemplate: The following field(s) are either invalid or missing. Field 'configuration.secrets' is invalid with details: 'Invalid value: \"db-password\": Unable to get value using Managed identity system for secret db-password. Error: unable to fetch secret 'db-password' using Managed identity 'system'';.",
    ],
    [
      "an Azure Files mount",
      "Output: mount error(13): Permission denied\nRefer to the mount.cifs(8) manual page (e.g. man mount.cifs) and kernel log messages (dmesg)",
    ],
  ];
  it.each(texts)("%s is not restarted", async (label, failure) => {
    const base = worldFile("pull-role-missing.fixed");
    const appId = base.world.expect.app;
    const resources = (base.world.resources as Array<Record<string, unknown>>).map((r) =>
      r.id === appId
        ? {
            ...r,
            properties: { ...(r.properties as Record<string, unknown>), latestRevisionName: "checkout-web--kv1" },
          }
        : r,
    );
    const template = (resources.find((r) => r.id === appId)?.properties as { template: unknown }).template;
    resources.push({
      id: `${appId}/revisions/checkout-web--kv1`,
      name: "checkout-web--kv1",
      type: "Microsoft.App/containerApps/revisions",
      properties: {
        provisioningState: "Failed",
        runningState: "Failed",
        healthState: "Unhealthy",
        provisioningError: failure,
        createdTime: "2026-11-22T11:00:00Z",
        template,
      },
    });
    const world = writeWorld(`stuck-${label.replace(/\W+/g, "-")}`, { ...base.world, resources });
    const emulator = await running.start(world.world);
    expect(revisionState(latestRevision(emulator, appId))).toEqual({
      runningState: "Failed",
      healthState: "Unhealthy",
    });
    emulator.log.clear();

    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.doc?.applied ?? []).toEqual([]);
    expect(emulator.log.writes()).toEqual([]);
    expect(revisionState(latestRevision(emulator, appId))).toEqual({
      runningState: "Failed",
      healthState: "Unhealthy",
    });
  });
});
