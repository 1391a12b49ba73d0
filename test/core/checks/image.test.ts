/**
 * The image codes of contract v2: image-quarantined as the data plane answers (ACR hides a not-Passed image from a
 * puller without AcrQuarantineReader: 404 MANIFEST_UNKNOWN by tag, "The operation is disallowed." by digest), and
 * image-platform-unsupported (no linux/amd64 in the index or the config).
 */
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import { CASES } from "./scenarios.js";
import {
  codes,
  expectFinding,
  factsWith,
  IMAGE,
  REGISTRY,
  REGISTRY_ID,
  SERVER,
  SYSTEM,
  setRegistry,
  theFinding,
} from "./world.js";

const MANIFEST_URL = `https://${SERVER}/v2/checkout/web/manifests/1.8.0`;
const POLICY = { resource: REGISTRY_ID, path: "properties.policies.quarantinePolicy.status", value: "enabled" };

describe("image-quarantined (v2)", () => {
  it("visible to PullGuard but not Passed: error with the policy and the state, report only → broken", () => {
    const facts = CASES["image-quarantined"]();
    const f = theFinding(facts, "image-quarantined");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [POLICY, { resource: MANIFEST_URL, path: "quarantineState", value: "Pending" }],
      fix: false,
    });
    expect(diagnose(facts).verdict).toBe("broken");
  });

  it.each([
    "MANIFEST_UNKNOWN",
    "NAME_UNKNOWN",
  ] as const)("hidden: a 404 %s under the policy is image-quarantined (error), never image-not-found", (errorCode) => {
    const facts = CASES["image-quarantined"]();
    facts.manifests[IMAGE] = { status: "not-found", errorCode, existingTags: ["1.7.3"] };
    expect(codes(facts)).toEqual(["image-quarantined"]);
    const f = theFinding(facts, "image-quarantined");
    expect(f.severity).toBe("error");
    expect(f.evidence).toEqual([POLICY, { resource: MANIFEST_URL, path: "HTTP 404", value: errorCode }]);
    expect(f.message).toMatch(
      /cannot be pulled: the registry answers 404 .*not yet marked good \(or the image is missing\)/,
    );
  });

  it("hidden by digest: 'The operation is disallowed.' is an error quoting the registry", () => {
    const facts = CASES["image-quarantined"]();
    facts.manifests[IMAGE] = { status: "disallowed", message: "The operation is disallowed." };
    const f = theFinding(facts, "image-quarantined");
    expect(f.severity).toBe("error");
    expect(f.evidence).toContainEqual({
      resource: MANIFEST_URL,
      path: "errors[0].message",
      value: "The operation is disallowed.",
    });
    expect(codes(facts)).toEqual(["image-quarantined"]);
  });

  it("the state cannot be read (found without one, or the check could not run): warning → degraded", () => {
    const unread = CASES["image-quarantined"]();
    unread.manifests[IMAGE] = { status: "found", digest: null, quarantineState: null };
    expect(theFinding(unread, "image-quarantined").severity).toBe("warning");
    expect(diagnose(unread).verdict).toBe("degraded");
    const unchecked = CASES["image-quarantined"]();
    unchecked.manifests[IMAGE] = { status: "unknown", reason: "401 UNAUTHORIZED", neededRole: "AcrPull" };
    expect(theFinding(unchecked, "image-quarantined").severity).toBe("warning");
    expect(codes(unchecked)).toEqual(["image-quarantined", "check-incomplete"]);
  });

  it("near miss: visible and Passed → no finding", () => {
    const facts = CASES["image-quarantined"]();
    facts.manifests[IMAGE] = { status: "found", digest: null, quarantineState: "Passed" };
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: quarantine policy disabled → a 404 is image-not-found again, 'disallowed' is check-incomplete", () => {
    const facts = CASES["image-quarantined"]();
    setRegistry(facts, { quarantinePolicy: "disabled" });
    expect(codes(facts)).toEqual([]);
    facts.manifests[IMAGE] = { status: "not-found", errorCode: "MANIFEST_UNKNOWN", existingTags: [] };
    expect(codes(facts)).toEqual(["image-not-found"]);
    facts.manifests[IMAGE] = { status: "disallowed", message: "The operation is disallowed." };
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });
});

describe("image-platform-unsupported (v2)", () => {
  it("a single manifest whose config says linux/arm64: error naming the image and the platform, report only", () => {
    const facts = CASES["image-platform-unsupported"]();
    const f = theFinding(facts, "image-platform-unsupported");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { path: "properties.template.containers[0].image", value: IMAGE },
        { resource: MANIFEST_URL, path: "config: os/architecture", value: ["linux/arm64"] },
      ],
      fix: false,
    });
    expect(f.message).toContain("its config says linux/arm64");
    expect(f.fix?.az).toBe("az acr build --registry fabrikamacr --image checkout/web:1.8.0 --platform linux/amd64 .");
    expect(diagnose(facts).verdict).toBe("broken");
  });

  it("an index without linux/amd64 names every platform it lists", () => {
    const facts = factsWith((f) => {
      f.manifests[IMAGE] = {
        status: "found",
        digest: null,
        quarantineState: null,
        mediaType: "application/vnd.oci.image.index.v1+json",
        platforms: ["linux/arm64/v8", "linux/arm/v7"],
      };
    });
    const f = theFinding(facts, "image-platform-unsupported");
    expect(f.message).toContain("its index lists linux/arm64/v8, linux/arm/v7");
    expect(f.evidence).toContainEqual({
      resource: MANIFEST_URL,
      path: "manifests[].platform",
      value: ["linux/arm64/v8", "linux/arm/v7"],
    });
  });

  it.each([
    [["linux/amd64"]],
    [["linux/arm64", "linux/amd64"]],
    [["linux/amd64/v3"]],
  ])("near miss: %j includes linux/amd64 → no finding", (platforms) => {
    const facts = factsWith((f) => {
      f.manifests[IMAGE] = { status: "found", digest: null, quarantineState: null, platforms };
    });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: platforms unread (absent) or the image missing → no platform claim", () => {
    const unread = factsWith((f) => {
      f.manifests[IMAGE] = { status: "found", digest: null, quarantineState: null };
    });
    expect(codes(unread)).toEqual([]);
    const windows = factsWith((f) => {
      f.manifests[IMAGE] = { status: "found", digest: null, quarantineState: null, platforms: ["windows/amd64"] };
    });
    expect(codes(windows)).toEqual(["image-platform-unsupported"]);
  });
});
