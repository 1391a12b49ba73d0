/**
 * Shared wiring of the `fix` end-to-end tests: a broken world loaded into the emulator (HTTPS, real SDK clients), the
 * real CLI (`runCli` with the composition root's `cliDeps` and captured io), and Azurite for the audit table and the
 * change budget. Nothing is mocked: the only seam is `openBackend`, which hands the CLI the emulator the test started
 * from the same `--world` file (exactly what entry/world-backend.ts does, except that the test keeps the emulator
 * to inspect its state and request log afterwards).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { runFix } from "../../src/cli/commands/fix.js";
import type { OpenBackend } from "../../src/cli/commands/session.js";
import type { CliDeps, CliIo } from "../../src/cli/deps.js";
import { runCli } from "../../src/cli/main.js";
import { type Env, loadSettings } from "../../src/config.js";
import { type RunningAzurite, startAzurite } from "../../tools/dev/azurite.js";
import { type Emulator, startEmulator } from "../../tools/emulator/index.js";
import type { LoggedRequest } from "../../tools/emulator/request-log.js";
import type { ArmResource } from "../../tools/emulator/state.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { emulatorSession } from "../../tools/entry/world-backend.js";

export const WORLDS_DIR = join(import.meta.dirname, "../fixtures/worlds");
export const CLI_USER = "e2e-operator";

export interface WorldExpect {
  app: string;
  verdict: string;
  must: string[];
  mustNot: string[];
  fixRole?: string;
  fixScope?: string;
  fixPrincipal?: string;
}

export interface WorldFile {
  file: string;
  world: { now: string; propagationDelaySeconds?: number; expect: WorldExpect; [key: string]: unknown };
}

export function worldFile(name: string): WorldFile {
  const file = join(WORLDS_DIR, name.endsWith(".json") ? name : `${name}.json`);
  return { file, world: JSON.parse(readFileSync(file, "utf8")) as WorldFile["world"] };
}

/** Emulators started by a test file; `stopAll` in afterAll/afterEach. */
export function emulators() {
  const started: Emulator[] = [];
  return {
    async start(world: unknown): Promise<Emulator> {
      const emulator = await startEmulator(world);
      started.push(emulator);
      return emulator;
    },
    async stopAll(): Promise<void> {
      const all = started.splice(0);
      await Promise.all(all.map((e) => e.stop()));
    },
  };
}

/** `emulators()` for a test file, every one stopped after the file (afterAll). Call it at the top level of the file. */
export function useEmulators() {
  const running = emulators();
  afterAll(() => running.stopAll());
  return running;
}

/**
 * A real Azurite (audit table, change budget) and the emulators of a test file: one Azurite for the whole file, or with
 * `perTest` a fresh one for every test; stopped, with the emulators started so far, after the file (or the test).
 */
export function useAzuriteAndEmulators(options: { perTest?: boolean } = {}) {
  let azurite: RunningAzurite | undefined;
  const running = emulators();
  (options.perTest ? beforeEach : beforeAll)(async () => {
    azurite = await startAzurite();
  });
  (options.perTest ? afterEach : afterAll)(async () => {
    await running.stopAll();
    await azurite?.stop();
  });
  return {
    running,
    get connectionString(): string {
      if (!azurite) throw new Error("useAzuriteAndEmulators: Azurite has not started");
      return azurite.connectionString;
    },
  };
}

/** The `--world` backend bound to an emulator the test started (the CLI still has to pass `--world <file>`). */
export function emulatorBackend(emulator: Emulator, expectedWorld: string, opened: string[] = []): OpenBackend {
  return async (flags) => {
    if (flags.world !== expectedWorld) {
      throw new Error(`the CLI opened world ${String(flags.world)}, expected ${expectedWorld}`);
    }
    opened.push(flags.world);
    return {
      ...emulatorSession(emulator),
      // The test stops the emulator itself, after inspecting it.
      close: async () => undefined,
    };
  };
}

export interface CapturedIo extends CliIo {
  out: () => string;
  err: () => string;
  questions: string[];
}

export function captureIo(options: { interactive?: boolean; answer?: string } = {}): CapturedIo {
  let out = "";
  let err = "";
  const questions: string[] = [];
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    interactive: options.interactive ?? false,
    ask: async (question) => {
      questions.push(question);
      return options.answer ?? "";
    },
    out: () => out,
    err: () => err,
    questions,
  };
}

/** The composition root's dependencies, with `fix` opening the test's emulator for `--world`. */
export function fixCliDeps(io: CliIo, env: Env, backend: OpenBackend): CliDeps {
  const base = cliDeps(io, env);
  return {
    ...base,
    commands: {
      ...base.commands,
      fix: (opts) => runFix(opts, { io, settings: loadSettings(env), openBackend: backend, user: CLI_USER }),
    },
  };
}

export interface FixRun {
  exit: number;
  stdout: string;
  stderr: string;
  /** The parsed `fix --json` document (null when stdout is not JSON). */
  doc: FixDoc | null;
  /** How often the CLI opened the backend. */
  opened: number;
}

/** The parts of the `fix --json` document the tests read. */
export interface FixDoc {
  appId: string;
  before: { verdict: string; findings: Array<{ code: string; severity: string }>; plan: Step[] };
  applied: Array<Step & { result: string; error?: string; auditId?: string }>;
  skipped: Array<Step & { why: string }>;
  verification: {
    outcome: string;
    revision: string | null;
    state: { provisioningState: string | null; runningState: string | null; healthState: string | null };
    remaining: Array<{ code: string; severity: string }>;
  };
  auditIds: string[];
  requests: Array<{ step: number; method: string; url: string; body: unknown; sent: boolean; note?: string }>;
  notes: string[];
}

