/**
 * The safety rules of issue 5, end to end through the CLI against the emulator:
 * - `--dry-run` and mode `report` print the exact ARM requests a real run sends, and send none (request log);
 * - nothing outside the allowlist (PULLGUARD_ALLOWED_SCOPES) is changed;
 * - the opt-in fixes apply only when PULLGUARD_OPT_IN_FIXES switches them on.
 */
import { describe, expect, it } from "vitest";
import { FINDING_CODES_WITH_OPT_IN_FIXES } from "../../src/core/fix-defaults.js";
import type { Emulator } from "../../tools/emulator/index.js";
import {
  assignmentIds,
  describeWrites,
  type FixDoc,
  latestRevision,
  newAssignments,
  revisionState,
  runFixCommand,
  sendsSecrets,
  untouchables,
  useEmulators,
  worldFile,
  writeWorld,
} from "./fix-helpers.js";

const running = useEmulators();

const SUB = "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const REGISTRY = `${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;

const requestLines = (doc: FixDoc) => doc.requests.map((r) => ({ method: r.method, url: r.url, body: r.body }));
/** The request lines and bodies of `requests` that `stdout` does not print (each request's body when it has one). */
function requestsNotPrinted(stdout: string, requests: FixDoc["requests"]): string[] {
  const wanted = requests.flatMap((r) => [`${r.method} ${r.url}`, ...(r.body ? [JSON.stringify(r.body)] : [])]);
  return wanted.filter((text) => !stdout.includes(text));
}

/** Everything about the registry and the app that a fix could change. */
const snapshot = (emulator: Emulator, appId: string) =>
  JSON.stringify([emulator.getResource(REGISTRY), emulator.getResource(appId), [...assignmentIds(emulator)].sort()]);

