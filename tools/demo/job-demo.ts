/**
 * The job demo (`npm run demo -- --job`): a scheduled Container Apps job, broken, fixed and followed up, on this
 * machine with no Azure account. The stage (emulator, Azurite, Teams sink, real handlers) is the app story's.
 *
 * 1. The emulator starts from a world in which nightly-export (cron "0 2 * * *", UTC) runs a public image.
 * 2. A developer PATCHes it to a private image of contosoprod, pulled with the job's system identity, which holds no
 *    AcrPull. The write succeeds: a job pulls its images only when an execution starts (spec/pull-path.md v2). Its
 *    ResourceWriteSuccess event would have PullGuard check the job at once; the story drops it (as a lost event) to
 *    show the run-time path.
 * 3. At 02:00 the platform starts an execution (`simulateScheduledRun`: no ARM request, no event); the pull is refused,
 *    the execution fails, and the environment's pull-failure alert names the job (JobName_s).
 * 4. The alert goes to the real `onPullFailureAlert` handler, as the action group would post it. The alert, not the
 *    timer sweep: it is the signal that follows a failed run within minutes and names the job; the sweep is the
 *    backstop for an alert that never comes. PullGuard grants AcrPull at registry scope, restarts nothing, starts no
 *    execution, notifies, and queues a follow-up due after the job's next scheduled run.
 * 5. The next night's run succeeds; the follow-up comes due; the real `verifyFix` handler reports resolved.
 *
 * Two clocks: PullGuard's is this machine's; the emulator's is moved. The emulator starts five minutes before the
 * job's latest fire time (so the failed run comes before PullGuard's fix, and the next run after it, on both clocks)
 * and then jumps to the next night. Azurite's queue cannot jump: playing the Functions host, the demo makes the queued
 * follow-up visible when its due time has come in the story (queue-tap.ts).
 */
import { ContainerAppsAPIClient, type JobExecution } from "@azure/arm-appcontainers";
import functions from "@azure/functions";
import type { AppOutcome } from "../../src/app/outcomes.js";
import type { CliIo, CommandOptions } from "../../src/cli/deps.js";
import { EXIT, type ExitCode } from "../../src/cli/exit-codes.js";
import { nextCronTime, previousCronTime } from "../../src/core/cron.js";
import type { ArmResource } from "../emulator/state.js";
import { readWorldFile } from "../entry/world-backend.js";
import type { TappedMessage } from "./queue-tap.js";
import { context, DEVELOPER, demoWorld, eventFeed, openStage, runVerifications, type Stage } from "./stage.js";

/** The job story's world. */
export const JOB_WORLD = demoWorld("nightly-export.world.json");
const PRIVATE_IMAGE = "contosoprod.azurecr.io/orders/export:2.4.0";
/** How long before the job's latest fire time the emulator's clock starts. */
const LEAD_MS = 5 * 60_000;

export interface JobDemoResult {
  outcome: "resolved" | "pending" | "unresolved";
  jobId: string;
  /** The job's executions, oldest first. */
  executions: Array<{ name: string; status: string; startTime: string | null }>;
  roleAssignmentsCreated: number;
  /** The scope of each role assignment created. */
  grantScopes: string[];
  /** Executions PullGuard started (`POST .../jobs/{name}/start`). */
  executionsStarted: number;
  /** Restarts PullGuard made (`POST .../restart`). */
  restarts: number;
  notifications: Array<{ kind: string; title: string }>;
  alertsDelivered: number;
  /** The developer's write event, dropped to show the run-time path. */
  eventsDropped: number;
  /** PullGuard's own writes, which come back as events, delivered and ignored. */
  eventsIgnored: number;
  writes: number;
}

const at = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
const nameOf = (id: string) => id.split("/").at(-1) ?? "";

