/**
 * Every setting PullGuard reads, validated once at start. A bad or missing value fails with one message that names
 * the setting, what was found and what is expected. Nothing else in the code reads `process.env`.
 *
 * The table in README.md ("Settings") and local.settings.sample.json list the same names; a test keeps them in step.
 */
import { z } from "zod";
import { FINDING_CODES_WITH_AUTO_FIXES, FINDING_CODES_WITH_OPT_IN_FIXES } from "./core/fix-defaults.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SCOPE =
  /^\/subscriptions\/[0-9a-fA-F-]{36}(\/resourceGroups\/[-\w.()]+(\/providers\/Microsoft\.ContainerRegistry\/registries\/[a-zA-Z0-9]+)?)?$/i;

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly found: string,
    readonly expected: string,
  ) {
    super(`Setting ${setting}: found ${found}; expected ${expected}.`);
    this.name = "ConfigError";
  }
}

/** Shows what was found without ever echoing a secret. */
function describeFound(name: string, raw: string | undefined): string {
  if (raw === undefined) return "nothing (the setting is missing)";
  if (raw.trim() === "") return "an empty value";
  if (SECRET_SETTINGS.has(name)) return `a value of ${raw.length} characters (not shown: it is a secret)`;
  return JSON.stringify(raw.length > 120 ? `${raw.slice(0, 117)}...` : raw);
}

const SECRET_SETTINGS = new Set([
  "PULLGUARD_NOTIFY_TEAMS_URL",
  "PULLGUARD_NOTIFY_SLACK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_SECRET",
  "AzureWebJobsStorage",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
]);

const list = (raw: string | undefined): string[] =>
  (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function webhookUrl(name: string, raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === "") return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, describeFound(name, raw), "an absolute https:// URL");
  }
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new ConfigError(name, `a ${url.protocol} URL`, "an https:// URL (http:// is accepted for localhost only)");
  }
  return url.toString();
}

/**
 * A yes/no setting: `true` or `false` (any case, surrounding spaces ignored); missing or empty is `fallback`. Anything
 * else is an error naming the setting and the two accepted values (a typo never silently switches something on).
 */
function boolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = raw.trim().toLowerCase();
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ConfigError(name, describeFound(name, raw), `true or false (default ${String(fallback)})`);
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw.trim());
  if (!parsed.success) throw new ConfigError(name, describeFound(name, raw), `a whole number from ${min} to ${max}`);
  return parsed.data;
}

export type Mode = "fix" | "report" | "off";

export interface StorageSettings {
  /** A connection string (Azurite locally), or null when the identity-based URIs are used. */
  connectionString: string | null;
  tableServiceUri: string | null;
  queueServiceUri: string | null;
  /** Client ID of the user-assigned identity that reaches storage (AzureWebJobsStorage__clientId). */
  clientId: string | null;
}

export interface DevSettings {
  armEndpoint: string;
  caFile: string;
  registryAddress: string;
  principalId: string;
  tenantId: string;
}

export interface Settings {
  /** Subscriptions PullGuard watches and sweeps. */
  subscriptions: string[];
  mode: Mode;
  /** Finding codes whose opt-in fix is switched on. */
  optInFixes: string[];
  /** Finding codes whose fix is switched off. */
  disabledFixes: string[];
  /** Scopes PullGuard may change: subscription, resource group or registry IDs. Default: the watched subscriptions. */
  allowedScopes: string[];
  maxChangesPerHour: number;
  /**
   * v2: after fixing a manual-trigger job, start one execution of it so its images are pulled again
   * (PULLGUARD_START_JOBS_AFTER_FIX, default false: an execution runs the job's real work).
   */
  startJobsAfterFix: boolean;
  /** Object (principal) ID of PullGuard's own identity: events it caused never start another fix. */
  selfPrincipalId: string | null;
  /** Client ID of the user-assigned identity DefaultAzureCredential uses (AZURE_CLIENT_ID). */
  azureClientId: string | null;
  sweepSchedule: string;
  verifyDelaySeconds: number;
  verifyDeadlineMinutes: number;
  notify: {
    teamsUrl: string | null;
    slackUrl: string | null;
    webhookUrl: string | null;
    webhookSecret: string | null;
    cooldownMinutes: number;
  };
  storage: StorageSettings;
  appInsightsConnectionString: string | null;
  /** Dev-only: the project's emulator (`npx pullguard emulator`). Null against real Azure. */
  dev: DevSettings | null;
}

