/**
 * Revisions decided like Azure, read back through the real SDK: every broken fixture world's latest revision fails
 * with the registry's words in its replica's container state, every repaired twin runs, a restart decides again, and
 * a PATCH to an image that cannot be pulled follows failure form (a) of pull-path.md.
 */
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import type { Replica, Revision } from "@azure/arm-appcontainers";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { clientsFor, collect, readJson, roleId } from "./helpers.js";

const DIR = "test/fixtures/worlds";
const UNAUTHORIZED = /^Failed to pull image "[^"]+": UNAUTHORIZED: unauthorized: authentication required/;
const IDENTITY = /^Failed to pull image "[^"]+": UNAUTHORIZED: unable to pull image using Managed identity /;
const DENIED = /^Failed to pull image "[^"]+": DENIED: denied: /;

/** What a replica's failing container says, per broken world. */
const REPLICA_TEXT: Record<string, RegExp> = {
  "pull-role-missing": UNAUTHORIZED,
  "registry-not-configured": UNAUTHORIZED,
  "registry-uses-admin-credentials": UNAUTHORIZED,
  "registry-cross-tenant": UNAUTHORIZED,
  "abac-mode-legacy-role-only": UNAUTHORIZED,
  "abac-condition-excludes-repository": UNAUTHORIZED,
  "role-assignment-propagating": UNAUTHORIZED,
  "arm-audience-tokens-disabled": UNAUTHORIZED,
  "identity-not-attached": IDENTITY,
  "system-identity-disabled": IDENTITY,
  "environment-identity-missing": IDENTITY,
  "identity-not-found": IDENTITY,
  "registry-public-access-disabled": DENIED,
  "registry-firewall-blocks-environment": DENIED,
  // v2: quarantine hides a not-Passed tag (404 MANIFEST_UNKNOWN) from a puller without AcrQuarantineReader.
  "image-quarantined": /^Failed to pull image "[^"]+:1\.8\.0": MANIFEST_UNKNOWN: manifest unknown: /,
  "image-quarantined-hidden": /^Failed to pull image "[^"]+:1\.8\.0": MANIFEST_UNKNOWN: manifest unknown: /,
  // v2: ACA runs linux/amd64 only; a single arm64 manifest fails with ACA's platform wording.
  "image-platform-unsupported": /^Failed to pull image "[^"]+:1\.8\.0": PLATFORM: image OS\/Arc must be linux\/amd64/,
  "image-not-found": /^Failed to pull image "[^"]+:1\.9\.0": MANIFEST_UNKNOWN: manifest unknown: /,
  "registry-not-found": /no such host/,
};

interface Parsed {
  rg: string;
  name: string;
  sub: string;
}
const parse = (id: string): Parsed => {
  const parts = id.split("/");
  return { sub: parts[2] ?? "", rg: parts[4] ?? "", name: parts[8] ?? "" };
};

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

async function open(file: string) {
  const emu = await startEmulator({ file });
  started.push(emu);
  const world = readJson<{ resources: Array<{ id: string; type: string }> }>(file);
  const appId = world.resources.find((r) => r.type === "Microsoft.App/containerApps")?.id ?? "";
  const app = parse(appId);
  const c = clientsFor(emu, emu.credential, app.sub);
  const latest = async (): Promise<{ revision: Revision; replica: Replica }> => {
    const current = await c.apps.containerApps.get(app.rg, app.name);
    const revisions = await collect(c.apps.containerAppsRevisions.listRevisions(app.rg, app.name));
    const revision = revisions.find((r) => r.name === current.latestRevisionName);
    if (!revision?.name) throw new Error(`no revision ${current.latestRevisionName}`);
    const replicas = await c.apps.containerAppsRevisionReplicas.listReplicas(app.rg, app.name, revision.name);
    const replica = replicas.value[0];
    if (!replica) throw new Error("no replica");
    return { revision, replica };
  };
  return { emu, c, app, latest };
}