/** The job of the story: the world's `expect.app` when it is a job, else its first scheduled job. */
function storyJob(world: Record<string, unknown>): { id: string; cron: string } {
  const expected = (world.expect as { app?: string } | undefined)?.app ?? "";
  const jobs = ((world.resources ?? []) as ArmResource[]).filter((r) => r.type?.toLowerCase() === "microsoft.app/jobs");
  const cronOf = (job: ArmResource | undefined) =>
    String(
      (
        (job?.properties?.configuration as Record<string, unknown> | undefined)?.scheduleTriggerConfig as
          | Record<string, unknown>
          | undefined
      )?.cronExpression ?? "",
    );
  const job = jobs.find((j) => j.id.toLowerCase() === expected.toLowerCase()) ?? jobs.find((j) => cronOf(j) !== "");
  const cron = cronOf(job);
  if (!job || !previousCronTime(cron, new Date())) {
    throw new Error(
      'the world has no scheduled job: expected a Microsoft.App/jobs resource with properties.configuration.scheduleTriggerConfig.cronExpression (e.g. "0 2 * * *")',
    );
  }
  return { id: job.id, cron };
}

function alertRequest(alert: unknown): functions.HttpRequest {
  return new functions.HttpRequest({
    method: "POST",
    url: "http://localhost:7071/api/alerts/pull-failure",
    headers: { "content-type": "application/json" },
    body: { string: JSON.stringify(alert) },
  });
}

/** Moves the emulator's clock in 10-second steps until the execution has ended (at most ten minutes). */
async function untilEnded(stage: Stage, client: ContainerAppsAPIClient, jobId: string, execution: string) {
  const group = jobId.split("/")[4] ?? "";
  let seen: JobExecution | undefined;
  for (let step = 0; step < 60; step++) {
    stage.emulator.clock.advance(10_000);
    seen = await client.jobExecution(group, nameOf(jobId), execution);
    if (seen.status !== "Running" && seen.status !== "Processing") break;
  }
  return seen;
}

async function executionsOf(client: ContainerAppsAPIClient, jobId: string): Promise<JobDemoResult["executions"]> {
  const items: JobDemoResult["executions"] = [];
  for await (const e of client.jobsExecutions.list(jobId.split("/")[4] ?? "", nameOf(jobId))) {
    items.push({ name: e.name ?? "", status: e.status ?? "", startTime: e.startTime?.toISOString() ?? null });
  }
  return items.sort((a, b) => Date.parse(a.startTime ?? "") - Date.parse(b.startTime ?? ""));
}

/** Runs the job once on the platform's schedule, at `time` on the emulator's clock, and says how it ended. */
async function scheduledRun(stage: Stage, client: ContainerAppsAPIClient, jobId: string, time: Date, say: Say) {
  stage.emulator.clock.advance(Math.max(0, time.getTime() - stage.emulator.clock.now().getTime()));
  // Started at the fire time itself: the emulator's clock moves on with real time after the advance.
  const run = stage.emulator.simulateScheduledRun(jobId, time);
  if (!run) throw new Error(`the emulator has no job ${jobId}`);
  const ended = await untilEnded(stage, client, jobId, run.name);
  say(`   execution ${run.name}: ${ended?.status ?? "unknown"}${ended?.endTime ? ` at ${at(ended.endTime)}` : ""}`);
}

type Say = (line: string) => void;

/** The developer's PATCH (the default world only): the private image, pulled with the job's system identity. */
async function patchJob(client: ContainerAppsAPIClient, jobId: string, say: Say): Promise<void> {
  const group = jobId.split("/")[4] ?? "";
  const job = await client.jobs.get(group, nameOf(jobId));
  const template = job.template ?? {};
  say(`2. A developer points ${nameOf(jobId)} at ${PRIVATE_IMAGE}, pulled with the job's system identity`);
  await client.jobs.beginUpdateAndWait(group, nameOf(jobId), {
    properties: {
      configuration: job.configuration && {
        ...job.configuration,
        registries: [{ server: "contosoprod.azurecr.io", identity: "system" }],
        secrets: undefined,
      },
      template: {
        ...template,
        containers: (template.containers ?? []).map((c, i) => (i === 0 ? { ...c, image: PRIVATE_IMAGE } : c)),
      },
    },
  });
  say("   the write succeeded: a job pulls its images only when an execution starts, so nothing has failed yet");
}

