/**
 * v2 (issue 18), end to end through the HTTP check triggers, for every broken job world (test/fixtures/worlds/jobs):
 * GET /api/jobs/{subscriptionId}/{resourceGroup}/{name} returns the diagnosis the world's `expect` block says (kind
 * job, its codes, the grant its fix makes) and writes nothing; POST /api/check with `{resourceId, fix: true}` fixes
 * the job (PATCHes of the job, grants at the registry), starts no execution, and asking again writes nothing.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Host, httpRequest, invocation, useFunctionHost } from "../functions/harness.js";
import { executionsOf, JOB_WORLDS, type JobWorld, presentJobWorld, pullGuardWrites } from "./jobs-host.js";

const BROKEN = readdirSync(JOB_WORLDS).filter((f) => f.endsWith(".json") && !f.endsWith(".fixed.json"));

const harness = useFunctionHost();

async function get(jobId: string) {
  const [, , subscriptionId = "", , resourceGroup = "", , , , name = ""] = jobId.split("/");
  return harness.handlers.checkJob(
    httpRequest({
      method: "GET",
      url: `http://localhost:7071/api/jobs/${subscriptionId}/${resourceGroup}/${name}`,
      params: { subscriptionId, resourceGroup, name },
    }),
    invocation("checkJob").context,
  );
}

async function post(resourceId: string, fix: boolean) {
  return harness.handlers.checkAppPost(
    httpRequest({ method: "POST", url: "http://localhost:7071/api/check", body: { resourceId, fix } }),
    invocation("checkAppPost").context,
  );
}

interface CheckBody {
  appId: string;
  kind: string;
  verdict: string;
  findings: Array<{ code: string }>;
  plan: Array<Record<string, unknown>>;
}

/** The grant the world's fix names, as a plan step; none when the fix is an attach (identity-not-attached). */
function expectedGrants(world: JobWorld) {
  const e = world.expect;
  if (!e.fixRole) return [];
  return [
    expect.objectContaining({
      kind: "assign-role",
      roleDefinitionId: expect.stringMatching(new RegExp(`/${e.fixRole}$`)),
      scope: e.fixScope,
      principalId: e.fixPrincipal,
    }),
  ];
}

/** What the fix writes: PATCHes of the job, and PUTs of role assignments at the registry. */
const fixWrite = (jobId: string) =>
  new RegExp(
    `^(PATCH ${jobId}|PUT .*/registries/batchacr/providers/Microsoft.Authorization/roleAssignments/[^/]+)$`,
    "i",
  );

async function openWorld(name: string): Promise<{ host: Host; world: JobWorld }> {
  const world = presentJobWorld(name);
  return { host: await harness.open(world), world };
}

describe("v2: the HTTP check of a job, against the emulator", () => {
  it("has the six broken job worlds (two jobs, three ways each)", () => {
    expect(BROKEN).toHaveLength(6);
  });

  for (const name of BROKEN) {
    it(`${name}: GET /api/jobs/... returns the diagnosis the world expects, and writes nothing`, async () => {
      const { host, world } = await openWorld(name);
      const response = await get(world.expect.app);
      expect(response.status).toBe(200);
      const body = response.jsonBody as CheckBody;
      expect(body).toMatchObject({ appId: world.expect.app, kind: "job", verdict: world.expect.verdict });
      expect(body.findings.map((f) => f.code)).toEqual(expect.arrayContaining(world.expect.must));
      expect(body.plan.filter((s) => s.kind === "assign-role")).toEqual(expectedGrants(world));
      expect(body.plan.map((s) => s.kind)).not.toContain("start-job-execution");
      expect(host.writes()).toBe(0);
    });

    it(`${name}: POST /api/check {fix:true} fixes it and starts nothing; GET then finds no ${name.replace(/^(scheduled|manual)-job-|\.json$/g, "")}; POST again writes nothing`, async () => {
      const { host, world } = await openWorld(name);
      const jobId = world.expect.app;
      const code = world.expect.must[0] ?? "";
      const executions = await executionsOf(host, jobId);

      const fixed = await post(jobId, true);
      expect(fixed.status).toBe(200);
      expect(fixed.jsonBody).toMatchObject({ action: "fixed", before: { verdict: "broken" } });
      const writes = pullGuardWrites(host);
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.filter((w) => !fixWrite(jobId).test(w))).toEqual([]);
      expect(await executionsOf(host, jobId)).toEqual(executions);

      const after = await get(jobId);
      const body = after.jsonBody as CheckBody;
      // Healthy, or degraded while a grant it just made propagates (role-assignment-propagating, a warning).
      expect(body.verdict).toMatch(/^(healthy|degraded)$/);
      expect(body.findings.map((f) => f.code).filter((c) => c !== "role-assignment-propagating")).toEqual([]);
      expect(body.findings.map((f) => f.code)).not.toContain(code);

      const again = await post(jobId, true);
      expect(again.status).toBe(200);
      expect(pullGuardWrites(host)).toEqual(writes);
    });
  }
});
