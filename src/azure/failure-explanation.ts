/**
 * Failures a person can act on, as one line and the next step, for a front door that talks to people (the CLI's
 * error boundary). Anything not listed is a bug and is left to the caller to show in full.
 *
 *   AppNotFoundError / AppUnreadableError       their own message (it names the next step)
 *   no credential (DefaultAzureCredential)      "no Azure credential could sign in" → az login, or --world
 *   ARM 401/403                                 "Azure refused ..." → the role to ask for
 *   ARM 404 SubscriptionNotFound / wrong tenant "subscription not visible" → az account list / az login --tenant
 *   throttling, 5xx, connection failures        "Azure did not answer" → try again
 *
 * Credential errors are told by name: @azure/identity throws CredentialUnavailableError, AuthenticationError,
 * AuthenticationRequiredError and AggregateAuthenticationError (DefaultAzureCredential's chain), and a CommonJS copy
 * of the package would fail an instanceof test.
 */
import { isRestError } from "@azure/core-rest-pipeline";
import { redact } from "../core/redact.js";
import { AppNotFoundError } from "../shared/errors.js";
import { ArmError, isTransient } from "./arm-transport.js";
import { AppUnreadableError } from "./errors.js";

export interface FailureExplanation {
  /** One line: what went wrong. */
  message: string;
  /** What to do next; null when the message already says it. */
  nextStep: string | null;
}

const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AuthenticationRequiredError",
  "AggregateAuthenticationError",
]);
const INVISIBLE_CODES = new Set(["subscriptionnotfound", "invalidauthenticationtokentenant"]);
const MAX_DETAIL = 200;

function firstLine(text: string): string {
  const line = redact(text).split("\n")[0]?.trim() ?? "";
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 3)}...` : line;
}

/** Status and ARM error code of a failed ARM request (SDK RestError or PullGuard's own ArmError); null otherwise. */
function armAnswer(error: unknown): { status: number | undefined; code: string } | null {
  if (error instanceof ArmError) return { status: error.status, code: error.code };
  if (isRestError(error)) return { status: error.statusCode, code: error.code ?? "" };
  return null;
}

export function explainAzureFailure(error: unknown): FailureExplanation | null {
  if (error instanceof AppNotFoundError || error instanceof AppUnreadableError) {
    return { message: error.message, nextStep: null };
  }
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return {
      message: `no Azure credential could sign in (${error.name}: ${firstLine(error.message)})`,
      nextStep:
        "run `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET), or pass --world <file> to run against the emulator",
    };
  }
  const answer = armAnswer(error);
  if (!answer || !(error instanceof Error)) return null;
  const detail = firstLine(error.message);
  if (answer.status === 401 || answer.status === 403) {
    return {
      message: `Azure refused the request (HTTP ${answer.status}${answer.code ? ` ${answer.code}` : ""}): ${detail}`,
      nextStep:
        "give your identity Reader on the app's subscription (or its resource group), or sign in as one that has it",
    };
  }
  if (answer.status === 404 && INVISIBLE_CODES.has(answer.code.toLowerCase())) {
    return {
      message: `the subscription is not visible to your identity (${answer.code}): ${detail}`,
      nextStep:
        "check the subscription ID with `az account list`, or `az login --tenant <tenant>` of the tenant that holds it",
    };
  }
  if (isTransient(error)) {
    return {
      message: `Azure did not answer (${answer.status ? `HTTP ${answer.status}` : answer.code || "no response"}): ${detail}`,
      nextStep: "try again in a minute; if it persists, check your network and https://status.azure.com",
    };
  }
  return null;
}
