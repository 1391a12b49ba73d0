/**
 * One actor per workload across processes: four `pullguard fix` PROCESSES (`node bin/pullguard.js`, what `npx
 * pullguard` runs), started at once against ONE emulator (reached through the PULLGUARD_DEV_* settings, as the
 * function app reaches `pullguard emulator`) and ONE Azurite (AzureWebJobsStorage). The lease per workload
 * (`pullguardlease`) lets exactly one of them write; the others say who holds the lease, send nothing and leave, or
 * (started after the holder released it) find nothing left to do. Needs `npm run build` (bin/ runs dist/).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { devSettings } from "../../tools/emulator/dev-settings.js";
import { auditRows, budgetRows, type FixDoc, useAzuriteAndEmulators, worldFile } from "./fix-helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/pullguard.js");
const PROCESSES = 4;
const CHILD_LIMIT_MS = 100_000;

const azurite = useAzuriteAndEmulators();

interface ChildRun {
  pid: number;
  exit: number | null;
  stdout: string;
  stderr: string;
  doc: FixDoc | null;
}

/** Runs the built CLI in its own process; killed (and failed) if it outlives the limit. */
function runChild(args: string[], env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const limit = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`pullguard ${args.join(" ")} (pid ${child.pid}) ran past ${CHILD_LIMIT_MS} ms; stderr: ${stderr}`),
      );
    }, CHILD_LIMIT_MS);
    child.on("error", (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(limit);
      let doc: FixDoc | null = null;
      try {
        doc = JSON.parse(stdout) as FixDoc;
      } catch {
        doc = null;
      }
      resolve({ pid: child.pid ?? -1, exit: code, stdout, stderr, doc });
    });
  });
}

async function leaseRows(connectionString: string): Promise<unknown[]> {
  const table = TableClient.fromConnectionString(connectionString, "pullguardlease", { allowInsecureConnection: true });
  const rows: unknown[] = [];
  for await (const row of table.listEntities()) rows.push(row);
  return rows;
}

describe("fix: one actor per workload across processes", () => {
  it(`${PROCESSES} CLI processes on one app: one writes under the lease, the others name its holder and send nothing`, async () => {
    expect(existsSync(join(ROOT, "dist/tools/entry/pullguard.js")), "run `npm run build` first").toBe(true);
    const world = worldFile("system-identity-disabled");
    const emulator = await azurite.running.start(world.world);
    const dir = mkdtempSync(join(tmpdir(), "pullguard-multiprocess-"));
    const caFile = join(dir, "emulator-ca.pem");
    writeFileSync(caFile, emulator.caPem);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      USER: "e2e-operator",
      ...devSettings(emulator, caFile).env,
      PULLGUARD_MODE: "fix",
      PULLGUARD_MAX_CHANGES_PER_HOUR: "1000",
      AzureWebJobsStorage: azurite.connectionString,
    };
    const appId = world.world.expect.app;
    emulator.log.clear();

    const runs = await Promise.all(
      Array.from({ length: PROCESSES }, () => runChild(["fix", appId, "--yes", "--json"], env)),
    );

    const writers = runs.filter((r) => (r.doc?.applied.length ?? 0) > 0);
    expect(writers, runs.map((r) => r.stderr).join("\n")).toHaveLength(1);
    const winner = writers[0] as ChildRun;
    expect(winner.exit).toBe(0);
    expect(winner.doc?.verification.outcome).toBe("resolved");

    // The others either lost the lease (and say whose it is: host:pid:random) or came after it was released and
    // found the app fixed. Four processes started at once: at least one lost it.
    const losers = runs.filter((r) => r !== winner && /holds this app's lease/.test(r.stderr));
    expect(losers.length).toBeGreaterThanOrEqual(1);
    // The holder named is one of the runs that took the lease: the winner, or a run that took it after the winner
    // released it (and found the app fixed).
    const holders = runs.filter((r) => !losers.includes(r)).map((r) => r.pid);
    for (const loser of losers) {
      const named =
        /another PullGuard run holds this app's lease \([^:]+:(\d+):[0-9a-f]{8}, since \d{4}-[^,]+, until /.exec(
          loser.stderr,
        );
      expect(named, loser.stderr).not.toBeNull();
      expect(holders).toContain(Number(named?.[1]));
      expect(loser.doc?.applied).toEqual([]);
      expect(loser.doc?.requests).toEqual([]);
      // What it still saw to do is skipped with the holder named, and the run is pending (exit 2); a loser that read
      // the app after the holder's writes (the holder still verifying) finds nothing to do and exits 0.
      const plan = loser.doc?.before.plan ?? [];
      expect(loser.doc?.skipped.map((s) => s.kind)).toEqual(plan.map((s) => s.kind));
      for (const step of loser.doc?.skipped ?? []) expect(step.why).toMatch(/holds this app's lease/);
      expect(loser.exit).toBe(plan.length > 0 ? 2 : 0);
    }
    for (const late of runs.filter((r) => r !== winner && !losers.includes(r))) {
      expect(late.exit).toBe(0);
      expect(late.doc?.applied).toEqual([]);
      expect(late.doc?.before.plan).toEqual([]);
    }

    // ARM saw each write once: the identity PATCH, the grant PUT, at most one restart POST.
    const writes = emulator.log.writes();
    const patches = writes.filter((w) => w.method === "PATCH" && /\/containerApps\/[^/?]+(\?|$)/i.test(w.path));
    const grants = writes.filter((w) => w.method === "PUT" && /\/roleAssignments\//i.test(w.path));
    const restarts = writes.filter((w) => w.method === "POST" && /\/restart(\?|$)/i.test(w.path));
    expect(patches).toHaveLength(1);
    expect(grants).toHaveLength(1);
    expect(restarts.length).toBeLessThanOrEqual(1);
    expect(writes).toHaveLength(patches.length + grants.length + restarts.length);

    // One audit row per change, all the winner's; the budget charged once per change; the lease released.
    const audit = await auditRows(azurite.connectionString);
    const done = (winner.doc?.applied ?? []).filter((s) => s.result === "done");
    expect(done).toHaveLength(writes.length);
    expect(audit.map((r) => r.rowKey).sort()).toEqual([...(winner.doc?.auditIds ?? [])].sort());
    expect(audit).toHaveLength(writes.length);
    const charged = (await budgetRows(azurite.connectionString)).reduce((n, r) => n + r.count, 0);
    expect(charged).toBe(writes.length);
    expect(await leaseRows(azurite.connectionString)).toEqual([]);
  }, 180_000);
});
