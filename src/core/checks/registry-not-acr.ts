/**
 * registry-not-acr (info): the image's host is not an ACR login server (Docker Hub, GHCR, ...): out of scope.
 *
 * Example: container "sidecar" runs docker.io/library/busybox:1.36 → info, no fix.
 */
import type { Check } from "./check.js";
import { findingOn, imageEvidence } from "./check.js";

export const registryNotAcr: Check = {
  code: "registry-not-acr",
  run(path, facts) {
    if (path.isAcr || path.container === null) return [];
    return [
      findingOn("registry-not-acr", path, {
        severity: "info",
        message: `${path.image} comes from ${path.server}, which is not an Azure Container Registry; PullGuard does not diagnose it.`,
        evidence: [imageEvidence(path, facts)],
      }),
    ];
  },
};
