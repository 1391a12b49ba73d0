/**
 * image-quarantined (v2): the registry's quarantine policy is enabled and the image is not yet marked good. ACR then
 * hides it from every puller without AcrQuarantineReader: a pull by tag answers 404 MANIFEST_UNKNOWN, by digest
 * "The operation is disallowed." (Azure/acr docs/preview/quarantine/readme.md). So, under an enabled policy:
 * - a 404 for the tag, or "disallowed" → error ("not yet marked good, or missing"; never image-not-found);
 * - the tag visible with a quarantineState other than Passed (PullGuard may see quarantined images) → error;
 * - the tag visible and Passed → no finding;
 * - the tag's state unreadable (visible without a state, or the check could not run) → warning.
 * Report only.
 *
 * Example: policies.quarantinePolicy.status "enabled", GET .../manifests/1.8.0 → 404 MANIFEST_UNKNOWN → error.
 */
import type { ManifestCheck, RegistryFacts } from "../facts.js";
import type { Evidence, Severity } from "../finding.js";
import { foundRegistry } from "../pull-access.js";
import type { PullPath } from "../pull-paths.js";
import type { Check } from "./check.js";
import { findingOn, registryNames } from "./check.js";

interface Verdict {
  severity: Severity;
  why: string;
  evidence: Evidence | null;
}

function verdictOf(path: PullPath, manifest: ManifestCheck | undefined): Verdict | null {
  const reference = path.ref?.digest ?? path.ref?.tag ?? "latest";
  const resource = `https://${path.server}/v2/${path.ref?.repository}/manifests/${reference}`;
  switch (manifest?.status) {
    case "not-found":
      return {
        severity: "error",
        why: `the registry answers 404 ${manifest.errorCode}, which is how quarantine hides an image not yet marked good (or the image is missing)`,
        evidence: { resource, path: "HTTP 404", value: manifest.errorCode },
      };
    case "disallowed":
      return {
        severity: "error",
        why: `the registry refuses it by digest ("${manifest.message}"), as quarantine does for an image not yet marked good`,
        evidence: { resource, path: "errors[0].message", value: manifest.message },
      };
    case "found":
      if (manifest.quarantineState?.toLowerCase() === "passed") return null;
      if (manifest.quarantineState) {
        return {
          severity: "error",
          why: `its quarantineState is "${manifest.quarantineState}": it is not yet marked good, and only AcrQuarantineReader holders can pull it`,
          evidence: { resource, path: "quarantineState", value: manifest.quarantineState },
        };
      }
      return { severity: "warning", why: "PullGuard could not read whether it was marked good", evidence: null };
    default:
      return { severity: "warning", why: "PullGuard could not check it on the registry", evidence: null };
  }
}

function policyEvidence(registry: RegistryFacts): Evidence {
  return {
    resource: registry.id,
    path: "properties.policies.quarantinePolicy.status",
    value: registry.quarantinePolicy,
  };
}

export const imageQuarantined: Check = {
  code: "image-quarantined",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (!registry || path.image === null || registry.quarantinePolicy.toLowerCase() !== "enabled") return [];
    const verdict = verdictOf(path, facts.manifests[path.image]);
    if (!verdict) return [];
    const hidden = verdict.severity === "error";
    return [
      findingOn("image-quarantined", path, {
        severity: verdict.severity,
        message: `${registry.name} quarantines new images and ${path.image} ${hidden ? "cannot be pulled" : "may not be marked good yet"}: ${verdict.why}.`,
        evidence: verdict.evidence ? [policyEvidence(registry), verdict.evidence] : [policyEvidence(registry)],
        fix: {
          summary:
            "let the scanning workflow mark the image Passed (or push it if it is missing); an image not yet marked good cannot be pulled",
          az: `az acr show ${registryNames(registry)} --query policies.quarantinePolicy`,
        },
      }),
    ];
  },
};
