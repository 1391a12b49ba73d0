/**
 * `behaviour.failureWording` (spec/world.md v2): the emulator words a failed pull as Azure does in each wording, on the
 * revision (provisioningError, runningStateDetails), the replica's containers and the failed write's operation, read
 * back through the real SDK clients. The world loader rejects a wording it does not know.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { FAILURE_WORDINGS, type FailureWording } from "../../../tools/emulator/failure-wording.js";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { loadWorld, WorldError } from "../../../tools/emulator/world.js";
import { clientsFor } from "./helpers.js";

const BROKEN = "test/fixtures/worlds/pull-role-missing.json";
const HEALTHY = "test/fixtures/worlds/healthy-system-identity.json";
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const RG = "rg-checkout";
const APP = "checkout-web";

/** What each wording must say on the revision's provisioningError (the source of each is in failure-wording.ts). */
const PROVISIONING: Record<FailureWording, RegExp> = {
  unauthorized:
    /Field 'template\.containers\.api\.image' is invalid with details: 'Invalid value: "[^"]+": GET https:\?scope=.*: UNAUTHORIZED: /,
  "managed-identity": /unable to pull image using Managed identity system for registry fabrikamacr\.azurecr\.io/,
  "manifest-unknown": /MANIFEST_UNKNOWN: manifest tagged by "1\.8\.0" is not found/,
  "no-such-host": /dial tcp: lookup fabrikamacr\.azurecr\.io: no such host/,
  deadline:
    /Get "https:\/\/fabrikamacr\.azurecr\.io\/v2\/checkout\/web\/manifests\/1\.8\.0": context deadline exceeded/,
  platform: /no child with platform linux\/amd64 in index fabrikamacr\.azurecr\.io\/checkout\/web:1\.8\.0/,
  "operation-expired":
    /^Failed to provision revision for container app 'checkout-web'\. Error details: Operation expired\.$/,
};

/** What the failed write says in each wording, for a tag that does not exist (9.9.9). */
const ON_WRITE: Record<FailureWording, string> = {
  unauthorized: "MANIFEST_UNKNOWN: manifest unknown", // the cause itself, as before v2
  "managed-identity": "unable to pull image using Managed identity system for registry fabrikamacr.azurecr.io",
  "manifest-unknown": 'MANIFEST_UNKNOWN: manifest tagged by "9.9.9" is not found',
  "no-such-host": "dial tcp: lookup fabrikamacr.azurecr.io: no such host",
  deadline: 'Get "https://fabrikamacr.azurecr.io/v2/checkout/web/manifests/9.9.9": context deadline exceeded',
  platform: "no child with platform linux/amd64 in index fabrikamacr.azurecr.io/checkout/web:9.9.9",
  "operation-expired": "Error details: Operation expired.",
};

/** The revision's own runningStateDetails (undefined: not set, as before v2). */
const REVISION_DETAILS: Record<FailureWording, string | undefined> = {
  unauthorized: undefined,
  "managed-identity": "1/1 Pending:ImagePullBackOff",
  "manifest-unknown": "1/1 Pending:ImagePullBackOff",
  "no-such-host": "1/1 Pending:ImagePullBackOff",
  deadline: "1/1 Pending:ImagePullBackOff",
  platform: "1/1 Pending:ImagePullBackOff",
  "operation-expired": undefined,
};

const waiting = (w: FailureWording) =>
  new RegExp(
    `^Container is waiting with reason: ImagePullBackOff\\. Failed to pull image "[^"]+": .*${PROVISIONING[w].source}`,
  );

/** A failing replica container's runningStateDetails. */
const CONTAINER: Record<FailureWording, RegExp> = {
  unauthorized: /^Failed to pull image "[^"]+": UNAUTHORIZED: /,
  "managed-identity": waiting("managed-identity"),
  "manifest-unknown": waiting("manifest-unknown"),
  "no-such-host": waiting("no-such-host"),
  deadline: waiting("deadline"),
  platform: waiting("platform"),
  // Assumption (failure-wording.ts): the containers say nothing, so only the system logs could tell.
  "operation-expired": /^$/,
};

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

function world(file: string, failureWording: FailureWording): Record<string, unknown> {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  return { ...json, behaviour: { failureWording } };
}

async function open(file: string, wording: FailureWording) {
  const emu = await startEmulator(world(file, wording));
  started.push(emu);
  return { emu, c: clientsFor(emu, emu.credential, SUB) };
}

async function latestRaw(c: ReturnType<typeof clientsFor>) {
  const app = await c.apps.containerApps.get(RG, APP);
  const name = app.latestRevisionName ?? "";
  let raw: { properties?: Record<string, unknown> } = {};
  const revision = await c.apps.containerAppsRevisions.getRevision(RG, APP, name, {
    onResponse: (r) => {
      raw = JSON.parse(r.bodyAsText ?? "{}");
    },
  });
  const replicas = await c.apps.containerAppsRevisionReplicas.listReplicas(RG, APP, name);
  return { revision, raw, replica: replicas.value[0] };
}

describe("behaviour.failureWording on a revision that cannot pull", () => {
  it.each(FAILURE_WORDINGS.map((w) => [w]))("%s: the revision, its replica and its raw body say it", async (w) => {
    const { c } = await open(BROKEN, w);
    const { revision, raw, replica } = await latestRaw(c);
    expect(revision.healthState).toBe("Unhealthy");
    expect(revision.provisioningError).toMatch(PROVISIONING[w]);
    const container = (replica?.containers ?? []).find((x) => x.name === "api");
    expect(container?.runningState).toBe("Waiting");
    expect(raw.properties?.runningStateDetails).toBe(REVISION_DETAILS[w]);
    expect(container?.runningStateDetails).toMatch(CONTAINER[w]);
  });
});

describe("behaviour.failureWording on a write whose image cannot be pulled", () => {
  it.each(FAILURE_WORDINGS.map((w) => [w]))("%s: the failed operation's error carries the wording", async (w) => {
    const { c } = await open(HEALTHY, w);
    const current = await c.apps.containerApps.get(RG, APP);
    const error = await c.apps.containerApps
      .beginUpdateAndWait(
        RG,
        APP,
        {
          location: "northeurope",
          template: {
            ...current.template,
            containers: [{ name: "api", image: "fabrikamacr.azurecr.io/checkout/web:9.9.9" }],
          },
        },
        { updateIntervalInMs: 5 },
      )
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(/Failed to provision revision for container app 'checkout-web'/);
    expect(error?.message).toContain(ON_WRITE[w]);
  });
});

describe("the world loader", () => {
  it("defaults to unauthorized and rejects a wording it does not know, naming the known ones", () => {
    const json = JSON.parse(readFileSync(BROKEN, "utf8")) as Record<string, unknown>;
    expect(loadWorld(json).state.behaviour.failureWording).toBe("unauthorized");
    expect(() => loadWorld({ ...json, behaviour: { failureWording: "teapot" } })).toThrow(WorldError);
    expect(() => loadWorld({ ...json, behaviour: { failureWording: "teapot" } })).toThrow(
      /behaviour\.failureWording: found "teapot"; expected one of unauthorized, managed-identity, .*operation-expired/,
    );
    expect(() => loadWorld({ ...json, behaviour: [] })).toThrow(/behaviour: found \[\]; expected an object/);
  });
});
