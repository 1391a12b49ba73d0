/**
 * identity-not-attached: the entry names a user-assigned identity that is not a key of the app's
 * `identity.userAssignedIdentities` (resource IDs compared case-insensitively). ACA cannot get a token for it.
 * A deleted identity is `identity-not-found` instead (attaching it would fail).
 *
 * Example: entry identity .../userAssignedIdentities/id-pull, app identity {type: SystemAssigned} → error; fix:
 * attach id-pull (PATCH identity, keeping what is there).
 */
import { resourceNameOf } from "../resource-id.js";
import type { Check } from "./check.js";
import { appNames, entryPath, findingOn } from "./check.js";

export const identityNotAttached: Check = {
  code: "identity-not-attached",
  run(path, facts) {
    const identity = path.identity;
    if (!path.isAcr || identity.kind !== "user" || identity.attached || identity.state === "not-found") return [];
    return [
      findingOn("identity-not-attached", path, {
        severity: "error",
        message: `The entry for ${path.server} names the user-assigned identity ${resourceNameOf(identity.id)}, which is not attached to the app, so ACA cannot get a token for it.`,
        evidence: [
          { resource: facts.app.id, path: entryPath(path, "identity"), value: path.identityRef },
          {
            resource: facts.app.id,
            path: "identity.userAssignedIdentities",
            value: facts.app.identity.userAssigned.map((u) => u.id),
          },
        ],
        fix: {
          summary: `attach ${resourceNameOf(identity.id)} to the app, keeping its other identities`,
          az: `az containerapp identity assign ${appNames(facts)} --user-assigned ${identity.id}`,
        },
      }),
    ];
  },
};
