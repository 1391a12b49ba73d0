/**
 * environment-identity-missing: the entry's identity is `system-environment` (a preview value: the managed
 * environment's system identity) and the environment has no system-assigned identity. No automatic fix.
 *
 * Example: entry identity "system-environment", environment identity {type: "None"} → error, report only.
 */
import { isFound } from "../facts.js";
import type { Check } from "./check.js";
import { entryPath, findingOn, theWorkload } from "./check.js";

export const environmentIdentityMissing: Check = {
  code: "environment-identity-missing",
  run(path, facts) {
    const identity = path.identity;
    if (!path.isAcr || identity.kind !== "environment" || identity.unreadable !== null || identity.enabled === true) {
      return [];
    }
    const env = facts.environment;
    const envFound = isFound(env) ? env : null;
    if (env === null) return [];
    return [
      findingOn("environment-identity-missing", path, {
        severity: "error",
        message: envFound
          ? `The entry for ${path.server} uses the environment's system-assigned identity (system-environment), but environment ${envFound.name} has none.`
          : `The entry for ${path.server} uses the environment's system-assigned identity (system-environment), but ${theWorkload(facts)}'s environment does not exist.`,
        evidence: [
          { resource: facts.app.id, path: entryPath(path, "identity"), value: path.identityRef },
          envFound
            ? { resource: envFound.id, path: "identity.type", value: envFound.identity.type }
            : { resource: facts.app.id, path: "properties.environmentId", value: facts.app.environmentId },
        ],
        fix: {
          summary: `enable the environment's system-assigned identity and grant it pull, or point the entry at an identity of ${theWorkload(facts)}; PullGuard does not change environments`,
          az: `az containerapp env identity assign --ids ${facts.app.environmentId ?? "<environment-id>"} --system-assigned`,
        },
      }),
    ];
  },
};
