/**
 * End to end through the HTTP check triggers: GET returns the JSON diagnosis of a broken world, exactly as its
 * `expect` block says (the role, scope and principal of the fix); POST with `fix: true` applies it and the revision
 * turns healthy; asking again writes nothing.
 */
import { describe, expect, it } from "vitest";
import { httpRequest, invocation, readWorld, useFunctionHost, writesBy } from "../functions/harness.js";
import { movedTo } from "./jobs-host.js";

interface Expectation {
  app: string;
  verdict: string;
  must: string[];
  fixRole: string;
  fixScope: string;
  fixPrincipal: string;
}

const harness = useFunctionHost();

async function get(appId: string) {
  const [, , subscriptionId = "", , resourceGroup = "", , , , name = ""] = appId.split("/");
  return harness.handlers.checkApp(
    httpRequest({
      method: "GET",
      url: `http://localhost:7071/api/apps/${subscriptionId}/${resourceGroup}/${name}`,
      params: { subscriptionId, resourceGroup, name },
    }),
    invocation("checkApp").context,
  );
}

async function post(resourceId: string, fix: boolean) {
  return harness.handlers.checkAppPost(
    httpRequest({ method: "POST", url: "http://localhost:7071/api/check", body: { resourceId, fix } }),
    invocation("checkAppPost").context,
  );
}

describe("HTTP check against the emulator", () => {
  for (const name of ["pull-role-missing.json", "identity-not-attached.json"]) {
    it(`${name}: GET returns the diagnosis the world expects, and writes nothing`, async () => {
      const world = readWorld(name);
      const expected = world.expect as Expectation;
      const host = await harness.open(world);
      const response = await get(expected.app);
      expect(response.status).toBe(200);
      const body = response.jsonBody as {
        verdict: string;
        findings: Array<{ code: string }>;
        plan: Array<Record<string, unknown>>;
      };
      expect(body.verdict).toBe(expected.verdict);
      for (const code of expected.must) expect(body.findings.map((f) => f.code)).toContain(code);
      // The world that names its fix grant finds it in the plan.
      expect(body.plan.filter((s) => s.kind === "assign-role")).toEqual(
        expected.fixRole
          ? [
              expect.objectContaining({
                roleDefinitionId: expect.stringContaining(expected.fixRole),
                scope: expected.fixScope,
                principalId: expected.fixPrincipal,
              }),
            ]
          : expect.any(Array),
      );
      expect(host.writes()).toBe(0);
    });
  }

  it("POST fix:true on the broken world: fixed, revision healthy; then GET says healthy and POST again writes nothing", async () => {
    // Moved to the present, so that the grant's 10 minutes are still running when it is asked again.
    const world = movedTo(readWorld("pull-role-missing.json") as Record<string, unknown> & { now: string }, new Date());
    const expected = world.expect as Expectation;
    const host = await harness.open(world);

    const fixed = await post(expected.app, true);
    expect(fixed.status).toBe(200);
    expect(fixed.jsonBody).toMatchObject({ action: "fixed", before: { verdict: "broken" } });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(expected.app)).toMatchObject({ runningState: "Running", healthState: "Healthy" });

    const after = await get(expected.app);
    expect(after.jsonBody).toMatchObject({ verdict: expect.stringMatching(/healthy|degraded/) });
    expect((after.jsonBody as { findings: Array<{ code: string }> }).findings.map((f) => f.code)).not.toContain(
      "pull-role-missing",
    );

    const writes = writesBy(host);
    const notified = host.sink.received.length;
    const again = await post(expected.app, true);
    expect(again.status).toBe(200);
    expect(writesBy(host)).toBe(writes);
    // Within the grant's 10 minutes all that is left is PullGuard's own grant, propagating: no new notification.
    expect(again.jsonBody).toMatchObject({
      before: { verdict: "degraded" },
      action: expect.stringMatching(/^quiet: only grants PullGuard made/),
    });
    expect(host.sink.received).toHaveLength(notified);
  });
});
