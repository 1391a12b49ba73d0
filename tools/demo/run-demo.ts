/**
 * The demo (`npm run demo`): the seed story end to end on this machine, with no Azure account.
 *
 * 1. The emulator starts from a world in which orders-api runs a public image, and Azurite starts.
 * 2. A deployment switches orders-api to a private image of contosoprod with its system identity, which holds no
 *    AcrPull: the write's long-running operation fails (UNAUTHORIZED) and ARM raises ResourceWriteFailure.
 * 3. The emulator's events go to the real `onResourceEvent` handler, called as the host would call it.
 * 4. PullGuard diagnoses, grants AcrPull at registry scope, restarts the revision, schedules the verification.
 * 5. The queue message becomes visible; the real `verifyFix` handler finishes the verification.
 * 6. The Teams messages arrive at a local sink and are printed; a one-line summary ends the story.
 */

import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { CliIo, CommandOptions } from "../../src/cli/deps.js";
import { EXIT, type ExitCode } from "../../src/cli/exit-codes.js";
import { readWorldFile } from "../entry/world-backend.js";
import { runJobDemoCommand } from "./job-demo.js";
import { DEVELOPER, demoWorld, eventFeed, openStage, runVerifications } from "./stage.js";

/** The app story's world. */
export const DEFAULT_WORLD = demoWorld("orders-api.world.json");
const PRIVATE_IMAGE = "contosoprod.azurecr.io/orders/api:1.8.0";

export interface DemoResult {
  outcome: "resolved" | "pending" | "unresolved" | "healthy";
  appId: string;
  revision: { name: string; provisioningState: string; runningState: string; healthState: string } | null;
  roleAssignmentsCreated: number;
  notifications: Array<{ kind: string; title: string }>;
  eventsDelivered: number;
  eventsIgnored: number;
  writes: number;
}

export async function runDemo(options: { worldFile?: string; say: (line: string) => void }): Promise<DemoResult> {
  const say = options.say;
  const worldFile = options.worldFile;
  const world = (await readWorldFile(worldFile ?? DEFAULT_WORLD.pathname)) as Record<string, unknown>;
  const expect = (world.expect ?? {}) as { app?: string };

  say("1. Starting the ARM + ACR emulator and Azurite (no Azure account needed)");
  const stage = await openStage(world);
  const { emulator } = stage;
  try {
    const apps = [...emulator.state.resources.values()].filter(
      (r) => r.type.toLowerCase() === "microsoft.app/containerapps",
    );
    const appId = expect.app ?? apps[0]?.id;
    if (!appId) throw new Error("the world has no container app to deploy");
    const subscription = appId.split("/")[2] ?? "";

    const events = eventFeed(stage, say, "3. Event");

    // 2. The deployment.
    // A person deploys, not PullGuard: the write event names the developer, so PullGuard acts on it.
    const client = new ContainerAppsAPIClient(emulator.credentialFor(DEVELOPER, stage.tenantId), subscription, {
      endpoint: emulator.endpoint,
      httpClient: emulator.httpClient,
    });
    const name = appId.split("/").at(-1) ?? "";
    const group = appId.split("/")[4] ?? "";
    const app = await client.containerApps.get(group, name);
    const template = app.template ?? {};
    const deployDefault = worldFile === undefined;
    const containers = (template.containers ?? []).map((c, i) =>
      deployDefault && i === 0 ? { ...c, image: PRIVATE_IMAGE } : c,
    );
    const registries = deployDefault
      ? [{ server: "contosoprod.azurecr.io", identity: "system" }]
      : (app.configuration?.registries ?? []);
    say(
      deployDefault
        ? `2. Deploying ${name} with ${PRIVATE_IMAGE}, pulled with the app's system identity`
        : `2. Re-deploying ${name} with its current template`,
    );
    try {
      await client.containerApps.beginUpdateAndWait(group, name, {
        location: app.location,
        configuration: { ...app.configuration, registries, secrets: undefined },
        template: { ...template, containers, revisionSuffix: `demo${Date.now().toString(36).slice(-4)}` },
      });
      say("   the deployment succeeded");
    } catch (error) {
      const message = (error as Error).message.split("\n")[0] ?? "";
      say(`   the deployment failed: ${message.slice(0, 320)}`);
    }

    // 3-4. Events to the real handler, as the Event Grid trigger would deliver them.
    await events.deliver();

    // 5. The verification message becomes visible after its delay; the queue trigger finishes it.
    say("4. Waiting for the scheduled verification (a queue message with a visibility delay)");
    const finished = await runVerifications(stage, {
      onHandled: (a) => say(`5. Verification of ${a.appId.split("/").at(-1)}: ${a.action}`),
      between: events.deliver,
    });

    const after = await client.containerApps.get(group, name);
    const revisionName = after.latestRevisionName ?? null;
    const revision = revisionName ? await client.containerAppsRevisions.getRevision(group, name, revisionName) : null;
    const created = stage.roleAssignmentsCreated();
    const notifications = stage.notifications();
    say("6. What the team saw in Teams:");
    for (const n of notifications) say(`   ▸ ${n.title}`);
    const state = revision
      ? {
          name: revision.name ?? revisionName ?? "",
          provisioningState: revision.provisioningState ?? "",
          runningState: revision.runningState ?? "",
          healthState: revision.healthState ?? "",
        }
      : null;
    const outcome: DemoResult["outcome"] =
      state && state.runningState === "Running" && state.healthState === "Healthy"
        ? created > 0 || events.writes > 0
          ? "resolved"
          : "healthy"
        : finished
          ? "unresolved"
          : "pending";
    return {
      outcome,
      appId,
      revision: state,
      roleAssignmentsCreated: created,
      notifications,
      eventsDelivered: events.delivered,
      eventsIgnored: events.ignored,
      writes: events.writes,
    };
  } finally {
    await stage.close();
  }
}

export async function runDemoCommand(opts: CommandOptions, io: CliIo): Promise<ExitCode> {
  if (opts.job === true) return runJobDemoCommand(opts, io);
  const worldFile = typeof opts.world === "string" ? opts.world : undefined;
  const result = await runDemo({ ...(worldFile ? { worldFile } : {}), say: (line) => io.stdout(`${line}\n`) });
  const r = result.revision;
  io.stdout(
    `\nsummary: ${result.appId.split("/").at(-1)} ${result.outcome}` +
      (r ? ` — revision ${r.name} ${r.runningState}/${r.healthState}` : "") +
      `; ${result.roleAssignmentsCreated} role assignment(s) created, ${result.notifications.length} notification(s), ` +
      `${result.eventsDelivered} event(s) delivered (${result.eventsIgnored} ignored)\n`,
  );
  return result.outcome === "resolved" || result.outcome === "healthy" ? EXIT.ok : EXIT.broken;
}
