/**
 * Secrets never leak: an end-to-end run of every trigger (Event Grid, HTTP check GET and POST with function keys,
 * alert, verification queue, timer sweep, and a run that fails on ARM) with secret-bearing settings — Teams workflow
 * URL with its `sig`, Slack webhook URL, a custom webhook URL with a token, the Standard Webhooks signing secret, the
 * storage connection string with its account key — and a container app whose registry password is a secret. One
 * notification endpoint answers an error that echoes its own URL.
 *
 * Everything the run produced is scanned: every log line of every invocation, everything written to the console,
 * every handler result and HTTP response, thrown errors, the audit table, the verification queue, and the bodies of
 * the notifications (which must not carry another channel's secret). Bearer tokens and JWTs (the credential's
 * tokens) must not appear either.
 */
import { TableClient } from "@azure/data-tables";
import type functions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, loadSettings } from "../../src/config.js";
import type { RunningAzurite } from "../../tools/dev/azurite.js";
import { startAzurite } from "../../tools/dev/azurite.js";
import { armEvent, pullFailureAlert } from "../../tools/emulator/events.js";
import { readWorld } from "../reliability/harness.js";
import {
  type Handlers,
  type Host,
  httpRequest,
  invocation,
  loadHandlers,
  logLines,
  openHost,
} from "../reliability/host.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
const ENVIRONMENT = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/managedEnvironments/env-checkout`;
const DEVELOPER = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

const TEAMS_SIG = "TeAmSsIgNaTuRe0123456789abcdefABCDEF_-x";
const TEAMS_PATH = "workflows/5f0c1d2e3a4b4c5d8e9f0a1b2c3d4e5f";
const TEAMS_URL = `https://prod-12.westeurope.logic.azure.com:443/${TEAMS_PATH}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEAMS_SIG}`;
const SLACK_TOKEN = "SlackSecretToken0123456789abcd";
const SLACK_IDS = "T0SECRET1/B0SECRET2";
const SLACK_URL = `https://hooks.slack.com/services/${SLACK_IDS}/${SLACK_TOKEN}`;
const WEBHOOK_TOKEN = "WebhookQueryToken98765zyx";
const WEBHOOK_PATH_SECRET = "p4th-s3cr3t-0f-th3-h00k";
const WEBHOOK_URL = `https://hooks.example.com/pullguard/${WEBHOOK_PATH_SECRET}?token=${WEBHOOK_TOKEN}`;
const WEBHOOK_SECRET_BODY = "c2VjcmV0LXNpZ25pbmcta2V5LWZvci1wdWxsZ3VhcmQ=";
const WEBHOOK_SECRET = `whsec_${WEBHOOK_SECRET_BODY}`;
const FUNCTION_KEY = "FuNcTiOnKeY_0123456789abcdefghijABCDEFGHIJ==";
const ACR_PASSWORD = "AcrAdminP4ssw0rd+Zz9/Secret";

let azurite: RunningAzurite;
let handlers: Handlers;
let host: Host;
/** Everything the run produced, as text, with where it came from. */
const outputs: Array<{ where: string; text: string }> = [];
const notifications: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
const record = (where: string, value: unknown) =>
  outputs.push({ where, text: typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)) });

const SECRETS: Array<[string, string]> = [
  ["Teams sig", TEAMS_SIG],
  ["Teams workflow path", TEAMS_PATH],
  ["Slack token", SLACK_TOKEN],
  ["Slack team/channel ids", SLACK_IDS],
  ["webhook URL token", WEBHOOK_TOKEN],
  ["webhook URL path", WEBHOOK_PATH_SECRET],
  ["webhook signing secret", WEBHOOK_SECRET_BODY],
  ["function key", FUNCTION_KEY],
  ["registry password", ACR_PASSWORD],
];
const PATTERNS: Array<[string, RegExp]> = [
  ["a JWT", /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./],
  ["a bearer token", /\bBearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{12,}/],
  ["a storage account key", /AccountKey=(?!\[redacted\])[A-Za-z0-9+/=]{20,}/],
];

/** Where each secret or secret-shaped string shows up in `texts`. */
function leaks(texts: Array<{ where: string; text: string }>, extra: Array<[string, string]> = []): string[] {
  const found: string[] = [];
  for (const { where, text } of texts) {
    for (const [name, secret] of [...SECRETS, ...extra]) {
      if (text.includes(secret))
        found.push(
          `${name} in ${where}: …${text.slice(Math.max(0, text.indexOf(secret) - 60), text.indexOf(secret) + 20)}…`,
        );
    }
    for (const [name, pattern] of PATTERNS) {
      const m = pattern.exec(text);
      if (m) found.push(`${name} in ${where}: ${m[0].slice(0, 40)}…`);
    }
  }
  return found;
}

