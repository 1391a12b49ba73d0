/**
 * The tag checks (data plane, PullGuard's own identity): not a wave reader. Each starts as soon as its image's
 * registry is known and runs beside the waves; the read waits for all of them at the end.
 */
import { isAcrHost } from "../../core/acr-host.js";
import { isFound, type ManifestCheck } from "../../core/facts.js";
import { imageHost } from "../../core/pull-grants.js";
import { manifestReferenceOf, type RegistryDataPlane } from "../registry-data-plane.js";
import type { ReadContext } from "./reader.js";
import type { RegistriesReader } from "./registries.js";

export interface TagChecks {
  /** Starts the check of each image whose registry is now known (each image once). */
  start(): void;
  /** Waits for every check started, even when a wave failed, so that none is left running unobserved. */
  settle(): Promise<void>;
  facts(): Record<string, ManifestCheck>;
}

export function createTagChecks(
  context: ReadContext,
  registries: RegistriesReader,
  dataPlane: RegistryDataPlane,
): TagChecks {
  const manifests: Record<string, ManifestCheck> = {};
  const running: Array<Promise<void>> = [];
  /** Images whose tag check has started (or that need none). */
  const checked = new Set<string>();

  function start(): void {
    for (const container of context.app.containers) {
      const image = container.image;
      if (!image || checked.has(image)) continue;
      const host = imageHost(image);
      const registry = registries.get(host);
      if (!registry) continue;
      checked.add(image);
      const checkable = isFound(registry) || (!registry.readable && isAcrHost(host));
      if (!checkable) continue;
      const query = {
        loginServer: isFound(registry) ? registry.loginServer : host,
        ...manifestReferenceOf(image),
        readQuarantineState: isFound(registry) && registry.quarantinePolicy.toLowerCase() === "enabled",
      };
      running.push(
        dataPlane.checkManifest(query).then((check) => {
          manifests[image] = check;
        }),
      );
    }
  }

  return {
    start,
    async settle() {
      await Promise.allSettled(running);
    },
    facts: () => manifests,
  };
}
