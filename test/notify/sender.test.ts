import { afterEach, describe, expect, it } from "vitest";
import type { Channel } from "../../src/notify/channels.js";
import { createMemoryFingerprintStore, type FingerprintStore } from "../../src/notify/fingerprint.js";
import {
  backoffMs,
  DEFAULT_DELIVERY_POLICY,
  parseRetryAfter,
  type SendDeps,
  sendNotifications,
} from "../../src/notify/sender.js";
import { createLogger } from "../../src/shared/logger.js";
import { type HttpSink, startSink } from "../../tools/dev/http-sink.js";
import { brokenDiagnosis, fixedNotification } from "./fixtures.js";
import { verifyStandardWebhook } from "./independent-verifier.js";

const SECRET = "whsec_c2VjcmV0LWZvci1wdWxsZ3VhcmQtdGVzdHM=";
const SECRET_PATH = "/hooks/TOPSECRETPATH?sig=TOPSECRETSIG";

let sinks: HttpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  sinks = [];
});

async function sink(...script: Parameters<typeof startSink>[0]): Promise<HttpSink> {
  const started = await startSink(script);
  sinks.push(started);
  return started;
}

function harness(overrides: Partial<SendDeps> = {}) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const metrics: Array<{ name: string; properties?: Record<string, string> }> = [];
  const deps: SendDeps = {
    store: createMemoryFingerprintStore(),
    now: () => new Date(),
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 1_000)));
    },
    log: createLogger((level, line) => lines.push(`${level} ${line}`)),
    telemetry: { metric: (name, _value, properties) => metrics.push({ name, ...(properties ? { properties } : {}) }) },
    random: () => 0.5,
    ...overrides,
  };
  return { deps, lines, sleeps, metrics };
}

