import { describe, expect, it } from "vitest";
import { decide, isAllowed, policyFromSettings } from "../../src/core/policy.js";
import { APP_ID, policy, REGISTRY_ID, SUB } from "./builders.js";

const settings = {
  mode: "fix" as const,
  optInFixes: [],
  disabledFixes: [],
  allowedScopes: [`/subscriptions/${SUB}`],
  maxChangesPerHour: 20,
};

describe("policyFromSettings", () => {
  it("keeps the settings when the app has no pullguard-mode tag", () => {
    const p = policyFromSettings(settings, { team: "checkout" });
    expect(p).toMatchObject({ mode: "fix", modeSource: "settings", maxChangesPerHour: 20, notes: [] });
  });

  it.each([
    ["fix", "report", "report"],
    ["fix", "off", "off"],
    ["report", "off", "off"],
  ] as const)("lets a tag lower %s to %s", (configured, tag, expected) => {
    const p = policyFromSettings({ ...settings, mode: configured }, { "pullguard-mode": tag });
    expect(p.mode).toBe(expected);
    expect(p.modeSource).toBe("tag");
  });

  it.each([
    ["report", "fix"],
    ["off", "fix"],
    ["off", "report"],
  ] as const)("never lets a tag raise %s to %s", (configured, tag) => {
    const p = policyFromSettings({ ...settings, mode: configured }, { "pullguard-mode": tag });
    expect(p.mode).toBe(configured);
    expect(p.notes.join()).toContain("cannot raise");
  });

  it("reads the tag name case-insensitively and its value trimmed", () => {
    expect(policyFromSettings(settings, { "PullGuard-Mode": " Report " }).mode).toBe("report");
  });

  it("treats an unknown tag value as report, and says so", () => {
    const p = policyFromSettings(settings, { "pullguard-mode": "disabled" });
    expect(p.mode).toBe("report");
    expect(p.notes[0]).toContain("disabled");
  });
});

describe("decide", () => {
  it("applies auto fixes, asks for opt-in ones, reports disabled ones", () => {
    const p = policy({ disabledFixes: ["pull-role-missing"] });
    expect(decide(p, "identity-not-attached", APP_ID).decision).toBe("apply");
    expect(decide(p, "arm-audience-tokens-disabled", REGISTRY_ID)).toMatchObject({
      decision: "needs-approval",
      why: expect.stringContaining("PULLGUARD_OPT_IN_FIXES"),
    });
    expect(decide(p, "pull-role-missing", REGISTRY_ID)).toMatchObject({
      decision: "report-only",
      why: expect.stringContaining("PULLGUARD_DISABLED_FIXES"),
    });
  });

  it("applies an opt-in fix that is switched on, unless it is also switched off", () => {
    expect(
      decide(policy({ optInFixes: ["arm-audience-tokens-disabled"] }), "arm-audience-tokens-disabled", REGISTRY_ID)
        .decision,
    ).toBe("apply");
    const both = policy({
      optInFixes: ["arm-audience-tokens-disabled"],
      disabledFixes: ["arm-audience-tokens-disabled"],
    });
    expect(decide(both, "arm-audience-tokens-disabled", REGISTRY_ID).decision).toBe("report-only");
  });

  it("reports anything outside the allowlist, on segment boundaries", () => {
    const p = policy({ allowedScopes: [`/subscriptions/${SUB}/resourceGroups/rg-checkout`] });
    expect(decide(p, "identity-not-attached", APP_ID).decision).toBe("apply");
    expect(decide(p, "pull-role-missing", REGISTRY_ID)).toMatchObject({
      decision: "report-only",
      why: expect.stringContaining("allowlist"),
    });
    expect(isAllowed(p, `/subscriptions/${SUB}/resourceGroups/rg-checkout2/x`)).toBe(false);
    expect(isAllowed(policy({ allowedScopes: [] }), APP_ID)).toBe(false);
  });
});
