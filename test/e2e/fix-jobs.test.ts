/**
 * v2, issue 18: `pullguard fix` on a job end to end (the real CLI, the emulator through the real SDK clients). A
 * scheduled job and a manual job, each broken three ways (UAMI not attached, system identity without AcrPull, ABAC
 * registry with AcrPull only), are fixed by PATCHes of the job and a grant; nothing is restarted; no execution is
 * started unless PULLGUARD_START_JOBS_AFTER_FIX is true, and then a manual job gets exactly one.
 *
 * The world is the emulator's scheduled-job world (test/fixtures/worlds/jobs/scheduled-job-pull-role-missing.json,
 * branch emu-jobs) varied per case. Needs the emulator's jobs routes (list, get, PATCH, start, executions).
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../tools/emulator/index.js";
import { runFixCommand, useEmulators, type WorldFile, writeWorld } from "./fix-helpers.js";

const running = useEmulators();

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const TENANT = "b7d3c0a1-62e4-4f58-9e1d-0a2b3c4d5e6f";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-batch`;
const ENV_ID = `${RG}/providers/Microsoft.App/managedEnvironments/env-batch`;
const REGISTRY_ID = `${RG}/providers/Microsoft.ContainerRegistry/registries/batchacr`;
const UAMI_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-batch-pull`;
const UAMI_PRINCIPAL = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
const SYSTEM_PRINCIPAL = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const REPO_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac";

type Trigger = "Schedule" | "Manual";
type Breakage = "UAMI not attached" | "system identity without AcrPull" | "ABAC registry";

const jobId = (trigger: Trigger) =>
  `${RG}/providers/Microsoft.App/jobs/${trigger === "Manual" ? "adhoc" : "nightly"}-export`;

function acrPullTo(principalId: string) {
  return {
    id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/2d0a6c1e-7b8f-4e3a-9c5d-1f2e3a4b5c6d`,
    name: "2d0a6c1e-7b8f-4e3a-9c5d-1f2e3a4b5c6d",
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      scope: REGISTRY_ID,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
      principalId,
      principalType: "ServicePrincipal",
    },
  };
}

/** The world for one job broken one way; `expect` names what the fix must do. */
function world(trigger: Trigger, breakage: Breakage): WorldFile {
  const id = jobId(trigger);
  const name = id.split("/").at(-1) ?? "";
  const uami = breakage === "UAMI not attached";
  const triggerConfig =
    trigger === "Schedule"
      ? { scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 } }
      : { manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 } };
  const extra: unknown[] = [];
  if (uami) {
    extra.push({
      id: UAMI_ID,
      name: "id-batch-pull",
      type: "Microsoft.ManagedIdentity/userAssignedIdentities",
      location: "westeurope",
      properties: { principalId: UAMI_PRINCIPAL, clientId: UAMI_PRINCIPAL, tenantId: TENANT },
    });
    extra.push(acrPullTo(UAMI_PRINCIPAL));
  }
  if (breakage === "ABAC registry") extra.push(acrPullTo(SYSTEM_PRINCIPAL));
  const data = {
    description: `v2 jobs: a ${trigger} job, ${breakage}`,
    now: "2026-11-22T12:00:00Z",
    tenants: [{ tenantId: TENANT, subscriptions: [SUB] }],
    resources: [
      {
        id: ENV_ID,
        name: "env-batch",
        type: "Microsoft.App/managedEnvironments",
        location: "westeurope",
        properties: {},
      },
      {
        id: REGISTRY_ID,
        name: "batchacr",
        type: "Microsoft.ContainerRegistry/registries",
        location: "westeurope",
        sku: { name: "Standard" },
        properties: {
          adminUserEnabled: false,
          ...(breakage === "ABAC registry" ? { roleAssignmentMode: "AbacRepositoryPermissions" } : {}),
        },
      },
      {
        id,
        name,
        type: "Microsoft.App/jobs",
        location: "westeurope",
        identity: uami ? { type: "None" } : { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, tenantId: TENANT },
        properties: {
          environmentId: ENV_ID,
          configuration: {
            triggerType: trigger,
            replicaTimeout: 1800,
            replicaRetryLimit: 1,
            ...triggerConfig,
            registries: [{ server: "batchacr.azurecr.io", identity: uami ? UAMI_ID : "system" }],
          },
          template: { containers: [{ name: "export", image: "batchacr.azurecr.io/export:2.1.0" }] },
        },
      },
      {
        id: `${id}/executions/${name}-29413440`,
        name: `${name}-29413440`,
        type: "Microsoft.App/jobs/executions",
        properties: {
          status: "Failed",
          startTime: "2026-11-22T02:00:00Z",
          endTime: "2026-11-22T02:30:00Z",
          template: { containers: [{ name: "export", image: "batchacr.azurecr.io/export:2.1.0" }] },
        },
      },
      ...extra,
    ],
    registryContent: { "batchacr.azurecr.io": { export: ["2.1.0"] } },
    expect: {
      app: id,
      verdict: "broken",
      must: [
        {
          "UAMI not attached": "identity-not-attached",
          "system identity without AcrPull": "pull-role-missing",
          "ABAC registry": "abac-mode-legacy-role-only",
        }[breakage],
      ],
      mustNot: [],
    },
  };
  return writeWorld(`job-${trigger}-${breakage.replace(/\s+/g, "-")}`, data as unknown as WorldFile["world"]);
}

