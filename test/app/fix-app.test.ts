/** The fix use case end to end over the ArmTransport seam (the emulator-backed e2e tests are in test/e2e). */
import { describe, expect, it } from "vitest";
import { type FixDeps, fixApp } from "../../src/app/fix-app.js";
import type { WorkloadLease } from "../../src/azure/workload-lease.js";
import type { PullFacts } from "../../src/core/facts.js";
import type { Finding } from "../../src/core/finding.js";
import type { VerificationMessage } from "../../src/core/verification-message.js";
import { FakeArm } from "../azure/fake-arm.js";
import { APP_ID, facts, finding, REGISTRY_ID, SERVER } from "../core/builders.js";
import { fakeFixDeps } from "./fake-fix-deps.js";

const REVISION_ID = `${APP_ID}/revisions/checkout-web--r1`;

function world(
  identity: Record<string, unknown> = { type: "SystemAssigned", principalId: "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e" },
) {
  const arm = new FakeArm();
  arm.put({
    id: APP_ID,
    name: "checkout-web",
    type: "Microsoft.App/containerApps",
    identity,
    properties: {
      configuration: { registries: [{ server: SERVER, identity: "system" }] },
      template: { containers: [] },
    },
  });
  arm.put({
    id: REVISION_ID,
    name: "checkout-web--r1",
    type: "Microsoft.App/containerApps/revisions",
    properties: { provisioningState: "Failed", runningState: "Failed", healthState: "Unhealthy" },
  });
  arm.put({
    id: REGISTRY_ID,
    name: "fabrikamacr",
    type: "Microsoft.ContainerRegistry/registries",
    properties: { loginServer: SERVER },
  });
  return arm;
}

/** Reads the fake's state into facts, and a two-rule diagnosis (enough to drive the use case). */
function reader(arm: FakeArm) {
  return {
    async readFacts() {
      const app = arm.getResource(APP_ID) as { identity: { type: string; principalId?: string } };
      const rev = arm.getResource(REVISION_ID) as {
        properties: { runningState: string; healthState: string; provisioningState: string };
      };
      const principal = app.identity.principalId ?? null;
      const items = arm
        .assignments()
        .map((a) => a.properties as { principalId: string; roleDefinitionId: string; scope: string })
        .filter((p) => p.principalId === principal);
      const f = facts({
        identityType: app.identity.type,
        systemPrincipal: principal,
        revision: { name: "checkout-web--r1", ...rev.properties },
        assignments: principal
          ? {
              [principal]: items.map((p, i) => ({
                id: `a${i}`,
                name: `a${i}`,
                scope: p.scope,
                roleDefinitionId: p.roleDefinitionId,
                principalId: p.principalId,
                principalType: "ServicePrincipal",
                condition: null,
                conditionVersion: null,
                createdOn: null,
              })),
            }
          : {},
      });
      return { facts: f, stats: { armRequests: 3, waves: 1, dataPlaneRequests: 0, ms: 1 } };
    },
    diagnose(f: PullFacts) {
      const findings: Finding[] = [];
      if (!f.app.identity.type.includes("SystemAssigned")) {
        findings.push(finding("system-identity-disabled", { identity: { ref: "system", principalId: null } }));
      } else {
        const read = f.roleAssignments[(f.app.identity.principalId ?? "").toLowerCase()];
        if (!read?.readable || !read.found || read.items.length === 0) findings.push(finding("pull-role-missing"));
      }
      return { verdict: findings.length > 0 ? ("broken" as const) : ("healthy" as const), findings };
    },
  };
}

function deps(arm: FakeArm, overrides: Partial<FixDeps> = {}): FixDeps {
  return { ...fakeFixDeps(arm, reader(arm)), ...overrides };
}

