/**
 * Shared pieces of the reliability and security suites: the broken worlds, an emulator-backed product composition
 * (the same readers, clients and applyPlan the function app composes in src/app/runtime.ts, with short retry delays
 * so many fault schedules fit in seconds: the retry *count* stays the SDK default of 3), a spy on the ARM transport
 * that records every request applyPlan sends, and an independent oracle for the state: the emulator's own pull
 * decision and its role assignments.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PipelineRetryOptions } from "@azure/core-rest-pipeline";
import type { ArmRequest, ArmResponse, ArmTransport } from "../../src/azure/arm-transport.js";
import { armTransportFor } from "../../src/azure/arm-transport.js";
import { type AzureClients, createAzureClients } from "../../src/azure/clients.js";
import { readPullFacts } from "../../src/azure/read-pull-facts.js";
import { createRegistryIndex } from "../../src/azure/registry-index.js";
import type { PullFacts, ReadStats } from "../../src/core/facts.js";
import { type Emulator, startEmulator } from "../../tools/emulator/index.js";

export const WORLDS_DIR = join(import.meta.dirname, "../fixtures/worlds");

export interface WorldExpect {
  app: string;
  verdict: string;
  must: string[];
  mustNot: string[];
}

export interface WorldFile {
  expect: WorldExpect;
  [key: string]: unknown;
}

export function readWorld(name: string): WorldFile {
  return JSON.parse(readFileSync(join(WORLDS_DIR, `${name}.json`), "utf8")) as WorldFile;
}

/** Broken worlds whose fix is automatic under the default policy. */
export const AUTO_FIXABLE = [
  "pull-role-missing",
  "system-identity-disabled",
  "identity-not-attached",
  "registry-not-configured",
  "abac-mode-legacy-role-only",
] as const;

/** Broken worlds whose fix is opt-in (the chaos suite switches these fixes on). */
export const OPT_IN_FIXABLE = [
  "arm-audience-tokens-disabled",
  "registry-firewall-blocks-environment",
  "registry-uses-admin-credentials",
  "abac-condition-excludes-repository",
] as const;

export const OPT_IN_CODES = [
  "arm-audience-tokens-disabled",
  "registry-firewall-blocks-environment",
  "registry-uses-admin-credentials",
  "abac-condition-excludes-repository",
];

/** Same retry count as the SDK default, delays in milliseconds instead of seconds. */
export const FAST_RETRIES: PipelineRetryOptions = { maxRetries: 3, retryDelayInMs: 2, maxRetryDelayInMs: 10 };

export interface SentRequest extends ArmRequest {
  status: number | "error";
  /** The target resource as the emulator held it just before a write (undefined for reads). */
  before?: unknown;
}

/**
 * An ArmTransport that records what goes through it (a spy at the injected seam, nothing patched). `snapshot` gives
 * the state of a write's target just before it is sent (the emulator's own copy, not what PullGuard read).
 */
export function recordingTransport(
  inner: ArmTransport,
  snapshot?: (url: string) => unknown,
): ArmTransport & { sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  return {
    endpoint: inner.endpoint,
    sent,
    async send(request): Promise<ArmResponse> {
      const before = request.method !== "GET" && snapshot ? snapshot(request.url) : undefined;
      try {
        const response = await inner.send(request);
        sent.push({ ...request, status: response.status, before });
        return response;
      } catch (error) {
        sent.push({ ...request, status: "error", before });
        throw error;
      }
    },
  };
}

export interface ProductAccess {
  clients: AzureClients;
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  arm: ArmTransport & { sent: SentRequest[] };
}

/** The product's Azure access (src/app/azure-access.ts) over the emulator, with fast retries. */
export function productAccess(emulator: Emulator, retryOptions: PipelineRetryOptions = FAST_RETRIES): ProductAccess {
  const clients = createAzureClients({
    credential: emulator.credential,
    endpoint: emulator.endpoint,
    httpClient: emulator.httpClient,
    retryOptions,
  });
  const subscription = emulator.state.tenants.flatMap((t) => t.subscriptions)[0] ?? "";
  return {
    clients,
    readFacts: (appId) =>
      readPullFacts(appId, {
        clients,
        credential: emulator.credential,
        httpClient: emulator.httpClient,
        now: () => emulator.clock.now(),
        registryIndex: createRegistryIndex(clients),
        dataPlaneRetryOptions: retryOptions,
      }),
    arm: recordingTransport(armTransportFor(clients, subscription), (url) => {
      // A job's start (POST <job>/start) acts on the job: its `before` is the job, as the forbidden list reads it.
      const path = new URL(url).pathname.replace(/\/{2,}/g, "/").replace(/(\/jobs\/[^/]+)\/start$/i, "$1");
      const resource = emulator.getResource(path);
      return resource ? structuredClone(resource) : null;
    }),
  };
}

/** The emulator's clock moved instead of waited for, with a moment of real time for its work to settle. */
export function emulatorSleep(emulator: Emulator): (ms: number) => Promise<void> {
  return async (ms) => {
    emulator.clock.advance(ms);
    await new Promise((resolve) => setTimeout(resolve, 1));
  };
}

export interface AssignmentRow {
  id: string;
  scope: string;
  principalId: string;
  role: string;
  condition: string | null;
}

const lower = (s: string): string => s.toLowerCase();

/** Every role assignment in the emulator's state. */
export function assignmentsIn(emulator: Emulator): AssignmentRow[] {
  return [...emulator.state.resources.values()]
    .filter((r) => lower(r.type) === "microsoft.authorization/roleassignments")
    .map((r) => {
      const p = (r.properties ?? {}) as Record<string, unknown>;
      return {
        id: r.id,
        scope: lower(String(p.scope ?? "")),
        principalId: lower(String(p.principalId ?? "")),
        role: lower(
          String(p.roleDefinitionId ?? "")
            .split("/")
            .at(-1) ?? "",
        ),
        condition: typeof p.condition === "string" ? p.condition : null,
      };
    });
}

/** (scope, principal, role) triples held by more than one assignment: ARM would refuse them, PullGuard must never try. */
export function duplicateAssignments(emulator: Emulator): string[] {
  const seen = new Map<string, number>();
  for (const a of assignmentsIn(emulator)) {
    const key = `${a.scope}|${a.principalId}|${a.role}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k);
}

/** Role assignments created (201) by PUTs in the emulator's request log, per assignment path. */
export function createdAssignments(emulator: Emulator): Map<string, number> {
  const created = new Map<string, number>();
  for (const e of emulator.log.entries()) {
    if (e.method === "PUT" && /\/roleAssignments\//i.test(e.path) && e.status === 201) {
      const key = lower(e.path.split("?")[0] ?? "");
      created.set(key, (created.get(key) ?? 0) + 1);
    }
  }
  return created;
}

/**
 * The emulator's own verdict (independent of the product): a replica of the app's latest revision restarts and the
 * emulator decides, like ACA and ACR, whether it can pull every image now.
 */
export function emulatorSaysPulls(emulator: Emulator, appId: string): boolean {
  return emulator.simulateReplicaRestart(appId);
}

export async function startWorld(name: string, seed: number): Promise<{ emulator: Emulator; world: WorldFile }> {
  const world = readWorld(name);
  const emulator = await startEmulator(world, { seed });
  return { emulator, world };
}

/** A small seeded generator (mulberry32) for schedules, separate from the emulator's own. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
