import { describe, expect, it } from "vitest";
import { redact, redactDeep } from "../../src/core/redact.js";

describe("redact", () => {
  it.each([
    ["a bearer token", "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.", "SECRETPART", "Bearer [redacted]"],
    ["a JWT on its own", "token eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.sig", "eyJvaWQi", "[redacted-jwt]"],
    [
      "a Teams workflow URL",
      "posting to https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=S3CR3T",
      "S3CR3T",
      "https://prod-12.westeurope.logic.azure.com:443/[redacted]",
    ],
    [
      "a Slack webhook",
      "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
      "XXXXXXXX",
      "https://hooks.slack.com/[redacted]",
    ],
    [
      "a storage key",
      "AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFl==;TableEndpoint=http://127.0.0.1:1/x",
      "Eby8vdM02",
      "AccountKey=[redacted]",
    ],
    [
      "a function key in a URL",
      "https://pullguard.azurewebsites.net/api/alerts/pull-failure?code=abcDEF123==",
      "abcDEF123",
      "code=[redacted]",
    ],
    ["a webhook secret", "secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8G", "whsec_[redacted]"],
  ])("removes %s", (_what, input, secret, replacement) => {
    const out = redact(input.replace("eyJvaWQiOiJ4In0.", "eyJvaWQiOiJ4In0.SECRETPART"));
    expect(out).not.toContain(secret);
    expect(out).toContain(replacement);
  });

  it("leaves resource IDs and plain messages alone", () => {
    const id =
      "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api";
    expect(redact(`checked ${id}: pull-role-missing`)).toBe(`checked ${id}: pull-role-missing`);
  });

  it("redacts nested values", () => {
    expect(redactDeep({ a: ["Bearer abc.def.ghi"], b: { c: 1 } })).toEqual({ a: ["Bearer [redacted]"], b: { c: 1 } });
  });
});
