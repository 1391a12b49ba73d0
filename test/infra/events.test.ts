import { describe, expect, it } from "vitest";
import { WATCHED_OPERATIONS } from "../../src/core/watched-operations.js";
import { checkAlertRules, checkEventSubscription, loadDeployment, mutate } from "./checks.js";
import { eventFacts } from "./fixtures.js";

const files = loadDeployment();
const SUB = "infra/app/event-subscription.bicep";
const RULES = "infra/app/pull-failure-alert-rules.bicep";

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
    const broken = mutate(
      files,
      SUB,
      "            'Microsoft.App/containerApps/write'\n",
      "            'Microsoft.App/containerApps/write'\n            'Microsoft.App/managedEnvironments/write'\n",
    );
    expect(checkEventSubscription(broken, eventFacts)).toEqual([
      expect.stringContaining('extra ["Microsoft.App/managedEnvironments/write"]'),
    ]);
  });

  it("near miss: the code watching a new operation fails until the filter has it", () => {
    const facts = { ...eventFacts, watchedOperations: [...WATCHED_OPERATIONS, "Microsoft.App/jobs/write"] };
    expect(checkEventSubscription(files, facts)).toEqual([
      expect.stringContaining('missing ["Microsoft.App/jobs/write"]'),
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
  it("matches the failure messages in both tables and splits so that every alert names app and environment", () => {
    expect(checkAlertRules(files, eventFacts)).toEqual([]);
  });

  it("near miss: not splitting by the app name fails (the alert function could not tell which app)", () => {
    const broken = mutate(files, RULES, /\{\n\s*name: 'ContainerAppName_s'[\s\S]*?\n {12}\}\n/, "");
    expect(checkAlertRules(broken, eventFacts)).toEqual([expect.stringContaining("does not name app and environment")]);
  });

  it("near miss: splitting by the environment dropped fails", () => {
    const broken = mutate(
      files,
      RULES,
      "          resourceIdColumn: '_ResourceId' // split by environment: its ID becomes the alert's target\n",
      "",
    );
    const noEnvironmentName = mutate(broken, RULES, /\{\n\s*name: 'EnvironmentName'\n[\s\S]*?\n {12}\}\n/, "");
    expect(checkAlertRules(noEnvironmentName, eventFacts)).toEqual([
      expect.stringContaining("does not name app and environment"),
    ]);
  });

  it("near miss: a split column the query does not return fails", () => {
    const broken = mutate(
      files,
      RULES,
      "by _ResourceId, EnvironmentName, ContainerAppName, RevisionName",
      "by _ResourceId, EnvironmentName, ContainerAppName",
    );
    expect(checkAlertRules(broken, eventFacts)).toEqual([
      expect.stringContaining("splits by RevisionName, which the query does not return"),
    ]);
  });

  it("near miss: a failure message missing from a query fails", () => {
    const broken = mutate(
      files,
      RULES,
      '"Failed to pull image", "ImagePullBackOff", "Persistent Image Pull Errors", "ErrImagePull")\n    or Reason_s',
      '"ImagePullBackOff", "ErrImagePull")\n    or Reason_s',
    );
    expect(checkAlertRules(broken, eventFacts)).toEqual([
      expect.stringContaining('does not match "Failed to pull image"'),
      expect.stringContaining('does not match "Persistent Image Pull Errors"'),
    ]);
  });

  it("near miss: the action group without the common alert schema, or calling another route, fails", () => {
    const group = "infra/app/pull-failure-alerts.bicep";
    const noSchema = mutate(files, group, "useCommonAlertSchema: true", "useCommonAlertSchema: false");
    expect(checkAlertRules(noSchema, eventFacts)).toEqual([
      `${group}: the webhook does not use the common alert schema`,
    ]);
    const otherRoute = mutate(files, group, "/api/alerts/pull-failure?code=", "/api/alerts?code=");
    expect(checkAlertRules(otherRoute, eventFacts)).toEqual([
      expect.stringContaining("does not call /api/alerts/pull-failure"),
    ]);
  });
});
