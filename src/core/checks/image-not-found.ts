/**
 * image-not-found: the repository or tag does not exist (the data plane answered 404 NAME_UNKNOWN or
 * MANIFEST_UNKNOWN to PullGuard's own tag check). No automatic fix: the finding lists the nearest existing tags.
 *
 * v2: under an enabled quarantine policy such a 404 is how ACR hides an image not yet marked good, so it is
 * image-quarantined's, never this code's.
 *
 * Example: checkout/web:1.9.0 with tags [1.8.0, 1.8.1, latest] → error "nearest tags: 1.8.1, 1.8.0, latest".
 */
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { appNames, azWorkload, findingOn, imageEvidence } from "./check.js";

/** Levenshtein distance, for "did you mean" tags. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Up to `count` existing tags closest to `wanted` (ties by name, for a stable answer). */
export function nearestTags(wanted: string, existing: readonly string[], count = 5): string[] {
  return [...existing].sort((x, y) => distance(wanted, x) - distance(wanted, y) || x.localeCompare(y)).slice(0, count);
}

export const imageNotFound: Check = {
  code: "image-not-found",
  run(path, facts) {
    if (!path.isAcr || path.image === null || path.ref === null) return [];
    const check = facts.manifests[path.image];
    if (check?.status !== "not-found") return [];
    if (foundRegistry(path)?.quarantinePolicy.toLowerCase() === "enabled") return [];
    const reference = path.ref.digest ?? path.ref.tag ?? "latest";
    const nearest = nearestTags(reference, check.existingTags);
    const what =
      check.errorCode === "NAME_UNKNOWN"
        ? `the repository "${path.ref.repository}" does not exist in ${path.server}`
        : `${path.ref.repository} has no ${path.ref.digest ? "manifest" : "tag"} "${reference}"`;
    return [
      findingOn("image-not-found", path, {
        severity: "error",
        message: `${what}${nearest.length > 0 ? `; nearest tags: ${nearest.join(", ")}` : ""}.`,
        evidence: [
          imageEvidence(path, facts),
          {
            resource: `https://${path.server}/v2/${path.ref.repository}/manifests/${reference}`,
            path: "HTTP 404",
            value: check.errorCode,
          },
        ],
        fix: {
          summary:
            nearest.length > 0
              ? `deploy a tag that exists (nearest: ${nearest.join(", ")}) or push ${reference}`
              : `push ${path.ref.repository}:${reference} or correct the image name`,
          az: `${azWorkload(facts)} update ${appNames(facts)} --container-name ${path.container ?? "<container>"} --image ${path.server}/${path.ref.repository}:${nearest[0] ?? "<tag>"}`,
        },
      }),
    ];
  },
};
