/**
 * The environment reader: the app's managed environment, read only when the diagnosis needs it:
 *   - a registry entry uses the environment's system identity (`system-environment`);
 *   - (v2) a registry entry names a user-assigned identity the app does not have: it may be attached to the
 *     environment instead (spec/pull-path.md, "identity-not-attached"), so `identity.userAssignedIdentities` is needed;
 *   - the private path to a registry that is closed (public access off or firewall Deny), or may be (not found yet).
 * Otherwise it is not read (facts.environment stays null).
 */
import { isAcrHost } from "../../core/acr-host.js";
import { type EnvironmentFacts, isFound, type Read } from "../../core/facts.js";
import { environmentFactsFrom } from "../app-facts.js";
import { groupAndName } from "../arm-id.js";
import { readerOn, readOrFailure } from "../errors.js";
import { found, onceEach, type ReadTask } from "../read-results.js";
import { registryNeedsNetworkFacts } from "../registry-facts.js";
import { namesUnattachedIdentity, type ReadContext, type Reader, usesEnvironmentIdentity } from "./reader.js";
import type { RegistriesReader } from "./registries.js";

export interface EnvironmentReader extends Reader {
  /** undefined while unread (or not needed yet), null when the app names none or it is not needed. */
  current(): Read<EnvironmentFacts> | null | undefined;
  facts(): Read<EnvironmentFacts> | null;
}

export function createEnvironmentReader(context: ReadContext, registries: RegistriesReader): EnvironmentReader {
  const { app, clients } = context;
  const id = app.environmentId;
  let environment: Read<EnvironmentFacts> | null | undefined = id ? undefined : null;
  const byIdentity = usesEnvironmentIdentity(app) || namesUnattachedIdentity(app);
  const once = onceEach();

  function needed(): boolean {
    if (byIdentity) return true;
    return registries.hosts.some((host) => {
      if (!isAcrHost(host)) return false;
      const read = registries.get(host);
      if (read === undefined) return true;
      return isFound(read) && registryNeedsNetworkFacts(read);
    });
  }

  function plan(): ReadTask[] {
    if (!id || environment !== undefined || !needed()) return [];
    return once("environment", async () => {
      const at = groupAndName(id);
      environment = at
        ? await context.share(`environment:${id}`, () =>
            readOrFailure(id, readerOn(`environment ${id}`), async () =>
              found(
                environmentFactsFrom(
                  await clients.containerApps(at.subscriptionId).managedEnvironments.get(at.resourceGroup, at.name),
                ),
              ),
            ),
          )
        : { readable: true, found: false, resource: id };
    });
  }

  return {
    name: "environment",
    plan,
    current: () => environment,
    facts: () => environment ?? null,
  };
}
