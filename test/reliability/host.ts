/**
 * Plays the Functions host for the storm and secrets suites: the emulator and Azurite, the function app's settings in
 * process.env (as the host would set them, PULLGUARD_DEV_* pointing at the emulator), the real handlers from
 * src/functions, invocation contexts whose log lines are captured, and a local sink for webhook notifications.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @azure/functions is CommonJS: its classes are reachable from ESM only through the default export.
import functions from "@azure/functions";
import { type RunningAzurite, startAzurite } from "../../tools/dev/azurite.js";
import { type FunctionHandlers, loadFunctionHandlers } from "../../tools/dev/function-handlers.js";
import { startSink as startHttpSink } from "../../tools/dev/http-sink.js";
import { devSettings } from "../../tools/emulator/dev-settings.js";
import { type Emulator, startEmulator } from "../../tools/emulator/index.js";

/** The real handlers (devtools/function-handlers.ts). */
export const loadHandlers = loadFunctionHandlers;

export type Handlers = FunctionHandlers;

export interface LogLine {
  level: string;
  text: string;
}

/** Every line any invocation logged, in order. */
export const logLines: LogLine[] = [];

export function invocation(functionName: string): functions.InvocationContext {
  return new functions.InvocationContext({
    invocationId: crypto.randomUUID(),
    functionName,
    logHandler: (level, ...args) => {
      logLines.push({ level, text: args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") });
    },
  });
}

export function httpRequest(init: {
  method: string;
  url: string;
  body?: string;
  params?: Record<string, string>;
  headers?: Record<string, string>;
}): functions.HttpRequest {
  return new functions.HttpRequest({
    method: init.method,
    url: init.url,
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
    params: init.params ?? {},
  });
}

export interface Sink {
  url: string;
  received: Array<{ path: string; headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}

/** A local HTTP server that records what is posted to it (Teams, Slack, webhook notifications). */
export async function startSink(): Promise<Sink> {
  const sink = await startHttpSink([{ status: 200, headers: { "content-type": "text/plain" }, body: "1" }]);
  return {
    url: sink.url(""),
    received: sink.received,
    close: () => sink.close(),
  };
}

export interface Host {
  emulator: Emulator;
  azurite: RunningAzurite;
  /** PullGuard's own principal (the emulator's operator). */
  principal: string;
  subscription: string;
  close(): Promise<void>;
}

/**
 * Starts the emulator (and Azurite unless one is given) and sets the function app's settings in process.env;
 * `extra` adds or overrides settings. close() restores the environment.
 */
export async function openHost(
  world: unknown,
  options: { seed?: number; azurite?: RunningAzurite; extra?: Record<string, string> } = {},
): Promise<Host> {
  const emulator = await startEmulator(world, { seed: options.seed ?? 1 });
  const azurite = options.azurite ?? (await startAzurite());
  const dir = await mkdtemp(join(tmpdir(), "pullguard-host-"));
  const caFile = join(dir, "emulator-ca.pem");
  await writeFile(caFile, emulator.caPem);
  const dev = devSettings(emulator, caFile);
  const { principalId: principal, subscriptions } = dev;
  const saved = { ...process.env };
  Object.assign(process.env, {
    ...dev.env,
    PULLGUARD_MODE: "fix",
    PULLGUARD_SELF_PRINCIPAL_ID: principal,
    PULLGUARD_VERIFY_DELAY_SECONDS: "5",
    PULLGUARD_MAX_CHANGES_PER_HOUR: "500",
    AzureWebJobsStorage: azurite.connectionString,
    ...(options.extra ?? {}),
  });
  return {
    emulator,
    azurite,
    principal,
    subscription: subscriptions[0] ?? "",
    close: async () => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await emulator.stop();
      if (!options.azurite) await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