describe("sendNotifications", () => {
  it("retries a 429 after its Retry-After and delivers exactly one message", async () => {
    const teams = await sink({ status: 429, headers: { "retry-after": "1" } }, { status: 202 });
    const { deps, sleeps, lines, metrics } = harness();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url: teams.url(SECRET_PATH) }], deps);

    expect(report.suppressed).toBe(false);
    expect(report.results).toEqual([{ channel: "teams", delivered: true, status: 202, attempts: 2 }]);
    expect(teams.received).toHaveLength(2);
    expect(teams.received[1]?.body).toBe(teams.received[0]?.body);
    expect(JSON.parse(teams.received[1]?.body ?? "")).toMatchObject({ type: "message" });
    expect(sleeps).toEqual([1_000]);
    expect(metrics.map((m) => m.name)).toEqual(["PullGuard.NotificationDelivered"]);
    expect(lines.some((l) => l.startsWith("warn") && l.includes("attempt 1 failed"))).toBe(true);
    expect(lines.join("\n")).not.toContain("TOPSECRET");
  });

  it("signs every webhook attempt with one message id, verifiable by the independent verifier", async () => {
    const hook = await sink({ status: 503 }, { status: 200 });
    const { deps } = harness();
    const report = await sendNotifications(
      fixedNotification,
      [{ kind: "webhook", url: hook.url("/pullguard"), secret: SECRET }],
      deps,
    );
    expect(report.results[0]).toMatchObject({ delivered: true, attempts: 2 });
    const [first, second] = hook.received;
    expect(first?.headers["webhook-id"]).toMatch(/^msg_/);
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    for (const request of hook.received) {
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      const verified = await verifyStandardWebhook(SECRET, headers, request.body, Math.floor(Date.now() / 1000));
      expect(verified).toEqual({ ok: true });
      expect(JSON.parse(request.body)).toMatchObject({ type: "pullguard.fixed" });
    }
  });

  it("gives up after the last 5xx attempt without throwing, and logs no secret", async () => {
    const slack = await sink({ status: 500, body: "internal error at /hooks/TOPSECRETPATH" });
    const { deps, sleeps, lines, metrics } = harness();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "slack", url: slack.url(SECRET_PATH) }], deps, {
      maxAttempts: 3,
      baseDelayMs: 10,
    });
    expect(report.results).toEqual([
      { channel: "slack", delivered: false, status: 500, attempts: 3, error: expect.stringContaining("HTTP 500") },
    ]);
    expect(slack.received).toHaveLength(3);
    expect(sleeps).toEqual([8, 15]); // base·2^(n−1) with jitter 0.5 → 3/4 of the ceiling
    expect(metrics.map((m) => m.name)).toEqual(["PullGuard.NotificationFailed"]);
    expect(lines.some((l) => l.startsWith("error") && l.includes("slack notification not delivered"))).toBe(true);
    expect(lines.join("\n")).not.toContain("TOPSECRET");
    expect(JSON.stringify(report)).not.toContain("TOPSECRET");
  });

  it("times out an attempt that gets no answer and retries it", async () => {
    const hook = await sink("hang");
    const { deps } = harness();
    const started = Date.now();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url: hook.url("/slow") }], deps, {
      timeoutMs: 200,
      maxAttempts: 2,
      baseDelayMs: 10,
    });
    expect(report.results).toEqual([
      { channel: "teams", delivered: false, status: null, attempts: 2, error: "no answer within 200 ms" },
    ]);
    expect(hook.received).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("retries a refused connection and reports it", async () => {
    const closed = await sink({ status: 202 });
    const url = closed.url("/gone");
    await closed.close();
    sinks = [];
    const { deps } = harness();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url }], deps, {
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    expect(report.results[0]).toMatchObject({ delivered: false, status: null, attempts: 2 });
    expect(report.results[0]?.error).toContain("ECONNREFUSED");
  });

  it("does not retry a 4xx other than 408 and 429", async () => {
    const slack = await sink({ status: 400, body: "invalid_blocks" });
    const { deps, sleeps } = harness();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "slack", url: slack.url("/x") }], deps);
    expect(report.results[0]).toEqual({
      channel: "slack",
      delivered: false,
      status: 400,
      attempts: 1,
      error: "HTTP 400: invalid_blocks",
    });
    expect(sleeps).toEqual([]);
  });

  it("stops when Retry-After asks for longer than PullGuard waits", async () => {
    const teams = await sink({ status: 429, headers: { "retry-after": "3600" } });
    const { deps, sleeps } = harness();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url: teams.url("/x") }], deps);
    expect(report.results[0]).toMatchObject({ delivered: false, status: 429, attempts: 1 });
    expect(report.results[0]?.error).toContain("Retry-After asks for 3600 s");
    expect(sleeps).toEqual([]);
  });

  it("stops retrying when another attempt would end after the delivery deadline", async () => {
    const teams = await sink({ status: 503, headers: { "retry-after": "2" } });
    const { deps, sleeps } = harness();
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url: teams.url("/x") }], deps, {
      timeoutMs: 1_000,
      deadlineMs: 2_500,
    });
    expect(report.results[0]).toMatchObject({ delivered: false, status: 503, attempts: 1 });
    expect(report.results[0]?.error).toContain("delivery deadline");
    expect(sleeps).toEqual([]);
  });

  it("refuses a non-https URL outside localhost without sending anything", async () => {
    const { deps } = harness({
      fetch: async () => {
        throw new Error("fetch must not be called");
      },
    });
    const report = await sendNotifications(
      brokenDiagnosis,
      [{ kind: "slack", url: "http://hooks.example.com/services/TOPSECRET" }],
      deps,
    );
    expect(report.results[0]).toMatchObject({ delivered: false, attempts: 0 });
    expect(report.results[0]?.error).toContain("refused");
    expect(report.results[0]?.error).not.toContain("TOPSECRET");
  });

  it("sends to every channel in parallel and reports each", async () => {
    const hook = await sink({ status: 202 });
    const channels: Channel[] = [
      { kind: "teams", url: hook.url("/teams") },
      { kind: "slack", url: hook.url("/slack") },
      { kind: "webhook", url: hook.url("/webhook"), secret: SECRET },
    ];
    const report = await sendNotifications(brokenDiagnosis, channels, harness().deps);
    expect(report.results.map((r) => [r.channel, r.delivered])).toEqual([
      ["teams", true],
      ["slack", true],
      ["webhook", true],
    ]);
    expect(hook.received.map((r) => r.path).sort()).toEqual(["/slack", "/teams", "/webhook"]);
    const slack = hook.received.find((r) => r.path === "/slack");
    expect(JSON.parse(slack?.body ?? "")).toHaveProperty("blocks");
  });

  it("suppresses a repeat of the same state inside the cooldown and sends a state change", async () => {
    const hook = await sink({ status: 202 });
    const { deps, metrics } = harness();
    const channels: Channel[] = [{ kind: "teams", url: hook.url("/teams") }];
    expect((await sendNotifications(brokenDiagnosis, channels, deps)).suppressed).toBe(false);
    const repeat = await sendNotifications({ ...brokenDiagnosis, at: new Date().toISOString() }, channels, deps);
    expect(repeat).toMatchObject({ suppressed: true, results: [] });
    expect((await sendNotifications(fixedNotification, channels, deps)).suppressed).toBe(false);
    expect(hook.received).toHaveLength(2);
    expect(metrics.map((m) => m.name)).toContain("PullGuard.NotificationSuppressed");
  });

  it("sends anyway when the fingerprint store fails, and says so", async () => {
    const hook = await sink({ status: 202 });
    const failing: FingerprintStore = {
      claim: async () => {
        throw new Error("storage unavailable");
      },
    };
    const { deps, lines } = harness({ store: failing });
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url: hook.url("/t") }], deps);
    expect(report.results[0]?.delivered).toBe(true);
    expect(lines.some((l) => l.includes("sending without dedupe"))).toBe(true);
  });

  it("does nothing without channels, claims nothing, and survives a throwing logger", async () => {
    const claims: string[] = [];
    const store: FingerprintStore = {
      claim: async (key) => {
        claims.push(key);
        return true;
      },
    };
    const none = await sendNotifications(brokenDiagnosis, [], harness({ store }).deps);
    expect(none).toMatchObject({ suppressed: false, results: [] });
    expect(claims).toEqual([]);

    const hook = await sink({ status: 202 });
    const throwing = () => {
      throw new Error("logger broke");
    };
    const report = await sendNotifications(brokenDiagnosis, [{ kind: "teams", url: hook.url("/t") }], {
      ...harness({ store }).deps,
      log: { info: throwing, warn: throwing, error: throwing },
    });
    expect(report.results[0]?.delivered).toBe(true);
  });
});

describe("retry timing", () => {
  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2026-11-22T10:00:00Z");
    expect(parseRetryAfter("1", now)).toBe(1_000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("backs off exponentially with jitter, capped", () => {
    const policy = { ...DEFAULT_DELIVERY_POLICY, baseDelayMs: 1_000, maxDelayMs: 5_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 2_500, 2_500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0.999_999))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });
});
