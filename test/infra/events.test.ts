// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Bicep text, whose ${...} is theirs, not JavaScript's
import { describe, expect, it } from "vitest";
import { WATCHED_OPERATIONS } from "../../src/core/watched-operations.js";
import { checkEventSubscription, loadDeployment, mutate } from "./checks.js";
import { alertQuery, checkActionGroup, checkAlertQuery, checkAlertSplit, RULES, TERMS } from "./checks-alert.js";
import { eventFacts } from "./fixtures.js";

const files = loadDeployment();
const SUB = "infra/app/event-subscription.bicep";

describe("the Event Grid subscription", () => {
  it("delivers exactly the code's event types and operations to onResourceEvent, with retry and dead-lettering", () => {
    expect(checkEventSubscription(files, eventFacts)).toEqual([]);
  });

  it("near miss: an operation missing from the filter fails", () => {
    const broken = mutate(files, SUB, "            'Microsoft.ManagedIdentity/userAssignedIdentities/delete'\n", "");
    expect(checkEventSubscription(broken, eventFacts)).toEqual([
      expect.stringContaining('missing ["Microsoft.ManagedIdentity/userAssignedIdentities/delete"]'),
    ]);
  });

  it("near miss: an operation the code does not handle fails", () => {
    // Swapped rather than added: the filter holds 25 values, an Event Grid subscription's most across all its filters
    // (a 26th fails a check of its own).
    const broken = mutate(
      files,
      SUB,
      "            'Microsoft.App/jobs/delete'\n",
      "            'Microsoft.App/managedEnvironments/delete'\n",
    );
    expect(checkEventSubscription(broken, eventFacts)).toEqual([
      expect.stringContaining(
        'missing ["Microsoft.App/jobs/delete"], extra ["Microsoft.App/managedEnvironments/delete"]',
      ),
    ]);
  });

  it("near miss: the code watching a new operation fails until the filter has it", () => {
    const facts = { ...eventFacts, watchedOperations: [...WATCHED_OPERATIONS, "Microsoft.App/jobs/stop/action"] };
    expect(checkEventSubscription(files, facts)).toEqual([
      expect.stringContaining('missing ["Microsoft.App/jobs/stop/action"]'),
    ]);
  });

  it("near miss: a 26th operation, even one the code watches, exceeds Event Grid's 25 filter values", () => {
    const added = "Microsoft.App/jobs/stop/action";
    const facts = { ...eventFacts, watchedOperations: [...WATCHED_OPERATIONS, added] };
    const broken = mutate(
      files,
      SUB,
      "            'Microsoft.App/jobs/start/action'\n",
      `            'Microsoft.App/jobs/start/action'\n            '${added}'\n`,
    );
    expect(checkEventSubscription(broken, facts)).toEqual([
      expect.stringContaining("at most 25 filter values across all its advanced filters; found 26"),
    ]);
  });

  it("v2: lets a job's write, delete and start and an environment's write through (events.md)", () => {
    const v2 = [
      "Microsoft.App/jobs/write",
      "Microsoft.App/jobs/delete",
      "Microsoft.App/jobs/start/action",
      "Microsoft.App/managedEnvironments/write",
    ];
    expect(v2.filter((op) => !(WATCHED_OPERATIONS as readonly string[]).includes(op))).toEqual([]);
    const dropped = mutate(files, SUB, "            'Microsoft.App/jobs/start/action'\n", "");
    expect(checkEventSubscription(dropped, eventFacts)).toEqual([
      expect.stringContaining('missing ["Microsoft.App/jobs/start/action"]'),
    ]);
  });

  it("near miss: an event type dropped fails", () => {
    const broken = mutate(files, SUB, "        'Microsoft.Resources.ResourceActionSuccess'\n", "");
    expect(checkEventSubscription(broken, eventFacts)).toEqual([expect.stringContaining("includedEventTypes")]);
  });

  it("near miss: the wrong function, no dead-letter, or a webhook endpoint fails", () => {
    const wrongFunction = mutate(files, SUB, "/functions/onResourceEvent'", "/functions/onPullFailureAlert'");
    expect(checkEventSubscription(wrongFunction, eventFacts)).toEqual([
      expect.stringContaining("onPullFailureAlert is not an Event Grid function"),
    ]);
    const noDeadLetter = mutate(files, SUB, /\n {4}deadLetterWithResourceIdentity: \{[\s\S]*?\n {4}\}\n/, "\n");
    expect(checkEventSubscription(noDeadLetter, eventFacts)).toEqual([
      `${SUB}: no blob dead-letter destination`,
      `${SUB}: no dead-letter container`,
    ]);
    const webhook = mutate(files, SUB, "endpointType: 'AzureFunction'", "endpointType: 'WebHook'");
    expect(checkEventSubscription(webhook, eventFacts)).toEqual([`${SUB}: endpoint type is not AzureFunction`]);
  });

  it("near miss: creating the event subscription in main.bicep (before the code exists) fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "// One module per watched subscription",
      "module events 'events.bicep' = {}\n// One module per watched subscription",
    );
    expect(checkEventSubscription(broken, eventFacts)).toEqual([
      expect.stringContaining("it must wait for the code (postdeploy)"),
    ]);
  });
});

