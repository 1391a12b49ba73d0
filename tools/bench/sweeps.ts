/**
 * The sweep measurements of `npm run bench`: generated worlds of 10, 100 and 1,000 container apps with one job per 10
 * apps (world.ts, world-jobs.ts), swept by the product and, for 10 and 100 apps, the naive way (every workload of the
 * lists read one request at a time, a job's read listing its executions, and diagnosed); then the 1,000-app world
 * with nothing broken, without its jobs, and under throttling. Jobs' share is reported on its own: jobs listed, their
 * executions lists, planted broken jobs found, the jobs whose failure is older than the lookback (which must not be
 * read closely), and what the jobs cost per job.
 */
import type { Emulator } from "../emulator/index.js";
import { armCount, emulatorFor, inWorker, progress, round2, round3 } from "./harness.js";
import { type GeneratedWorld, generateWorld, REGISTRY_COUNT, SUBSCRIPTION_COUNT } from "./world.js";
import { JOBS_EVERY } from "./world-jobs.js";

export const SWEEP_SIZES = [10, 100, 1000] as const;
export const NAIVE_SWEEP_SIZES = [10, 100] as const;
const THROTTLED_FRACTION = 0.05;

interface SweepRun {
  /** Workloads listed (apps and jobs). */
  apps: number;
  broken: string[];
  /** The workloads the product's sweep read closely (absent for the naive sweep, which reads them all). */
  handled?: string[];
  armRequests: number;
  wallMs: number;
  peakRssMb: number;
  baselineRssMb: number;
  peakHeapMb: number;
}

const lower = (ids: Iterable<string>) => new Set([...ids].map((id) => id.toLowerCase()));
const EXECUTIONS_LIST = /\/providers\/Microsoft\.App\/jobs\/([^/?]+)\/executions(\?|$)/i;
const JOBS_LIST = /\/providers\/Microsoft\.App\/jobs(\?|$)/i;

/** Jobs' share of one product sweep, from the world's plan and the emulator's request log. */
function jobShare(generated: GeneratedWorld, emulator: Emulator, run: SweepRun) {
  const arm = emulator.log.entries().filter((e) => e.plane === "arm" && e.method === "GET");
  const listedExecutions = new Set(
    arm.map((e) => EXECUTIONS_LIST.exec(e.path)?.[1]?.toLowerCase()).filter((n): n is string => !!n),
  );
  const jobIds = lower(generated.jobIds);
  const plantedJobs = [...generated.broken.keys()].filter((id) => jobIds.has(id.toLowerCase()));
  const found = lower(run.broken);
  const handled = lower(run.handled ?? []);
  const stale = [...generated.staleBrokenJobs.keys()];
  const nameOf = (id: string) => (id.split("/").at(-1) ?? "").toLowerCase();
  return {
    listed: generated.jobIds.length,
    listRequests: arm.filter((e) => JOBS_LIST.test(e.path)).length,
    executionsLists: arm.filter((e) => EXECUTIONS_LIST.test(e.path)).length,
    plantedBroken: plantedJobs.length,
    plantedBrokenFound: plantedJobs.filter((id) => found.has(id.toLowerCase())).length,
    staleBroken: stale.length,
    /** Stale broken jobs whose executions were listed or that were diagnosed: must be 0. */
    staleReadClosely: stale.filter((id) => handled.has(id.toLowerCase()) || listedExecutions.has(nameOf(id))).length,
  };
}

