/**
 * What every bench measurement shares (run.ts, sweeps.ts): the scratch folder, an emulator per world with the ARM
 * latency added, a fresh Node process per measurement (worker.ts), request counts from the emulator's log.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEFAULT_OPERATOR, type Emulator, startEmulator } from "../emulator/index.js";
import type { Connection, Job } from "./worker.js";

const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export const LATENCY_MS = 40;
export const JITTER_MS = 10;
export const SEED = 42;

/** The bench's scratch folder (CA files, worker jobs, event files), removed by cleanUp(). */
export const work = mkdtempSync(join(tmpdir(), "pullguard-bench-"));
export function cleanUp(): void {
  rmSync(work, { recursive: true, force: true });
}

export const round1 = (v: number) => Math.round(v * 10) / 10;
export const round2 = (v: number) => Math.round(v * 100) / 100;
export const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

export async function emulatorFor(world: unknown): Promise<{ emulator: Emulator; connection: Connection }> {
  const emulator = await startEmulator(world, { seed: SEED });
  emulator.faults.add({ kind: "latency", plane: "arm", latencyMs: LATENCY_MS, jitterMs: JITTER_MS });
  const caFile = join(work, `ca-${emulator.port}.pem`);
  writeFileSync(caFile, emulator.caPem);
  return {
    emulator,
    connection: {
      armEndpoint: emulator.endpoint,
      caFile,
      registryAddress: `127.0.0.1:${emulator.port}`,
      principalId: emulator.state.caller?.principalId ?? DEFAULT_OPERATOR,
      tenantId: emulator.state.caller?.tenantId ?? emulator.state.tenants[0]?.tenantId ?? "",
    },
  };
}

let jobs = 0;
export async function inWorker<T>(job: Job): Promise<T> {
  const file = join(work, `job-${++jobs}.json`);
  writeFileSync(file, JSON.stringify(job));
  try {
    const { stdout } = await execFileAsync(process.execPath, [join(here, "worker.js"), file], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    const last = stdout.trim().split("\n").at(-1) ?? "";
    return JSON.parse(last) as T;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`bench worker (${job.kind}) failed: ${e.stderr?.slice(-2000) ?? e.message}`);
  }
}

export const armCount = (emulator: Emulator) => emulator.log.count((e) => e.plane === "arm");
export const dataCount = (emulator: Emulator) => emulator.log.count((e) => e.plane === "data");