export type Env = Record<string, string | undefined>;

const CODES_THAT_CAN_BE_SWITCHED = new Set<string>([
  ...FINDING_CODES_WITH_OPT_IN_FIXES,
  ...FINDING_CODES_WITH_AUTO_FIXES,
]);

function codes(name: string, raw: string | undefined): string[] {
  const values = list(raw);
  for (const value of values) {
    if (!CODES_THAT_CAN_BE_SWITCHED.has(value)) {
      throw new ConfigError(
        name,
        JSON.stringify(value),
        `a comma-separated list of finding codes that have a fix: ${[...CODES_THAT_CAN_BE_SWITCHED].join(", ")}`,
      );
    }
  }
  return values;
}

function guid(name: string, raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === "") return null;
  if (!GUID.test(raw.trim())) throw new ConfigError(name, describeFound(name, raw), "a GUID (8-4-4-4-12 hex digits)");
  return raw.trim().toLowerCase();
}

function devSettings(env: Env): DevSettings | null {
  const names = [
    "PULLGUARD_DEV_ARM_ENDPOINT",
    "PULLGUARD_DEV_CA_FILE",
    "PULLGUARD_DEV_REGISTRY_ADDRESS",
    "PULLGUARD_DEV_PRINCIPAL_ID",
    "PULLGUARD_DEV_TENANT_ID",
  ] as const;
  const given = names.filter((n) => (env[n] ?? "").trim() !== "");
  if (given.length === 0) return null;
  const missing = names.find((n) => (env[n] ?? "").trim() === "");
  if (missing) {
    throw new ConfigError(
      missing,
      describeFound(missing, env[missing]),
      `a value: the PULLGUARD_DEV_* settings go together (${given.join(", ")} ${given.length === 1 ? "is" : "are"} set); ` +
        "copy all five from the output of `npx pullguard emulator --world <file>`",
    );
  }
  const endpoint = env.PULLGUARD_DEV_ARM_ENDPOINT?.trim() ?? "";
  if (!/^https:\/\/(127\.0\.0\.1|localhost):\d+\/?$/.test(endpoint)) {
    throw new ConfigError(
      "PULLGUARD_DEV_ARM_ENDPOINT",
      describeFound("PULLGUARD_DEV_ARM_ENDPOINT", endpoint),
      "https://127.0.0.1:<port> (the emulator only listens on loopback)",
    );
  }
  const address = env.PULLGUARD_DEV_REGISTRY_ADDRESS?.trim() ?? "";
  if (!/^(127\.0\.0\.1|localhost):\d+$/.test(address)) {
    throw new ConfigError(
      "PULLGUARD_DEV_REGISTRY_ADDRESS",
      describeFound("PULLGUARD_DEV_REGISTRY_ADDRESS", address),
      "127.0.0.1:<port>",
    );
  }
  return {
    armEndpoint: endpoint.replace(/\/$/, ""),
    caFile: env.PULLGUARD_DEV_CA_FILE?.trim() ?? "",
    registryAddress: address,
    principalId: guid("PULLGUARD_DEV_PRINCIPAL_ID", env.PULLGUARD_DEV_PRINCIPAL_ID) ?? "",
    tenantId: guid("PULLGUARD_DEV_TENANT_ID", env.PULLGUARD_DEV_TENANT_ID) ?? "",
  };
}

