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
import { type RunningAzurite, startAzurite } from "../../devtools/azurite.js";
import { startSink as startHttpSink } from "../../devtools/http-sink.js";
import { DEFAULT_OPERATOR, type Emulator, startEmulator } from "../../emulator/index.js";

export async function loadHandlers() {
  // Outside the Functions host, @azure/functions warns once that it runs in test mode: expected here.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('"@azure/functions" package')) warn(...args);
  };
  try {
    const [event, post, get, alert, verify, sweep] = await Promise.all([
      import("../../src/functions/on-resource-event.js"),
      import("../../src/functions/check-app-post.js"),
      import("../../src/functions/check-app.js"),
      import("../../src/functions/on-pull-failure-alert.js"),
      import("../../src/functions/verify-fix.js"),
      import("../../src/functions/sweep.js"),
    ]);
    return {
      onResourceEvent: event.onResourceEvent,
      checkAppPost: post.checkAppPost,
      checkApp: get.checkApp,
      onPullFailureAlert: alert.onPullFailureAlert,
      verifyFix: verify.verifyFix,
      sweep: sweep.sweep,
    };
  } finally {
    console.warn = warn;
  }
}

export type Handlers = Awaited<ReturnType<typeof loadHandlers>>;

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
  const subscriptions = emulator.state.tenants.flatMap((t) => t.subscriptions);
  const principal = emulator.state.caller?.principalId ?? DEFAULT_OPERATOR;
  const tenant = emulator.state.caller?.tenantId ?? emulator.state.tenants[0]?.tenantId ?? "";
  const saved = { ...process.env };
  Object.assign(process.env, {
    PULLGUARD_SUBSCRIPTIONS: subscriptions.join(","),
    PULLGUARD_MODE: "fix",
    PULLGUARD_SELF_PRINCIPAL_ID: principal,
    PULLGUARD_VERIFY_DELAY_SECONDS: "5",
    PULLGUARD_MAX_CHANGES_PER_HOUR: "500",
    AzureWebJobsStorage: azurite.connectionString,
    PULLGUARD_DEV_ARM_ENDPOINT: emulator.endpoint,
    PULLGUARD_DEV_CA_FILE: caFile,
    PULLGUARD_DEV_REGISTRY_ADDRESS: `127.0.0.1:${emulator.port}`,
    PULLGUARD_DEV_PRINCIPAL_ID: principal,
    PULLGUARD_DEV_TENANT_ID: tenant,
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
