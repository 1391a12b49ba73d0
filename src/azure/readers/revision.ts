/**
 * The revision reader: the app's latest revision and its replicas, side by side in wave 2 (raw bodies, so that
 * fields the SDK model drops, such as `runningStateDetails`, reach the facts). A job has no revision (v2): nothing is
 * read for it (its executions are the executions reader's).
 */
import type { Read, RevisionFacts } from "../../core/facts.js";
import { revisionFactsFrom } from "../app-facts.js";
import { readerOn, readOrFailure } from "../errors.js";
import { found, onceEach, parseJsonOrNull, type ReadTask } from "../read-results.js";
import type { ReadContext, Reader } from "./reader.js";

export interface RevisionReader extends Reader {
  facts(): Read<RevisionFacts> | null;
}

export function createRevisionReader(context: ReadContext): RevisionReader {
  const { app, clients } = context;
  let revision: Read<RevisionFacts> | null = null;
  const once = onceEach();

  async function read(name: string): Promise<Read<RevisionFacts>> {
    const containerApps = clients.containerApps(app.subscriptionId);
    const revisionId = `${app.id}/revisions/${name}`;
    const neededRole = readerOn(`container app ${app.name}`);
    let revisionBody: unknown = null;
    let replicasBody: unknown = null;
    const [revisionRead] = await Promise.all([
      readOrFailure(revisionId, neededRole, async () => {
        await containerApps.containerAppsRevisions.getRevision(app.resourceGroup, app.name, name, {
          onResponse: (response) => {
            revisionBody = parseJsonOrNull(response.bodyAsText);
          },
        });
        return true as const;
      }),
      readOrFailure(`${revisionId}/replicas`, neededRole, async () => {
        await containerApps.containerAppsRevisionReplicas.listReplicas(app.resourceGroup, app.name, name, {
          onResponse: (response) => {
            replicasBody = parseJsonOrNull(response.bodyAsText);
          },
        });
        return true as const;
      }),
    ]);
    if (revisionRead !== true) return revisionRead;
    if (revisionBody === null) {
      return { readable: false, resource: revisionId, message: "ARM answered the revision read without a JSON body" };
    }
    return found(revisionFactsFrom(revisionBody, replicasBody));
  }

  function plan(): ReadTask[] {
    const name = app.kind === "job" ? null : app.latestRevisionName;
    if (!name) return [];
    return once("revision", async () => {
      revision = await read(name);
    });
  }

  return { name: "revision", plan, facts: () => revision };
}
