/**
 * registry-not-configured: an image's host is an ACR login server that no `registries[]` entry names (compared
 * case-insensitively). Error; info when the registry allows anonymous pull (the pull works without credentials).
 *
 * Example: image fabrikamacr.azurecr.io/web:2 and registries [] → error; fix: add {server, identity: "system"}.
 */
import type { Evidence } from "../finding.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { appNames, azWorkload, entryIdentityForAz, findingOn, imageEvidence, theWorkload } from "./check.js";

export const registryNotConfigured: Check = {
  code: "registry-not-configured",
  run(path, facts) {
    if (!path.isAcr || path.entry !== null || path.container === null) return [];
    const registry = foundRegistry(path);
    const anonymous = registry?.anonymousPullEnabled === true;
    const identity = entryIdentityForAz(facts);
    const evidence: Evidence[] = [
      imageEvidence(path, facts),
      {
        resource: facts.app.id,
        path: "properties.configuration.registries",
        value: facts.app.registries.map((r) => r.server),
      },
    ];
    if (anonymous && registry) {
      evidence.push({ resource: registry.id, path: "properties.anonymousPullEnabled", value: true });
    }
    return [
      findingOn("registry-not-configured", path, {
        severity: anonymous ? "info" : "error",
        message: anonymous
          ? `${path.server} is not in ${theWorkload(facts)}'s registries, but it allows anonymous pull, so ${path.image} pulls without credentials.`
          : `${path.server} is not in ${theWorkload(facts)}'s registries, so ${path.image} is pulled without credentials and ACR answers "unauthorized: authentication required".`,
        evidence,
        ...(anonymous
          ? {}
          : {
              fix: {
                summary: `add a registry entry for ${path.server} that uses a managed identity ${theWorkload(facts)} already has, then grant it pull if needed`,
                az: `${azWorkload(facts)} registry set ${appNames(facts)} --server ${path.server} --identity ${identity}`,
              },
            }),
      }),
    ];
  },
};