describe("the pull-failure alert", () => {
  it("one rule reads both tables with the terms of the one list and splits so every alert names app and environment", () => {
    expect(checkAlertQuery(files)).toEqual([]);
    expect(checkAlertSplit(files, eventFacts)).toEqual([]);
    expect(checkActionGroup(files, eventFacts)).toEqual([]);
    const query = alertQuery(files);
    expect(query).toMatch(/^union isfuzzy=true\n/);
    expect(query).toContain("Log contains \"reason 'ImagePullFailure'\"");
  });

  it("a term added to the one list reaches the query without touching infra/", () => {
    const terms = JSON.parse(files.get(TERMS) ?? "{}");
    terms.systemLogReasons.push("ImagePullQuotaExceeded");
    terms.systemLogTexts.push("pull access denied");
    const more = new Map(files).set(TERMS, JSON.stringify(terms));
    expect(checkAlertQuery(more)).toEqual([]);
    expect(alertQuery(more)).toContain('"ImagePullQuotaExceeded"');
    expect(alertQuery(more)).toContain('Log contains "pull access denied"');
  });

  it("near miss: a rule per table again (two rules, one conditional) fails", () => {
    const source = files.get(RULES) ?? "";
    const second = source
      .slice(source.indexOf("resource rule "))
      .replace("resource rule ", "resource legacyRule ")
      .replace(/^resource legacyRule '([^']+)' = \{/, "resource legacyRule '$1' = if (true) {");
    const broken = new Map(files).set(RULES, `${source}\n${second}`);
    expect(checkAlertQuery(broken)).toEqual(
      expect.arrayContaining([
        `${RULES}: 2 alert rules, must be one reading both tables`,
        `${RULES}: the alert rule is conditional: it must always be created`,
      ]),
    );
  });

  it("near miss: without isfuzzy, or without the legacy table, fails", () => {
    const strict = mutate(files, RULES, "\nunion isfuzzy=true\n", "\nunion\n");
    expect(checkAlertQuery(strict)).toEqual([expect.stringContaining("does not start with union isfuzzy=true")]);
    const oneTable = mutate(files, RULES, /,\n {4}\(ContainerAppSystemLogs_CL[\s\S]*?Log_s", ""\)\)\)/, "");
    expect(checkAlertQuery(oneTable)).toEqual([`${RULES}: the query does not read ContainerAppSystemLogs_CL`]);
  });

  it("near miss: without the empty datatable leg (a workspace with neither table errors) fails", () => {
    const broken = mutate(files, RULES, /\n {4}\(datatable\([^\n]*\n/, "\n");
    expect(checkAlertQuery(broken)).toEqual([expect.stringContaining("no empty datatable leg")]);
  });

  it("near miss: a column not normalised (Reason_s left as Reason) fails", () => {
    const broken = mutate(files, RULES, 'column_ifexists("Reason_s", "")', 'column_ifexists("Reason", "")');
    expect(checkAlertQuery(broken)).toEqual([
      `${RULES}: ContainerAppSystemLogs_CL leg gives Reason from Reason, must be Reason_s`,
    ]);
  });

  it("near miss: `has` for the texts (whole terms only) misses the quoted and multi-word wording", () => {
    const broken = mutate(files, RULES, "text => 'Log contains", "text => 'Log has");
    expect(checkAlertQuery(broken)).toEqual(
      expect.arrayContaining([expect.stringContaining('Log "Failed to pull image')]),
    );
    const terminated = mutate(
      files,
      RULES,
      'and Log contains "${terms.terminatedReason.logContains}"',
      'and Log has "${terms.terminatedReason.logContains}"',
    );
    expect(checkAlertQuery(terminated)).toEqual([expect.stringContaining("reason 'ImagePullFailure'\" does not fire")]);
  });

  it("near miss: the terms written into the template instead of loaded fails", () => {
    const broken = mutate(
      files,
      RULES,
      "join(map(terms.systemLogReasons, reason => '\"${reason}\"'), ', ')",
      "'\"ImagePullBackOff\"'",
    );
    expect(checkAlertQuery(broken)).toEqual(
      expect.arrayContaining([
        `${RULES}: "ImagePullBackOff" is written into the template: take it from ${TERMS}`,
        expect.stringContaining('Reason "ImagePullUnauthorized"'),
      ]),
    );
  });

  it("near miss: not splitting by the app name fails (the alert function could not tell which app)", () => {
    const broken = mutate(files, RULES, /\{\n\s*name: 'ContainerAppName'[\s\S]*?\n {12}\}\n/, "");
    expect(checkAlertSplit(broken, eventFacts)).toEqual([
      expect.stringContaining("from ContainerAppSystemLogs split by"),
      expect.stringContaining("from ContainerAppSystemLogs_CL split by"),
    ]);
  });

  it("near miss: a split column the query does not return fails", () => {
    const broken = mutate(
      files,
      RULES,
      "by _ResourceId = ResourceId, EnvironmentName, ContainerAppName, RevisionName",
      "by _ResourceId = ResourceId, EnvironmentName, ContainerAppName",
    );
    expect(checkAlertSplit(broken, eventFacts)).toEqual([
      `${RULES}: splits by RevisionName, which the query does not return`,
    ]);
  });

  it("near miss: the action group without the common alert schema, or calling another route, fails", () => {
    const group = "infra/app/pull-failure-alerts.bicep";
    const noSchema = mutate(files, group, "useCommonAlertSchema: true", "useCommonAlertSchema: false");
    expect(checkActionGroup(noSchema, eventFacts)).toEqual([
      `${group}: the webhook does not use the common alert schema`,
    ]);
    const otherRoute = mutate(files, group, "/api/alerts/pull-failure?code=", "/api/alerts?code=");
    expect(checkActionGroup(otherRoute, eventFacts)).toEqual([
      expect.stringContaining("does not call /api/alerts/pull-failure"),
    ]);
  });
});
