/**
 * Exact ARM requests through an SDK client's pipeline (its credential, retry policies and HTTP client).
 *
 * applyPlan writes with requests it builds itself, so that the body that goes out is exactly the body it records,
 * prints in a dry run and checks against the forbidden list: a PATCH carrying only the changed fields. (The SDK's
 * `containerApps.update` would add `configuration.activeRevisionsMode: "Single"` from its model's default value and
 * requires `location`; its serialisers are not a place to trust for "send nothing else".)
 */
import type { ServiceClient } from "@azure/core-client";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  isRestError,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import type { AzureClients } from "./clients.js";

export type ArmMethod = "GET" | "PUT" | "PATCH" | "POST" | "DELETE";

export interface ArmRequest {
  method: ArmMethod;
  /** Absolute URL including api-version. */
  url: string;
  /** JSON body; absent for GET and for POST actions without one. */
  body?: unknown;
}

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface ArmTransport {
  /** ARM's base URL, e.g. https://management.azure.com (the emulator's in tests). */
  endpoint: string;
  send(request: ArmRequest): Promise<ArmResponse>;
}

/** A non-2xx ARM answer, with ARM's error code. */
export class ArmError extends Error {
  override name = "ArmError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly request: { method: string; url: string },
  ) {
    super(`${request.method} ${request.url.split("?")[0]} answered ${status} ${code}: ${message}`);
  }
}

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "ECONNREFUSED",
  "EPIPE",
  "EAI_AGAIN",
  "REQUEST_SEND_ERROR",
]);

/** Throttling, server errors and dropped connections: worth retrying the whole (idempotent) operation later. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ArmError) return error.status === 429 || error.status >= 500;
  // isRestError, not instanceof: CommonJS-only SDKs (@azure/arm-authorization 9) throw the CommonJS copy of RestError.
  if (isRestError(error)) {
    if (error.statusCode !== undefined) return error.statusCode === 429 || error.statusCode >= 500;
    return error.code !== undefined && TRANSIENT_CODES.has(error.code);
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && TRANSIENT_CODES.has(code);
}

function parseBody(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Throws ArmError unless the response is 2xx. */
export function ensureOk(request: ArmRequest, response: ArmResponse): ArmResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const error = (response.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  throw new ArmError(
    response.status,
    typeof error?.code === "string" ? error.code : `HTTP${response.status}`,
    typeof error?.message === "string" ? error.message : typeof response.body === "string" ? response.body : "",
    { method: request.method, url: request.url },
  );
}

/**
 * Whether a request may be sent again after an error or a lost reply. PUT, PATCH, GET and DELETE name the state they
 * want, so a second one changes nothing more; a POST action (a revision restart) does something each time it arrives
 * (RFC 9110 §9.2.2 defines PUT, DELETE and the safe methods as idempotent, POST not).
 */
export function isIdempotent(method: ArmMethod): boolean {
  return method !== "POST";
}

/**
 * Requests through `client`'s pipeline. `endpoint` defaults to the client's `$host`.
 *
 * Reads use the client's pipeline as it is. Writes go through a copy without its Retry phase: the SDK's retry
 * policies resend after a reset connection or a 5xx, which for a restart means a second restart (issue 16: 4 lost
 * replies gave 4 restarts) and for a PUT hides whether this run or an earlier attempt made the change. So a write
 * reaches ARM once per call; after a lost reply the caller re-reads to learn whether it happened (StepRunner.settle).
 * Nothing in this pipeline waits: a 429 or 503 with Retry-After on a PUT or PATCH (throttling: ARM refused the request,
 * it did not apply it) comes back to StepRunner, which waits it out on the injected clock, capped and within the
 * invocation's deadline, and sends it again; a POST is never sent again. `httpClient` must be the client's own (the
 * emulator's trusts its certificate); absent, the SDK's default, as the client itself uses.
 */