describe("revisions decided at load", () => {
  it.each(Object.keys(REPLICA_TEXT).map((code) => [code]))("%s: the broken world's revision fails", async (code) => {
    const { latest } = await open(`${DIR}/${code}.json`);
    const { revision, replica } = await latest();
    expect(revision.healthState).toBe("Unhealthy");
    expect(["Failed", "Degraded"]).toContain(revision.runningState);
    expect(revision.provisioningError).toContain("Failed to provision revision");
    expect(replica.runningState).toBe("NotRunning");
    const failing = (replica.containers ?? []).filter((x) => x.runningState === "Waiting");
    expect(failing.length).toBeGreaterThan(0);
    expect(failing[0]?.runningStateDetails).toMatch(REPLICA_TEXT[code] as RegExp);
  });

  it.each(Object.keys(REPLICA_TEXT).map((code) => [code]))("%s: the repaired twin's revision runs", async (code) => {
    const { latest } = await open(`${DIR}/${code}.fixed.json`);
    const { revision, replica } = await latest();
    expect(revision).toMatchObject({
      provisioningState: "Provisioned",
      runningState: "Running",
      healthState: "Healthy",
    });
    expect(replica.runningState).toBe("Running");
    expect((replica.containers ?? []).every((x) => x.runningState === "Running" && x.ready)).toBe(true);
  });

  it("every broken fixture world is covered here", () => {
    const broken = readdirSync(DIR)
      // The v2 network worlds (network-*.json) are cases and near misses, not code/twin pairs: their pulls are
      // asserted in test/e2e/network-worlds.test.ts.
      .filter(
        (f) =>
          f.endsWith(".json") && !f.endsWith(".fixed.json") && !f.startsWith("healthy") && !f.startsWith("network-"),
      )
      .map((f) => f.replace(/\.json$/, ""));
    expect(broken.sort()).toEqual(Object.keys(REPLICA_TEXT).sort());
  });
});

describe("revisions decided again on restart", () => {
  it("pull-role-missing: granting AcrPull and restarting makes the revision run", async () => {
    const { emu, c, app, latest } = await open(`${DIR}/pull-role-missing.json`);
    const before = await latest();
    const world = readJson<{ expect: { fixRole: string; fixScope: string; fixPrincipal: string } }>(
      `${DIR}/pull-role-missing.json`,
    );
    await c.auth.roleAssignments.create(world.expect.fixScope, randomUUID(), {
      roleDefinitionId: roleId(world.expect.fixRole, app.sub),
      principalId: world.expect.fixPrincipal,
      principalType: "ServicePrincipal",
    });
    // Nothing changes until the revision is restarted.
    expect((await latest()).revision.healthState).toBe("Unhealthy");
    await c.apps.containerAppsRevisions.restartRevision(app.rg, app.name, before.revision.name ?? "");
    const after = await latest();
    expect(after.revision.name).toBe(before.revision.name);
    expect(after.revision).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(after.replica.containers?.[0]?.runningState).toBe("Running");
    expect(emu.alerts.published()).toEqual([]);
  });

  it("a healthy world whose pull role is deleted fails on the next replica restart, with the registry's text", async () => {
    const { emu, c, app, latest } = await open(`${DIR}/healthy-system-identity.json`);
    expect((await latest()).revision.healthState).toBe("Healthy");
    const assignment = (await collect(c.auth.roleAssignments.listForSubscription()))[0];
    await c.auth.roleAssignments.delete(assignment?.scope ?? "", assignment?.name ?? "");
    expect((await latest()).revision.healthState).toBe("Healthy");

    expect(
      emu.simulateReplicaRestart(
        `/subscriptions/${app.sub}/resourceGroups/${app.rg}/providers/Microsoft.App/containerApps/${app.name}`,
      ),
    ).toBe(false);
    const after = await latest();
    expect(after.revision).toMatchObject({
      provisioningState: "Provisioned",
      runningState: "Degraded",
      healthState: "Unhealthy",
    });
    expect(after.replica.containers?.[0]?.runningStateDetails).toMatch(UNAUTHORIZED);
  });

  it("role-assignment-propagating: the same restart fails now and succeeds once the clock passes the delay", async () => {
    const { emu, c, app, latest } = await open(`${DIR}/role-assignment-propagating.json`);
    const name = (await latest()).revision.name ?? "";
    await c.apps.containerAppsRevisions.restartRevision(app.rg, app.name, name);
    expect((await latest()).revision.healthState).toBe("Unhealthy");
    emu.clock.advance(10 * 60_000);
    await c.apps.containerAppsRevisions.restartRevision(app.rg, app.name, name);
    expect((await latest()).revision).toMatchObject({ runningState: "Running", healthState: "Healthy" });
  });
});

