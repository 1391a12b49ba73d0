/**
 * The one place that does notification I/O. It claims the app's state in the fingerprint store (a repeat inside the
 * cooldown is suppressed), then posts each channel's payload in parallel with a timeout per attempt, retrying 429,
 * 5xx and network errors with exponential backoff and jitter, honouring Retry-After. It never throws: a failed
 * delivery is logged, counted and returned, and never blocks or breaks the fix that caused it. URLs hold secrets:
 * logs and errors show them only through redactUrl.
 */

import { redact } from "../core/redact.js";
import type { Logger } from "../shared/logger.js";
import type { Telemetry } from "../shared/telemetry.js";
import { type Channel, type ChannelKind, checkWebhookUrl, redactUrl } from "./channels.js";
import { type FingerprintStore, fingerprintKey, notificationFingerprint } from "./fingerprint.js";
import type { NotificationInput } from "./message.js";
import { buildRequest } from "./request.js";
import { newMessageId } from "./standard-webhooks.js";

export interface DeliveryPolicy {
  /** Repeats of the same state inside this window are suppressed (PULLGUARD_NOTIFY_COOLDOWN_MINUTES). */
  cooldownMs: number;
  /** Per attempt, connection to end of body. */
  timeoutMs: number;
  maxAttempts: number;
  /** First backoff; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest backoff between two attempts. */
  maxDelayMs: number;
  /** A Retry-After longer than this ends the retries instead of being cut short. */
  maxRetryAfterMs: number;
  /** No retry starts when waiting for it and its timeout would end after this much time since the first attempt. */
  deadlineMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  cooldownMs: 60 * 60_000,
  timeoutMs: 10_000,
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  deadlineMs: 90_000,
};

export interface SendDeps {
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  store: FingerprintStore;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  log: Pick<Logger, "info" | "warn" | "error">;
  /** Counts deliveries, failures and suppressions. */
  telemetry?: Pick<Telemetry, "metric">;
  /** 0 ≤ x < 1, for jitter. Defaults to Math.random. */
  random?: () => number;
  /** The webhook-id of a new message. Defaults to newMessageId. */
  newId?: () => string;
}

export interface ChannelResult {
  channel: ChannelKind;
  delivered: boolean;
  /** The last HTTP status; null when no answer came (timeout, network error, refused URL). */
  status: number | null;
  attempts: number;
  /** Why it was not delivered; never contains the URL's secret part. */
  error?: string;
}

export interface NotificationReport {
  fingerprint: string;
  /** True when the same state was already notified inside the cooldown: nothing was sent. */
  suppressed: boolean;
  results: ChannelResult[];
}

/** Retry-After as milliseconds to wait: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now.getTime());
}

/** Exponential backoff with jitter: between half and all of base·2^(attempt−1), capped. */
export function backoffMs(attempt: number, policy: DeliveryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Removes the webhook URL from text a server or the network stack produced: the whole URL, and its path and query
 * (where the secret is), which error pages like to echo ("Cannot POST /services/T0/B0/<token>").
 */
function scrubUrl(text: string, raw: string): string {
  let out = text.split(raw).join(redactUrl(raw));
  if (URL.canParse(raw)) {
    const url = new URL(raw);
    // Each long path segment and query value on its own too: an error page may echo just the token.
    const pieces = [...url.pathname.split("/"), ...url.searchParams.values()].filter((p) => p.length >= 16);
    for (const part of [`${url.pathname}${url.search}`, url.pathname, url.search.slice(1), ...pieces]) {
      if (part.length > 1) out = out.split(part).join("[redacted]");
    }
  }
  return redact(out);
}

/** A network or timeout error in words, with the URL (were it quoted) scrubbed. */
function describeError(error: unknown, url: string, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  let text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    text += ` (${typeof code === "string" ? code : cause.message})`;
  }
  return scrubUrl(text, url);
}

async function responseExcerpt(response: Response, url: string): Promise<string> {
  try {
    const body = (await response.text()).trim().slice(0, 200);
    return body === "" ? "" : `: ${scrubUrl(body, url)}`;
  } catch (error) {
    return ` (body unreadable: ${error instanceof Error ? error.name : "error"})`;
  }
}

interface Attempt {
  status: number | null;
  ok: boolean;
  retryable: boolean;
  retryAfterMs: number | null;
  error?: string;
}

async function attemptOnce(
  channel: Channel,
  input: NotificationInput,
  messageId: string,
  deps: SendDeps,
  policy: DeliveryPolicy,
): Promise<Attempt> {
  const now = deps.now();
  const request = buildRequest(channel.kind, input, {
    id: messageId,
    now,
    ...(channel.kind === "webhook" ? { secret: channel.secret } : {}),
  });
  const doFetch = deps.fetch ?? fetch;
  const signal = AbortSignal.timeout(policy.timeoutMs);
  try {
    const response = await doFetch(channel.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal,
    });
    if (response.status >= 200 && response.status < 300) {
      // Delivered: the body is not needed. Releasing it must not turn a success into a retry.
      response.body?.cancel().catch((error: unknown) => {
        deps.log.warn(`${channel.kind} notification delivered, but releasing the response failed`, {
          error: error instanceof Error ? error.message : String(error),
        });
      });
      return { status: response.status, ok: true, retryable: false, retryAfterMs: null };
    }
    const excerpt = await responseExcerpt(response, channel.url);
    return {
      status: response.status,
      ok: false,
      retryable: isRetryableStatus(response.status),
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), deps.now()),
      error: `HTTP ${response.status}${excerpt}`,
    };
  } catch (error) {
    return {
      status: null,
      ok: false,
      retryable: true,
      retryAfterMs: null,
      error: describeError(error, channel.url, policy.timeoutMs),
    };
  }
}

