/**
 * The CLI's error boundary end to end (spec/cli.md: exit 1 "could not run", the message on stderr says why and what
 * to do): the real composition root on the emulator, for the failures a person makes or meets. Each is one line (and
 * a `next:` line where the message does not already name the step), never "unexpected error" nor a stack trace.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { captureIo } from "./fix-helpers.js";

const WORLDS = join(import.meta.dirname, "../fixtures/worlds");
const WORLD = join(WORLDS, "pull-role-missing.json");
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
const MISSING = APP.replace("checkout-web", "no-such-app");

async function cli(args: string[]) {
  const io = captureIo();
  const exit = await runCli(args, cliDeps(io, {}));
  const lines = io
    .err()
    .split("\n")
    .filter((l) => l.startsWith("pullguard:") || l.startsWith("next:") || /^\s+at /.test(l));
  return { exit, out: io.out(), err: io.err(), lines };
}

/** The world file with a `caller` that holds no role anywhere (docs/worlds.md: its rights are its assignments). */
function worldWithoutAccess(): string {
  const world = JSON.parse(readFileSync(WORLD, "utf8")) as Record<string, unknown>;
  world.caller = {
    principalId: "9d1c7a52-0b3e-4f6a-8c2d-5e4f3a2b1c0d",
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  };
  const file = join(mkdtempSync(join(tmpdir(), "pullguard-cli-")), "no-access.json");
  writeFileSync(file, JSON.stringify(world));
  return file;
}

function expectOneLine(run: { err: string; lines: string[] }) {
  expect(run.err).not.toContain("unexpected error");
  expect(
    run.lines.filter((l) => /^\s+at /.test(l)),
    run.err,
  ).toEqual([]);
  expect(run.lines.filter((l) => l.startsWith("pullguard:"))).toHaveLength(1);
}

describe("pullguard's error boundary on the emulator", () => {
  it("check of a well-formed ID of an app that does not exist: one line naming the az command, exit 1", async () => {
    const run = await cli(["check", "--world", WORLD, MISSING, "--json"]);
    expect(run.exit).toBe(EXIT.couldNotRun);
    expect(run.out).toBe("");
    expectOneLine(run);
    expect(run.lines[0]).toContain(`container app ${MISSING} was not found`);
    expect(run.lines[0]).toContain(`az containerapp show --ids ${MISSING}`);
  });

  it("fix of an app that does not exist: the same line, nothing written, exit 1", async () => {
    const run = await cli(["fix", "--world", WORLD, "--yes", MISSING]);
    expect(run.exit).toBe(EXIT.couldNotRun);
    expectOneLine(run);
    expect(run.lines[0]).toContain("was not found");
  });

  it("an app the signed-in identity may not read: one line naming the role to ask for, exit 1", async () => {
    const run = await cli(["check", "--world", worldWithoutAccess(), APP]);
    expect(run.exit).toBe(EXIT.couldNotRun);
    expectOneLine(run);
    expect(run.lines[0]).toContain("HTTP 403 AuthorizationFailed");
    expect(run.lines[0]).toContain("Reader");
  });

  it("a subscription the identity may not list: the refusal and a next step, exit 1", async () => {
    const run = await cli(["check", "--world", worldWithoutAccess(), "--subscription", SUB]);
    expect(run.exit).toBe(EXIT.couldNotRun);
    expectOneLine(run);
    expect(run.lines[0]).toContain("Azure refused the request (HTTP 403 AuthorizationFailed)");
    expect(run.lines[1]).toMatch(/^next: give your identity Reader/);
  });

  it("a world file that is not there or is not a world: what is wrong and where to look, exit 1", async () => {
    for (const file of [join(WORLDS, "no-such-world.json"), join(import.meta.dirname, "../../package.json")]) {
      const run = await cli(["check", "--world", file, APP]);
      expect(run.exit).toBe(EXIT.couldNotRun);
      expectOneLine(run);
      expect(run.lines[0]).toContain(file);
      expect(run.lines[1]).toContain("docs/worlds.md");
    }
  });
});
