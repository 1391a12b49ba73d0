/**
 * The job demo (`npm run demo -- --job`): a scheduled job's 02:00 execution cannot pull; the alert reaches the real
 * handler; PullGuard grants AcrPull at the registry, restarts nothing, starts no execution, and the follow-up after
 * the next night's run reports resolved. The story's end is asserted from the emulator's own records (its request
 * log, the job's executions) and the Teams sink; the CLI's parsing of `--job` through the real program.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliDeps, CommandOptions } from "../../../src/cli/deps.js";
import { EXIT } from "../../../src/cli/exit-codes.js";
import { runCli } from "../../../src/cli/main.js";
import { runJobDemo } from "../../../tools/demo/job-demo.js";
import { runDemoCommand } from "../../../tools/demo/run-demo.js";

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const CONTOSOPROD = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/contosoprod`;

function io() {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: (text: string) => {
        out += text;
      },
      stderr: (text: string) => {
        err += text;
      },
      interactive: false,
      ask: async () => "",
    },
    out: () => out,
    err: () => err,
  };
}

describe("the job demo", () => {
  it("fixes nightly-export: one AcrPull at the registry, no restart, no execution started, resolved after the next run", async () => {
    const lines: string[] = [];
    const envBefore = { ...process.env };
    const result = await runJobDemo({ say: (line) => lines.push(line) });

    expect(result.jobId).toBe(
      `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.App/jobs/nightly-export`,
    );
    expect(result.outcome).toBe("resolved");
    expect(result.roleAssignmentsCreated).toBe(1);
    expect(result.grantScopes).toEqual([CONTOSOPROD]);
    expect(result.restarts).toBe(0);
    expect(result.executionsStarted).toBe(0);
    // The platform's two scheduled runs and nothing else: the failed one at a 02:00 and a later night's (the next one
    // after the fix on this machine's clock: a day later, two when the fix lands just past a 02:00).
    expect(result.executions.map((e) => e.status)).toEqual(["Failed", "Succeeded"]);
    const [failed = 0, succeeded = 0] = result.executions.map((e) => Date.parse(e.startTime ?? ""));
    expect(new Date(failed).toISOString()).toMatch(/T02:00:00\.000Z$/);
    expect(new Date(succeeded).toISOString()).toMatch(/T02:00:00\.000Z$/);
    expect([1, 2]).toContain((succeeded - failed) / 86_400_000);
    expect(result.alertsDelivered).toBe(1);
    // The developer's write event is the one dropped; PullGuard's own grant came back as an event and was ignored.
    expect(result.eventsDropped).toBe(1);
    expect(result.eventsIgnored).toBe(1);
    expect(result.notifications.map((n) => n.title)).toEqual([
      expect.stringMatching(/fixed job nightly-export/i),
      expect.stringMatching(/job nightly-export can pull again/i),
    ]);

    const story = lines.join("\n");
    expect(story).toMatch(/the write succeeded: a job pulls its images only when an execution starts/);
    expect(story).toMatch(/02:00 UTC: the platform starts nightly-export on its schedule/);
    expect(story).toMatch(/execution nightly-export-[a-z0-9]{7}: Failed/);
    expect(story).toMatch(/pull-failure alert \(JobName_s nightly-export\) → PullGuard: broken, fixed/);
    expect(story).toMatch(/role assignment created at Microsoft\.ContainerRegistry\/registries\/contosoprod\n/);
    expect(story).toMatch(/0 restart\(s\), 0 execution\(s\) started/);
    expect(story).toMatch(/execution nightly-export-[a-z0-9]{7}: Succeeded/);
    expect(story).toMatch(/Verification of nightly-export: verified: resolved/);
    expect(process.env).toEqual(envBefore);
  });

  it("`pullguard demo --job --world <file>` runs the job story on another world and ends with a one-line summary", async () => {
    const cli = io();
    const world = join(import.meta.dirname, "../../fixtures/worlds/jobs/scheduled-job-pull-role-missing.json");
    const code = await runDemoCommand({ job: true, world }, cli.io);
    expect(code).toBe(EXIT.ok);
    expect(cli.out().trim().split("\n").at(-1)).toMatch(
      /^summary: nightly-export resolved — execution nightly-export-[a-z0-9]{7} Succeeded; 1 role assignment\(s\) created, 0 restart\(s\), 0 execution\(s\) started by PullGuard, 2 notification\(s\), 1 alert\(s\) delivered$/,
    );
  });
});

describe("`pullguard demo` options", () => {
  function program() {
    const received: CommandOptions[] = [];
    const unused = async () => {
      throw new Error("not expected in this test");
    };
    const cli = io();
    const deps: CliDeps = {
      version: "0.0.0",
      io: cli.io,
      commands: {
        check: unused,
        fix: unused,
        notify: unused,
        emulator: unused,
        doctor: unused,
        demo: async (opts) => {
          received.push(opts);
          return EXIT.ok;
        },
      },
    };
    return { deps, received, err: cli.err };
  }

  it("--job selects the job story; without it the app story runs, as before", async () => {
    const p = program();
    expect(await runCli(["demo", "--job"], p.deps)).toBe(EXIT.ok);
    expect(await runCli(["demo"], p.deps)).toBe(EXIT.ok);
    expect(await runCli(["demo", "--job", "--world", "w.json"], p.deps)).toBe(EXIT.ok);
    expect(p.received).toEqual([{ job: true }, {}, { job: true, world: "w.json" }]);
  });

  it("an unknown flag is refused with exit 1, naming it and the flag meant", async () => {
    const p = program();
    expect(await runCli(["demo", "--jobs"], p.deps)).toBe(EXIT.couldNotRun);
    expect(p.err()).toContain("unknown option '--jobs'");
    expect(p.err()).toContain("--job");
    expect(p.received).toEqual([]);
  });
});
