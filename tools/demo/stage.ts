/**
 * What both demo stories (the app's, `npm run demo`, and the job's, `npm run demo -- --job`) stand on: the ARM + ACR
 * emulator, Azurite, a local stand-in for the Teams webhook, the real function handlers, and the function app's
 * settings in `process.env` as the host would have them (restored on close). Also the pieces both stories print
 * with: invocation contexts, card titles, the role assignments the emulator created, and the queue trigger's loop.
 */
// @azure/functions is CommonJS: its classes are reachable from ESM only through the default export.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import functions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { type RunningAzurite, startAzurite } from "../dev/azurite.js";
import { type FunctionHandlers, loadFunctionHandlers } from "../dev/function-handlers.js";
import { startTeamsSink } from "../dev/http-sink.js";
import { devSettings } from "../emulator/dev-settings.js";
import { type Emulator, startEmulator } from "../emulator/index.js";
import { type QueueTap, startQueueTap } from "./queue-tap.js";

/** A world of the demo: beside this file in the source tree (tools/demo/), under the root from the build (dist/...). */
export function demoWorld(fileName: string): URL {
  const candidates = [
    new URL(`./${fileName}`, import.meta.url),
    new URL(`../../../tools/demo/${fileName}`, import.meta.url),
  ];
  return candidates.find((url) => existsSync(url)) ?? (candidates[0] as URL);
}

/**
 * The orders team's developer who deploys, not PullGuard (on rg-shop: Container Apps Contributor in the app world,
 * Contributor in the job world).
 */
export const DEVELOPER = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

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

export function context(functionName: string): functions.InvocationContext {
  return new functions.InvocationContext({
    invocationId: crypto.randomUUID(),
    functionName,
    logHandler: () => undefined,
  });
}

export interface Stage {
  emulator: Emulator;
  handlers: FunctionHandlers;
  /** The `pullguard-verify` queue, as the queue trigger reads it. */
  queue: QueueClient;
  /** The verifications PullGuard queued, when the stage was opened with `tapQueue`. */
  tap: QueueTap | null;
  tenantId: string;
  /** PullGuard's principal in the emulator (the caller of its settings). */
  principalId: string;
  /** The cards the Teams sink received, by title. */
  notifications(): Array<{ kind: string; title: string }>;
  /** Role assignments the emulator created (PUT answered 201). */
  roleAssignmentsCreated(): number;
  /** The scope of each role assignment the emulator created, in order. */
  roleAssignmentScopes(): string[];
  close(): Promise<void>;
}

/** Starts the emulator on `world`, then Azurite and the sink, and sets the function app's settings. */
export async function openStage(world: unknown, options: { tapQueue?: boolean } = {}): Promise<Stage> {
  // The real handlers, as the host would call them.
  const handlers = await loadFunctionHandlers();
  const emulator = await startEmulator(world);
  let azurite: RunningAzurite | undefined;
  let tap: QueueTap | null = null;
  const dir = await mkdtemp(join(tmpdir(), "pullguard-demo-"));
  const sink = await startTeamsSink();
  const savedEnv = { ...process.env };
  const close = async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await sink.close();
    await tap?.close();
    await azurite?.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    azurite = await startAzurite();
    tap = options.tapQueue ? await startQueueTap(azurite.queuePort) : null;
    const storage = tap
      ? azurite.connectionString.replace(`:${azurite.queuePort}/`, `:${tap.port}/`)
      : azurite.connectionString;
    const caFile = join(dir, "emulator-ca.pem");
    await writeFile(caFile, emulator.caPem);
    const dev = devSettings(emulator, caFile);
    // The function app's settings, as the host would have them: pointed at the emulator and Azurite.
    Object.assign(process.env, {
      ...dev.env,
      PULLGUARD_MODE: "fix",
      PULLGUARD_SELF_PRINCIPAL_ID: dev.principalId,
      PULLGUARD_VERIFY_DELAY_SECONDS: "5",
      PULLGUARD_NOTIFY_TEAMS_URL: sink.url,
      AzureWebJobsStorage: storage,
    });
    const scopes = () =>
      emulator.log
        .entries()
        .filter((e) => e.method === "PUT" && /\/roleAssignments\//i.test(e.path) && e.status === 201)
        .map((e) => e.path.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/.*$/i, ""));
    const queue = new QueueClient(azurite.connectionString, "pullguard-verify");
    await queue.createIfNotExists();
    return {
      emulator,
      handlers,
      queue,
      tap,
      tenantId: dev.tenantId,
      principalId: dev.principalId,
      notifications: () => sink.received.map((m) => ({ kind: "teams", title: cardTitle(m) })),
      roleAssignmentsCreated: () => scopes().length,
      roleAssignmentScopes: scopes,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface VerifiedApp {
  appId: string;
  action: string;
}

/**
 * Plays the queue trigger until a verification ends (`verified: ...`) or `timeoutMs` of real time passes: each
 * visible message goes to the real `verifyFix` handler, then is deleted; `between` runs after each poll.
 */
export async function runVerifications(
  stage: Stage,
  options: { onHandled: (app: VerifiedApp) => void; between?: () => Promise<void>; timeoutMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let finished = false;
  while (!finished && Date.now() < deadline) {
    const batch = await stage.queue.receiveMessages({ numberOfMessages: 4, visibilityTimeout: 30 });
    for (const item of batch.receivedMessageItems) {
      const text = Buffer.from(item.messageText, "base64").toString("utf8");
      const outcome = await stage.handlers.verifyFix(JSON.parse(text) as unknown, context("verifyFix"));
      await stage.queue.deleteMessage(item.messageId, item.popReceipt);
      if (outcome.outcome === "handled") {
        for (const a of outcome.apps) {
          options.onHandled(a);
          if (a.action.startsWith("verified")) finished = true;
        }
      }
    }
    await options.between?.();
    if (!finished) await new Promise((r) => setTimeout(r, 1000));
  }
  return finished;
}

export interface EventFeed {
  delivered: number;
  ignored: number;
  /** Writes PullGuard made for the events it handled. */
  writes: number;
  /** Drops the events not delivered yet (a story that shows them lost); returns how many. */
  drop(): number;
  /** Hands each waiting event to the real `onResourceEvent` handler, as the Event Grid trigger would. */
  deliver(): Promise<void>;
}

/** The emulator's ARM events, waiting for the story to deliver (or drop) them; each outcome is said. */
export function eventFeed(stage: Stage, say: (line: string) => void, handledLabel: string): EventFeed {
  const pending: unknown[] = [];
  stage.emulator.events.subscribe((event: unknown) => {
    pending.push(event);
  });
  const feed: EventFeed = {
    delivered: 0,
    ignored: 0,
    writes: 0,
    drop: () => pending.splice(0).length,
    deliver: async () => {
      while (pending.length > 0) {
        const event = pending.shift() as { id: string; eventType: string; data: { operationName: string } };
        feed.delivered++;
        const outcome = await stage.handlers.onResourceEvent(event as never, context("onResourceEvent"));
        if (outcome.outcome === "handled") {
          for (const a of outcome.apps) {
            feed.writes += a.writes;
            say(
              `${handledLabel} ${event.eventType} (${event.data.operationName}) → ${a.appId.split("/").at(-1)}: ${a.verdict}, ${a.action}`,
            );
          }
        } else {
          feed.ignored++;
          say(`   event ${event.data.operationName}: ${outcome.outcome} (${outcome.reason})`);
        }
      }
    },
  };
  return feed;
}
