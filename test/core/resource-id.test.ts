import { describe, expect, it } from "vitest";
import { isAllowed } from "../../src/core/policy.js";
import { resourceNameOf, subscriptionOf } from "../../src/core/resource-id.js";

const APP =
  "/subscriptions/6D1F0E2A-3B4C-4D5E-8F6A-7B8C9D0E1F2A/resourceGroups/rg/providers/Microsoft.App/containerApps/api";

describe("resource IDs", () => {
  it("subscriptionOf: lower case, null unless the ID starts with /subscriptions/<id>", () => {
    expect(subscriptionOf(APP)).toBe("6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a");
    expect(subscriptionOf("/subscriptions/abc")).toBe("abc");
    expect(subscriptionOf("/providers/Microsoft.Management/managementGroups/mg")).toBeNull();
    expect(subscriptionOf("api")).toBeNull();
    expect(subscriptionOf("")).toBeNull();
  });

  it("resourceNameOf: the last segment, casing kept, a trailing slash ignored; a plain name is itself", () => {
    expect(resourceNameOf(APP)).toBe("api");
    expect(resourceNameOf(`${APP}/`)).toBe("api");
    expect(resourceNameOf("Orders-Api")).toBe("Orders-Api");
  });

  it("the allowlist follows scope inheritance on segment boundaries and fails closed on root or group scopes", () => {
    const allowed = (scope: string, id: string) => isAllowed({ allowedScopes: [scope] }, id);
    expect(allowed("/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/RG", APP)).toBe(true);
    expect(allowed("/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/r", APP)).toBe(false);
    expect(allowed("/", APP)).toBe(false);
    expect(allowed("", APP)).toBe(false);
    expect(allowed("/providers/Microsoft.Management/managementGroups/mg", APP)).toBe(false);
  });
});
