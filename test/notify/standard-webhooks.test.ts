import { describe, expect, it } from "vitest";
import { previewPayload } from "../../src/notify/request.js";
import { newMessageId, signingKey, signStandardWebhook } from "../../src/notify/standard-webhooks.js";
import { brokenDiagnosis, unresolvedNotification } from "./fixtures.js";
import { verifyStandardWebhook } from "./independent-verifier.js";

// The test vector published with the Standard Webhooks reference implementations.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Standard Webhooks signing", () => {
  it("reproduces the published test vector, and the independent verifier accepts it", async () => {
    const headers = signStandardWebhook({
      id: VECTOR.id,
      timestamp: new Date(VECTOR.timestamp * 1000),
      body: VECTOR.body,
      secret: VECTOR.secret,
    });
    expect(headers).toEqual({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    });
    expect(await verifyStandardWebhook(VECTOR.secret, { ...headers }, VECTOR.body, VECTOR.timestamp)).toEqual({
      ok: true,
    });
  });

  it("signs the exact webhook body PullGuard sends, verifiable by the independent implementation", async () => {
    const now = new Date("2026-11-22T10:16:00.750Z");
    const secret = "whsec_c2VjcmV0LWZvci1wdWxsZ3VhcmQtdGVzdHM=";
    for (const input of [brokenDiagnosis, unresolvedNotification]) {
      const { body, headers } = previewPayload("webhook", input, { secret, now, id: "msg_abc" });
      const raw = JSON.stringify(body);
      const nowSeconds = Math.floor(now.getTime() / 1000);
      expect(headers["webhook-timestamp"]).toBe(String(nowSeconds));
      expect(await verifyStandardWebhook(secret, headers, raw, nowSeconds)).toEqual({ ok: true });

      expect(await verifyStandardWebhook(secret, headers, raw.replace("orders-api", "orders-apj"), nowSeconds)).toEqual(
        {
          ok: false,
          reason: "no matching signature",
        },
      );
      expect(
        await verifyStandardWebhook("whsec_b3RoZXItc2VjcmV0LWZvci10ZXN0cw==", headers, raw, nowSeconds).then(
          (r) => r.ok,
        ),
      ).toBe(false);
      expect((await verifyStandardWebhook(secret, headers, raw, nowSeconds + 301)).ok).toBe(false);
    }
  });

  it("accepts the secret with or without the whsec_ prefix, and rejects one that is not base64", () => {
    expect(signingKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toEqual(
      signingKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    );
    expect(() => signingKey("whsec_not base64!")).toThrow(/not whsec_ followed by base64/);
    expect(() => signingKey("whsec_not base64!")).not.toThrow(/not base64!/);
  });

  it("makes message ids that are unique and prefixed", () => {
    const ids = new Set(Array.from({ length: 100 }, newMessageId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});
