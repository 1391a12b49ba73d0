/**
 * image-quarantined (warning): the registry's quarantine policy is enabled, so an image not yet marked good by the
 * scanning workflow cannot be pulled. Report only.
 *
 * Example: policies.quarantinePolicy.status "enabled" → warning on every image from that registry.
 */
import type { Evidence } from "../finding.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, registryNames } from "./check.js";

export const imageQuarantined: Check = {
  code: "image-quarantined",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (!registry || path.image === null || registry.quarantinePolicy.toLowerCase() !== "enabled") return [];
    const manifest = facts.manifests[path.image];
    const state = manifest?.status === "found" ? manifest.quarantineState : null;
    const evidence: Evidence[] = [
      { resource: registry.id, path: "properties.policies.quarantinePolicy.status", value: registry.quarantinePolicy },
    ];
    if (state)
      evidence.push({
        resource: `https://${path.server}/v2/${path.ref?.repository}/manifests`,
        path: "quarantineState",
        value: state,
      });
    return [
      findingOn("image-quarantined", path, {
        severity: "warning",
        message: `${registry.name} quarantines new images: ${path.image} can be pulled only once the scanning workflow marks it good${state ? ` (its state is "${state}")` : ""}.`,
        evidence,
        fix: {
          summary: "let the scanning workflow release the image, or turn the quarantine policy off if nothing uses it",
          az: `az acr show ${registryNames(registry)} --query policies.quarantinePolicy`,
        },
      }),
    ];
  },
};
