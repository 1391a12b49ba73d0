/**
 * The demo (`npm run demo`) is the README's main command: it must pass on a fresh clone with no Azure account.
 * It is run as the CLI runs it, and the story's end is asserted: the revision healthy, exactly one role assignment
 * created, one notification saying what was fixed and one verification follow-up, and the process's settings left
 * as they were.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../../src/cli/exit-codes.js";
import { runDemo, runDemoCommand } from "../../../tools/demo/run-demo.js";

describe("the demo", () => {
  it("fixes orders-api end to end: healthy revision, one AcrPull, one notification, one follow-up", async () => {
    const lines: string[] = [];
    const envBefore = { ...process.env };
    const result = await runDemo({ say: (line) => lines.push(line) });

    expect(result.appId).toMatch(/\/containerApps\/orders-api$/);
    expect(result.outcome).toBe("resolved");
    expect(result.revision).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(result.roleAssignmentsCreated).toBe(1);
    expect(result.notifications).toHaveLength(2);
    const [fixed, followUp] = result.notifications;
    expect(fixed?.title).toMatch(/fixed orders-api/i);
    expect(followUp?.title).toMatch(/orders-api is running again/i);
    // PullGuard's own writes came back as events and were ignored: the deployment's event alone caused the fix.
    expect(result.eventsDelivered - result.eventsIgnored).toBe(1);

    // The story a person follows, step by step.
    const story = lines.join("\n");
    expect(story).toMatch(/the deployment failed: .*UNAUTHORIZED|the deployment failed/);
    expect(story).toMatch(/ResourceWriteFailure .*orders-api: broken, fixed/);
    expect(story).toMatch(/Verification of orders-api: verified: resolved/);
    expect(process.env).toEqual(envBefore);
  });

  it("`pullguard demo --world <file>` runs the story on another world and ends with a one-line summary", async () => {
    let out = "";
    const code = await runDemoCommand(
      { world: join(import.meta.dirname, "../../fixtures/worlds/pull-role-missing.json") },
      {
        stdout: (text) => {
          out += text;
        },
        stderr: () => undefined,
        interactive: false,
        ask: async () => "",
      },
    );
    expect(code).toBe(EXIT.ok);
    const summary = out.trim().split("\n").at(-1) ?? "";
    expect(summary).toMatch(
      /^summary: checkout-web resolved — revision \S+ Running\/Healthy; 1 role assignment\(s\) created/,
    );
  });
});
