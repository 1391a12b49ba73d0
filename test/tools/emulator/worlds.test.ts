import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateRevision } from "../../../tools/emulator/pull.js";
import { loadWorld } from "../../../tools/emulator/world.js";

const SHARED_WORLDS = join(import.meta.dirname, "../../fixtures/worlds/shared");

const dir = "test/fixtures/worlds";
const read = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
const appOf = (world: Record<string, unknown>) => (world.expect as { app: string }).app;

/** The registry's words each broken world must produce. */
const EXPECTED_TEXT: Record<string, RegExp> = {
  "pull-role-missing": /unauthorized: authentication required/,
  "registry-not-configured": /unauthorized: authentication required/,
  "registry-uses-admin-credentials": /unauthorized: authentication required/,
  "identity-not-attached": /is assigned neither to the app nor to its managed environment/,
  "system-identity-disabled": /no system-assigned identity/,
  "environment-identity-missing": /environment has no system-assigned identity/,
  "identity-not-found": /does not exist/,
  "registry-not-found": /no such host/,
  "registry-cross-tenant": /unauthorized: authentication required/,
  "abac-mode-legacy-role-only": /unauthorized: authentication required/,
  "abac-condition-excludes-repository": /unauthorized: authentication required/,
  "role-assignment-propagating": /unauthorized: authentication required/,
  "arm-audience-tokens-disabled": /unauthorized: authentication required/,
  "registry-public-access-disabled": /denied: public network access is disabled/,
  "registry-firewall-blocks-environment": /denied: client with IP '51\.104\.12\.9' is not allowed access/,
  "image-not-found": /manifest unknown: manifest tagged by "1\.9\.0" is not found/,
  "image-quarantined": /^manifest unknown: manifest tagged by "1\.8\.0" is not found/,
  "image-quarantined-hidden": /^manifest unknown: manifest tagged by "1\.8\.0" is not found/,
  "image-platform-unsupported": /^image OS\/Arc must be linux\/amd64 but is linux\/arm64$/,
};

describe("world files", () => {
  it.each(readdirSync(SHARED_WORLDS).map((f) => [f]))("loads the shared world %s unchanged", (file) => {
    const json = read(join(SHARED_WORLDS, file));
    const { state } = loadWorld(json);
    const app = state.resources.get(appOf(json).toLowerCase());
    expect(app?.properties?.configuration).toEqual(
      (json.resources as Array<{ id: string; properties: { configuration: unknown } }>).find(
        (r) => r.id === appOf(json),
      )?.properties.configuration,
    );
  });

  it.each(
    Object.keys(EXPECTED_TEXT).map((code) => [code]),
  )("%s: the broken world fails with the registry's text, its twin runs", (code) => {
    const broken = read(`${dir}/${code}.json`);
    const { state, now } = loadWorld(broken);
    const app = state.resources.get(appOf(broken).toLowerCase());
    if (!app) throw new Error("no app");
    const decision = evaluateRevision(state, app, now);
    expect(decision.ok).toBe(false);
    expect(decision.failures[0]?.message).toMatch(EXPECTED_TEXT[code] as RegExp);

    const fixed = read(`${dir}/${code}.fixed.json`);
    const repaired = loadWorld(fixed);
    const fixedApp = repaired.state.resources.get(appOf(fixed).toLowerCase());
    if (!fixedApp) throw new Error("no app");
    expect(evaluateRevision(repaired.state, fixedApp, repaired.now)).toEqual({ ok: true, failures: [] });
  });

  it("has a broken world for every code that makes a pull fail", () => {
    const files = new Set(readdirSync(dir));
    for (const code of Object.keys(EXPECTED_TEXT)) {
      expect(files.has(`${code}.json`)).toBe(true);
      expect(files.has(`${code}.fixed.json`)).toBe(true);
    }
  });

  it("names the JSON path, what it found and what it expects when a world is malformed", () => {
    expect(() => loadWorld({ resources: [{ id: "orders-api", type: "Microsoft.App/containerApps" }] })).toThrow(
      'resources[0].id: found "orders-api"; expected an ARM resource ID "/subscriptions/<guid>/resourceGroups/<group>/providers/..."',
    );
    expect(() => loadWorld({ resources: {} })).toThrow("resources: found {}; expected an array of ARM resources");
    expect(() => loadWorld({ resources: [], now: "yesterday" })).toThrow('now: found "yesterday"');
  });

  it("fills read-only fields and keeps unknown ones", () => {
    const { state } = loadWorld({
      resources: [
        {
          id: "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/Contoso",
          type: "Microsoft.ContainerRegistry/registries",
          properties: { somethingNew: { kept: true } },
        },
      ],
    });
    const registry = [...state.resources.values()][0];
    expect(registry?.properties).toMatchObject({
      loginServer: "contoso.azurecr.io",
      somethingNew: { kept: true },
      provisioningState: "Succeeded",
    });
  });
});