describe("fixApp", () => {
  it("fixes, verifies and returns the fix --json shape", async () => {
    const arm = world();
    const result = await fixApp(APP_ID, deps(arm));
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining(["appId", "before", "applied", "skipped", "verification", "auditIds"]),
    );
    expect(result.before).toMatchObject({
      appId: APP_ID,
      verdict: "broken",
      findings: [{ code: "pull-role-missing" }],
      stats: { armRequests: 3 },
    });
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(result.verification).toMatchObject({
      outcome: "resolved",
      revision: "checkout-web--r1",
      state: { provisioningState: "Provisioned", runningState: "Running", healthState: "Healthy" },
      remaining: [],
    });
    expect(result.auditIds).toHaveLength(2);
    expect(result.writes).toBe(2);
  });

  it("a second fix writes nothing", async () => {
    const arm = world();
    await fixApp(APP_ID, deps(arm));
    const writes = arm.writes().length;
    const again = await fixApp(APP_ID, deps(arm));
    expect(arm.writes().length).toBe(writes);
    expect(again).toMatchObject({ applied: [], skipped: [], writes: 0, verification: { outcome: "resolved" } });
  });

  it("the system identity case is fixed in one run", async () => {
    const arm = world({ type: "None" });
    const result = await fixApp(APP_ID, deps(arm));
    expect(result.applied.map((s) => s.kind)).toEqual(["enable-system-identity", "assign-role", "restart-revision"]);
    expect(result.verification.outcome).toBe("resolved");
  });

  it("dry run: asks nothing, sends nothing, shows the requests", async () => {
    const arm = world();
    let asked = false;
    const result = await fixApp(
      APP_ID,
      deps(arm, {
        dryRun: true,
        confirm: async () => {
          asked = true;
          return true;
        },
      }),
    );
    expect(asked).toBe(false);
    expect(arm.writes()).toEqual([]);
    expect(result.requests.map((r) => r.method)).toEqual(["PUT", "POST"]);
    expect(result.verification.outcome).toBe("unresolved");
  });

  it("not confirmed: nothing is sent and every step says so", async () => {
    const arm = world();
    const result = await fixApp(APP_ID, deps(arm, { confirm: async () => false }));
    expect(arm.writes()).toEqual([]);
    expect(result.skipped.map((s) => s.why)).toEqual(["not confirmed: nothing sent", "not confirmed: nothing sent"]);
  });

  it("the app's tag narrows fix to report", async () => {
    const arm = world();
    const d = deps(arm);
    const base = d.readFacts;
    d.readFacts = async (id) => {
      const r = await base(id);
      r.facts.app.tags = { "pullguard-mode": "report" };
      return r;
    };
    const result = await fixApp(APP_ID, d);
    expect(arm.writes()).toEqual([]);
    expect(result.skipped.every((s) => s.decision === "report-only")).toBe(true);
  });

  it("function app: schedules the verification instead of waiting", async () => {
    const arm = world();
    const sent: Array<{ message: VerificationMessage; delaySeconds: number }> = [];
    const result = await fixApp(
      APP_ID,
      deps(arm, {
        trigger: { source: "event", eventId: "evt-1" },
        verification: {
          mode: "schedule",
          delaySeconds: 120,
          deadlineMinutes: 30,
          scheduler: {
            schedule: async (message, delaySeconds) => {
              sent.push({ message, delaySeconds });
              return "msg-1";
            },
          },
        },
      }),
    );
    expect(result.verification).toMatchObject({
      outcome: "pending",
      scheduled: { messageId: "msg-1", delaySeconds: 120 },
    });
    expect(sent[0]?.message).toMatchObject({
      appId: APP_ID,
      revision: "checkout-web--r1",
      attempt: 1,
      deadline: "2026-11-22T12:30:00.000Z",
      trigger: { source: "event", eventId: "evt-1" },
      auditIds: result.auditIds,
    });
  });
});

describe("fixApp under the lease per workload", () => {
  const held = { holder: "host-b:42:0a0b0c0d", takenAt: "2026-11-22T11:59:00Z", expiresAt: "2026-11-22T12:14:00Z" };

  /** A lease in memory that records when it was taken and released, relative to the writes made so far. */
  function recordingLease(arm: FakeArm, answer: "take" | "refuse") {
    const events: string[] = [];
    const lease: WorkloadLease = {
      async take(appId) {
        events.push(`take ${appId === APP_ID} after ${arm.writes().length} writes`);
        if (answer === "refuse") return { taken: false, held };
        return {
          taken: true,
          release: async () => {
            events.push(`release after ${arm.writes().length} writes`);
          },
        };
      },
    };
    return { lease, events };
  }

  it("takes the lease before any write and releases it after the writes and the verification", async () => {
    const arm = world();
    const { lease, events } = recordingLease(arm, "take");
    const result = await fixApp(APP_ID, deps(arm, { lease }));
    expect(result.applied.map((s) => s.result)).toEqual(["done", "done"]);
    expect(result.leaseHeld).toBeUndefined();
    expect(events).toEqual(["take true after 0 writes", "release after 2 writes"]);
  });

  it("held by another run: sends nothing, skips every planned step naming the holder, and is pending", async () => {
    const arm = world();
    const { lease } = recordingLease(arm, "refuse");
    const result = await fixApp(APP_ID, deps(arm, { lease }));
    expect(arm.writes()).toEqual([]);
    expect(result).toMatchObject({ applied: [], requests: [], writes: 0, auditIds: [], leaseHeld: held });
    expect(result.skipped.map((s) => [s.kind, s.why])).toEqual(
      ["assign-role", "restart-revision"].map((kind) => [
        kind,
        "another PullGuard run holds this app's lease (host-b:42:0a0b0c0d, since 2026-11-22T11:59:00Z, until 2026-11-22T12:14:00Z): it is fixing the app, nothing was sent by this run",
      ]),
    );
    expect(result.verification.outcome).toBe("pending");
  });

  it("a dry run and mode report take no lease", async () => {
    const arm = world();
    const { lease, events } = recordingLease(arm, "refuse");
    const dry = await fixApp(APP_ID, deps(arm, { lease, dryRun: true }));
    const d = deps(arm, { lease });
    const report = await fixApp(APP_ID, { ...d, settings: { ...d.settings, mode: "report" } });
    expect(events).toEqual([]);
    expect(dry.leaseHeld).toBeUndefined();
    expect(report.leaseHeld).toBeUndefined();
    expect(arm.writes()).toEqual([]);
  });
});
