/**
 * `behaviour.failureWording` (spec/world.md v2): how a failed pull is worded on the revision (`provisioningError`,
 * `runningStateDetails`), on the replica's containers (`runningState` Waiting + `runningStateDetails`) and in the
 * write's failed operation (its error message is the revision's provisioningError). Azure words the same failure in
 * many ways; each wording below is one Azure really uses, quoted from a public source:
 *
 * - `unauthorized` (default): the emulator's wording so far, ACR's 401 inside ACA's provisioning error
 *   (https://learn.microsoft.com/en-us/answers/questions/5814504 — `Field 'template.containers.<c>.image' is invalid
 *   with details: 'Invalid value: "<image>": GET https:: UNAUTHORIZED: authentication required, visit
 *   https://aka.ms/acr/authorization for more information.'`).
 * - `managed-identity`: `unable to pull image using Managed identity <id> for registry <server>` (spec/pull-path.md v2;
 *   public azd deployment notes quoting ACA, test/fixtures/failure-texts/corpus.json).
 * - `manifest-unknown`: ACR's `MANIFEST_UNKNOWN: manifest tagged by "<tag>" is not found` (https://github.com/Azure/ipam/issues/345).
 * - `no-such-host`: `dial tcp: lookup <server>: no such host` (https://github.com/tfenster/BCinaB/issues/30).
 * - `deadline`: `Get "https://<server>/v2/<repo>/manifests/<tag>": context deadline exceeded` inside the image field
 *   error (https://github.com/hashicorp/terraform-provider-azurerm/issues/24621).
 * - `platform`: `no child with platform linux/amd64 in index <image>` (spec/pull-path.md v2, issue 15).
 * - `operation-expired`: a bare `Failed to provision revision for container app '<app>'. Error details: Operation
 *   expired.` (https://github.com/Azure/terraform-azure-container-apps/issues/53). Assumption: the replica's
 *   containers then say nothing (Waiting, empty details), so only the system logs could tell the cause.
 *
 * The revision's own `runningStateDetails` reads `1/1 Pending:ImagePullBackOff` for every wording but the default
 * (issue 15 quotes that form); replica containers read `Container is waiting with reason: ImagePullBackOff` followed
 * by the wording's registry text (spec/pull-path.md v2, "How a pull failure is recognised").
 */
import type { PullFailure } from "./pull.js";
import { splitImage } from "./pull.js";

export const FAILURE_WORDINGS = [
  "unauthorized",
  "managed-identity",
  "manifest-unknown",
  "no-such-host",
  "deadline",
  "platform",
  "operation-expired",
] as const;
export type FailureWording = (typeof FAILURE_WORDINGS)[number];

export function isFailureWording(value: unknown): value is FailureWording {
  return typeof value === "string" && (FAILURE_WORDINGS as readonly string[]).includes(value);
}

export interface WordedFailure {
  /** The revision's provisioningError, and the failed write operation's error message. */
  provisioningError: string;
  /** The revision's runningStateDetails (null: not set, as before v2). */
  revisionDetails: string | null;
  /** A failing replica container's runningStateDetails. */
  containerDetails: string;
}

/** What the registry said, in the chosen wording (the part after the image in ACA's messages). */
function registryText(wording: FailureWording, f: PullFailure, identityRef: string): string {
  const ref = splitImage(f.image);
  switch (wording) {
    case "managed-identity":
      return `unable to pull image using Managed identity ${identityRef} for registry ${ref.host}`;
    case "manifest-unknown":
      return `GET https://${ref.host}/v2/${ref.repository}/manifests/${ref.reference}: MANIFEST_UNKNOWN: manifest tagged by "${ref.reference}" is not found`;
    case "no-such-host":
      return `Get "https://${ref.host}/v2/": dial tcp: lookup ${ref.host}: no such host`;
    case "deadline":
      return `Get "https://${ref.host}/v2/${ref.repository}/manifests/${ref.reference}": context deadline exceeded`;
    case "platform":
      return `no child with platform linux/amd64 in index ${f.image}`;
    default: {
      // ACA's own wording, including its "https:?scope=" with no host.
      const scope = `repository%3A${encodeURIComponent(ref.repository)}%3Apull&service=${ref.host}`;
      return `GET https:?scope=${scope}: ${f.registryCode}: ${f.message}`;
    }
  }
}

/** The texts of a revision whose first failing image is `f`, in `wording`. */
export function wordFailure(
  wording: FailureWording,
  appName: string,
  f: PullFailure,
  identityRef: string | null,
): WordedFailure {
  if (wording === "operation-expired") {
    return {
      provisioningError: `Failed to provision revision for container app '${appName}'. Error details: Operation expired.`,
      revisionDetails: null,
      containerDetails: "",
    };
  }
  const registry = registryText(wording, f, identityRef ?? "system");
  if (wording === "unauthorized") {
    return {
      provisioningError: `Failed to provision revision for container app '${appName}'. Error details: Field 'template.containers.${f.container}.image' is invalid with details: 'Invalid value: "${f.image}": ${registry}';`,
      revisionDetails: null,
      containerDetails: `Failed to pull image "${f.image}": ${f.registryCode}: ${f.message}`,
    };
  }
  return {
    provisioningError: `Failed to provision revision for container app '${appName}'. Error details: ${invalidImageFields(wording, f, identityRef)}`,
    revisionDetails: "1/1 Pending:ImagePullBackOff",
    containerDetails: `Container is waiting with reason: ImagePullBackOff. Failed to pull image "${f.image}": ${registry}`,
  };
}

/**
 * ACA's validation text for an image it cannot pull ("The following field(s) are either invalid or missing. Field
 * 'template.<containers|initContainers>.<name>.image' is invalid with details: ..."), in `wording`: the details of a
 * failed provisioning, and the whole message of a write refused with InvalidParameterValueInContainerTemplate.
 */
export function invalidImageFields(wording: FailureWording, f: PullFailure, identityRef: string | null): string {
  const list = f.kind === "init" ? "initContainers" : "containers";
  const registry = registryText(wording, f, identityRef ?? "system");
  return `The following field(s) are either invalid or missing. Field 'template.${list}.${f.container}.image' is invalid with details: 'Invalid value: "${f.image}": ${registry}';.`;
}