function secretWorld(): Record<string, unknown> {
  const world = readWorld("registry-uses-admin-credentials") as Record<string, unknown>;
  const resources = world.resources as Array<{ type: string; properties: { configuration: Record<string, unknown> } }>;
  for (const app of resources.filter((r) => r.type === "Microsoft.App/containerApps")) {
    app.properties.configuration.secrets = [{ name: "acr-password", value: ACR_PASSWORD }];
  }
  const { expect: _e, ...rest } = world;
  return rest;
}

function deploymentFailure() {
  return armEvent({
    eventType: "ResourceWriteFailure",
    subject: APP,
    operationName: "Microsoft.App/containerApps/write",
    status: "Failed",
    method: "PATCH",
    url: `https://management.azure.com${APP}?api-version=2025-07-01`,
    caller: DEVELOPER,
    tenantId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
    time: new Date("2026-11-22T12:00:00Z"),
    evidence: null,
  });
}

const consoleMethods = ["log", "info", "warn", "error", "debug"] as const;

beforeAll(async () => {
  [azurite, handlers] = await Promise.all([startAzurite(), loadHandlers()]);
  for (const method of consoleMethods) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      record(`console.${method}`, args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      original(...args);
    });
  }
  // Notifications leave through fetch (the Azure SDKs use node:https, not fetch): answer them here. Slack answers an
  // error that echoes its own URL, as a misbehaving endpoint might.
  vi.stubGlobal("fetch", async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    notifications.push({ url, body: String(init?.body ?? ""), headers });
    if (url.startsWith("https://hooks.slack.com/")) {
      return new Response(`no_service: the webhook ${url} is disabled (token ${SLACK_TOKEN})`, { status: 404 });
    }
    return new Response("1", { status: 200 });
  });
  host = await openHost(secretWorld(), {
    azurite,
    extra: {
      PULLGUARD_NOTIFY_TEAMS_URL: TEAMS_URL,
      PULLGUARD_NOTIFY_SLACK_URL: SLACK_URL,
      PULLGUARD_NOTIFY_WEBHOOK_URL: WEBHOOK_URL,
      PULLGUARD_NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PULLGUARD_OPT_IN_FIXES: "registry-uses-admin-credentials",
    },
  });
});

afterAll(async () => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await host?.close();
  await azurite?.stop();
});