export function armTransportFrom(
  client: ServiceClient & { $host?: string },
  endpoint?: string,
  httpClient?: HttpClient,
): ArmTransport {
  const base = (endpoint ?? client.$host ?? "https://management.azure.com").replace(/\/+$/, "");
  const http = httpClient ?? createDefaultHttpClient();
  let writes: Pipeline | null = null;
  const writePipeline = (): Pipeline => {
    if (!writes) {
      writes = client.pipeline.clone();
      writes.removePolicy({ phase: "Retry" });
    }
    return writes;
  };
  return {
    endpoint: base,
    async send(request) {
      const headers = createHttpHeaders({ accept: "application/json" });
      if (request.body !== undefined) headers.set("content-type", "application/json");
      const pipelineRequest = createPipelineRequest({
        url: request.url,
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      const response =
        request.method === "GET"
          ? await client.sendRequest(pipelineRequest)
          : await writePipeline().sendRequest(http, pipelineRequest);
      return {
        status: response.status,
        headers: response.headers.toJSON(),
        body: parseBody(response.bodyAsText),
      };
    },
  };
}

export interface LroOptions {
  sleep: (ms: number) => Promise<void>;
  /** Give up after this many polls (default: 120 without a deadline, none with one: the deadline bounds it). */
  maxPolls?: number;
  /** Cap on Retry-After, in ms. */
  maxIntervalMs?: number;
  /** The invocation's deadline (with `now`): no wait goes past it (DeadlineReached instead). */
  deadline?: Date;
  now?: () => Date;
}

/**
 * The longest PullGuard ever waits on one Retry-After: ARM's throttling answers name seconds to a few minutes, and
 * an invocation has minutes in all (host.json functionTimeout), so a longer wait is cut to this or to the time left.
 */
export const RETRY_AFTER_CAP_MS = 60_000;

/**
 * Thrown instead of waiting past the invocation's deadline: the write went out (its operation may still run) or was
 * throttled and not sent again. The caller leaves the step to the verification queue and reports `pending`.
 */
export class DeadlineReached extends Error {
  override name = "DeadlineReached";
  constructor(
    readonly request: { method: string; url: string },
    readonly deadline: Date,
    what: string,
    /** Whether ARM may have applied the write (its operation was running) or surely did not (it was throttled). */
    readonly mayHaveApplied: boolean,
  ) {
    super(
      `${request.method} ${request.url.split("?")[0]}: ${what} at the invocation's deadline (${deadline.toISOString()}); the verification re-reads it later`,
    );
  }
}

/** The wait Retry-After asks for (seconds; absent or unreadable: `fallbackMs`), capped, in ms. */
export function retryAfterMs(header: string | undefined, fallbackMs: number, capMs = RETRY_AFTER_CAP_MS): number {
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Math.min(capMs, Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : fallbackMs);
}

/** The wait, or null when it would end past the deadline (no deadline: always the wait). */
export function waitWithin(waitMs: number, options: Pick<LroOptions, "deadline" | "now">): number | null {
  if (!options.deadline || !options.now) return waitMs;
  const left = options.deadline.getTime() - options.now().getTime();
  return waitMs < left ? waitMs : null;
}

/**
 * Waits for an ARM long-running operation started by `initial` (201/202 with Azure-AsyncOperation or Location).
 * Throws ArmError when the operation ends Failed or Canceled.
 */
export async function awaitOperation(
  transport: ArmTransport,
  request: ArmRequest,
  initial: ArmResponse,
  options: LroOptions,
): Promise<void> {
  const asyncUrl = initial.headers["azure-asyncoperation"];
  const locationUrl = initial.headers.location;
  if (initial.status !== 201 && initial.status !== 202) return;
  if (!asyncUrl && !locationUrl) return;
  // With a deadline, the deadline bounds the polling (an operation may take many minutes); without, a poll count.
  const maxPolls = options.maxPolls ?? (options.deadline ? Number.POSITIVE_INFINITY : 120);
  let retryAfter = initial.headers["retry-after"];
  for (let poll = 0; poll < maxPolls; poll++) {
    const wait = waitWithin(retryAfterMs(retryAfter, 1000, options.maxIntervalMs ?? 10_000), options);
    if (wait === null && options.deadline) {
      throw new DeadlineReached(request, options.deadline, "the operation was still running", true);
    }
    await options.sleep(wait ?? 0);
    if (asyncUrl) {
      const status = ensureOk({ method: "GET", url: asyncUrl }, await transport.send({ method: "GET", url: asyncUrl }));
      const body = status.body as { status?: unknown; error?: { code?: unknown; message?: unknown } } | null;
      const state = typeof body?.status === "string" ? body.status.toLowerCase() : "inprogress";
      if (state === "succeeded") return;
      if (state === "failed" || state === "canceled") {
        throw new ArmError(
          409,
          typeof body?.error?.code === "string" ? body.error.code : `Operation${state}`,
          typeof body?.error?.message === "string" ? body.error.message : `the operation ended ${state}`,
          { method: request.method, url: request.url },
        );
      }
      retryAfter = status.headers["retry-after"];
    } else if (locationUrl) {
      const status = ensureOk(
        { method: "GET", url: locationUrl },
        await transport.send({ method: "GET", url: locationUrl }),
      );
      if (status.status !== 202) return;
      retryAfter = status.headers["retry-after"];
    }
  }
  throw new ArmError(504, "OperationTimedOut", `still running after ${maxPolls} polls`, {
    method: request.method,
    url: request.url,
  });
}

/** The transport over the shared clients (any subscription's Container Apps client reaches all of ARM). */
export function armTransportFor(clients: AzureClients, subscriptionId: string): ArmTransport {
  return armTransportFrom(clients.containerApps(subscriptionId), clients.endpoint, clients.httpClient);
}
