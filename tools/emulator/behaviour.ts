/**
 * world.md v2 `behaviour`: how ARM answers where real Azure varies. This file reads the knobs of the write path and
 * the long-running operations, and validates `failureWording` (the text of a failed pull: failure-wording.ts).
 *
 * - `operations` "azure-async" (default): a container-app write answers 201/202 with `Azure-AsyncOperation` and
 *   `Location` (the 2025-07-01 example ContainerApps_Patch.json shows `azure-asyncoperation`); "location": only
 *   `Location`, as the 2025-07-01 spec's ContainerApps_Update (PATCH) declares for its 202 (Azure/azure-rest-api-specs
 *   specification/app/resource-manager/Microsoft.App/stable/2025-07-01/ContainerApps.json). Polling a Location URL
 *   answers 202 while the operation runs, then 200 with the resource, or the error response when it failed
 *   (learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
 * - `operationSeconds`: the operation stays InProgress that long on the emulator's clock (Azure reports minutes-long
 *   container-app operations; the number is the world's).
 * - `failedPullSeconds`: a revision that cannot pull stays Provisioning/Activating that long before it fails (ACA
 *   retries the pull before it gives up: the number is the world's, an assumption of how long).
 * - `rejectWritesWhileUnpullable`: a PATCH of an app whose current image cannot be pulled answers 400
 *   InvalidParameterValueInContainerTemplate with the provisioning text (the error code and its "The following
 *   field(s) are either invalid or missing. Field 'template.containers.<name>.image' is invalid ..." text are quoted
 *   in public issues and in Azure's container-apps deploy action docs), and nothing is written.
 * - `lostReplies`: the first N writes are applied, then the connection is reset before the reply.
 */
import { FAILURE_WORDINGS, type FailureWording, isFailureWording } from "./failure-wording.js";
import { WorldError } from "./world.js";

export interface Behaviour {
  operations: "azure-async" | "location";
  operationSeconds: number;
  failedPullSeconds: number;
  rejectWritesWhileUnpullable: boolean;
  lostReplies: number;
  /** The wording of a failed pull on revisions, replicas and writes (failure-wording.ts has each with its source). */
  failureWording: FailureWording;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  operations: "azure-async",
  operationSeconds: 0,
  failedPullSeconds: 0,
  rejectWritesWhileUnpullable: false,
  lostReplies: 0,
  failureWording: "unauthorized",
};

const KNOWN = new Set(Object.keys(DEFAULT_BEHAVIOUR));

function nonNegative(raw: Record<string, unknown>, key: keyof Behaviour): number {
  const value = raw[key] ?? 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new WorldError(`behaviour.${key}: found ${JSON.stringify(value)}; expected a number ≥ 0`);
  }
  return value;
}

/** The world's `behaviour` block, validated; every knob absent takes its default. */
export function parseBehaviour(raw: unknown): Behaviour {
  if (raw === undefined) return { ...DEFAULT_BEHAVIOUR };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new WorldError(`behaviour: found ${JSON.stringify(raw)}; expected an object (world.md v2)`);
  }
  const b = raw as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw new WorldError(`behaviour: unknown knob ${unknown.join(", ")}; expected one of ${[...KNOWN].join(", ")}`);
  }
  const operations = b.operations ?? "azure-async";
  if (operations !== "azure-async" && operations !== "location") {
    throw new WorldError(
      `behaviour.operations: found ${JSON.stringify(operations)}; expected "azure-async" or "location"`,
    );
  }
  const reject = b.rejectWritesWhileUnpullable ?? false;
  if (typeof reject !== "boolean") {
    throw new WorldError(
      `behaviour.rejectWritesWhileUnpullable: found ${JSON.stringify(reject)}; expected true or false`,
    );
  }
  const lost = nonNegative(b, "lostReplies");
  if (!Number.isInteger(lost)) throw new WorldError(`behaviour.lostReplies: found ${lost}; expected a whole number`);
  const wording = b.failureWording ?? DEFAULT_BEHAVIOUR.failureWording;
  if (!isFailureWording(wording)) {
    throw new WorldError(
      `behaviour.failureWording: found ${JSON.stringify(wording)}; expected one of ${FAILURE_WORDINGS.join(", ")}`,
    );
  }
  return {
    operations,
    operationSeconds: nonNegative(b, "operationSeconds"),
    failedPullSeconds: nonNegative(b, "failedPullSeconds"),
    rejectWritesWhileUnpullable: reject,
    lostReplies: lost,
    failureWording: wording,
  };
}
