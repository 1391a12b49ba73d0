/**
 * `pullguard check` end to end, exactly as spec/cli.md specifies: the real composition root (`cliDeps`), `--world`
 * starting the emulator in-process from a world file, the JSON document and the exit codes; and the built bin
 * (`node bin/pullguard.js`, what `npx pullguard` runs) on a world written by others.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { captureIo } from "./fix-helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const WORLDS = join(ROOT, "test/fixtures/worlds");
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;

async function check(args: string[]) {
  const io = captureIo();
  const exit = await runCli(["check", ...args], cliDeps(io, {}));
  return { exit, out: io.out(), err: io.err() };
}

describe("pullguard check --world", () => {
  it("a broken world: exit 2 and the JSON document of cli.md", async () => {
    const { exit, out, err } = await check(["--world", join(WORLDS, "pull-role-missing.json"), APP, "--json"]);
    expect(exit, err).toBe(EXIT.broken);
    const doc = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["appId", "kind", "verdict", "findings", "plan", "stats"]);
    expect(doc).toMatchObject({ appId: APP, kind: "app", verdict: "broken" });
    const [finding] = doc.findings as Array<Record<string, unknown>>;
    expect(Object.keys(finding ?? {}).sort()).toEqual(
      ["code", "container", "evidence", "fix", "identity", "image", "message", "registry", "severity"].sort(),
    );
    expect(finding).toMatchObject({
      code: "pull-role-missing",
      severity: "error",
      container: "api",
      registry: { server: "fabrikamacr.azurecr.io" },
      identity: { ref: "system" },
      fix: { auto: true },
    });
    expect((finding?.fix as { az: string }).az).toMatch(/^az role assignment create /);
    expect(doc.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "assign-role",
          reason: "pull-role-missing",
          decision: "apply",
          principalType: "ServicePrincipal",
          condition: null,
        }),
      ]),
    );
    const stats = doc.stats as { armRequests: number; waves: number; dataPlaneRequests: number; ms: number };
    expect(stats.waves).toBeLessThanOrEqual(3);
    expect(stats.armRequests).toBeGreaterThan(0);
  });

  it("a repaired world: exit 0, verdict healthy, no findings, an empty plan", async () => {
    const { exit, out } = await check(["--world", join(WORLDS, "pull-role-missing.fixed.json"), APP, "--json"]);
    expect(exit).toBe(EXIT.ok);
    expect(JSON.parse(out)).toMatchObject({ verdict: "healthy", findings: [], plan: [] });
  });

  it("a degraded world (warnings only) exits 0", async () => {
    const { exit, out } = await check(["--world", join(WORLDS, "role-assignment-propagating.json"), APP, "--json"]);
    expect(exit).toBe(EXIT.ok);
    expect(JSON.parse(out)).toMatchObject({ verdict: "degraded" });
  });

  it("human output groups findings by container with evidence, fix and az command", async () => {
    const { exit, out } = await check(["--world", join(WORLDS, "identity-not-attached.json"), APP]);
    expect(exit).toBe(EXIT.broken);
    expect(out).toMatch(/container api\s+fabrikamacr\.azurecr\.io\/checkout\/web:1\.8\.0/);
    expect(out).toContain("identity-not-attached (error)");
    expect(out).toContain("evidence: ");
    expect(out).toContain("az containerapp identity assign");
  });

  it("--subscription checks every app in scope: { apps, summary }", async () => {
    const { exit, out } = await check([
      "--world",
      join(WORLDS, "pull-role-missing.json"),
      "--subscription",
      SUB,
      "--json",
    ]);
    expect(exit).toBe(EXIT.broken);
    const doc = JSON.parse(out) as { apps: Array<{ appId: string }>; summary: Record<string, unknown> };
    expect(doc.apps.map((a) => a.appId)).toEqual([APP]);
    expect(doc.summary).toMatchObject({ apps: 1, broken: 1, healthy: 0, degraded: 0 });
  });

  it("an app that does not exist: exit 1, and stderr says why and what to do", async () => {
    const missing = APP.replace("checkout-web", "no-such-app");
    const { exit, out, err } = await check(["--world", join(WORLDS, "pull-role-missing.json"), missing, "--json"]);
    expect(exit).toBe(EXIT.couldNotRun);
    expect(out).toBe("");
    expect(err).toContain("was not found");
    expect(err).toContain("az containerapp show");
  });

  it("a malformed app ID: exit 1 naming what is expected, before anything is read", async () => {
    const { exit, err } = await check(["--world", join(WORLDS, "pull-role-missing.json"), "checkout-web"]);
    expect(exit).toBe(EXIT.couldNotRun);
    expect(err).toContain("/subscriptions/");
  });
});

describe("npx pullguard check on a world written by others", () => {
  it("the built bin diagnoses test/fixtures/worlds/shared/seed-acrpull-on-another-identity.json as its expect block says", async () => {
    const file = join(WORLDS, "shared/seed-acrpull-on-another-identity.json");
    const expected = (
      JSON.parse(readFileSync(file, "utf8")) as { expect: { app: string; verdict: string; must: string[] } }
    ).expect;
    const result = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "bin/pullguard.js"), "check", "--world", file, expected.app, "--json"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" } },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(result.code).toBe(EXIT.broken);
    const doc = JSON.parse(result.stdout) as { verdict: string; findings: Array<{ code: string }> };
    expect(doc.verdict).toBe(expected.verdict);
    for (const code of expected.must) expect(doc.findings.map((f) => f.code)).toContain(code);
  });
});
