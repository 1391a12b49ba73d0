/**
 * The Teams card through the real Adaptive Cards renderer (the `adaptivecards` browser bundle) in headless Chromium:
 * no parse or validation events, no page errors, and the rendered text names the app, the verdict and every finding
 * code. With UPDATE_PREVIEWS=1 it also writes the PNG previews the README shows (docs/images/teams-card-*.png).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NotificationInput, verdictLabel } from "../../src/notify/message.js";
import { teamsCard } from "../../src/notify/teams-card.js";
import { brokenDiagnosis, fixedNotification, resolvedNotification, unresolvedNotification } from "./fixtures.js";
import { PAGE_HTML, RENDER_SCRIPT, TEAMS_LIKE_HOST_CONFIG } from "./teams-host-config.js";

const CHROMIUM = "/usr/bin/chromium";
const BUNDLE = resolve("node_modules/adaptivecards/dist/adaptivecards.min.js");

/** Installs Debian's chromium when it is missing, but only as root on CI or when explicitly allowed. */
function ensureChromium(): { ok: true } | { ok: false; why: string } {
  if (existsSync(CHROMIUM)) return { ok: true };
  const allowed = process.env.CI === "true" || process.env.PULLGUARD_INSTALL_CHROMIUM === "1";
  if (process.getuid?.() !== 0 || !allowed) {
    return {
      ok: false,
      why: `${CHROMIUM} is missing. Install it (apt-get install -y chromium) or run as root with CI=true or PULLGUARD_INSTALL_CHROMIUM=1`,
    };
  }
  const install = spawnSync("sh", ["-c", "apt-get update -qq && apt-get install -y -qq chromium"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(`apt-get install chromium failed with exit code ${install.status}`);
  }
  return { ok: true };
}

const available = ensureChromium();
if (!available.ok) {
  console.warn(`\n\n!!! SKIPPING the Teams card rendering test: ${available.why} !!!\n\n`);
}

interface RenderEvent {
  source: string;
  event: string;
  message: string;
}

describe.skipIf(!available.ok)("Teams card in the Adaptive Cards renderer (headless Chromium)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function render(card: unknown, previewFile?: string) {
    const page = await browser.newPage({ viewport: { width: 620, height: 400 }, deviceScaleFactor: 2 });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning")
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    // No network: every request the page might make is refused and recorded.
    await page.route("**/*", async (route) => {
      problems.push(`network request: ${route.request().url()}`);
      await route.abort();
    });
    try {
      await page.setContent(PAGE_HTML);
      await page.addScriptTag({ path: BUNDLE });
      await page.addScriptTag({ content: RENDER_SCRIPT });
      const events = (await page.evaluate(
        ([card, hostConfig]) =>
          (globalThis as unknown as { pullguardRender(c: unknown, h: unknown): RenderEvent[] }).pullguardRender(
            card,
            hostConfig,
          ),
        [card, TEAMS_LIKE_HOST_CONFIG] as const,
      )) as RenderEvent[];
      const text = await page.locator("#card").innerText();
      if (previewFile) {
        mkdirSync("docs/images", { recursive: true });
        await page.locator("#frame").screenshot({ path: previewFile });
      }
      return { events, problems, text };
    } finally {
      await page.close();
    }
  }

  const cases: Array<[string, NotificationInput, string | null]> = [
    ["broken diagnosis", brokenDiagnosis, "docs/images/teams-card-broken.png"],
    ["fixed", fixedNotification, "docs/images/teams-card-fixed.png"],
    ["resolved follow-up", resolvedNotification, null],
    ["unresolved follow-up", unresolvedNotification, "docs/images/teams-card-unresolved.png"],
  ];

  it.each(
    cases,
  )("renders the %s card without renderer errors, showing app, verdict and codes", async (_, input, png) => {
    const preview = process.env.UPDATE_PREVIEWS === "1" && png ? png : undefined;
    const { events, problems, text } = await render(teamsCard(input), preview);
    expect(events).toEqual([]);
    expect(problems).toEqual([]);
    expect(text).toContain(input.appName);
    expect(text).toContain(verdictLabel(input.verdict));
    for (const finding of input.findings) expect(text).toContain(finding.code);
    const optional = [...input.applied.map((c) => c.auditId), ...input.stillToDo.map((i) => i.az)].filter(
      (v): v is string => typeof v === "string" && v !== "",
    );
    expect(optional.filter((v) => !text.includes(v))).toEqual([]);
  });

  it("reports what the renderer rejects (so the empty list above means something)", async () => {
    const broken = {
      type: "AdaptiveCard",
      version: "1.5",
      body: [{ type: "NoSuchElement" }, { type: "FactSet", facts: [] }],
      actions: [{ type: "Action.OpenUrl", title: "no url" }],
    };
    const { events } = await render(broken);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["UnknownElementType"]));
    expect(events.length).toBeGreaterThan(1);
  });
});
