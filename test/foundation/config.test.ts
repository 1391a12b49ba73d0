import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, DEV_SETTING_NAMES, loadSettings, SETTING_NAMES } from "../../src/config.js";

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, but the settings were accepted");
}

describe("loadSettings", () => {
  it("applies the documented defaults to a minimal environment", () => {
    const s = loadSettings({ PULLGUARD_SUBSCRIPTIONS: SUB.toUpperCase() });
    expect(s.subscriptions).toEqual([SUB]);
    expect(s.mode).toBe("fix");
    expect(s.allowedScopes).toEqual([`/subscriptions/${SUB}`]);
    expect(s.maxChangesPerHour).toBe(20);
    expect(s.sweepSchedule).toBe("0 */15 * * * *");
    expect(s.dev).toBeNull();
    expect(s.notify).toMatchObject({ teamsUrl: null, slackUrl: null, webhookUrl: null, cooldownMinutes: 60 });
  });

  it("rejects a bad mode naming the setting, what it found and what it expects", () => {
    const error = errorOf(() => loadSettings({ PULLGUARD_MODE: "auto" }));
    expect(error.setting).toBe("PULLGUARD_MODE");
    expect(error.message).toBe('Setting PULLGUARD_MODE: found "auto"; expected one of "fix", "report", "off".');
  });

  it("rejects a subscription that is not a GUID", () => {
    const error = errorOf(() => loadSettings({ PULLGUARD_SUBSCRIPTIONS: `${SUB},rg-shop` }));
    expect(error.message).toContain("PULLGUARD_SUBSCRIPTIONS");
    expect(error.message).toContain('"rg-shop"');
    expect(error.message).toContain("subscription IDs (GUIDs)");
  });

  it("rejects an unknown finding code in the opt-in list", () => {
    const error = errorOf(() =>
      loadSettings({ PULLGUARD_OPT_IN_FIXES: "arm-audience-tokens-disabled,enable-admin-user" }),
    );
    expect(error.setting).toBe("PULLGUARD_OPT_IN_FIXES");
    expect(error.found).toBe('"enable-admin-user"');
  });

  it("starts no job execution unless PULLGUARD_START_JOBS_AFTER_FIX says true (v2)", () => {
    const read = (value: string | undefined) =>
      loadSettings({ PULLGUARD_SUBSCRIPTIONS: SUB, PULLGUARD_START_JOBS_AFTER_FIX: value }).startJobsAfterFix;
    const cases: Array<[string | undefined, boolean]> = [
      [undefined, false],
      ["", false],
      ["false", false],
      ["FALSE", false],
      ["true", true],
      [" True ", true],
    ];
    expect(cases.map(([value]) => read(value))).toEqual(cases.map(([, expected]) => expected));
  });

  it("rejects a start-jobs switch that is not true or false, naming the setting and both values", () => {
    for (const value of ["yes", "1", "on"]) {
      const error = errorOf(() => loadSettings({ PULLGUARD_START_JOBS_AFTER_FIX: value }));
      expect(error.message).toBe(
        `Setting PULLGUARD_START_JOBS_AFTER_FIX: found "${value}"; expected true or false (default false).`,
      );
    }
  });

  it("rejects a non-integer change budget", () => {
    const error = errorOf(() => loadSettings({ PULLGUARD_MAX_CHANGES_PER_HOUR: "lots" }));
    expect(error.expected).toBe("a whole number from 0 to 10000");
  });

  it("accepts https webhooks and http only on localhost, never echoing the URL", () => {
    const secretUrl = "http://hooks.example.com/services/T000/B000/XXXXSECRET";
    const error = errorOf(() => loadSettings({ PULLGUARD_NOTIFY_SLACK_URL: secretUrl }));
    expect(error.message).toContain("https://");
    expect(error.message).not.toContain("XXXXSECRET");
    const ok = loadSettings({ PULLGUARD_NOTIFY_SLACK_URL: "http://127.0.0.1:9999/sink" });
    expect(ok.notify.slackUrl).toBe("http://127.0.0.1:9999/sink");
  });

  it("requires a signing secret with a generic webhook and never shows the secret", () => {
    const missing = errorOf(() => loadSettings({ PULLGUARD_NOTIFY_WEBHOOK_URL: "https://example.com/hook" }));
    expect(missing.setting).toBe("PULLGUARD_NOTIFY_WEBHOOK_SECRET");
    const bad = errorOf(() =>
      loadSettings({
        PULLGUARD_NOTIFY_WEBHOOK_URL: "https://example.com/hook",
        PULLGUARD_NOTIFY_WEBHOOK_SECRET: "short!",
      }),
    );
    expect(bad.message).toContain("a value of 6 characters (not shown: it is a secret)");
    expect(bad.message).not.toContain("short!");
  });

  it("asks for the whole set of dev settings when only some are given", () => {
    const error = errorOf(() => loadSettings({ PULLGUARD_DEV_ARM_ENDPOINT: "https://127.0.0.1:4443" }));
    expect(error.setting).toBe("PULLGUARD_DEV_CA_FILE");
    expect(error.expected).toContain("npx pullguard emulator --world <file>");
  });

  it("rejects a dev endpoint that is not loopback", () => {
    const error = errorOf(() =>
      loadSettings({
        PULLGUARD_DEV_ARM_ENDPOINT: "https://management.azure.com",
        PULLGUARD_DEV_CA_FILE: "/tmp/ca.pem",
        PULLGUARD_DEV_REGISTRY_ADDRESS: "127.0.0.1:4443",
        PULLGUARD_DEV_PRINCIPAL_ID: SUB,
        PULLGUARD_DEV_TENANT_ID: SUB,
      }),
    );
    expect(error.setting).toBe("PULLGUARD_DEV_ARM_ENDPOINT");
  });

  it("documents every setting in local.settings.sample.json and the README", () => {
    const sample = JSON.parse(readFileSync("local.settings.sample.json", "utf8")) as { Values: Record<string, string> };
    const readme = readFileSync("README.md", "utf8");
    for (const name of [...SETTING_NAMES, ...DEV_SETTING_NAMES]) {
      expect(Object.keys(sample.Values), `${name} in local.settings.sample.json`).toContain(name);
      expect(readme, `${name} in README.md`).toContain(`\`${name}\``);
    }
    expect(() => loadSettings(sample.Values)).not.toThrow();
  });
});