async function productSweep(generated: GeneratedWorld, extra: (emulator: Emulator) => void = () => undefined) {
  const { emulator, connection } = await emulatorFor(generated.world);
  extra(emulator);
  try {
    emulator.log.clear();
    const run = await inWorker<SweepRun>({
      kind: "sweep",
      connection,
      subscriptions: generated.subscriptions,
      naive: false,
      now: generated.now,
    });
    const planted = lower(generated.broken.keys());
    return {
      run,
      armSeen: armCount(emulator),
      writes: emulator.log.writes().length,
      plantedFound: run.broken.filter((id) => planted.has(id.toLowerCase())).length,
      jobs: jobShare(generated, emulator, run),
      answered429: emulator.faults.injected()["429"] ?? 0,
      naive: null as (SweepRun & { armRequestsSeenByEmulator: number }) | null,
      connection,
      emulator,
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

async function naiveSweep(generated: GeneratedWorld, emulator: Emulator, connection: unknown) {
  emulator.log.clear();
  const run = await inWorker<SweepRun & { jobs: number }>({
    kind: "sweep",
    connection: connection as Parameters<typeof inWorker>[0]["connection"],
    subscriptions: generated.subscriptions,
    naive: true,
    now: generated.now,
  });
  return { ...run, armRequestsSeenByEmulator: armCount(emulator) };
}

function sweepRow(size: number, generated: GeneratedWorld, p: Awaited<ReturnType<typeof productSweep>>) {
  const workloads = size + generated.jobIds.length;
  const n = p.naive;
  return {
    apps: size,
    jobs: generated.jobIds.length,
    workloads,
    subscriptions: SUBSCRIPTION_COUNT,
    registries: REGISTRY_COUNT,
    /** Planted broken workloads the sweep must find: apps and jobs whose failed run is inside the lookback. */
    plantedBroken: generated.broken.size,
    product: {
      appsListed: p.run.apps,
      brokenFound: p.run.broken.length,
      plantedBrokenFound: p.plantedFound,
      armRequests: p.run.armRequests,
      armRequestsSeenByEmulator: p.armSeen,
      armRequestsPerApp: round3(p.run.armRequests / size),
      armRequestsPerWorkload: round3(p.run.armRequests / workloads),
      writes: p.writes,
      wallMs: Math.round(p.run.wallMs),
      peakRssMb: p.run.peakRssMb,
      baselineRssMb: p.run.baselineRssMb,
      peakHeapMb: p.run.peakHeapMb,
      jobs: p.jobs,
    },
    naive: n
      ? {
          extrapolated: false,
          brokenFound: n.broken.length,
          armRequests: n.armRequests,
          armRequestsSeenByEmulator: n.armRequestsSeenByEmulator,
          armRequestsPerApp: round3(n.armRequests / size),
          armRequestsPerWorkload: round3(n.armRequests / workloads),
          wallMs: Math.round(n.wallMs),
          peakRssMb: n.peakRssMb,
          peakHeapMb: n.peakHeapMb,
        }
      : null,
  };
}

export interface SweepExtras {
  /** The 1,000-app sweep with no broken workload, and what each broken one costs on top. */
  withoutBroken: {
    armRequests: number;
    armRequestsPerApp: number;
    armRequestsPerWorkload: number;
    wallMs: number;
    /** (ARM requests with the planted broken workloads − without) / planted broken workloads (apps and jobs). */
    perBrokenWorkload: number;
    jobs: ReturnType<typeof jobShare>;
  };
  /** The 1,000-app sweep without its jobs: what the jobs cost, and per job. */
  withoutJobs: { armRequests: number; jobsArmRequests: number; perJob: number; jobs: number };
  throttled: {
    throttledFraction: number;
    retryAfterSeconds: number;
    answered429: number;
    armRequests: number;
    wallMs: number;
    plantedBrokenFound: number;
    plantedBroken: number;
  };
}

export async function sweeps() {
  const rows: Array<ReturnType<typeof sweepRow>> = [];
  for (const size of SWEEP_SIZES) {
    const generated = generateWorld(size, { jobs: true });
    const p = await productSweep(generated);
    try {
      if ((NAIVE_SWEEP_SIZES as readonly number[]).includes(size)) {
        p.naive = await naiveSweep(generated, p.emulator, p.connection);
      }
    } finally {
      await p.emulator.stop();
    }
    const row = sweepRow(size, generated, p);
    rows.push(row);
    const j = row.product.jobs;
    progress(
      `sweep ${size} apps + ${row.jobs} jobs: ${row.product.armRequests} ARM requests (${row.product.armRequestsPerWorkload}/workload), ${row.product.wallMs} ms, peak RSS ${row.product.peakRssMb} MB, ${row.product.plantedBrokenFound}/${row.plantedBroken} planted broken found; jobs: ${j.listed} listed, ${j.executionsLists} executions lists, ${j.plantedBrokenFound}/${j.plantedBroken} broken found, ${j.staleReadClosely}/${j.staleBroken} stale read closely${row.naive ? `; naive ${row.naive.armRequests} requests, ${row.naive.wallMs} ms` : ""}`,
    );
  }
  const thousand = rows.find((r) => r.apps === 1000);
  if (!thousand) throw new Error("the 1,000-app sweep is needed");

  // The same world with nothing broken: what listing (and the jobs' executions lists) cost, so each broken one shows.
  const healthy = generateWorld(1000, { broken: false, jobs: true });
  const h = await productSweep(healthy);
  await h.emulator.stop();
  const brokenApps = thousand.plantedBroken - thousand.product.jobs.plantedBroken;
  const withoutBroken = {
    armRequests: h.run.armRequests,
    armRequestsPerApp: round3(h.run.armRequests / 1000),
    armRequestsPerWorkload: round3(h.run.armRequests / thousand.workloads),
    wallMs: Math.round(h.run.wallMs),
    perBrokenWorkload: round2((thousand.product.armRequests - h.run.armRequests) / thousand.plantedBroken),
    jobs: h.jobs,
  };
  progress(
    `sweep 1000 apps + ${thousand.jobs} jobs, none broken: ${h.run.armRequests} ARM requests (${h.jobs.executionsLists} executions lists); ${withoutBroken.perBrokenWorkload} per broken workload (${brokenApps} apps, ${thousand.product.jobs.plantedBroken} jobs)`,
  );

  // The same 1,000 apps without their jobs: what the jobs add.
  const appsOnly = generateWorld(1000);
  const a = await productSweep(appsOnly);
  await a.emulator.stop();
  const withoutJobs = {
    armRequests: a.run.armRequests,
    jobs: thousand.jobs,
    jobsArmRequests: thousand.product.armRequests - a.run.armRequests,
    perJob: round3((thousand.product.armRequests - a.run.armRequests) / thousand.jobs),
  };
  progress(
    `sweep 1000 apps without jobs: ${a.run.armRequests} ARM requests; the ${thousand.jobs} jobs add ${withoutJobs.jobsArmRequests} (${withoutJobs.perJob}/job)`,
  );

  // 5% of ARM requests answered 429 (Retry-After: 1 s): every planted broken workload must still be found, each
  // throttled request waiting out its Retry-After in the SDK's retry policy.
  const world = generateWorld(1000, { jobs: true });
  const t = await productSweep(world, (emulator) =>
    emulator.faults.add({ kind: "429", plane: "arm", fraction: THROTTLED_FRACTION, retryAfterSeconds: 1 }),
  );
  await t.emulator.stop();
  const throttled = {
    throttledFraction: THROTTLED_FRACTION,
    retryAfterSeconds: 1,
    answered429: t.answered429,
    armRequests: t.run.armRequests,
    wallMs: Math.round(t.run.wallMs),
    plantedBrokenFound: t.plantedFound,
    plantedBroken: world.broken.size,
  };
  progress(
    `sweep 1000 apps + jobs with ${THROTTLED_FRACTION * 100}% 429s: ${t.run.armRequests} ARM requests (${t.answered429} answered 429), ${throttled.wallMs} ms, ${t.plantedFound}/${world.broken.size} found`,
  );

  // The naive 1,000-app figures: 10 × the measured 100-app run (it reads every workload the same way, one by one).
  const hundred = rows.find((r) => r.apps === 100)?.naive;
  if (hundred) {
    thousand.naive = {
      extrapolated: true,
      brokenFound: Number.NaN,
      armRequests: hundred.armRequests * 10,
      armRequestsSeenByEmulator: Number.NaN,
      armRequestsPerApp: hundred.armRequestsPerApp,
      armRequestsPerWorkload: hundred.armRequestsPerWorkload,
      wallMs: hundred.wallMs * 10,
      peakRssMb: Number.NaN,
      peakHeapMb: Number.NaN,
    };
  }
  const extras: SweepExtras = { withoutBroken, withoutJobs, throttled };
  return { rows, extras, jobsEvery: JOBS_EVERY };
}
