/**
 * What a failed ARM read means for the facts: the resource does not exist (NotFound), or PullGuard could not read it
 * (Unreadable, with the role it would need when the answer was a refusal). Only the app's own read may throw; every
 * other failure becomes one of these so that the diagnosis says `check-incomplete` instead of crashing or passing.
 *
 *   404 ResourceNotFound                  → { readable: true, found: false }
 *   403 AuthorizationFailed               → { readable: false, status: 403, errorCode, neededRole: "Reader on ..." }
 *   404 SubscriptionNotFound              → unreadable: the subscription is not visible to PullGuard's identity
 *   500 after the pipeline's retries, ECONNRESET, timeout → unreadable, no role (try again later)
 */
import { isRestError } from "@azure/core-rest-pipeline";
import type { NotFound, Unreadable } from "../core/facts.js";
import { redact } from "../core/redact.js";
import { workloadNounOfId } from "../core/resource-id.js";
import { workloadLabel } from "../shared/errors.js";

export { AppNotFoundError } from "../shared/errors.js";
/** Throttling, server errors and dropped connections: worth retrying the whole operation later. */
export { isTransient } from "./arm-transport.js";

const MAX_MESSAGE = 300;

/**
 * PullGuard's identity may not read the workload itself, a container app or (v2) a job (401/403, or 404
 * SubscriptionNotFound: ARM answers
 * `{"code":"SubscriptionNotFound","message":"The subscription '<id>' could not be found."}` for a subscription the
 * caller has no access to, as quoted in Azure/azure-cli#33657 and #30164): nothing can be diagnosed.
 */
export class AppUnreadableError extends Error {
  override name = "AppUnreadableError";
  constructor(
    readonly appId: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(
      code?.toLowerCase() === "subscriptionnotfound"
        ? `PullGuard cannot see the subscription of ${workloadLabel(appId)} (HTTP 404 SubscriptionNotFound): ` +
            "its identity has no role in that subscription (or the subscription ID is wrong); " +
            `give its identity Reader on the ${workloadNounOfId(appId)}, its resource group or its subscription, or check the ID`
        : `PullGuard cannot read ${workloadLabel(appId)} (HTTP ${status}${code ? ` ${code}` : ""}); ` +
            `give its identity Reader on the ${workloadNounOfId(appId)}, its resource group or its subscription`,
    );
  }
}

/** ARM codes that mean "you cannot see this", not "this does not exist". */
const INVISIBLE_CODES = new Set(["subscriptionnotfound", "invalidauthenticationtokentenant"]);

function shortMessage(text: string): string {
  const oneLine = redact(text).replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE - 3)}...` : oneLine;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

/** Whether ARM answered that the resource does not exist. */
export function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404 && !INVISIBLE_CODES.has((error.code ?? "").toLowerCase());
}

/**
 * Turns a failed read of `resource` into a fact. `neededRole` is what PullGuard's identity would need to read it
 * (used when ARM refused). Errors that are not answers or transport failures (bugs, credential errors) are rethrown.
 */
export function readFailure(error: unknown, resource: string, neededRole?: string): NotFound | Unreadable {
  if (isNotFound(error)) return { readable: true, found: false, resource };
  // isRestError, not instanceof: CommonJS-only SDKs (@azure/arm-authorization 9) throw the CommonJS copy of RestError.
  if (isRestError(error)) {
    const status = error.statusCode;
    const refused = status === 401 || status === 403 || (status === 404 && !isNotFound(error));
    const unreadable: Unreadable = {
      readable: false,
      resource,
      message: shortMessage(error.message || `request failed${status ? ` with HTTP ${status}` : ""}`),
    };
    if (status !== undefined) unreadable.status = status;
    if (error.code) unreadable.errorCode = error.code;
    if (refused && neededRole) unreadable.neededRole = neededRole;
    return unreadable;
  }
  if (isAbort(error)) {
    return { readable: false, resource, message: shortMessage(`the request was aborted: ${(error as Error).message}`) };
  }
  throw error;
}

/** Runs one read; a failure becomes NotFound or Unreadable (see readFailure). */
export async function readOrFailure<T>(
  resource: string,
  neededRole: string | undefined,
  read: () => Promise<T>,
): Promise<T | NotFound | Unreadable> {
  try {
    return await read();
  } catch (error) {
    return readFailure(error, resource, neededRole);
  }
}

/** The role PullGuard's identity needs to read a resource: Reader on it (or on any scope above it). */
export function readerOn(what: string): string {
  return `Reader on ${what} (or on its resource group or subscription)`;
}