/** Posts each alert the emulator raised to the real `onPullFailureAlert` handler, as the action group would. */
async function deliverAlerts(
  stage: Stage,
  alerts: unknown[],
  say: Say,
): Promise<{ delivered: number; writes: number }> {
  await stage.emulator.alerts.settle();
  const delivered = alerts.length;
  let writes = 0;
  for (const alert of alerts.splice(0)) {
    const response = await stage.handlers.onPullFailureAlert(alertRequest(alert), context("onPullFailureAlert"));
    const outcome = response.jsonBody as { outcome: string; reason?: string; apps?: AppOutcome[] };
    for (const a of outcome.apps ?? []) {
      writes += a.writes;
      say(`4. The pull-failure alert (JobName_s ${nameOf(a.appId)}) → PullGuard: ${a.verdict}, ${a.action}`);
    }
    if (!outcome.apps) say(`   alert: ${outcome.outcome} (${outcome.reason ?? ""})`);
  }
  return { delivered, writes };
}

/** What PullGuard (the principal of its settings) posted to ARM whose path matches: a start, a restart. */
function postsBy(stage: Stage, pattern: RegExp): number {
  const self = stage.principalId.toLowerCase();
  return stage.emulator.log
    .entries()
    .filter((e) => e.method === "POST" && e.caller?.toLowerCase() === self && pattern.test(e.path.split("?")[0] ?? ""))
    .length;
}
const startsBy = (stage: Stage) => postsBy(stage, /\/jobs\/[^/]+\/start$/i);
const restartsBy = (stage: Stage) => postsBy(stage, /\/restart$/i);

/** The follow-up PullGuard queued: when it is due (PullGuard's clock) and the job's first run after the fix. */
function followUpOf(stage: Stage, cron: string): { message: TappedMessage; dueAt: Date; nextRun: Date } {
  const message = stage.tap?.sent.at(-1);
  if (!message) throw new Error("PullGuard queued no follow-up for the job");
  const { fixedAt } = JSON.parse(Buffer.from(message.text, "base64").toString("utf8")) as { fixedAt: string };
  const dueAt = new Date(message.sentAt.getTime() + message.visibilityTimeoutSeconds * 1000);
  return { message, dueAt, nextRun: nextCronTime(cron, new Date(fixedAt)) as Date };
}

/** The Functions host hands a queue message over once it is visible: here, at once (Update Message, visibility 0). */
async function handOver(stage: Stage, message: TappedMessage, say: Say): Promise<string> {
  await stage.queue.updateMessage(message.messageId, message.popReceipt, message.text, 0);
  let verdict = "";
  await runVerifications(stage, {
    onHandled: (a) => {
      verdict = a.action;
      say(`   Verification of ${nameOf(a.appId)}: ${a.action}`);
    },
  });
  return verdict;
}

function outcomeOf(verdict: string, executions: JobDemoResult["executions"]): JobDemoResult["outcome"] {
  if (verdict === "verified: resolved" && executions.at(-1)?.status === "Succeeded") return "resolved";
  return verdict.startsWith("verified: unresolved") ? "unresolved" : "pending";
}

