/**
 * The naive way, for comparison: the same reads as the product's reader, one request at a time (the HTTP client
 * serialises every request, ARM and data plane), nothing shared between apps (a fresh registry index and role
 * definition cache per read). A naive sweep reads every workload of the list this way (a job's read lists its
 * executions), one after another, and diagnoses each.
 */
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { AzureClients } from "../../src/azure/clients.js";
import { readPullFacts } from "../../src/azure/read-pull-facts.js";
import type { PullFacts, ReadStats } from "../../src/core/facts.js";

/** Sends one request at a time: each waits for the previous response. */
export function oneAtATime(inner: HttpClient): HttpClient {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    sendRequest(request) {
      const run = tail.then(() => inner.sendRequest(request));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

export interface NaiveReadDeps {
  /** Clients built on a oneAtATime HTTP client. */
  clients: AzureClients;
  credential: Parameters<typeof readPullFacts>[1]["credential"];
  httpClient: HttpClient;
  /** The reader's clock (default the system clock). */
  now?: () => Date;
}

/** One app, read naively. `waves` is the number of sequential ARM round trips: every request is its own. */
export async function readNaively(
  appId: string,
  deps: NaiveReadDeps,
): Promise<{ facts: PullFacts; stats: ReadStats & { sequentialArmRoundTrips: number } }> {
  const { facts, stats } = await readPullFacts(appId, {
    clients: deps.clients,
    credential: deps.credential,
    httpClient: deps.httpClient,
    now: deps.now ?? (() => new Date()),
  });
  return { facts, stats: { ...stats, waves: stats.armRequests, sequentialArmRoundTrips: stats.armRequests } };
}
