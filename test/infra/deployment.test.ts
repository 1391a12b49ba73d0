// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Bicep and azd text, whose ${...} is theirs, not JavaScript's
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resources } from "./bicep.js";
import {
  bicepPaths,
  checkApiVersions,
  checkApiVersionsDocumented,
  checkAzd,
  checkDocs,
  checkModuleWiring,
  loadDeployment,
  mutate,
  REPO,
} from "./checks.js";

const files = loadDeployment();

describe("api-versions", () => {
  it("every resource uses the verified, non-preview api-version of its type", () => {
    expect(checkApiVersions(files)).toEqual([]);
    const versioned = bicepPaths(files).flatMap((p) => resources(files.get(p) ?? "").filter((r) => r.apiVersion));
    expect(versioned.length).toBeGreaterThan(25);
  });

  it("near miss: an api-version that does not exist fails", () => {
    const broken = mutate(
      files,
      "infra/app/function-app.bicep",
      "Microsoft.Web/sites@2024-04-01' = {",
      "Microsoft.Web/sites@2024-04-31' = {",
    );
    expect(checkApiVersions(broken)).toEqual([
      expect.stringContaining("Microsoft.Web/sites@2024-04-31, verified is 2024-04-01"),
    ]);
  });

  it("near miss: a preview api-version fails", () => {
    const broken = mutate(
      files,
      "infra/app/system-topic.bicep",
      "systemTopics@2025-02-15",
      "systemTopics@2023-12-15-preview",
    );
    expect(checkApiVersions(broken)).toEqual([
      expect.stringContaining("uses the preview api-version 2023-12-15-preview"),
      expect.stringContaining("verified is 2025-02-15"),
    ]);
  });

  it("near miss: listKeys with an unverified api-version fails", () => {
    const broken = mutate(
      files,
      "infra/app/pull-failure-alerts.bicep",
      "'default'), '2024-04-01')",
      "'default'), '2016-08-01')",
    );
    expect(checkApiVersions(broken)).toEqual([
      expect.stringContaining("listKeys on Microsoft.Web/sites/host with api-version 2016-08-01"),
    ]);
  });

  it("docs/deploy.md lists every api-version relied on", () => {
    expect(checkApiVersionsDocumented(files)).toEqual([]);
    const broken = mutate(files, "docs/deploy.md", /\n[^\n]*`Microsoft.Insights\/scheduledQueryRules`[^\n]*/, "");
    expect(checkApiVersionsDocumented(broken)).toEqual([
      "docs/deploy.md does not list Microsoft.Insights/scheduledQueryRules 2023-12-01",
    ]);
  });
});

describe("module wiring (what a Bicep compiler would catch)", () => {
  it("every module exists, gets the params it declares and requires, and every .outputs.x exists", () => {
    expect(checkModuleWiring(files)).toEqual([]);
  });

  it("near miss: a misspelt param, a missing required param, or a missing output fails", () => {
    const misspelt = mutate(
      files,
      "infra/main.bicep",
      "    deploymentContainerName: storage.outputs.deploymentContainerName",
      "    deploymentContainer: storage.outputs.deploymentContainerName",
    );
    expect(checkModuleWiring(misspelt)).toEqual([
      "infra/main.bicep: module functionApp passes deploymentContainer, which infra/app/function-app.bicep does not declare",
      "infra/main.bicep: module functionApp does not pass required param deploymentContainerName",
    ]);
    const noOutput = mutate(
      files,
      "infra/main.bicep",
      "identity.outputs.clientId\n    identityPrincipalId",
      "identity.outputs.client\n    identityPrincipalId",
    );
    expect(checkModuleWiring(noOutput)).toEqual([
      "infra/main.bicep: identity.outputs.client: infra/app/identity.bicep has no output client",
    ]);
  });
});

describe("azd", () => {
  it("azure.yaml, main.parameters.json and the hooks fit main.bicep and events.bicep", () => {
    expect(checkAzd(files)).toEqual([]);
    for (const hook of ["infra/hooks/postdeploy.sh", "infra/hooks/predown.sh"]) {
      expect(statSync(join(REPO, hook)).mode & 0o111, `${hook} is executable`).not.toBe(0);
    }
  });

  it("near miss: a parameter main.bicep does not declare, or a required one missing, fails", () => {
    const unknown = mutate(files, "infra/main.parameters.json", '"mode": {', '"modes": {');
    expect(checkAzd(unknown)).toEqual(["infra/main.parameters.json: modes is not a param of main.bicep"]);
    const missing = mutate(
      files,
      "infra/main.parameters.json",
      /"location": \{\s*"value": "\$\{AZURE_LOCATION\}"\s*\},/,
      "",
    );
    expect(checkAzd(missing)).toEqual([
      "infra/main.parameters.json: required param location is missing",
      "infra/main.parameters.json: location is not the azd value AZURE_LOCATION",
    ]);
  });

  it("near miss: a webhook URL written into the parameter file fails", () => {
    const broken = mutate(
      files,
      "infra/main.parameters.json",
      "${PULLGUARD_NOTIFY_SLACK_URL=}",
      "https://hooks.slack.com/services/T0/B0/X",
    );
    expect(checkAzd(broken)).toEqual([
      "infra/main.parameters.json: secure param notifySlackUrl must come from the azd environment, not the file",
    ]);
  });

  it("near miss: the postdeploy hook not registered, or reading a value nobody sets, fails", () => {
    const unhooked = mutate(files, "azure.yaml", "run: infra/hooks/postdeploy.sh", "run: infra/hooks/deploy-events.sh");
    expect(checkAzd(unhooked)).toEqual(["azure.yaml: hook postdeploy does not run infra/hooks/postdeploy.sh"]);
    const unknownValue = mutate(
      files,
      "infra/hooks/postdeploy.sh",
      "PULLGUARD_DEADLETTER_CONTAINER; do",
      "PULLGUARD_DEADLETTER_CONTAINER PULLGUARD_FUNCTION_KEY; do",
    );
    expect(checkAzd(unknownValue)).toEqual([
      "infra/hooks/postdeploy.sh: reads PULLGUARD_FUNCTION_KEY, which neither azd nor main.bicep provides",
    ]);
  });

  it("near miss: events.bicep gaining a required param the hook does not pass fails", () => {
    const broken = mutate(
      files,
      "infra/events.bicep",
      "param deadLetterContainerName string",
      "param deadLetterContainerName string\n\nparam alertEmail string",
    );
    expect(checkAzd(broken)).toEqual(["infra/hooks/postdeploy.sh does not pass alertEmail to events.bicep"]);
  });

  it("near miss: the wrong language or host for the api service fails", () => {
    const broken = mutate(files, "azure.yaml", "host: function", "host: containerapp");
    expect(checkAzd(broken)).toEqual(['azure.yaml: service api lacks "host: function"']);
  });
});

describe("docs/deploy.md", () => {
  it("explains every role granted and the tag-check trade-off", () => {
    expect(checkDocs(files)).toEqual([]);
    const broken = mutate(files, "docs/deploy.md", /Managed Identity Operator/g, "MI Operator");
    expect(checkDocs(broken)).toEqual(["docs/deploy.md does not explain the role Managed Identity Operator"]);
  });
});
