/**
 * system-identity-disabled: the entry's identity is `system` but the app's `identity.type` lacks SystemAssigned.
 *
 * Example: entry identity "system", app identity {type: "UserAssigned"} → error; fix: enable the system identity
 * (keeping the UAMIs), then grant pull to its new principal.
 */
import type { Check } from "./check.js";
import { appNames, azWorkload, entryPath, findingOn, theWorkload } from "./check.js";

export const systemIdentityDisabled: Check = {
  code: "system-identity-disabled",
  run(path, facts) {
    if (!path.isAcr || path.identity.kind !== "system" || path.identity.enabled) return [];
    return [
      findingOn("system-identity-disabled", path, {
        severity: "error",
        message: `The entry for ${path.server} uses ${theWorkload(facts)}'s system-assigned identity, but ${theWorkload(facts)} has none (identity type "${facts.app.identity.type}").`,
        evidence: [
          { resource: facts.app.id, path: entryPath(path, "identity"), value: path.identityRef },
          { resource: facts.app.id, path: "identity.type", value: facts.app.identity.type },
        ],
        fix: {
          summary: `enable ${theWorkload(facts)}'s system-assigned identity (keeping its user-assigned ones), then grant it pull`,
          az: `${azWorkload(facts)} identity assign ${appNames(facts)} --system-assigned`,
        },
      }),
    ];
  },
};