function storageSettings(env: Env): StorageSettings {
  const connectionString = env.AzureWebJobsStorage?.trim() || null;
  const tableServiceUri = env.AzureWebJobsStorage__tableServiceUri?.trim() || null;
  const queueServiceUri = env.AzureWebJobsStorage__queueServiceUri?.trim() || null;
  for (const [name, value] of [
    ["AzureWebJobsStorage__tableServiceUri", tableServiceUri],
    ["AzureWebJobsStorage__queueServiceUri", queueServiceUri],
  ] as const) {
    if (value !== null && !/^https:\/\//.test(value)) {
      throw new ConfigError(name, describeFound(name, value), "https://<account>.<service>.core.windows.net");
    }
  }
  return {
    connectionString,
    tableServiceUri,
    queueServiceUri,
    clientId: guid("AzureWebJobsStorage__clientId", env.AzureWebJobsStorage__clientId),
  };
}

/** A comma-separated setting whose every item must match `pattern`. */
function listOf(name: string, raw: string | undefined, pattern: RegExp, expected: string): string[] {
  const items = list(raw);
  const bad = items.find((item) => !pattern.test(item));
  if (bad !== undefined) throw new ConfigError(name, JSON.stringify(bad), expected);
  return items;
}

/** The generic webhook and its signing secret: a URL needs a secret, a secret has the Standard Webhooks format. */
function webhookSettings(env: Env): Pick<Settings["notify"], "webhookUrl" | "webhookSecret"> {
  const webhookSecret = env.PULLGUARD_NOTIFY_WEBHOOK_SECRET?.trim() || null;
  const webhookUrlValue = webhookUrl("PULLGUARD_NOTIFY_WEBHOOK_URL", env.PULLGUARD_NOTIFY_WEBHOOK_URL);
  if (webhookUrlValue && !webhookSecret) {
    throw new ConfigError(
      "PULLGUARD_NOTIFY_WEBHOOK_SECRET",
      "nothing (the setting is missing)",
      "a signing secret (whsec_<base64>) whenever PULLGUARD_NOTIFY_WEBHOOK_URL is set",
    );
  }
  if (webhookSecret && !/^(whsec_)?[A-Za-z0-9+/]{16,}={0,2}$/.test(webhookSecret)) {
    throw new ConfigError(
      "PULLGUARD_NOTIFY_WEBHOOK_SECRET",
      describeFound("PULLGUARD_NOTIFY_WEBHOOK_SECRET", webhookSecret),
      "whsec_ followed by at least 16 base64 characters (the Standard Webhooks secret format)",
    );
  }
  return { webhookUrl: webhookUrlValue, webhookSecret };
}

