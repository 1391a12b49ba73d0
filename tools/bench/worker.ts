/**
 * One bench measurement in a fresh Node process: the product (or the naive reader) talks to the emulator that
 * bench/run.ts serves in the parent process, exactly as the function app would with the dev settings. A fresh
 * process per measurement means nothing is cached across runs and the peak memory is this measurement's own.
 *
 *   node dist/tools/bench/worker.js <job.json>   → one JSON line on stdout
 */
import { readFileSync } from "node:fs";
import { createAzureAccess } from "../../src/app/azure-access.js";
import type { AppOutcome, SignalOutcome } from "../../src/app/outcomes.js";
import { listAppSummaries } from "../../src/azure/app-inventory.js";
import { createAzureClients } from "../../src/azure/clients.js";
import { createDevBackend, createDevCredential } from "../../src/azure/dev-backend.js";
import { diagnose } from "../../src/core/diagnose.js";
import { silentLogger } from "../../src/shared/logger.js";
import { benchFlow } from "./flow.js";
import { oneAtATime, readNaively } from "./naive.js";

export interface Connection {
  armEndpoint: string;
  caFile: string;
  registryAddress: string;
  principalId: string;
  tenantId: string;
}

export type Job =
  | { kind: "single"; connection: Connection; appId: string; naive: boolean }
  | { kind: "checks"; connection: Connection; appIds: string[]; subscriptions: string[] }
  | {
      kind: "sweep";
      connection: Connection;
      subscriptions: string[];
      naive: boolean;
      /** The world's `now` (ISO), when it fixes one: the sweep's clock starts there, as the emulator's does. */
      now?: string | null;
    }
  | {
      kind: "storm";
      connection: Connection;
      subscriptions: string[];
      eventsFile: string;
      concurrency: number;
      selfPrincipalId: string;
      naive: boolean;
    };

export interface Memory {
  /** Peak resident set size of this process, MB (getrusage maxrss). */
  peakRssMb: number;
  /** Resident set size before the measured work started, MB. */
  baselineRssMb: number;
  /** Highest V8 heap in use seen while the work ran (sampled every 10 ms), MB. */
  peakHeapMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function watchMemory(): () => Memory {
  const baselineRssMb = mb(process.memoryUsage().rss);
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);
  timer.unref();
  return () => {
    clearInterval(timer);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    return {
      peakRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      baselineRssMb,
      peakHeapMb: mb(peakHeap),
    };
  };
}

/** A clock that starts at `start` and advances with real time, like the emulator's (tools/emulator/clock.ts). */
function clockFrom(start: string | null | undefined): (() => Date) | undefined {
  if (!start) return undefined;
  const at = Date.parse(start);
  const began = performance.now();
  return () => new Date(at + (performance.now() - began));
}

/** The dev backend; with a clock, its tokens are stamped with it (the emulator's clock may not be the system's). */
function backendOf(connection: Connection, now?: () => Date) {
  const backend = createDevBackend(connection);
  if (!now) return backend;
  return { ...backend, credential: createDevCredential({ ...connection, now }) };
}

async function single(job: Extract<Job, { kind: "single" }>) {
  const backend = backendOf(job.connection);
  const started = performance.now();
  if (job.naive) {
    const httpClient = oneAtATime(backend.httpClient);
    const clients = createAzureClients({ credential: backend.credential, endpoint: backend.endpoint, httpClient });
    const { facts, stats } = await readNaively(job.appId, { clients, credential: backend.credential, httpClient });
    const d = diagnose(facts);
    return { ...stats, wallMs: performance.now() - started, verdict: d.verdict, codes: d.findings.map((f) => f.code) };
  }
  const access = createAzureAccess(backend, () => new Date());
  const { facts, stats } = await access.readFacts(job.appId);
  const d = diagnose(facts);
  return { ...stats, wallMs: performance.now() - started, verdict: d.verdict, codes: d.findings.map((f) => f.code) };
}

