/**
 * v2: notifications about a container apps job say "job" (title, text, the workload's row) and show the job's last
 * failed execution (name, start time, status) in every channel; the webhook's data says `appKind: "job"`.
 */
import { describe, expect, it } from "vitest";
import { explanation, headline, type NotificationInput } from "../../src/notify/message.js";
import { slackMessage } from "../../src/notify/slack-message.js";
import { teamsCard } from "../../src/notify/teams-card.js";
import { webhookPayload } from "../../src/notify/webhook-payload.js";
import { ALL_OUTCOMES, brokenDiagnosis, fixedNotification, TENANT } from "./fixtures.js";

const JOB_ID =
  "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-shop/providers/Microsoft.App/jobs/orders-nightly";
const LAST_FAILED = { name: "orders-nightly-29304000", startTime: "2026-11-22T02:00:05.000Z", status: "Failed" };

/** The app's story, told about a job whose newest failed execution is LAST_FAILED. */
function asJob(input: NotificationInput): NotificationInput {
  return { ...input, appId: JOB_ID, appName: "orders-nightly", lastFailedExecution: LAST_FAILED };
}

const jobOutcomes = Object.entries(ALL_OUTCOMES).map(([name, input]) => [name, asJob(input)] as const);

/** Every string inside a JSON value, joined. */
function allText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(allText).join("\n");
  if (value !== null && typeof value === "object") return Object.values(value).map(allText).join("\n");
  return "";
}

describe("a job's message words", () => {
  it("headlines say job, for every outcome, and differ from each other", () => {
    expect(jobOutcomes.map(([, input]) => headline(input))).toEqual([
      "Job orders-nightly cannot pull its image",
      "PullGuard fixed job orders-nightly's image pull",
      "Job orders-nightly can pull again",
      "Job orders-nightly still cannot pull after the fix",
    ]);
  });

  it("the explanation speaks of executions; a fix restarts nothing and starts no execution", () => {
    const texts = jobOutcomes.map(([, input]) => explanation(input));
    expect(texts.filter((t) => /revision|replica|\bapp\b|running again/i.test(t))).toEqual([]);
    expect(explanation(asJob(brokenDiagnosis))).toContain("the job's executions fail to start");
    expect(explanation(asJob(fixedNotification))).toContain(
      "Nothing was restarted and no execution was started: the job's next execution pulls with the fix.",
    );
  });

  it("unresolved with a clean pull path: the run failed, not necessarily the pull; the way to its logs", () => {
    const failedRun = { ...asJob(ALL_OUTCOMES.unresolved), findings: [] };
    expect(headline(failedRun)).toBe("Job orders-nightly's next execution failed after the fix");
    expect(explanation(failedRun)).toBe(
      "Its execution since the fix failed, but a fresh diagnosis finds nothing that blocks the pull: the run may have failed at its own work. Read that execution's logs: az containerapp job logs show --name orders-nightly --resource-group rg-shop --execution orders-nightly-29304000 --container <container>.",
    );
    // An error still found: the pull itself still fails, said as before.
    expect(ALL_OUTCOMES.unresolved.findings.some((f) => f.severity === "error")).toBe(true);
    expect(headline(asJob(ALL_OUTCOMES.unresolved))).toBe("Job orders-nightly still cannot pull after the fix");
  });

  it("an app's words are unchanged", () => {
    expect(headline(brokenDiagnosis)).toBe("orders-api cannot pull its image");
    expect(explanation(fixedNotification)).toContain("restarted the failing revision");
  });
});