/** Reads and validates every setting. Throws ConfigError naming the first bad one. */
export function loadSettings(env: Env): Settings {
  const subscriptions = listOf(
    "PULLGUARD_SUBSCRIPTIONS",
    env.PULLGUARD_SUBSCRIPTIONS,
    GUID,
    "a comma-separated list of subscription IDs (GUIDs), e.g. 3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11",
  );

  const modeRaw = (env.PULLGUARD_MODE ?? "fix").trim() || "fix";
  if (modeRaw !== "fix" && modeRaw !== "report" && modeRaw !== "off") {
    throw new ConfigError("PULLGUARD_MODE", describeFound("PULLGUARD_MODE", modeRaw), `one of "fix", "report", "off"`);
  }

  const allowedScopes = listOf(
    "PULLGUARD_ALLOWED_SCOPES",
    env.PULLGUARD_ALLOWED_SCOPES,
    SCOPE,
    "a comma-separated list of /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<rg> or registry resource IDs",
  );

  const sweepSchedule = (env.PULLGUARD_SWEEP_SCHEDULE ?? "").trim() || "0 */15 * * * *";
  if (sweepSchedule.split(/\s+/).length !== 6) {
    throw new ConfigError(
      "PULLGUARD_SWEEP_SCHEDULE",
      describeFound("PULLGUARD_SWEEP_SCHEDULE", sweepSchedule),
      'an NCRONTAB expression with six fields (seconds first), e.g. "0 */15 * * * *"',
    );
  }

  const webhook = webhookSettings(env);

  return {
    subscriptions: subscriptions.map((s) => s.toLowerCase()),
    mode: modeRaw,
    optInFixes: codes("PULLGUARD_OPT_IN_FIXES", env.PULLGUARD_OPT_IN_FIXES),
    disabledFixes: codes("PULLGUARD_DISABLED_FIXES", env.PULLGUARD_DISABLED_FIXES),
    allowedScopes:
      allowedScopes.length > 0 ? allowedScopes : subscriptions.map((s) => `/subscriptions/${s.toLowerCase()}`),
    maxChangesPerHour: integer("PULLGUARD_MAX_CHANGES_PER_HOUR", env.PULLGUARD_MAX_CHANGES_PER_HOUR, 20, 0, 10_000),
    startJobsAfterFix: boolean("PULLGUARD_START_JOBS_AFTER_FIX", env.PULLGUARD_START_JOBS_AFTER_FIX, false),
    selfPrincipalId: guid("PULLGUARD_SELF_PRINCIPAL_ID", env.PULLGUARD_SELF_PRINCIPAL_ID),
    azureClientId: guid("AZURE_CLIENT_ID", env.AZURE_CLIENT_ID),
    sweepSchedule,
    verifyDelaySeconds: integer("PULLGUARD_VERIFY_DELAY_SECONDS", env.PULLGUARD_VERIFY_DELAY_SECONDS, 120, 5, 3600),
    verifyDeadlineMinutes: integer(
      "PULLGUARD_VERIFY_DEADLINE_MINUTES",
      env.PULLGUARD_VERIFY_DEADLINE_MINUTES,
      30,
      1,
      24 * 60,
    ),
    notify: {
      teamsUrl: webhookUrl("PULLGUARD_NOTIFY_TEAMS_URL", env.PULLGUARD_NOTIFY_TEAMS_URL),
      slackUrl: webhookUrl("PULLGUARD_NOTIFY_SLACK_URL", env.PULLGUARD_NOTIFY_SLACK_URL),
      ...webhook,
      cooldownMinutes: integer(
        "PULLGUARD_NOTIFY_COOLDOWN_MINUTES",
        env.PULLGUARD_NOTIFY_COOLDOWN_MINUTES,
        60,
        0,
        7 * 24 * 60,
      ),
    },
    storage: storageSettings(env),
    appInsightsConnectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim() || null,
    dev: devSettings(env),
  };
}

/** The names of every setting loadSettings reads (for docs, the sample file and infra tests). */
export const SETTING_NAMES = [
  "PULLGUARD_SUBSCRIPTIONS",
  "PULLGUARD_MODE",
  "PULLGUARD_OPT_IN_FIXES",
  "PULLGUARD_DISABLED_FIXES",
  "PULLGUARD_ALLOWED_SCOPES",
  "PULLGUARD_MAX_CHANGES_PER_HOUR",
  "PULLGUARD_START_JOBS_AFTER_FIX",
  "PULLGUARD_SELF_PRINCIPAL_ID",
  "AZURE_CLIENT_ID",
  "PULLGUARD_SWEEP_SCHEDULE",
  "PULLGUARD_VERIFY_DELAY_SECONDS",
  "PULLGUARD_VERIFY_DEADLINE_MINUTES",
  "PULLGUARD_NOTIFY_TEAMS_URL",
  "PULLGUARD_NOTIFY_SLACK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_URL",
  "PULLGUARD_NOTIFY_WEBHOOK_SECRET",
  "PULLGUARD_NOTIFY_COOLDOWN_MINUTES",
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__tableServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__clientId",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
] as const;

/** Dev-only settings: they point PullGuard at the project's emulator; never set in Azure. */
export const DEV_SETTING_NAMES = [
  "PULLGUARD_DEV_ARM_ENDPOINT",
  "PULLGUARD_DEV_CA_FILE",
  "PULLGUARD_DEV_REGISTRY_ADDRESS",
  "PULLGUARD_DEV_PRINCIPAL_ID",
  "PULLGUARD_DEV_TENANT_ID",
] as const;