/** What the fix applies for each breakage (a job is never restarted). */
const FIX: Record<Breakage, Array<[string, string]>> = {
  "UAMI not attached": [["attach-user-identity", "done"]],
  "system identity without AcrPull": [["assign-role", "done"]],
  "ABAC registry": [["assign-role", "done"]],
};

/** The role each breakage's grant gives (none: the UAMI already holds AcrPull). */
const GRANTED: Record<Breakage, string[]> = {
  "UAMI not attached": [],
  "system identity without AcrPull": [ACR_PULL],
  "ABAC registry": [REPO_READER],
};

function executionsOf(emulator: Emulator, id: string): string[] {
  const prefix = `${id.toLowerCase()}/executions/`;
  return [...emulator.state.resources.values()]
    .filter((r) => String(r.id).toLowerCase().startsWith(prefix))
    .map((r) => String(r.name));
}

const startsSent = (emulator: Emulator, id: string) =>
  emulator.log
    .writes()
    .filter((w) => w.method === "POST" && w.path.split("?")[0]?.toLowerCase() === `${id.toLowerCase()}/start`);

const cases: Array<[Trigger, Breakage]> = (["Schedule", "Manual"] as const).flatMap((t) =>
  (["UAMI not attached", "system identity without AcrPull", "ABAC registry"] as const).map((b): [Trigger, Breakage] => [
    t,
    b,
  ]),
);

describe("fix: a job", () => {
  it.each(
    cases,
  )("%s job, %s: fixed by PATCHes of the job and grants, nothing restarted, no execution started", async (trigger, breakage) => {
    const w = world(trigger, breakage);
    const id = jobId(trigger);
    const emulator = await running.start(w.world);
    const before = executionsOf(emulator, id);
    emulator.log.clear();

    const run = await runFixCommand(emulator, w, ["--yes", "--json"]);
    expect(run.stderr).toBe("");
    const doc = run.doc;
    if (!doc) throw new Error(run.stdout);
    expect(doc.before.findings.map((f) => f.code)).toContain(w.world.expect.must[0]);
    expect(doc.applied.map((s) => [s.kind, s.result])).toEqual(FIX[breakage]);
    expect(doc.before.plan.map((s) => s.kind)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(restart-revision|resubmit-template|start-job-execution)$/)]),
    );
    expect(doc.verification.outcome).toBe("resolved");
    expect(run.exit).toBe(0);
    // Writes to the job are PATCHes of the job itself; grants are PUTs at the registry, of the registry mode's role.
    const allowed = new RegExp(
      `^(PATCH ${id}|PUT ${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/[^/]+)$`,
      "i",
    );
    const writes = emulator.log.writes().map((e) => `${e.method} ${e.path.split("?")[0]}`);
    expect(writes.length).toBe(FIX[breakage].length);
    expect(writes.filter((write) => !allowed.test(write))).toEqual([]);
    const roles = doc.applied
      .filter((s) => s.kind === "assign-role")
      .map((s) => String(s.roleDefinitionId).split("/").at(-1));
    expect(roles).toEqual(GRANTED[breakage]);
    expect(startsSent(emulator, id)).toEqual([]);
    expect(executionsOf(emulator, id)).toEqual(before);
  });

  it.each(
    cases,
  )("%s job, %s, PULLGUARD_START_JOBS_AFTER_FIX=true: a manual job gets exactly one execution", async (trigger, breakage) => {
    const w = world(trigger, breakage);
    const id = jobId(trigger);
    const emulator = await running.start(w.world);
    const before = executionsOf(emulator, id);
    emulator.log.clear();

    const run = await runFixCommand(emulator, w, ["--yes", "--json"], {
      env: { PULLGUARD_START_JOBS_AFTER_FIX: "true" },
    });
    const doc = run.doc;
    if (!doc) throw new Error(run.stdout);
    const started = trigger === "Manual";
    expect(doc.applied.map((s) => [s.kind, s.result])).toEqual([
      ...FIX[breakage],
      ...(started ? [["start-job-execution", "done"] as [string, string]] : []),
    ]);
    expect(doc.skipped.map((s) => [s.kind, s.decision])).toEqual(
      started ? [] : [["start-job-execution", "report-only"]],
    );
    expect(startsSent(emulator, id)).toHaveLength(started ? 1 : 0);
    expect(executionsOf(emulator, id).length - before.length).toBe(started ? 1 : 0);
    // The CLI follows the execution it started to its end: the fixed job pulls, so it succeeds.
    expect(doc.verification.outcome).toBe("resolved");
    expect(run.exit).toBe(0);
  });
});
