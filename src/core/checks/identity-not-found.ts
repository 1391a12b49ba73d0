/**
 * identity-not-found: the user-assigned identity the entry names does not exist (ARM answered 404). No automatic
 * fix: the finding says which identity and who referenced it.
 *
 * Example: entry identity .../userAssignedIdentities/id-deleted, GET → 404 → error.
 */
import type { Check } from "./check.js";
import { entryPath, findingOn, theWorkload } from "./check.js";

export const identityNotFound: Check = {
  code: "identity-not-found",
  run(path, facts) {
    const identity = path.identity;
    if (!path.isAcr || identity.kind !== "user" || identity.state !== "not-found") return [];
    return [
      findingOn("identity-not-found", path, {
        severity: "error",
        message: `The entry for ${path.server} names the user-assigned identity ${identity.id}, which does not exist (deleted, or a typo in the ID).`,
        evidence: [
          { resource: facts.app.id, path: entryPath(path, "identity"), value: path.identityRef },
          { resource: identity.id, path: "GET", value: "404 ResourceNotFound" },
        ],
        fix: {
          summary: `recreate the identity (a new one has a new principal: grant it pull) or point the entry at an identity ${theWorkload(facts)} has`,
          az: `az identity show --ids ${identity.id}`,
        },
      }),
    ];
  },
};
