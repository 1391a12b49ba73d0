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

// @azure/functions is CommonJS: its classes are reachable from ESM only through the default export.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import functions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import type { CliIo, CommandOptions } from "../../src/cli/deps.js";
import { EXIT, type ExitCode } from "../../src/cli/exit-codes.js";
import { type RunningAzurite, startAzurite } from "../dev/azurite.js";
import { loadFunctionHandlers } from "../dev/function-handlers.js";
import { startSink } from "../dev/http-sink.js";
import { devSettings } from "../emulator/dev-settings.js";
import { startEmulator } from "../emulator/index.js";
import { readWorldFile } from "../entry/world-backend.js";

/** The demo's world, beside this file in the source tree (tools/demo/) and under the root from the build (dist/tools/demo/). */
export const DEFAULT_WORLD = [
  new URL("./orders-api.world.json", import.meta.url),
  new URL("../../../tools/demo/orders-api.world.json", import.meta.url),
].find((url) => existsSync(url)) as URL;
const PRIVATE_IMAGE = "contosoprod.azurecr.io/orders/api:1.8.0";
/** The orders team's developer who deploys (Container Apps Contributor on rg-shop in the demo world): not PullGuard. */
const DEVELOPER = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

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

interface TeamsSink {
  url: string;
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A local stand-in for the Teams Workflows webhook: records each card posted to it. */
async function startTeamsSink(): Promise<TeamsSink> {
  const sink = await startSink([{ status: 202 }]);
  return {
    url: sink.url("/teams-workflow"),
    get received() {
      return sink.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    },
    close: () => sink.close(),
  };
}

function cardTitle(message: Record<string, unknown>): string {
  const attachments = message.attachments as Array<{ content?: { body?: Array<Record<string, unknown>> } }> | undefined;
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.text === "string" && record.size === "Large") texts.push(record.text);
      for (const value of Object.values(record)) walk(value);
    }
  };
  walk(attachments?.[0]?.content?.body);
  return texts[0] ?? "(card)";
}

function context(functionName: string): functions.InvocationContext {
  return new functions.InvocationContext({
    invocationId: crypto.randomUUID(),
    functionName,
    logHandler: () => undefined,
  });
}

export async function runDemo(options: { worldFile?: string; say: (line: string) => void }): Promise<DemoResult> {
  const say = options.say;
  const worldFile = options.worldFile;
  const world = (await readWorldFile(worldFile ?? DEFAULT_WORLD.pathname)) as Record<string, unknown>;
  const expect = (world.expect ?? {}) as { app?: string };

  // The real handlers, as the host would call them.
  const { onResourceEvent, verifyFix } = await loadFunctionHandlers();
  say("1. Starting the ARM + ACR emulator and Azurite (no Azure account needed)");
  const emulator = await startEmulator(world);
  let azurite: RunningAzurite | undefined;
  const dir = await mkdtemp(join(tmpdir(), "pullguard-demo-"));
  const sink = await startTeamsSink();
  const savedEnv = { ...process.env };
  try {
    azurite = await startAzurite();
    const caFile = join(dir, "emulator-ca.pem");
    await writeFile(caFile, emulator.caPem);
    const apps = [...emulator.state.resources.values()].filter(
      (r) => r.type.toLowerCase() === "microsoft.app/containerapps",
    );
    const appId = expect.app ?? apps[0]?.id;
    if (!appId) throw new Error("the world has no container app to deploy");
    const subscription = appId.split("/")[2] ?? "";
    const dev = devSettings(emulator, caFile);
    const tenant = dev.tenantId;

    // The function app's settings, as the host would have them: pointed at the emulator and Azurite.
    Object.assign(process.env, {
      ...dev.env,
      PULLGUARD_MODE: "fix",
      PULLGUARD_SELF_PRINCIPAL_ID: dev.principalId,
      PULLGUARD_VERIFY_DELAY_SECONDS: "5",
      PULLGUARD_NOTIFY_TEAMS_URL: sink.url,
      AzureWebJobsStorage: azurite.connectionString,
    });
    const queue = new QueueClient(azurite.connectionString, "pullguard-verify");
    await queue.createIfNotExists();

    const pending: unknown[] = [];
    emulator.events.subscribe((event: unknown) => {
      pending.push(event);
    });

    // 2. The deployment.
    // A person deploys, not PullGuard: the write event names the developer, so PullGuard acts on it.
    const client = new ContainerAppsAPIClient(emulator.credentialFor(DEVELOPER, tenant), subscription, {
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
    let eventsDelivered = 0;
    let eventsIgnored = 0;
    let writes = 0;
    const deliver = async () => {
      while (pending.length > 0) {
        const event = pending.shift() as { id: string; eventType: string; data: { operationName: string } };
        eventsDelivered++;
        const outcome = await onResourceEvent(event as never, context("onResourceEvent"));
        if (outcome.outcome === "handled") {
          for (const a of outcome.apps) {
            writes += a.writes;
            say(
              `3. Event ${event.eventType} (${event.data.operationName}) → ${a.appId.split("/").at(-1)}: ${a.verdict}, ${a.action}`,
            );
          }
        } else {
          eventsIgnored++;
          say(`   event ${event.data.operationName}: ${outcome.outcome} (${outcome.reason})`);
        }
      }
    };
    await deliver();

    // 5. The verification message becomes visible after its delay; the queue trigger finishes it.
    say("4. Waiting for the scheduled verification (a queue message with a visibility delay)");
    const deadline = Date.now() + 60_000;
    let finished = false;
    while (!finished && Date.now() < deadline) {
      const batch = await queue.receiveMessages({ numberOfMessages: 4, visibilityTimeout: 30 });
      for (const item of batch.receivedMessageItems) {
        const text = Buffer.from(item.messageText, "base64").toString("utf8");
        const outcome = await verifyFix(JSON.parse(text) as unknown, context("verifyFix"));
        await queue.deleteMessage(item.messageId, item.popReceipt);
        if (outcome.outcome === "handled") {
          for (const a of outcome.apps) {
            say(`5. Verification of ${a.appId.split("/").at(-1)}: ${a.action}`);
            if (a.action.startsWith("verified")) finished = true;
          }
        }
      }
      await deliver();
      if (!finished) await new Promise((r) => setTimeout(r, 1000));
    }

    const after = await client.containerApps.get(group, name);
    const revisionName = after.latestRevisionName ?? null;
    const revision = revisionName ? await client.containerAppsRevisions.getRevision(group, name, revisionName) : null;
    const created = emulator.log
      .entries()
      .filter((e) => e.method === "PUT" && /\/roleAssignments\//i.test(e.path) && e.status === 201).length;
    const notifications = sink.received.map((m) => ({ kind: "teams", title: cardTitle(m) }));
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
        ? created > 0 || writes > 0
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
      eventsDelivered,
      eventsIgnored,
      writes,
    };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await sink.close();
    await azurite?.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runDemoCommand(opts: CommandOptions, io: CliIo): Promise<ExitCode> {
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
