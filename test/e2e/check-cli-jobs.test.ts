/**
 * v2 (cli.md): `pullguard check` with a job's ID and with a scope that holds apps and jobs, through the real
 * composition root and the emulator started from a world file. The world is identity-not-attached.json plus a
 * scheduled job beside checkout-web (the job as Job_Get.json shapes it, REST spec 2025-07-01).
 *
 * These run once a job can be read and diagnosed by the readers (branch read-jobs; the emulator's job routes are
 * merged). Until then the job's check fails to read it (InvalidAppIdError from readPullFacts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { captureIo } from "./fix-helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-checkout`;
const APP = `${RG}/providers/Microsoft.App/containerApps/checkout-web`;
const JOB = `${RG}/providers/Microsoft.App/jobs/nightly-export`;
const UAMI = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-checkout-pull`;

/** checkout-web's world plus a job that attaches the UAMI its registry entry names. */
function worldFile(): string {
  const world = JSON.parse(readFileSync(join(ROOT, "test/fixtures/worlds/identity-not-attached.json"), "utf8")) as {
    resources: unknown[];
    expect?: unknown;
  };
  delete world.expect;
  world.resources.push({
    id: JOB,
    name: "nightly-export",
    type: "Microsoft.App/jobs",
    location: "northeurope",
    identity: { type: "UserAssigned", userAssignedIdentities: { [UAMI]: {} } },
    properties: {
      provisioningState: "Succeeded",
      environmentId: `${RG}/providers/Microsoft.App/managedEnvironments/env-checkout`,
      configuration: {
        triggerType: "Schedule",
        replicaTimeout: 1800,
        scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
        registries: [{ server: "fabrikamacr.azurecr.io", identity: UAMI }],
      },
      template: { containers: [{ name: "export", image: "fabrikamacr.azurecr.io/checkout/web:1.8.0" }] },
    },
  });
  const file = join(mkdtempSync(join(tmpdir(), "pullguard-jobs-")), "job-beside-app.json");
  writeFileSync(file, JSON.stringify(world));
  return file;
}

async function check(args: string[]) {
  const io = captureIo();
  const exit = await runCli(["check", ...args], cliDeps(io, {}));
  return { exit, out: io.out(), err: io.err() };
}

describe("v2: pullguard check with jobs", () => {
  it("a job's ID: the JSON says kind job next to appId; the human output says job", async () => {
    const world = worldFile();
    const { exit, out, err } = await check(["--world", world, JOB, "--json"]);
    expect([EXIT.ok, EXIT.broken], err).toContain(exit);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["appId", "kind", "verdict", "findings", "plan", "stats"]);
    expect(doc).toMatchObject({ appId: JOB, kind: "job" });
    const human = await check(["--world", world, JOB]);
    expect(human.out.split("\n")[0]).toBe(`job nightly-export  ${JOB}`);
  });

  it("--resource-group lists the app and the job, each with its kind", async () => {
    const world = worldFile();
    const { out, err } = await check([
      "--world",
      world,
      "--subscription",
      SUB,
      "--resource-group",
      "rg-checkout",
      "--json",
    ]);
    const doc = JSON.parse(out) as {
      apps: Array<{ appId: string; kind: string }>;
      summary: { apps: number; failed: unknown[] };
    };
    expect(doc.summary, err).toMatchObject({ apps: 2, failed: [] });
    expect(doc.apps.map((a) => ({ appId: a.appId, kind: a.kind }))).toEqual([
      { appId: APP, kind: "app" },
      { appId: JOB, kind: "job" },
    ]);
    const human = await check(["--world", world, "--subscription", SUB, "--resource-group", "rg-checkout"]);
    expect(human.out).toMatch(/^1 app and 1 job: /m);
  });
});
