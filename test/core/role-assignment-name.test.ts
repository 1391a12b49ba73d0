import { describe, expect, it } from "vitest";
import { roleAssignmentName, roleGuidOf, uuidV5 } from "../../src/core/role-assignment-name.js";
import { ACR_PULL, REGISTRY_ID, REPO_READER, SUB, SYSTEM_PRINCIPAL, UAMI_PRINCIPAL } from "./builders.js";

const DNS_NAMESPACE = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

describe("uuidV5", () => {
  it("matches the RFC 4122 name-based SHA-1 UUID of a known vector", () => {
    // The uuid package's documented example: v5("hello.example.com", DNS).
    expect(uuidV5("hello.example.com", DNS_NAMESPACE)).toBe("fdda765f-fc57-5604-a269-52a7df8164ec");
  });
});

describe("roleAssignmentName", () => {
  const full = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`;

  it("is stable and ignores casing and the form of the role ID", () => {
    const a = roleAssignmentName(REGISTRY_ID, SYSTEM_PRINCIPAL, ACR_PULL);
    expect(roleAssignmentName(REGISTRY_ID.toUpperCase(), SYSTEM_PRINCIPAL.toUpperCase(), full)).toBe(a);
    expect(roleAssignmentName(`${REGISTRY_ID}/`, SYSTEM_PRINCIPAL, full.toUpperCase())).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("differs by scope, by principal and by role", () => {
    const a = roleAssignmentName(REGISTRY_ID, SYSTEM_PRINCIPAL, ACR_PULL);
    expect(roleAssignmentName(`${REGISTRY_ID}2`, SYSTEM_PRINCIPAL, ACR_PULL)).not.toBe(a);
    expect(roleAssignmentName(REGISTRY_ID, UAMI_PRINCIPAL, ACR_PULL)).not.toBe(a);
    expect(roleAssignmentName(REGISTRY_ID, SYSTEM_PRINCIPAL, REPO_READER)).not.toBe(a);
  });

  it("takes the GUID from a full role definition ID", () => {
    expect(roleGuidOf(full)).toBe(ACR_PULL);
    expect(roleGuidOf(ACR_PULL.toUpperCase())).toBe(ACR_PULL);
  });
});