describe("failure form (a): a PATCH to an image that cannot be pulled", () => {
  it("is accepted, its LRO ends Failed with ContainerAppOperationError, the app keeps the new template", async () => {
    const { emu, c, app, latest } = await open(`${DIR}/healthy-system-identity.json`);
    const appId = `/subscriptions/${app.sub}/resourceGroups/${app.rg}/providers/Microsoft.App/containerApps/${app.name}`;
    const previous = (await latest()).revision.name;
    const image = "fabrikamacr.azurecr.io/checkout/web:9.9.9";
    emu.log.clear();
    const error = await c.apps.containerApps
      .beginUpdateAndWait(
        app.rg,
        app.name,
        { location: "northeurope", template: { containers: [{ name: "api", image }] } },
        { updateIntervalInMs: 5 },
      )
      .then(
        () => null,
        (e: unknown) => e as Error & { code?: string },
      );
    expect(emu.log.entries()[0]).toMatchObject({ method: "PATCH", status: 202 });
    expect(error).not.toBeNull();
    expect(error?.message).toMatch(/Failed to provision revision for container app 'checkout-web'/);
    expect(error?.message).toContain(
      `Invalid value: "${image}": GET https:?scope=repository%3Acheckout%2Fweb%3Apull&service=fabrikamacr.azurecr.io: MANIFEST_UNKNOWN`,
    );
    // core-lro surfaces the operation's error code and message in the error's message.
    expect(error?.message).toMatch(/^The long-running operation has failed\. ContainerAppOperationError\. /);

    const stored = await c.apps.containerApps.get(app.rg, app.name);
    expect(stored.provisioningState).toBe("Failed");
    expect(stored.template?.containers?.[0]?.image).toBe(image);
    expect(stored.latestRevisionName).not.toBe(previous);
    expect(stored.latestReadyRevisionName).toBe(previous);
    const { revision, replica } = await latest();
    expect(revision).toMatchObject({ provisioningState: "Failed", runningState: "Failed", healthState: "Unhealthy" });
    expect(replica.containers?.[0]?.runningStateDetails).toMatch(/MANIFEST_UNKNOWN: manifest unknown/);

    await emu.events.settle();
    const failure = emu.events.published().filter((e) => e.eventType === "Microsoft.Resources.ResourceWriteFailure");
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatchObject({
      subject: appId,
      data: { operationName: "Microsoft.App/containerApps/write", status: "Failed", resourceUri: appId },
    });
  });

  it("after the pull role is removed, a new image fails with 'unauthorized: authentication required'", async () => {
    const { emu, c, app } = await open(`${DIR}/healthy-system-identity.json`);
    const assignment = (await collect(c.auth.roleAssignments.listForSubscription()))[0];
    await c.auth.roleAssignments.delete(assignment?.scope ?? "", assignment?.name ?? "");
    // Registry entries are application-scoped: a PATCH of configuration alone makes no revision and succeeds.
    await c.apps.containerApps.beginUpdateAndWait(
      app.rg,
      app.name,
      { location: "northeurope", configuration: { activeRevisionsMode: "Single" } },
      { updateIntervalInMs: 5 },
    );
    expect((await c.apps.containerApps.get(app.rg, app.name)).provisioningState).toBe("Succeeded");

    const current = await c.apps.containerApps.get(app.rg, app.name);
    const containers = (current.template?.containers ?? []).map((x) => ({
      ...x,
      image: "fabrikamacr.azurecr.io/checkout/web:1.7.3",
    }));
    const error = await c.apps.containerApps
      .beginUpdateAndWait(
        app.rg,
        app.name,
        { location: "northeurope", template: { ...current.template, containers } },
        { updateIntervalInMs: 5 },
      )
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toContain("UNAUTHORIZED: unauthorized: authentication required");
    await emu.events.settle();
    expect(emu.events.published().map((e) => e.eventType.replace("Microsoft.Resources.", ""))).toEqual([
      "ResourceDeleteSuccess",
      "ResourceWriteSuccess",
      "ResourceWriteFailure",
    ]);
  });
});
