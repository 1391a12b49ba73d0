import { describe, expect, it } from "vitest";
import { DEV_SETTING_NAMES, SETTING_NAMES } from "../../src/config.js";
import { appSettings, checkAppSettings, loadDeployment, mutate } from "./checks.js";
import { codeFacts } from "./fixtures.js";

const files = loadDeployment();
const APP = "infra/app/function-app.bicep";

describe("the function app's settings", () => {
  it("set every setting src/config.ts reads, the Flex Consumption way, and no dev-only one", () => {
    expect(checkAppSettings(files, codeFacts)).toEqual([]);
    const names = [...appSettings(files).keys()];
    // All but the plain AzureWebJobsStorage string: infra sets the identity-based AzureWebJobsStorage__* form.
    const unset = SETTING_NAMES.filter((name) => name !== "AzureWebJobsStorage" && !names.includes(name));
    expect(unset).toEqual([]);
    for (const name of DEV_SETTING_NAMES) expect(names).not.toContain(name);
  });

  it("near miss: a setting the code reads left out fails", () => {
    const broken = mutate(files, APP, /\n\s*PULLGUARD_VERIFY_DEADLINE_MINUTES: [^\n]*/, "");
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      `${APP}: app setting PULLGUARD_VERIFY_DEADLINE_MINUTES is not set`,
    ]);
  });

  it("near miss: a setting the code starts to read fails until infra sets it", () => {
    const code = { ...codeFacts, settingNames: [...codeFacts.settingNames, "PULLGUARD_NEW_SETTING"] };
    expect(checkAppSettings(files, code)).toEqual([`${APP}: app setting PULLGUARD_NEW_SETTING is not set`]);
  });

  it("near miss: a dev-only emulator setting fails", () => {
    const broken = mutate(
      files,
      APP,
      "  PULLGUARD_MODE: mode\n",
      "  PULLGUARD_MODE: mode\n  PULLGUARD_DEV_ARM_ENDPOINT: 'https://127.0.0.1:8443'\n",
    );
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      `${APP}: app setting PULLGUARD_DEV_ARM_ENDPOINT must not be set in Azure`,
    ]);
  });

  it("near miss: FUNCTIONS_WORKER_RUNTIME (Flex takes the runtime in functionAppConfig) fails", () => {
    const broken = mutate(
      files,
      APP,
      "  PULLGUARD_MODE: mode\n",
      "  PULLGUARD_MODE: mode\n  FUNCTIONS_WORKER_RUNTIME: 'node'\n",
    );
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      `${APP}: app setting FUNCTIONS_WORKER_RUNTIME must not be set in Azure`,
    ]);
  });

  it("near miss: a storage connection string instead of the identity fails", () => {
    const broken = mutate(
      files,
      APP,
      "  AzureWebJobsStorage__credential: 'managedidentity'\n",
      "  AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x'\n",
    );
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      `${APP}: app setting AzureWebJobsStorage__credential is not set`,
      `${APP}: app setting AzureWebJobsStorage must not be set in Azure`,
    ]);
  });

  it("near miss: a webhook URL as a plain setting instead of a Key Vault reference fails", () => {
    const broken = mutate(files, APP, /PULLGUARD_NOTIFY_SLACK_URL: [^\n]*/, "PULLGUARD_NOTIFY_SLACK_URL: slackUrl");
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      expect.stringContaining("PULLGUARD_NOTIFY_SLACK_URL is not a Key Vault reference"),
    ]);
  });

  it("near miss: a Key Vault reference to a secret the vault never gets fails", () => {
    const broken = mutate(files, "infra/app/key-vault.bicep", "name: 'notify-teams-url'", "name: 'teams-url'");
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      expect.stringContaining("references secret notify-teams-url, which key-vault.bicep never writes"),
    ]);
  });

  it("near miss: Node 20 instead of 22, or a plan that is not Flex Consumption, fails", () => {
    const node20 = mutate(files, APP, "version: '22'", "version: '20'");
    expect(checkAppSettings(node20, codeFacts)).toEqual([
      expect.stringContaining("runtime.version is '20', must be '22'"),
    ]);
    const premium = mutate(files, APP, "name: 'FC1'", "name: 'EP1'");
    expect(checkAppSettings(premium, codeFacts)).toEqual([`${APP}: the plan is not FC1 / FlexConsumption`]);
  });

  it("near miss: shared-key access left on fails", () => {
    const broken = mutate(
      files,
      "infra/app/storage.bicep",
      "allowSharedKeyAccess: false",
      "allowSharedKeyAccess: true",
    );
    expect(checkAppSettings(broken, codeFacts)).toEqual(["infra/app/storage.bicep: shared-key access is not off"]);
  });

  it("near miss: a table the code uses not created fails", () => {
    const broken = mutate(files, "infra/app/storage.bicep", "  'pullguardindex'\n", "");
    expect(checkAppSettings(broken, codeFacts)).toEqual([
      "infra/app/storage.bicep: table pullguardindex is not created",
    ]);
  });

  it("near miss: a %SETTING% in a trigger that infra does not set fails", () => {
    const sources = new Map(codeFacts.functionSources).set(
      "extra.ts",
      'app.timer("x", { schedule: "%PULLGUARD_OTHER_SCHEDULE%" })',
    );
    expect(checkAppSettings(files, { ...codeFacts, functionSources: sources })).toEqual([
      "src/functions/extra.ts: %PULLGUARD_OTHER_SCHEDULE% is not an app setting",
    ]);
  });
});
