/** Maps the outcome of a check to an HTTP response: the known refusals get their status; anything else rethrows. */
import type { HttpResponseInit } from "@azure/functions";
import { AppNotFoundError, OutsideAllowlistError } from "../shared/errors.js";

export async function respondToCheck(run: () => Promise<unknown>): Promise<HttpResponseInit> {
  try {
    return { status: 200, jsonBody: await run() };
  } catch (error) {
    if (error instanceof AppNotFoundError) return { status: 404, jsonBody: { error: error.message } };
    if (error instanceof OutsideAllowlistError) return { status: 403, jsonBody: { error: error.message } };
    throw error;
  }
}
