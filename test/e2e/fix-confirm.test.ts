/**
 * `fix` without `--yes`: on a terminal it asks; with no terminal it refuses (exit 1) and says to add `--yes` or
 * `--dry-run` (cli.md). Runs through the composition root exactly as `npx pullguard` does.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import {
  assignmentIds,
  captureIo,
  latestRevision,
  revisionState,
  runFixCommand,
  useEmulators,
  worldFile,
} from "./fix-helpers.js";

const running = useEmulators();

describe("fix: confirmation", () => {
  it("no terminal and no --yes: exit 1, says to add --yes or --dry-run, opens nothing", async () => {
    const world = worldFile("pull-role-missing");
    const io = captureIo({ interactive: false });
    const exit = await runCli(["fix", "--world", world.file, world.world.expect.app, "--json"], cliDeps(io, {}));
    expect(exit).toBe(1);
    expect(io.out()).toBe("");
    expect(io.err()).toMatch(/--yes/);
    expect(io.err()).toMatch(/--dry-run/);
    expect(io.questions).toEqual([]);
  });

  it("no terminal and no --yes against a running emulator: no request at all", async () => {
    const world = worldFile("pull-role-missing");
    const emulator = await running.start(world.world);
    emulator.log.clear();
    const run = await runFixCommand(emulator, world, [], { io: captureIo({ interactive: false }) });
    expect(run.exit).toBe(1);
    expect(run.opened).toBe(0);
    expect(emulator.log.count()).toBe(0);
    expect(run.stderr).toContain("add --yes to apply the plan, or --dry-run");
  });

  it("on a terminal, answering no sends nothing; answering yes applies", async () => {
    const world = worldFile("pull-role-missing");
    const emulator = await running.start(world.world);
    const before = assignmentIds(emulator);
    emulator.log.clear();

    const no = captureIo({ interactive: true, answer: "n" });
    const refused = await runFixCommand(emulator, world, ["--json"], { io: no });
    expect(no.questions).toHaveLength(1);
    expect(no.err()).toContain("PullGuard will make 2 change(s)");
    expect(refused.exit).toBe(2);
    expect(emulator.log.writes()).toEqual([]);
    expect(refused.doc?.skipped.map((s) => s.why)).toEqual([
      "not confirmed: nothing sent",
      "not confirmed: nothing sent",
    ]);

    const yes = captureIo({ interactive: true, answer: "yes" });
    const applied = await runFixCommand(emulator, world, ["--json"], { io: yes });
    expect(yes.questions).toHaveLength(1);
    expect(applied.exit).toBe(0);
    expect(assignmentIds(emulator).size).toBe(before.size + 1);
    expect(revisionState(latestRevision(emulator, world.world.expect.app))).toEqual({
      runningState: "Running",
      healthState: "Healthy",
    });
  });
});