export async function runJobDemo(options: { worldFile?: string; say: Say }): Promise<JobDemoResult> {
  const { say, worldFile } = options;
  const world = (await readWorldFile(worldFile ?? JOB_WORLD.pathname)) as Record<string, unknown>;
  const { id: jobId, cron } = storyJob(world);
  const lastFire = previousCronTime(cron, new Date()) as Date;
  // The emulator's clock starts just before the job's latest fire time (see the file's comment: two clocks).
  world.now = new Date(lastFire.getTime() - LEAD_MS).toISOString();

  say("1. Starting the ARM + ACR emulator and Azurite (no Azure account needed)");
  const stage = await openStage(world, { tapQueue: true });
  const { emulator } = stage;
  const job = nameOf(jobId);
  try {
    say(`   ${job} runs on the schedule "${cron}" (UTC); the emulator's clock reads ${at(emulator.clock.now())}`);
    const events = eventFeed(stage, say, "   Event");
    const alerts: unknown[] = [];
    emulator.alerts.subscribe((alert) => {
      alerts.push(alert);
    });
    const client = new ContainerAppsAPIClient(
      emulator.credentialFor(DEVELOPER, stage.tenantId),
      jobId.split("/")[2] ?? "",
      {
        endpoint: emulator.endpoint,
        httpClient: emulator.httpClient,
      },
    );

    if (worldFile === undefined) await patchJob(client, jobId, say);
    else say(`2. ${job} as the world has it (no change)`);
    await emulator.events.settle();
    const eventsDropped = events.drop();
    if (eventsDropped > 0) {
      say(
        `   (its ResourceWriteSuccess event would have PullGuard check ${job} at once; this story drops it, as a lost`,
      );
      say("   event, to show what happens at run time)");
    }

    say(`3. ${at(lastFire)}: the platform starts ${job} on its schedule (no ARM request, no event)`);
    await scheduledRun(stage, client, jobId, lastFire, say);
    const alerted = await deliverAlerts(stage, alerts, say);
    const { message, dueAt, nextRun } = followUpOf(stage, cron);
    for (const scope of stage.roleAssignmentScopes())
      say(`   role assignment created at ${scope.split("/providers/").at(-1)}`);
    say(
      `   ${restartsBy(stage)} restart(s), ${startsBy(stage)} execution(s) started: the fix waits for the job's next scheduled run;`,
    );
    say(`   the follow-up is queued, due ${at(dueAt)}, after that run`);
    await events.deliver();

    say(`5. ${at(nextRun)}: the next night, the platform starts ${job} again`);
    await scheduledRun(stage, client, jobId, nextRun, say);

    say(`6. ${at(dueAt)}: the follow-up comes due (the demo's clock jumped a day; Azurite's cannot, so the demo makes`);
    say("   the message visible now, as the Functions host would hand it over at its due time)");
    emulator.clock.advance(Math.max(0, dueAt.getTime() - emulator.clock.now().getTime()));
    const verdict = await handOver(stage, message, say);

    const notifications = stage.notifications();
    say("7. What the team saw in Teams:");
    for (const n of notifications) say(`   ▸ ${n.title}`);
    const executions = await executionsOf(client, jobId);
    return {
      outcome: outcomeOf(verdict, executions),
      jobId,
      executions,
      roleAssignmentsCreated: stage.roleAssignmentsCreated(),
      grantScopes: stage.roleAssignmentScopes(),
      executionsStarted: startsBy(stage),
      restarts: restartsBy(stage),
      notifications,
      alertsDelivered: alerted.delivered,
      eventsDropped,
      eventsIgnored: events.ignored,
      writes: alerted.writes + events.writes,
    };
  } finally {
    await stage.close();
  }
}

export async function runJobDemoCommand(opts: CommandOptions, io: CliIo): Promise<ExitCode> {
  const worldFile = typeof opts.world === "string" ? opts.world : undefined;
  const result = await runJobDemo({ ...(worldFile ? { worldFile } : {}), say: (line) => io.stdout(`${line}\n`) });
  const last = result.executions.at(-1);
  io.stdout(
    `\nsummary: ${nameOf(result.jobId)} ${result.outcome}` +
      (last ? ` — execution ${last.name} ${last.status}` : "") +
      `; ${result.roleAssignmentsCreated} role assignment(s) created, ${result.restarts} restart(s), ` +
      `${result.executionsStarted} execution(s) started by PullGuard, ${result.notifications.length} notification(s), ` +
      `${result.alertsDelivered} alert(s) delivered\n`,
  );
  return result.outcome === "resolved" ? EXIT.ok : EXIT.broken;
}