export interface Step {
  kind: string;
  target: string;
  reason: string;
  decision: string;
  why?: string;
  [key: string]: unknown;
}

/** Runs `pullguard fix` through the real CLI against the emulator loaded from `world.file`. */
export async function runFixCommand(
  emulator: Emulator,
  world: WorldFile,
  flags: string[],
  options: { env?: Env; io?: CapturedIo } = {},
): Promise<FixRun> {
  const io = options.io ?? captureIo();
  const opened: string[] = [];
  const deps = fixCliDeps(io, options.env ?? {}, emulatorBackend(emulator, world.file, opened));
  const exit = await runCli(["fix", "--world", world.file, world.world.expect.app, ...flags], deps);
  let doc: FixDoc | null = null;
  try {
    doc = JSON.parse(io.out()) as FixDoc;
  } catch {
    doc = null;
  }
  return { exit, stdout: io.out(), stderr: io.err(), doc, opened: opened.length };
}

// ---- reading the emulator ----

const lower = (s: string): string => s.toLowerCase();

export function roleAssignments(emulator: Emulator): ArmResource[] {
  return [...emulator.state.resources.values()].filter(
    (r) => lower(r.type) === "microsoft.authorization/roleassignments",
  );
}

export function roleGuid(roleDefinitionId: unknown): string {
  return lower(String(roleDefinitionId ?? "").replace(/^.*\//, ""));
}

/** The assignments created since `before` (resource IDs, lower case) was taken. */
export function newAssignments(emulator: Emulator, before: Set<string>): ArmResource[] {
  return roleAssignments(emulator).filter((r) => !before.has(lower(r.id)));
}

export function assignmentIds(emulator: Emulator): Set<string> {
  return new Set(roleAssignments(emulator).map((r) => lower(r.id)));
}

export function app(emulator: Emulator, appId: string): ArmResource {
  const found = emulator.getResource(appId);
  if (!found) throw new Error(`the emulator has no app ${appId}`);
  return found;
}

/** The app's latest revision as the emulator holds it. */
export function latestRevision(emulator: Emulator, appId: string): ArmResource {
  const name = String(app(emulator, appId).properties?.latestRevisionName ?? "");
  const revision = emulator.getResource(`${appId}/revisions/${name}`);
  if (!revision) throw new Error(`the emulator has no revision ${name} of ${appId}`);
  return revision;
}

export function revisionState(revision: ArmResource): { runningState: unknown; healthState: unknown } {
  return { runningState: revision.properties?.runningState, healthState: revision.properties?.healthState };
}

export function describeWrites(writes: LoggedRequest[]): string[] {
  return writes.map((w) => `${w.method} ${w.path.replace(/\?.*$/, "")} -> ${w.status}`);
}

/** Path (no query) of an ARM URL, lower case: compares a printed request with the emulator's log. */
export function pathOf(url: string): string {
  return lower(new URL(url).pathname.replace(/\/{2,}/g, "/"));
}

// ---- Azurite ----

export function storageEnv(connectionString: string, extra: Env = {}): Env {
  return { AzureWebJobsStorage: connectionString, ...extra };
}

export interface AuditRow {
  partitionKey: string;
  rowKey: string;
  app: string;
  stepKind: string;
  target: string;
  reason: string;
  before: string;
  after: string;
  trigger: string;
  triggerSource: string;
  eventId: string;
  caller: string;
  time: string;
  outcome: string;
  error: string;
  step: string;
  request: string;
}

/** Every row of the audit table, read with the SDK straight from Azurite. */
export async function auditRows(connectionString: string): Promise<AuditRow[]> {
  const table = TableClient.fromConnectionString(connectionString, "pullguardaudit", {
    allowInsecureConnection: true,
  });
  const rows: AuditRow[] = [];
  try {
    for await (const row of table.listEntities<AuditRow>()) rows.push(row as AuditRow);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return rows;
}

export async function budgetRows(
  connectionString: string,
): Promise<Array<{ partitionKey: string; rowKey: string; count: number }>> {
  const table = TableClient.fromConnectionString(connectionString, "pullguardbudget", {
    allowInsecureConnection: true,
  });
  const rows: Array<{ partitionKey: string; rowKey: string; count: number }> = [];
  try {
    for await (const row of table.listEntities<{ count: number }>())
      rows.push({ partitionKey: String(row.partitionKey), rowKey: String(row.rowKey), count: Number(row.count) });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return rows;
}

/** Writes a (changed) world to a temporary file, so the CLI can be pointed at it with `--world`. */
export function writeWorld(name: string, world: WorldFile["world"]): WorldFile {
  const dir = mkdtempSync(join(tmpdir(), "pullguard-fix-e2e-"));
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(world, null, 1));
  return { file, world };
}

/**
 * What a fix must never change (pull-path.md, "Remediation rules"): the registries' admin user, anonymous pull and
 * public network access, and the app's secrets and template (a restart re-runs the same template).
 */
export function untouchables(emulator: Emulator, appId: string): unknown {
  const registries = [...emulator.state.resources.values()]
    .filter((r) => lower(r.type) === "microsoft.containerregistry/registries")
    .map((r) => ({
      id: lower(r.id),
      adminUserEnabled: r.properties?.adminUserEnabled ?? null,
      anonymousPullEnabled: r.properties?.anonymousPullEnabled ?? null,
      publicNetworkAccess: r.properties?.publicNetworkAccess ?? null,
    }));
  const target = app(emulator, appId);
  const configuration = (target.properties?.configuration ?? {}) as Record<string, unknown>;
  return { registries, secrets: configuration.secrets ?? null, template: target.properties?.template ?? null };
}

/** Whether a request body sends the app's secrets (a PATCH must leave them out). */
export function sendsSecrets(body: unknown): boolean {
  return JSON.stringify(body ?? null).includes('"secrets"');
}