async function deliver(
  channel: Channel,
  input: NotificationInput,
  deps: SendDeps,
  policy: DeliveryPolicy,
): Promise<ChannelResult> {
  const where = redactUrl(channel.url);
  const urlCheck = checkWebhookUrl(channel.url);
  if (!urlCheck.ok) {
    return { channel: channel.kind, delivered: false, status: null, attempts: 0, error: `refused: ${urlCheck.reason}` };
  }
  const messageId = (deps.newId ?? newMessageId)();
  const random = deps.random ?? Math.random;
  const started = deps.now().getTime();
  let last: Attempt = { status: null, ok: false, retryable: false, retryAfterMs: null };
  let attempts = 0;
  while (attempts < policy.maxAttempts) {
    attempts += 1;
    last = await attemptOnce(channel, input, messageId, deps, policy);
    if (last.ok) return { channel: channel.kind, delivered: true, status: last.status, attempts };
    if (!last.retryable || attempts >= policy.maxAttempts) break;
    if (last.retryAfterMs !== null && last.retryAfterMs > policy.maxRetryAfterMs) {
      last.error = `${last.error}; Retry-After asks for ${Math.ceil(last.retryAfterMs / 1000)} s, more than the ${policy.maxRetryAfterMs / 1000} s PullGuard waits`;
      break;
    }
    const delay = last.retryAfterMs ?? backoffMs(attempts, policy, random);
    if (deps.now().getTime() - started + delay + policy.timeoutMs > policy.deadlineMs) {
      last.error = `${last.error}; another attempt would end after the ${policy.deadlineMs / 1000} s delivery deadline`;
      break;
    }
    deps.log.warn(`${channel.kind} notification attempt ${attempts} failed; retrying in ${delay} ms`, {
      channel: channel.kind,
      to: where,
      status: last.status,
      error: last.error,
    });
    await deps.sleep(delay);
  }
  return {
    channel: channel.kind,
    delivered: false,
    status: last.status,
    attempts,
    error: last.error ?? "not delivered",
  };
}

/** A logger whose failures cannot change a delivery's outcome. */
function guarded(log: SendDeps["log"]): SendDeps["log"] {
  const safe =
    (write: (message: string, fields?: Record<string, unknown>) => void) =>
    (message: string, fields?: Record<string, unknown>) => {
      try {
        write(message, fields);
      } catch (error) {
        process.stderr.write(`pullguard: the logger failed: ${error instanceof Error ? error.name : "error"}\n`);
      }
    };
  return {
    info: safe((message, fields) => log.info(message, fields)),
    warn: safe((message, fields) => log.warn(message, fields)),
    error: safe((message, fields) => log.error(message, fields)),
  };
}

function count(deps: SendDeps, name: string, properties: Record<string, string>): void {
  try {
    deps.telemetry?.metric(name, 1, properties);
  } catch (error) {
    deps.log.warn(`could not record metric ${name}`, { error: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Sends one notification to every channel, at most once per state change per app across instances. Never throws.
 * With no channels configured it does nothing (and claims nothing).
 */
export async function sendNotifications(
  input: NotificationInput,
  channels: readonly Channel[],
  callerDeps: SendDeps,
  policy: Partial<DeliveryPolicy> = {},
): Promise<NotificationReport> {
  const deps: SendDeps = { ...callerDeps, log: guarded(callerDeps.log) };
  const effective: DeliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, ...policy };
  const fingerprint = notificationFingerprint(input);
  const fields = { appId: input.appId, kind: input.kind, fingerprint };
  if (channels.length === 0) return { fingerprint, suppressed: false, results: [] };

  try {
    let claimed = true;
    try {
      claimed = await deps.store.claim(fingerprintKey(input), fingerprint, effective.cooldownMs, deps.now());
    } catch (error) {
      // Fail open: a storage outage must not silence PullGuard; a duplicate message is the lesser harm.
      deps.log.warn("could not read or write the notification fingerprint; sending without dedupe", {
        ...fields,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (!claimed) {
      deps.log.info("notification suppressed: the same state was already sent inside the cooldown", fields);
      count(deps, "PullGuard.NotificationSuppressed", { kind: input.kind });
      return { fingerprint, suppressed: true, results: [] };
    }

    const results = await Promise.all(
      channels.map(async (channel): Promise<ChannelResult> => {
        try {
          return await deliver(channel, input, deps, effective);
        } catch (error) {
          return {
            channel: channel.kind,
            delivered: false,
            status: null,
            attempts: 0,
            error: `could not build or send the message: ${describeError(error, channel.url, effective.timeoutMs)}`,
          };
        }
      }),
    );

    for (const [i, result] of results.entries()) {
      const to = redactUrl(channels[i]?.url ?? "");
      const details = { ...fields, channel: result.channel, to, status: result.status, attempts: result.attempts };
      if (result.delivered) {
        deps.log.info(`${result.channel} notification delivered`, details);
        count(deps, "PullGuard.NotificationDelivered", { channel: result.channel, kind: input.kind });
      } else {
        deps.log.error(`${result.channel} notification not delivered: ${result.error}`, details);
        count(deps, "PullGuard.NotificationFailed", { channel: result.channel, kind: input.kind });
      }
    }
    return { fingerprint, suppressed: false, results };
  } catch (error) {
    // Only a bug gets here (a throwing store or clock is handled above); still never break the caller.
    const message = error instanceof Error ? error.message : String(error);
    return {
      fingerprint,
      suppressed: false,
      results: channels.map((c) => ({
        channel: c.kind,
        delivered: false,
        status: null,
        attempts: 0,
        error: `notification failed: ${redact(message)}`,
      })),
    };
  }
}