describe("secrets in logs and results", () => {
  it("an end-to-end run of every trigger with secret-bearing settings leaks none of them", async () => {
    const functionKeyHeaders = { "x-functions-key": FUNCTION_KEY, authorization: `Bearer ${FUNCTION_KEY}` };
    const keyUrl = (path: string) =>
      `https://pullguard.azurewebsites.net/api/${path}?code=${encodeURIComponent(FUNCTION_KEY)}`;

    // 1. A person's deployment fails: the Event Grid trigger fixes the app (admin credentials → managed identity).
    record(
      "onResourceEvent result",
      await handlers.onResourceEvent(deploymentFailure() as never, invocation("onResourceEvent")),
    );
    await host.emulator.events.settle();

    // 2. HTTP checks, with the function key in the header and in the query.
    for (const fix of [false, true]) {
      const response = await handlers.checkAppPost(
        httpRequest({
          method: "POST",
          url: keyUrl("check"),
          body: JSON.stringify({ resourceId: APP, fix }),
          headers: functionKeyHeaders,
        }),
        invocation("checkAppPost"),
      );
      record(`checkAppPost fix=${fix} status ${response.status}`, response.jsonBody);
    }
    const get = await handlers.checkApp(
      httpRequest({
        method: "GET",
        url: keyUrl("apps/x/y/z"),
        params: { subscriptionId: SUB, resourceGroup: "rg-checkout", name: "checkout-web" },
        headers: functionKeyHeaders,
      }),
      invocation("checkApp"),
    );
    record(`checkApp status ${get.status}`, get.jsonBody);
    const bad = await handlers.checkAppPost(
      httpRequest({
        method: "POST",
        url: keyUrl("check"),
        body: '{"resourceId": "/subscriptions/x/../y"}',
        headers: functionKeyHeaders,
      }),
      invocation("checkAppPost"),
    );
    record(`checkAppPost bad status ${bad.status}`, bad.jsonBody);

    // 3. A pull-failure alert from the action group (function key in the query).
    const alert = pullFailureAlert({
      environmentId: ENVIRONMENT,
      appName: "checkout-web",
      revisionName: "checkout-web--x",
      time: new Date("2026-11-22T12:05:00Z"),
    });
    const alerted = await handlers.onPullFailureAlert(
      httpRequest({
        method: "POST",
        url: keyUrl("alerts/pull-failure"),
        body: JSON.stringify(alert),
        headers: functionKeyHeaders,
      }),
      invocation("onPullFailureAlert"),
    );
    record(`onPullFailureAlert status ${alerted.status}`, alerted.jsonBody);

    // 4. The scheduled verifications, as the queue trigger hands them over.
    const queue = new QueueClient(azurite.connectionString, "pullguard-verify");
    await queue.createIfNotExists();
    const batch = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    for (const item of batch.receivedMessageItems) {
      const text = Buffer.from(item.messageText, "base64").toString("utf8");
      record("verification queue message", text);
      record("verifyFix result", await handlers.verifyFix(JSON.parse(text) as unknown, invocation("verifyFix")));
    }

    // 5. The timer sweep.
    const timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: "", next: "", lastUpdated: "" },
    };
    record("sweep result", await handlers.sweep(timer as functions.Timer, invocation("sweep")));

    // 6. A run that fails on ARM: what the host would log is the thrown error.
    host.emulator.faults.add({ kind: "429", plane: "arm", retryAfterSeconds: 0 });
    try {
      await handlers.onResourceEvent(deploymentFailure() as never, invocation("onResourceEvent"));
      record("failing run", "did not throw");
    } catch (error) {
      record("failing run error", `${(error as Error).message}\n${(error as Error).stack ?? ""}`);
    } finally {
      host.emulator.faults.clear();
    }

    // Everything the run produced.
    for (const line of logLines) record(`log ${line.level}`, line.text);
    const audit = TableClient.fromConnectionString(azurite.connectionString, "pullguardaudit", {
      allowInsecureConnection: true,
    });
    let auditRows = 0;
    for await (const entity of audit.listEntities()) {
      auditRows++;
      record("audit row", entity);
    }
    for (const n of notifications) record(`notification body to ${new URL(n.url).hostname}`, n.body);

    // The scan had something to scan: the fix, the notifications (one failing), the audit rows, the logs.
    const fixed = host.emulator.getResource(APP)?.properties?.configuration as {
      registries?: Array<Record<string, unknown>>;
    };
    expect(fixed.registries?.[0]).toMatchObject({ server: "fabrikamacr.azurecr.io", identity: "system" });
    expect(notifications.some((n) => n.url.includes(TEAMS_SIG))).toBe(true);
    expect(notifications.some((n) => n.url.includes(WEBHOOK_TOKEN) && n.headers["webhook-signature"])).toBe(true);
    expect(logLines.some((l) => /slack notification not delivered/i.test(l.text))).toBe(true);
    expect(auditRows).toBeGreaterThan(0);
    expect(outputs.some((o) => o.where === "failing run error")).toBe(true);

    const found = leaks(outputs);
    console.info(
      `secrets figures: outputs scanned ${outputs.length} (${logLines.length} log lines, ${auditRows} audit rows, ${notifications.length} notifications), ` +
        `secrets and patterns checked ${SECRETS.length + PATTERNS.length}, leaks found ${found.length}`,
    );
    expect(found).toEqual([]);
  });

  it("the scan itself finds a planted secret, token or key (so a leak would fail the test above)", () => {
    const token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.";
    const planted = [
      { where: "a", text: `POST ${TEAMS_URL} failed` },
      { where: "b", text: `Authorization: Bearer ${token}` },
      { where: "c", text: `secret ${WEBHOOK_SECRET}` },
      {
        where: "d",
        text: "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq==",
      },
    ];
    const found = leaks(planted);
    expect(found.some((f) => f.startsWith("Teams sig in a"))).toBe(true);
    expect(found.some((f) => f.startsWith("a JWT in b"))).toBe(true);
    expect(found.some((f) => f.startsWith("webhook signing secret in c"))).toBe(true);
    expect(found.some((f) => f.startsWith("a storage account key in d"))).toBe(true);
  });

  it("a bad secret setting is named in the error without its value", () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadSettings({ PULLGUARD_SUBSCRIPTIONS: SUB, ...env });
        return "";
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    const badSecret = "whsec_short!SECRETVALUE";
    const messages = [
      attempt({ PULLGUARD_NOTIFY_WEBHOOK_URL: WEBHOOK_URL, PULLGUARD_NOTIFY_WEBHOOK_SECRET: badSecret }),
      attempt({ PULLGUARD_NOTIFY_TEAMS_URL: TEAMS_URL.replace("https:", "http:") }),
      attempt({ PULLGUARD_NOTIFY_SLACK_URL: `not a url ${SLACK_TOKEN}` }),
    ];
    for (const message of messages) expect(message).toMatch(/PULLGUARD_NOTIFY_/);
    expect(
      leaks(
        messages.map((text, i) => ({ where: `config error ${i}`, text })),
        [["bad secret", "SECRETVALUE"]],
      ),
    ).toEqual([]);
  });
});
