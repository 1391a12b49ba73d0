/**
 * `pullguard doctor --world` end to end (spec/cli.md v2): the real composition root, the emulator serving a PullGuard
 * deployment as infra/ creates it (test/fixtures/worlds/doctor, written by generate.ts from infra/ and the code's own
 * lists), read through the real SDK clients. Each broken world names the checks that must report it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { DOCTOR_CHECKS } from "../../src/core/doctor/doctor.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { captureIo } from "./fix-helpers.js";

const DIR = join(import.meta.dirname, "../fixtures/worlds/doctor");
const worlds = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({
    file: join(DIR, f),
    name: f.replace(/\.json$/, ""),
    expect: (JSON.parse(readFileSync(join(DIR, f), "utf8")) as { doctorExpect: { exit: number; checks: string[] } })
      .doctorExpect,
  }));

async function doctor(args: string[]) {
  const io = captureIo();
  const exit = await runCli(["doctor", ...args], cliDeps(io, {}));
  return { exit, out: io.out(), err: io.err() };
}

interface Report {
  functionAppId: string;
  ok: boolean;
  checks: Array<{ name: string; ok: boolean }>;
  problems: Array<{ check: string; what: string; fix: string }>;
}

describe("pullguard doctor --world", () => {
  it("covers every check with at least one broken world", () => {
    const covered = new Set(worlds.flatMap((w) => w.expect.checks));
    expect([...covered].sort()).toEqual(DOCTOR_CHECKS.map((c) => c.name).sort());
    expect(worlds.length).toBeGreaterThanOrEqual(15);
  });

  it.each(worlds)("$name", async ({ file, expect: expected }) => {
    const { exit, out, err } = await doctor(["--world", file, "--json"]);
    expect(exit, err).toBe(expected.exit);
    const report = JSON.parse(out) as Report;
    expect(report.functionAppId).toMatch(/\/providers\/Microsoft\.Web\/sites\/func-pullguard-x7k2m9q4$/);
    expect(report.ok).toBe(expected.exit === 0);
    expect([...new Set(report.problems.map((p) => p.check))].sort()).toEqual([...expected.checks].sort());
    for (const p of report.problems) {
      expect(p.what.length, JSON.stringify(p)).toBeGreaterThan(20);
      expect(p.fix, JSON.stringify(p)).toMatch(/^(az |azd |run |set |re-enable |fix |pass )/);
    }
  });

  it("the text report names each problem and its fix", async () => {
    const { exit, out } = await doctor(["--world", join(DIR, "condition-removed.json")]);
    expect(exit).toBe(EXIT.broken);
    expect(out).toContain("PROBLEM  Role Based Access Control Administrator keeps its delegation condition");
    expect(out).toMatch(/has no condition: PullGuard could grant any role/);
    expect(out).toMatch(
      /fix: az role assignment delete --ids \/subscriptions\/.*\/roleAssignments\/0b6f7d1e-1a2b-4c3d-9e8f-000000000004 && azd provision/,
    );
    const healthy = await doctor(["--world", join(DIR, "healthy.json")]);
    expect(healthy.exit).toBe(EXIT.ok);
    expect(healthy.out).toMatch(/all well\n$/);
  });

  it("cannot run without a PullGuard function app, or with a malformed --function-app: exit 1", async () => {
    const none = await doctor(["--world", join(DIR, "../pull-role-missing.json")]);
    expect(none.exit).toBe(EXIT.couldNotRun);
    expect(none.err).toMatch(/no PullGuard function app .* tagged application: pullguard/);
    expect(none.err).toMatch(/next: pass --function-app/);
    const bad = await doctor(["--world", join(DIR, "healthy.json"), "--function-app", "func-pullguard"]);
    expect(bad.exit).toBe(EXIT.couldNotRun);
    expect(bad.err).toMatch(/is not a function app resource ID/);
  });
});