describe('a job\'s "fixed" message says what happened to the start (PULLGUARD_START_JOBS_AFTER_FIX)', () => {
  const fixedJob = asJob(fixedNotification);
  const cases: Array<[string, NotificationInput, string]> = [
    [
      "nothing started",
      { ...fixedJob, jobStart: { status: "none" } },
      "Nothing was restarted and no execution was started: the job's next execution pulls with the fix.",
    ],
    [
      "one execution started, named",
      { ...fixedJob, jobStart: { status: "started", execution: "orders-nightly-k3v9x2" } },
      "it started one execution of the job (orders-nightly-k3v9x2) to pull with the fix (PULLGUARD_START_JOBS_AFTER_FIX).",
    ],
    [
      "one execution started, its name unknown",
      { ...fixedJob, jobStart: { status: "started", execution: null } },
      "it started one execution of the job to pull with the fix (PULLGUARD_START_JOBS_AFTER_FIX).",
    ],
    [
      "one execution to be started once the grant has propagated",
      { ...fixedJob, jobStart: { status: "deferred", at: "2026-11-22T12:10:00.000Z" } },
      "no execution was started yet: once the grant has propagated (2026-11-22 12:10 UTC) PullGuard starts one execution of the job",
    ],
  ];

  it.each(cases)("%s: Teams, Slack and the webhook say it", (_, input, words) => {
    expect(explanation(input)).toContain(words);
    expect(allText(teamsCard(input).body)).toContain(words);
    expect(allText(slackMessage(input).blocks)).toContain(words);
    expect(webhookPayload(input).data.summary).toContain(words);
  });

  it("only the message that started (or will start) one says so; no jobStart says nothing started", () => {
    const [, started] = cases[1] ?? [];
    expect(explanation(started as NotificationInput)).not.toContain("no execution was started");
    expect(explanation(fixedJob)).toContain("no execution was started:");
  });
});

describe("a job's message in each channel", () => {
  it.each(jobOutcomes)("Teams, %s: a Job row and the last failed execution", (_, input) => {
    const card = teamsCard(input);
    const facts = card.body.find((e) => e.type === "FactSet")?.facts as Array<{ title: string; value: string }>;
    expect(facts.slice(0, 2)).toEqual([
      { title: "Job", value: "orders-nightly" },
      { title: "Last failed execution", value: "orders-nightly-29304000 · Failed · started 2026-11-22 02:00 UTC" },
    ]);
    expect(facts.some((f) => f.title === "App")).toBe(false);
    expect(allText(card.body[0])).toContain(headline(input));
    expect(card.actions[0]).toMatchObject({ title: "Open orders-nightly in Azure portal" });
  });

  it.each(jobOutcomes)("Slack, %s: a Job field and the last failed execution", (_, input) => {
    const message = slackMessage(input);
    const fields = message.blocks.flatMap((b) => (b as { fields?: Array<{ text: string }> }).fields ?? []);
    expect(fields.map((f) => f.text)).toContain(
      "*Last failed execution*\norders-nightly-29304000 · Failed · started 2026-11-22 02:00 UTC",
    );
    expect(fields[0]?.text).toMatch(
      /^\*Job\*\n<https:\/\/portal\.azure\.com\/#@.*\/jobs\/orders-nightly\|orders-nightly>$/,
    );
    expect(message.text).toContain(headline(input));
  });

  it.each(
    jobOutcomes,
  )("webhook, %s: appKind job and the last failed execution, beside the app's fields", (_, input) => {
    const { data } = webhookPayload(input);
    expect(data).toMatchObject({
      kind: input.kind,
      appId: JOB_ID,
      appName: "orders-nightly",
      appKind: "job",
      lastFailedExecution: LAST_FAILED,
      headline: headline(input),
      summary: explanation(input),
      portalUrl: `https://portal.azure.com/#@${TENANT}/resource${JOB_ID}`,
    });
  });

  it("a job with no failed execution: no row, and null in the webhook", () => {
    const input = { ...asJob(brokenDiagnosis), lastFailedExecution: null };
    const facts = teamsCard(input).body.find((e) => e.type === "FactSet")?.facts as Array<{ title: string }>;
    expect(facts.map((f) => f.title)).not.toContain("Last failed execution");
    expect(JSON.stringify(slackMessage(input))).not.toContain("Last failed execution");
    expect(webhookPayload(input).data.lastFailedExecution).toBeNull();
  });

  it("an app's webhook says appKind app, with no execution", () => {
    expect(webhookPayload(brokenDiagnosis).data).toMatchObject({ appKind: "app", lastFailedExecution: null });
  });
});
