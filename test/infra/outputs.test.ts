import { describe, expect, it } from "vitest";
import { declarations } from "./bicep.js";
import { bicepPaths, checkOutputs, checkSecretFlow, loadDeployment, mutate } from "./checks.js";

const files = loadDeployment();

describe("secrets", () => {
  it("no output is secure, secret-looking, or carries a key, a connection string or a secure param", () => {
    expect(checkOutputs(files)).toEqual([]);
    const outputs = bicepPaths(files).flatMap((p) =>
      declarations(files.get(p) ?? "").filter((d) => d.kind === "output"),
    );
    expect(outputs.length).toBeGreaterThan(15);
  });

  it("near miss: the Application Insights connection string as an output fails", () => {
    const broken = mutate(
      files,
      "infra/app/monitoring.bicep",
      "output workspaceId string = workspace.id",
      "output workspaceId string = appInsights.properties.ConnectionString",
    );
    expect(checkOutputs(broken)).toEqual([
      expect.stringContaining("output workspaceId carries a key or connection string"),
    ]);
  });

  it("near miss: a function key as an output fails, @secure() or not", () => {
    const key =
      "listKeys(resourceId('Microsoft.Web/sites/host', functionAppName, 'default'), '2024-04-01').functionKeys.default";
    const plain = mutate(
      files,
      "infra/app/pull-failure-alerts.bicep",
      "module rules",
      `output alertKey string = ${key}\n\nmodule rules`,
    );
    expect(checkOutputs(plain)).toEqual([
      expect.stringContaining("output alertKey has a secret-looking name"),
      expect.stringContaining("output alertKey carries a key or connection string"),
    ]);
    const secure = mutate(
      files,
      "infra/app/pull-failure-alerts.bicep",
      "module rules",
      `@secure()\noutput hook string = ${key}\n\nmodule rules`,
    );
    expect(checkOutputs(secure)).toEqual([
      expect.stringContaining("output hook is @secure()"),
      expect.stringContaining("output hook carries a key or connection string"),
    ]);
  });

  it("near miss: a webhook URL passed through to an output fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "output AZURE_LOCATION string = location",
      "output AZURE_LOCATION string = location\noutput NOTIFY string = notifySlackUrl",
    );
    expect(checkOutputs(broken)).toEqual([expect.stringContaining("carries the secure param notifySlackUrl")]);
  });

  it("webhook URLs are @secure() parameters that go only into Key Vault", () => {
    expect(checkSecretFlow(files)).toEqual([]);
  });

  it("near miss: a webhook URL handed straight to the function app fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "hasSlackUrl: !empty(notifySlackUrl)",
      "hasSlackUrl: notifySlackUrl",
    );
    expect(checkSecretFlow(broken)).toEqual([
      expect.stringContaining("secure param notifySlackUrl used outside the vault"),
    ]);
  });

  it("near miss: @secure() dropped from a webhook parameter fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "@secure()\n@description('PULLGUARD_NOTIFY_TEAMS_URL",
      "@description('PULLGUARD_NOTIFY_TEAMS_URL",
    );
    expect(checkSecretFlow(broken)).toEqual(["infra/main.bicep: param notifyTeamsUrl is not @secure()"]);
  });
});