describe("fix --dry-run", () => {
  for (const code of [
    "pull-role-missing",
    "identity-not-attached",
    "registry-not-configured",
    "abac-mode-legacy-role-only",
  ]) {
    it(`${code}: prints exactly the requests a real run then sends, and sends none`, async () => {
      const world = worldFile(code);
      const appId = world.world.expect.app;
      const emulator = await running.start(world.world);
      const untouched = snapshot(emulator, appId);
      emulator.log.clear();

      const dry = await runFixCommand(emulator, world, ["--dry-run", "--json"]);
      expect(dry.exit).toBe(2);
      expect(describeWrites(emulator.log.writes())).toEqual([]);
      expect(snapshot(emulator, appId)).toBe(untouched);
      const dryDoc = dry.doc;
      if (!dryDoc) throw new Error(dry.stdout);
      expect(dryDoc.applied).toEqual([]);
      expect(dryDoc.auditIds).toEqual([]);
      expect(dryDoc.requests.length).toBeGreaterThan(0);
      expect(dryDoc.requests.every((r) => r.sent === false && !r.note)).toBe(true);
      for (const s of dryDoc.skipped) expect(s.why).toMatch(/^dry run: nothing sent/);

      // The same dry run for people: every request, method, URL and body, on stdout.
      const text = await runFixCommand(emulator, world, ["--dry-run"]);
      expect(text.exit).toBe(2);
      expect(text.stdout).toContain("dry run: these ARM requests would be sent (none was):");
      expect(requestsNotPrinted(text.stdout, dryDoc.requests)).toEqual([]);
      expect(describeWrites(emulator.log.writes())).toEqual([]);

      // A real run sends exactly those requests, and nothing else.
      const real = await runFixCommand(emulator, world, ["--yes", "--json"]);
      expect(real.exit).toBe(0);
      const realDoc = real.doc;
      if (!realDoc) throw new Error(real.stdout);
      expect(realDoc.requests.every((r) => r.sent)).toBe(true);
      expect(requestLines(realDoc)).toEqual(requestLines(dryDoc));
      expect(emulator.log.writes().map((w) => `${w.method} ${w.path}`)).toEqual(
        dryDoc.requests.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`),
      );
    });
  }

  it("system-identity-disabled: the grant to a principal that does not exist yet is shown with a note", async () => {
    const world = worldFile("system-identity-disabled");
    const emulator = await running.start(world.world);
    emulator.log.clear();
    const dry = await runFixCommand(emulator, world, ["--dry-run", "--json"]);
    expect(dry.exit).toBe(2);
    expect(emulator.log.writes()).toEqual([]);
    const kinds = dry.doc?.requests.map((r) => [r.method, r.note ?? null]);
    expect(kinds).toEqual([
      ["PATCH", null],
      ["PUT", expect.stringMatching(/principal ID .* known once the system identity is enabled/)],
      ["POST", null],
    ]);
  });
});

describe("fix in mode report", () => {
  it("PULLGUARD_MODE=report: prints the requests a fix would send, sends none, exit 2", async () => {
    const world = worldFile("pull-role-missing");
    const appId = world.world.expect.app;
    const emulator = await running.start(world.world);
    const untouched = snapshot(emulator, appId);
    emulator.log.clear();

    const run = await runFixCommand(emulator, world, ["--yes", "--json"], { env: { PULLGUARD_MODE: "report" } });
    expect(run.exit).toBe(2);
    expect(describeWrites(emulator.log.writes())).toEqual([]);
    expect(snapshot(emulator, appId)).toBe(untouched);
    const doc = run.doc;
    if (!doc) throw new Error(run.stdout);
    expect(doc.before.plan.map((s) => s.decision)).toEqual(["report-only", "report-only"]);
    expect(doc.applied).toEqual([]);
    expect(doc.skipped.map((s) => s.why)).toEqual([
      expect.stringMatching(/mode report \(PULLGUARD_MODE\)/),
      expect.stringMatching(/mode report \(PULLGUARD_MODE\)/),
    ]);
    expect(doc.requests.map((r) => [r.method, r.sent])).toEqual([
      ["PUT", false],
      ["POST", false],
    ]);
    const grant = doc.before.plan[0];
    expect(doc.requests[0]?.url).toBe(
      `${emulator.endpoint}${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/${String(grant?.name)}?api-version=2022-04-01`,
    );
    expect(doc.verification.outcome).toBe("unresolved");

    // The text output prints the same requests.
    const text = await runFixCommand(emulator, world, ["--yes"], { env: { PULLGUARD_MODE: "report" } });
    expect(text.exit).toBe(2);
    expect(requestsNotPrinted(text.stdout, doc.requests)).toEqual([]);
    expect(emulator.log.writes()).toEqual([]);
  });

  it("the app's pullguard-mode=report tag narrows a fix deployment to report", async () => {
    const base = worldFile("pull-role-missing");
    const world = writeWorld("tagged-report", {
      ...base.world,
      resources: (base.world.resources as Array<Record<string, unknown>>).map((r) =>
        r.id === base.world.expect.app ? { ...r, tags: { "PullGuard-Mode": "report" } } : r,
      ),
    });
    const emulator = await running.start(world.world);
    emulator.log.clear();
    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.exit).toBe(2);
    expect(emulator.log.writes()).toEqual([]);
    expect(run.doc?.skipped.map((s) => s.why)).toEqual([
      expect.stringMatching(/pullguard-mode tag/),
      expect.stringMatching(/pullguard-mode tag/),
    ]);
    expect(run.doc?.requests.map((r) => r.method)).toEqual(["PUT", "POST"]);
  });
});

describe("fix and the allowlist", () => {
  it("a registry outside PULLGUARD_ALLOWED_SCOPES is never changed", async () => {
    const world = worldFile("pull-role-missing");
    const appId = world.world.expect.app;
    const emulator = await running.start(world.world);
    const untouched = snapshot(emulator, appId);
    emulator.log.clear();

    const env = { PULLGUARD_ALLOWED_SCOPES: `${SUB}/resourceGroups/rg-checkout` };
    const run = await runFixCommand(emulator, world, ["--yes", "--json"], { env });
    expect(run.exit).toBe(2);
    expect(describeWrites(emulator.log.writes())).toEqual([]);
    expect(snapshot(emulator, appId)).toBe(untouched);
    const grant = run.doc?.skipped.find((s) => s.kind === "assign-role");
    expect(grant?.decision).toBe("report-only");
    expect(grant?.why).toContain(`outside the allowlist: ${REGISTRY}`);
    expect(run.doc?.verification.outcome).toBe("unresolved");

    // The same fix with the registry allowed goes through.
    const allowed = { PULLGUARD_ALLOWED_SCOPES: `${SUB}/resourceGroups/rg-checkout,${REGISTRY}` };
    const fixed = await runFixCommand(emulator, world, ["--yes", "--json"], { env: allowed });
    expect(fixed.exit).toBe(0);
    expect(fixed.doc?.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
  });

  it("an opted-in registry change outside the allowlist is not made either", async () => {
    const world = worldFile("arm-audience-tokens-disabled");
    const appId = world.world.expect.app;
    const emulator = await running.start(world.world);
    const untouched = snapshot(emulator, appId);
    emulator.log.clear();
    const env = {
      PULLGUARD_OPT_IN_FIXES: "arm-audience-tokens-disabled",
      PULLGUARD_ALLOWED_SCOPES: `${SUB}/resourceGroups/rg-checkout`,
    };
    const run = await runFixCommand(emulator, world, ["--yes", "--json"], { env });
    expect(run.exit).toBe(2);
    expect(emulator.log.writes()).toEqual([]);
    expect(snapshot(emulator, appId)).toBe(untouched);
    expect(run.doc?.skipped[0]?.why).toContain("outside the allowlist");
  });
});

/** What each opt-in fix changes, read from the emulator. */
const OPT_IN_EFFECT: Record<string, (emulator: Emulator, appId: string) => unknown> = {
  "arm-audience-tokens-disabled": (e) =>
    (e.getResource(REGISTRY)?.properties?.policies as Record<string, { status?: string }> | undefined)
      ?.azureADAuthenticationAsArmPolicy?.status,
  "registry-firewall-blocks-environment": (e, appId) => {
    const rules = (
      (e.getResource(REGISTRY)?.properties?.networkRuleSet as { ipRules?: Array<{ value?: string }> })?.ipRules ?? []
    ).map((r) => r.value);
    const ips = (e.getResource(appId)?.properties?.outboundIpAddresses as string[]) ?? [];
    return ips.every((ip) => rules.some((rule) => rule === ip || rule === `${ip}/32`));
  },
  "abac-condition-excludes-repository": (e) =>
    newAssignments(e, new Set())
      .map((a) => String(a.properties?.condition ?? ""))
      .join("\n")
      .includes("checkout/web"),
  "registry-uses-admin-credentials": (e, appId) =>
    JSON.stringify((e.getResource(appId)?.properties?.configuration as { registries?: unknown })?.registries),
};

describe("opt-in fixes", () => {
  it("covers every opt-in code", () => {
    expect(Object.keys(OPT_IN_EFFECT).sort()).toEqual([...FINDING_CODES_WITH_OPT_IN_FIXES].sort());
  });

  for (const code of FINDING_CODES_WITH_OPT_IN_FIXES) {
    it(`${code}: needs approval by default; applied only when PULLGUARD_OPT_IN_FIXES names it`, async () => {
      const world = worldFile(code);
      const appId = world.world.expect.app;
      const emulator = await running.start(world.world);
      const untouched = snapshot(emulator, appId);
      const effectBefore = OPT_IN_EFFECT[code]?.(emulator, appId);
      const guarded = JSON.stringify(untouchables(emulator, appId));
      const other = FINDING_CODES_WITH_OPT_IN_FIXES.filter((c) => c !== code).join(",");

      for (const env of [{}, { PULLGUARD_OPT_IN_FIXES: other }, { PULLGUARD_DISABLED_FIXES: code }]) {
        emulator.log.clear();
        const run = await runFixCommand(emulator, world, ["--yes", "--json"], { env });
        expect(run.exit, JSON.stringify(env)).toBe(2);
        expect(describeWrites(emulator.log.writes())).toEqual([]);
        expect(snapshot(emulator, appId)).toBe(untouched);
        expect(run.doc?.applied).toEqual([]);
        const step = run.doc?.before.plan[0];
        expect(step?.reason).toBe(code);
        expect(step?.decision).toBe("PULLGUARD_DISABLED_FIXES" in env ? "report-only" : "needs-approval");
        expect(step?.why).toContain(
          "PULLGUARD_DISABLED_FIXES" in env ? "switched off" : `add ${code} to PULLGUARD_OPT_IN_FIXES`,
        );
        expect(run.doc?.verification.outcome).toBe("unresolved");
      }

      emulator.log.clear();
      const run = await runFixCommand(emulator, world, ["--yes", "--json"], { env: { PULLGUARD_OPT_IN_FIXES: code } });
      expect(run.stderr).toBe("");
      expect(run.exit).toBe(0);
      expect(run.doc?.applied.map((s) => [s.kind, s.result])).toEqual([
        [run.doc?.before.plan[0]?.kind, "done"],
        ["restart-revision", "done"],
      ]);
      expect(emulator.log.writes()).toHaveLength(2);
      expect(OPT_IN_EFFECT[code]?.(emulator, appId)).not.toEqual(effectBefore);
      expect(run.doc?.verification.outcome).toBe("resolved");
      expect(revisionState(latestRevision(emulator, appId))).toEqual({
        runningState: "Running",
        healthState: "Healthy",
      });
      // The admin user, anonymous pull, public access, secrets and template stay as they were; no write sent secrets.
      expect(JSON.stringify(untouchables(emulator, appId))).toBe(guarded);
      expect(run.doc?.requests.filter((r) => sendsSecrets(r.body))).toEqual([]);

      emulator.log.clear();
      const again = await runFixCommand(emulator, world, ["--yes", "--json"], {
        env: { PULLGUARD_OPT_IN_FIXES: code },
      });
      expect(again.exit).toBe(0);
      expect(emulator.log.writes()).toEqual([]);
    });
  }
});
