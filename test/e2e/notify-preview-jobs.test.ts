/**
 * v2 (issue 18): `pullguard notify --preview` for a job, through the real CLI and the emulator started from a job
 * world (test/fixtures/worlds/jobs). The preview is the message the function app would send now: for a job it shows
 * the job's last failed execution (notification-input.ts `appContextOf`), in every channel; for a container app the
 * webhook says so with `appKind: "app"` and `lastFailedExecution: null`.
 */
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { captureIo, worldFile } from "./fix-helpers.js";

const SCHEDULED = worldFile("jobs/scheduled-job-pull-role-missing.json");
const MANUAL = worldFile("jobs/manual-job-identity-not-attached.json");
const HEALTHY_JOB = worldFile("jobs/manual-job-identity-not-attached.fixed.json");

async function preview(world: string, appId: string, channel: string, extra: string[] = []) {
  const io = captureIo();
  const exit = await runCli(
    ["notify", "--preview", "--channel", channel, "--world", world, appId, ...extra],
    cliDeps(io, {}),
  );
  return { exit, out: io.out(), err: io.err() };
}

/** The Failed execution a job world holds (each broken job world has exactly one), its time as the SDK reads it. */
function failedExecutionOf(world: ReturnType<typeof worldFile>) {
  const resources = world.world.resources as Array<{ type: string; name: string; properties: Record<string, string> }>;
  const executions = resources.filter((r) => r.type === "Microsoft.App/jobs/executions");
  expect(executions.map((e) => e.properties.status)).toEqual(["Failed"]);
  const [execution] = executions;
  const startTime = new Date(String(execution?.properties.startTime)).toISOString();
  return { name: execution?.name, startTime, status: "Failed" };
}

describe("v2: pullguard notify --preview for a job", () => {
  for (const world of [SCHEDULED, MANUAL]) {
    const name = world.file.split("/").at(-1);
    it(`${name}: the webhook body names the job and its last failed execution`, async () => {
      const { exit, out, err } = await preview(world.file, world.world.expect.app, "webhook");
      expect(exit, err).toBe(EXIT.ok);
      const body = JSON.parse(out) as { type: string; data: Record<string, unknown> };
      expect(body.type).toBe("pullguard.diagnosis");
      expect(body.data).toMatchObject({
        appId: world.world.expect.app,
        appKind: "job",
        verdict: "broken",
        codes: expect.arrayContaining(world.world.expect.must),
        lastFailedExecution: failedExecutionOf(world),
      });
      // The headers (signature, id, timestamp) go to stderr, the body alone to stdout.
      expect(JSON.parse(err)).toMatchObject({ "webhook-id": expect.any(String) });
    });
  }

  it("the Teams card and the Slack message show the last failed execution", async () => {
    const execution = failedExecutionOf(SCHEDULED);
    const teams = await preview(SCHEDULED.file, SCHEDULED.world.expect.app, "teams");
    const slack = await preview(SCHEDULED.file, SCHEDULED.world.expect.app, "slack");
    expect([teams.exit, slack.exit]).toEqual([EXIT.ok, EXIT.ok]);
    expect(teams.out).toContain("Last failed execution");
    expect(teams.out).toContain(String(execution.name));
    expect(slack.out).toContain("Last failed execution");
    expect(slack.out).toContain(String(execution.name));
  });

  it("--outcome unresolved: the follow-up shows the last failed execution too", async () => {
    const { exit, out } = await preview(SCHEDULED.file, SCHEDULED.world.expect.app, "webhook", [
      "--outcome",
      "unresolved",
    ]);
    expect(exit).toBe(EXIT.ok);
    const body = JSON.parse(out) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe("pullguard.unresolved");
    expect(body.data.lastFailedExecution).toEqual(failedExecutionOf(SCHEDULED));
  });

  it("a healthy job whose newest execution Succeeded: no last failed execution", async () => {
    const { exit, out } = await preview(HEALTHY_JOB.file, HEALTHY_JOB.world.expect.app, "webhook");
    expect(exit).toBe(EXIT.ok);
    const body = JSON.parse(out) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ appKind: "job", verdict: "healthy", lastFailedExecution: null });
  });

  it("a container app: appKind app, lastFailedExecution null", async () => {
    const app = worldFile("pull-role-missing.json");
    const { exit, out } = await preview(app.file, app.world.expect.app, "webhook");
    expect(exit).toBe(EXIT.ok);
    const body = JSON.parse(out) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ appKind: "app", lastFailedExecution: null });
    expect(Object.keys(body.data)).toContain("lastFailedExecution");
  });
});
