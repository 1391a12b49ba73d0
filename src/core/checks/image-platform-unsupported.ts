/**
 * image-platform-unsupported (v2, error, no automatic fix): the manifest the image names offers no linux/amd64
 * variant, the only platform Azure Container Apps runs. Read on the data plane: an image index / manifest list's
 * `manifests[].platform`, or a single manifest's config blob (`os` / `architecture`). Azure's own words for it:
 * `no child with platform linux/amd64 in index <image>` (spec/pull-path.md).
 *
 * Example: api:2.0 built on an arm64 laptop → platforms ["linux/arm64"] → error "rebuild with --platform linux/amd64".
 */
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, imageEvidence } from "./check.js";

const INDEX = /index|manifest\.list/i;
const RUNS_ON_ACA = /^linux\/amd64(\/|$)/i;

export const imagePlatformUnsupported: Check = {
  code: "image-platform-unsupported",
  run(path, facts) {
    if (!path.isAcr || path.image === null || path.ref === null) return [];
    const manifest = facts.manifests[path.image];
    if (manifest?.status !== "found" || !manifest.platforms || manifest.platforms.length === 0) return [];
    if (manifest.platforms.some((p) => RUNS_ON_ACA.test(p))) return [];
    const reference = path.ref.digest ?? path.ref.tag ?? "latest";
    const index = INDEX.test(manifest.mediaType ?? "");
    const found = manifest.platforms.join(", ");
    return [
      findingOn("image-platform-unsupported", path, {
        severity: "error",
        message: `${path.image} has no linux/amd64 image, the only platform Container Apps runs: its ${index ? "index lists" : "config says"} ${found}.`,
        evidence: [
          imageEvidence(path, facts),
          {
            resource: `https://${path.server}/v2/${path.ref.repository}/manifests/${reference}`,
            path: index ? "manifests[].platform" : "config: os/architecture",
            value: manifest.platforms,
          },
        ],
        fix: {
          summary: `rebuild ${path.ref.repository}:${reference} for linux/amd64 (or as a multi-platform image that includes it) and push it again`,
          // `az acr build --platform` builds in the registry for the named platform (Azure CLI acr build).
          az: `az acr build --registry ${foundRegistry(path)?.name ?? path.server.split(".")[0]} --image ${path.ref.repository}:${reference} --platform linux/amd64 .`,
        },
      }),
    ];
  },
};
