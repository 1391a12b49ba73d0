/**
 * The function app's settings name storage that exists and takes the identity (AzureWebJobsStorage__*ServiceUri),
 * notification channels whose Key Vault secrets exist, and the subscriptions to watch.
 */
import type { DoctorCheck, DoctorProblem } from "../facts.js";

const STORAGE = ["blob", "queue", "table"] as const;
const CHANNELS = [
  "PULLGUARD_NOTIFY_TEAMS_URL",
  "PULLGUARD_NOTIFY_SLACK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_SECRET",
];
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(VaultName=([^;]+);SecretName=([^;)]+)\)$/i;

/** The account name of https://<account>.<service>.core.windows.net/ (null for anything else). */
export function storageAccountOf(uri: string): string | null {
  return (
    /^https:\/\/([a-z0-9]{3,24})\.(?:blob|queue|table)\.core\.windows\.net\/?$/i.exec(uri.trim())?.[1]?.toLowerCase() ??
    null
  );
}

export function keyVaultReference(value: string): { vault: string; secret: string } | null {
  const m = KEY_VAULT_REFERENCE.exec(value.trim());
  return m ? { vault: (m[1] ?? "").toLowerCase(), secret: (m[2] ?? "").toLowerCase() } : null;
}

export const settings: DoctorCheck = {
  name: "settings",
  title: "the settings name reachable storage, existing channel secrets and the watched subscriptions",
  run(facts) {
    const problems: DoctorProblem[] = [];
    const s = facts.settings;
    const app = facts.functionApp.id;
    const add = (what: string, fix: string) => problems.push({ check: "settings", what, fix });
    for (const service of STORAGE) {
      const key = `AzureWebJobsStorage__${service}ServiceUri`;
      const account = storageAccountOf(s[key] ?? "");
      if (account === null) {
        add(
          `${key} is ${s[key] ? `"${s[key]}", not a storage endpoint` : "not set"}`,
          "run azd provision (infra/app/function-app.bicep sets it)",
        );
        continue;
      }
      const found = facts.storageAccounts[account];
      if (!found)
        add(
          `${key} names storage account ${account}, which does not exist`,
          "run azd provision (infra/app/storage.bicep creates it)",
        );
      else if ((found.properties as Record<string, unknown> | undefined)?.publicNetworkAccess === "Disabled")
        add(
          `storage account ${account} refuses public network access, and the Flex Consumption app is not in a virtual network`,
          `az storage account update --ids ${String(found.id)} --public-network-access Enabled`,
        );
    }
    if (s.AzureWebJobsStorage__credential !== "managedidentity")
      add(
        "AzureWebJobsStorage__credential is not managedidentity: the host cannot reach storage without shared keys",
        `az functionapp config appsettings set --ids ${app} --settings AzureWebJobsStorage__credential=managedidentity`,
      );
    for (const name of CHANNELS) {
      const value = s[name];
      if (!value) continue;
      const ref = keyVaultReference(value);
      if (ref === null) {
        add(
          `${name} holds a value instead of a Key Vault reference`,
          `set it with azd env set and azd provision: infra/ keeps it in Key Vault (docs/deploy.md "Notifications")`,
        );
        continue;
      }
      if (!facts.vaultSecrets[`${ref.vault}/${ref.secret}`])
        add(
          `${name} references secret ${ref.secret} in vault ${ref.vault}, which does not exist: the channel gets nothing`,
          "set the channel with azd env set PULLGUARD_NOTIFY_... and run azd provision",
        );
    }
    if (Boolean(s.PULLGUARD_NOTIFY_WEBHOOK_URL) !== Boolean(s.PULLGUARD_NOTIFY_WEBHOOK_SECRET))
      add(
        "the generic webhook needs both PULLGUARD_NOTIFY_WEBHOOK_URL and PULLGUARD_NOTIFY_WEBHOOK_SECRET",
        "azd env set the missing one and run azd provision",
      );
    if (facts.subscriptions.length === 0)
      add(
        "PULLGUARD_SUBSCRIPTIONS names no subscription to watch",
        "run azd provision (main.bicep sets the home subscription and additionalSubscriptionIds)",
      );
    return problems;
  },
};
