/**
 * v2 (issue 18), end to end through the Event Grid trigger and the queue trigger, for a scheduled job: a developer
 * PATCHes the job to a private image its system identity cannot pull (a job's write succeeds: its image is pulled when
 * an execution starts); the emulator's `Microsoft.App/jobs/write` event goes to the real `onResourceEvent`, which
 * grants the pull role, starts nothing and queues a follow-up due after the job's next run. The platform runs the job
 * on its schedule (`simulateScheduledRun`), the emulator's clock passes the follow-up's due time, and the real
 * `verifyFix` judges that run: `resolved` when it Succeeded, `unresolved` with a fresh diagnosis when it Failed; one
 * notification either way.
 */
import { describe, expect, it } from "vitest";
import type { ArmEvent } from "../../tools/emulator/events.js";
import { ACR_PULL, cardText, type Handlers, type Host, invocation, useFunctionHost } from "../functions/harness.js";
import {
  executionsOf,
  type JobWorld,
  jobDeveloper,
  presentJobWorld,
  pullGuardWrites,
  type QueuedFollowUp,
  resourceOf,
  useFollowUpRecorder,
} from "./jobs-host.js";

type Outcome = Awaited<ReturnType<Handlers["onResourceEvent"]>>;

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-batch`;
const JOB = `${RG}/providers/Microsoft.App/jobs/nightly-export`;
const REGISTRY = `${RG}/providers/Microsoft.ContainerRegistry/registries/batchacr`;
const SYSTEM_PRINCIPAL = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const PRIVATE_IMAGE = "batchacr.azurecr.io/export:2.1.0";
/** The pull failure's grace after a scheduled job's fire time (verification-message.ts JOB_RUN_GRACE_SECONDS). */
const GRACE_SECONDS = 300;

const harness = useFunctionHost();
const recorder = useFollowUpRecorder(harness);

/**
 * The scheduled job before the developer's change: it runs a public image (no registry entry) and last night's run
 * Succeeded; its system identity holds no role on batchacr (scheduled-job-pull-role-missing.json, moved to now).
 */
function publicImageWorld(): JobWorld {
  const world = presentJobWorld("scheduled-job-pull-role-missing.json");
  const job = resourceOf(world, JOB).properties;
  job.configuration = { ...(job.configuration as object), registries: [] };
  job.template = {
    containers: [{ name: "export", image: "mcr.microsoft.com/k8se/quickstart-jobs:latest" }],
  };
  for (const r of world.resources) {
    if (r.type === "Microsoft.App/jobs/executions") r.properties.status = "Succeeded";
  }
  return world;
}

async function open(): Promise<Host> {
  recorder.clear();
  return harness.open(publicImageWorld(), { env: { AzureWebJobsStorage: recorder.connectionString } });
}

/** Every event the emulator raises goes to the real handler, as an Event Grid subscription delivers it. */
function subscribeHandler(host: Host) {
  const outcomes: Array<{ event: ArmEvent; outcome: Outcome }> = [];
  const failures: unknown[] = [];
  const unsubscribe = host.emulator.events.subscribe(async (event) => {
    try {
      outcomes.push({
        event,
        outcome: await harness.handlers.onResourceEvent(event as never, invocation("e").context),
      });
    } catch (error) {
      failures.push(error);
    }
  });
  return { outcomes, failures, unsubscribe };
}

/** The next 02:00 UTC strictly after `t` (the job's cron is `0 2 * * *`). */
function nextTwoAm(t: Date): Date {
  const sameDay = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), 2);
  return new Date(sameDay > t.getTime() ? sameDay : sameDay + 24 * 3_600_000);
}

/**
 * The developer's PATCH, delivered as events: the job is fixed by a grant, nothing is started, one follow-up is
 * queued for after the next run. Returns that follow-up.
 */
async function switchToPrivateImage(host: Host): Promise<QueuedFollowUp> {
  const { outcomes, failures, unsubscribe } = subscribeHandler(host);
  const executionsBefore = await executionsOf(host, JOB);
  await jobDeveloper(host, SUB).switchImage(JOB, PRIVATE_IMAGE, "batchacr.azurecr.io");
  await host.emulator.events.settle();
  unsubscribe();

  expect(failures).toEqual([]);
  const write = outcomes.filter((o) => o.event.data.operationName === "Microsoft.App/jobs/write");
  expect(write.map((o) => o.event.eventType)).toEqual(["Microsoft.Resources.ResourceWriteSuccess"]);
  expect(write[0]?.outcome).toMatchObject({
    outcome: "handled",
    apps: [{ appId: JOB, verdict: "broken", action: "fixed" }],
  });
  // A grant of AcrPull to the job's system identity at the registry; the job is not written, nothing is started.
  expect(pullGuardWrites(host)).toEqual([
    expect.stringMatching(new RegExp(`^PUT ${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/[^/]+$`, "i")),
  ]);
  const granted = [...host.emulator.state.resources.values()].filter(
    (r) => /roleAssignments/i.test(r.type) && r.properties?.principalId === SYSTEM_PRINCIPAL,
  );
  expect(granted.map((r) => String(r.properties?.roleDefinitionId).split("/").at(-1))).toEqual([ACR_PULL]);
  expect(await executionsOf(host, JOB)).toEqual(executionsBefore);
  // PullGuard's own write came back as an event and started nothing.
  const own = outcomes.filter((o) => o.outcome.outcome === "ignored" && /own identity/.test(o.outcome.reason));
  expect(own.map((o) => o.event.data.operationName)).toEqual(["Microsoft.Authorization/roleAssignments/write"]);
  // One "fixed" notification.
  expect(host.sink.received.map(headlineOf)).toEqual(["PullGuard fixed job nightly-export's image pull"]);

  const queued = recorder.queued();
  expect(queued.map((q) => q.message)).toEqual([
    expect.objectContaining({ appId: JOB, revision: null, attempt: 1, fixedAt: expect.any(String) }),
  ]);
  const [followUp] = queued;
  if (!followUp) throw new Error("no follow-up was queued");
  // Due after the job's next run (02:00 UTC) and its grace: not before.
  const fixedAt = new Date(String(followUp.message.fixedAt));
  const untilRun = Math.ceil((nextTwoAm(fixedAt).getTime() - fixedAt.getTime()) / 1000);
  expect(followUp.visibilitySeconds).toBe(untilRun + GRACE_SECONDS);
  return followUp;
}

/** The platform runs the job at its next fire time; then the emulator's clock passes the follow-up's due time. */
function runOnSchedule(host: Host, followUp: QueuedFollowUp): string {
  const fixedAt = Date.parse(String(followUp.message.fixedAt));
  const fireTime = nextTwoAm(new Date(fixedAt)).getTime();
  host.emulator.clock.advance(Math.max(0, fireTime - host.emulator.clock.now().getTime()));
  const run = host.emulator.simulateScheduledRun(JOB);
  if (!run) throw new Error("the emulator has no such job");
  const due = fixedAt + followUp.visibilitySeconds * 1000;
  host.emulator.clock.advance(Math.max(0, due - host.emulator.clock.now().getTime()) + 1_000);
  return run.name;
}

/** The follow-up taken from the queue as the host takes it, handed to the real verifyFix. */
async function deliver(host: Host, followUp: QueuedFollowUp) {
  await recorder.makeVisible(followUp);
  const [message] = await host.receiveVerifications(1);
  expect(message).toEqual(followUp.message);
  return message;
}

/** The headline of a Teams card (the text block after the "PULLGUARD · IMAGE PULL" eyebrow). */
const headlineOf = (card: Record<string, unknown>) => cardText(card).split("\n")[1];

const verify = (message: unknown) => harness.handlers.verifyFix(message, invocation("verifyFix").context);

describe("v2: jobs/write event → fix → the next scheduled run → follow-up", () => {
  it("the run Succeeds: verifyFix reports resolved, with one notification; delivered again, nothing more", async () => {
    const host = await open();
    const followUp = await switchToPrivateImage(host);
    const run = runOnSchedule(host, followUp);
    const message = await deliver(host, followUp);
    const notified = host.sink.received.length;
    const writes = pullGuardWrites(host).length;

    const outcome = await verify(message);
    expect((await executionsOf(host, JOB))[run]).toBe("Succeeded");
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "verified: resolved" }] });
    expect(host.sink.received.slice(notified).map(headlineOf)).toEqual(["Job nightly-export can pull again"]);
    expect(pullGuardWrites(host)).toHaveLength(writes);

    // The queue delivers at least once: the same message again tells no one twice and writes nothing.
    await verify(message);
    expect(host.sink.received).toHaveLength(notified + 1);
    expect(pullGuardWrites(host)).toHaveLength(writes);
  });

  it("the run Fails again (the grant was removed before it): unresolved, diagnosed again, notified once", async () => {
    const host = await open();
    const followUp = await switchToPrivateImage(host);
    const grant = [...host.emulator.state.resources.values()].find(
      (r) => /roleAssignments/i.test(r.type) && r.properties?.principalId === SYSTEM_PRINCIPAL,
    );
    // Someone removes it again; that event is lost.
    await jobDeveloper(host, SUB).deleteRoleAssignment(String(grant?.id));
    const run = runOnSchedule(host, followUp);
    const message = await deliver(host, followUp);
    const notified = host.sink.received.length;
    const writes = pullGuardWrites(host).length;

    const outcome = await verify(message);
    expect((await executionsOf(host, JOB))[run]).toBe("Failed");
    expect(outcome).toMatchObject({
      outcome: "handled",
      apps: [{ appId: JOB, verdict: "unresolved", action: "verified: unresolved" }],
    });
    const told = host.sink.received.slice(notified);
    expect(told.map(headlineOf)).toEqual(["Job nightly-export still cannot pull after the fix"]);
    // The fresh diagnosis: the pull role is missing again; the run that failed is the one shown.
    expect(cardText(told[0] ?? {})).toContain("pull-role-missing");
    expect(JSON.stringify(told[0])).toContain(`"title":"Last failed execution","value":"${run} · Failed`);
    expect(pullGuardWrites(host)).toHaveLength(writes);

    await verify(message);
    expect(host.sink.received).toHaveLength(notified + 1);
  });
});