/** One check per app, one after another, each as an HTTP check would do it (the baseline for the storm). */
async function checks(job: Extract<Job, { kind: "checks" }>) {
  const backend = backendOf(job.connection);
  const { flow, deps } = benchFlow(backend, { subscriptions: job.subscriptions, mode: "report" });
  const perApp: number[] = [];
  const started = performance.now();
  for (const appId of job.appIds) {
    const { armRequests } = await deps.countArmRequests(() =>
      flow.check({ appId, fix: false }, { source: "http" }, silentLogger),
    );
    perApp.push(armRequests);
  }
  return { perApp, wallMs: performance.now() - started };
}

/**
 * The product's sweep, or the naive one: every workload of the lists (apps, then jobs) read one request at a time
 * (a job's read lists its executions) and diagnosed. `jobs`: how many of the listed workloads are jobs.
 */
async function sweep(job: Extract<Job, { kind: "sweep" }>) {
  const now = clockFrom(job.now);
  const backend = backendOf(job.connection, now);
  const memory = watchMemory();
  const started = performance.now();
  if (job.naive) {
    const httpClient = oneAtATime(backend.httpClient);
    const clients = createAzureClients({ credential: backend.credential, endpoint: backend.endpoint, httpClient });
    const { value, armRequests } = await clients.countArmRequests(async () => {
      const workloads = [];
      for (const s of job.subscriptions) workloads.push(...(await listAppSummaries(clients.containerApps(s))));
      const broken: string[] = [];
      for (const w of workloads) {
        const deps = { clients, credential: backend.credential, httpClient, ...(now ? { now } : {}) };
        const { facts } = await readNaively(w.id, deps);
        if (diagnose(facts).verdict === "broken") broken.push(w.id);
      }
      return { apps: workloads.length, jobs: workloads.filter((w) => w.kind === "job").length, broken };
    });
    return { ...value, armRequests, wallMs: performance.now() - started, ...memory() };
  }
  const { flow } = benchFlow(backend, { subscriptions: job.subscriptions, mode: "report", ...(now ? { now } : {}) });
  const outcome = await flow.sweep({ source: "sweep" }, silentLogger);
  const wallMs = performance.now() - started;
  return {
    apps: outcome.apps,
    broken: outcome.handled.filter((h) => h.verdict === "broken").map((h) => h.appId),
    handled: outcome.handled.map((h) => h.appId),
    armRequests: outcome.armRequests,
    wallMs,
    ...memory(),
  };
}

/** Delivers the events as the Functions host would: many invocations at once, each awaiting its own outcome. */
async function storm(job: Extract<Job, { kind: "storm" }>) {
  const backend = backendOf(job.connection);
  const events = JSON.parse(readFileSync(job.eventsFile, "utf8")) as unknown[];
  const { flow, deps, scheduled } = benchFlow(backend, {
    subscriptions: job.subscriptions,
    mode: "fix",
    selfPrincipalId: job.selfPrincipalId,
    coalesceEvents: !job.naive,
  });
  const memory = watchMemory();
  const outcomes: Record<string, number> = {};
  const looked = new Set<string>();
  const actions: Record<string, number> = {};
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const { armRequests } = await deps.countArmRequests(async () => {
    const lane = async () => {
      for (;;) {
        const index = next++;
        if (index >= events.length) return;
        const event = events[index] as { id?: string };
        try {
          const outcome: SignalOutcome = await flow.handleArmEvent(
            event,
            { source: "event", eventId: event.id ?? null },
            silentLogger,
          );
          outcomes[outcome.outcome] = (outcomes[outcome.outcome] ?? 0) + 1;
          if (outcome.outcome === "handled") {
            for (const app of outcome.apps as AppOutcome[]) {
              looked.add(app.appId.toLowerCase());
              actions[app.action] = (actions[app.action] ?? 0) + 1;
            }
          }
        } catch {
          failures++;
        }
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, lane));
  });
  const wallMs = performance.now() - started;
  return {
    events: events.length,
    outcomes,
    actions,
    failures,
    distinctApps: looked.size,
    armRequests,
    verificationsScheduled: scheduled(),
    wallMs,
    ...memory(),
  };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node dist/tools/bench/worker.js <job.json>");
  const job = JSON.parse(readFileSync(file, "utf8")) as Job;
  const result =
    job.kind === "single"
      ? await single(job)
      : job.kind === "checks"
        ? await checks(job)
        : job.kind === "sweep"
          ? await sweep(job)
          : await storm(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
