/**
 * identity-not-attached: the entry names a user-assigned identity that is a key neither of the workload's
 * `identity.userAssignedIdentities` nor (v2) of its managed environment's (resource IDs compared case-insensitively).
 * ACA cannot get a token for it. An identity on the environment only is fine: the Azure CLI's own `registry set`
 * leaves the workload alone when the environment has it (Azure/azure-cli-extensions,
 * src/containerapp/azext_containerapp/containerapp_job_registry_decorator.py, `set_up_registry_identity`: it calls
 * `set_managed_identity(... user_assigned=[identity])` only `if not env_has_managed_identity(...)`), so attaching it
 * to the app would be an unneeded write that widens the app's rights. When the environment's identities are not
 * known, this check says nothing and check-incomplete reports what could not be read (never a guess either way).
 * A deleted identity is `identity-not-found` instead (attaching it would fail).
 *
 * Example: entry identity .../userAssignedIdentities/id-pull, app identity {type: SystemAssigned}, environment
 * identity {type: None} → error; fix: attach id-pull (PATCH identity, keeping what is there). The same entry with
 * id-pull on the environment → no finding (its principal must still hold pull: pull-role-missing otherwise).
 */
import { resourceNameOf } from "../resource-id.js";
import type { Check } from "./check.js";
import { appNames, azWorkload, entryPath, findingOn, theWorkload } from "./check.js";

export const identityNotAttached: Check = {
  code: "identity-not-attached",
  run(path, facts) {
    const identity = path.identity;
    if (!path.isAcr || identity.kind !== "user" || identity.attached || identity.state === "not-found") return [];
    if (identity.environmentUnknown) return [];
    const environment = facts.environment?.readable && facts.environment.found ? facts.environment : null;
    return [
      findingOn("identity-not-attached", path, {
        severity: "error",
        message: `The entry for ${path.server} names the user-assigned identity ${resourceNameOf(identity.id)}, which is attached neither to ${theWorkload(facts)} nor to its environment, so ACA cannot get a token for it.`,
        evidence: [
          { resource: facts.app.id, path: entryPath(path, "identity"), value: path.identityRef },
          {
            resource: facts.app.id,
            path: "identity.userAssignedIdentities",
            value: facts.app.identity.userAssigned.map((u) => u.id),
          },
          ...(environment
            ? [
                {
                  resource: environment.id,
                  path: "identity.userAssignedIdentities",
                  value: environment.identity.userAssigned.map((u) => u.id),
                },
              ]
            : []),
        ],
        fix: {
          summary: `attach ${resourceNameOf(identity.id)} to ${theWorkload(facts)}, keeping its other identities`,
          az: `${azWorkload(facts)} identity assign ${appNames(facts)} --user-assigned ${identity.id}`,
        },
      }),
    ];
  },
};
