/**
 * registry-not-found: no registry with the path's login server exists in any subscription PullGuard can read.
 * It may sit in a subscription PullGuard cannot see, so the message says so. No automatic fix.
 *
 * Example: image typoacr.azurecr.io/web:1, no registry has loginServer typoacr.azurecr.io → error.
 */
import type { Check } from "./check.js";
import { findingOn, imageEvidence } from "./check.js";

export const registryNotFound: Check = {
  code: "registry-not-found",
  run(path, facts) {
    const read = path.registry;
    if (!path.isAcr || read === undefined || !read.readable || read.found) return [];
    return [
      findingOn("registry-not-found", path, {
        severity: "error",
        message: `No registry with login server ${path.server} exists in the subscriptions PullGuard can read (${Object.keys(facts.subscriptionTenants).length}); it is misspelt, deleted, or in a subscription PullGuard cannot see.`,
        evidence: [
          imageEvidence(path, facts),
          { resource: read.resource, path: "properties.loginServer", value: path.server },
        ],
        fix: {
          summary:
            "correct the image or registry name, or give PullGuard Reader on the registry's subscription so it can check it",
          az: `az acr list --query "[?loginServer=='${path.server}'].id" -o tsv`,
        },
      }),
    ];
  },
};
