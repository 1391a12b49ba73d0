// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Bicep and azd text, whose ${...} is theirs, not JavaScript's
/** Issue 19: what a first `azd up` meets. Each check passes on the real files and fails on a near miss. */
import { describe, expect, it } from "vitest";
import { loadDeployment, mutate } from "./checks.js";
import {
  checkAzdBuild,
  checkConditionForm,
  checkDeadLetterIdentity,
  checkDeploymentNames,
  checkEventGridNames,
  checkInstanceFloor,
  checkPostdeployDoctor,
  constrainRolesCondition,
  evaluateName,
} from "./checks-deploy.js";

const files = loadDeployment();
const SUB_ROLES = "infra/app/roles-subscription.bicep";

describe("azd builds nothing remotely, and is new enough to honour that", () => {
  it("remoteBuild: false and requiredVersions.azd >= 1.23.12", () => {
    expect(checkAzdBuild(files)).toEqual([]);
  });

  it("near miss: remoteBuild dropped, or true, fails", () => {
    expect(checkAzdBuild(mutate(files, "azure.yaml", /\n {4}remoteBuild: false/, ""))).toEqual([
      "azure.yaml: service api remoteBuild is unset, must be false",
    ]);
    expect(checkAzdBuild(mutate(files, "azure.yaml", "remoteBuild: false", "remoteBuild: true"))).toEqual([
      "azure.yaml: service api remoteBuild is true, must be false",
    ]);
  });

  it("near miss: an azd range that admits 1.23.4 (no remoteBuild) fails", () => {
    const broken = mutate(files, "azure.yaml", '">= 1.23.12"', '">= 1.23.4"');
    expect(checkAzdBuild(broken)).toEqual(["azure.yaml: requiredVersions.azd allows 1.23.4, before 1.23.12"]);
    const none = mutate(files, "azure.yaml", /requiredVersions:\n {2}azd: "[^"]*"\n/, "");
    expect(checkAzdBuild(none)).toEqual([expect.stringContaining("requiredVersions.azd is unset")]);
  });
});

describe("dead-lettering to a storage account without shared keys", () => {
  it("the system topic carries PullGuard's identity and the subscription dead-letters with it", () => {
    expect(checkDeadLetterIdentity(files)).toEqual([]);
  });

  it("near miss: back to deadLetterDestination (Event Grid's own identity) fails", () => {
    const broken = mutate(
      files,
      "infra/app/event-subscription.bicep",
      /deadLetterWithResourceIdentity: \{\n\s*identity: \{[\s\S]*?\n {6}\}\n {6}deadLetterDestination: \{([\s\S]*?)\n {6}\}\n {4}\}/,
      "deadLetterDestination: {$1\n    }",
    );
    expect(checkDeadLetterIdentity(broken)).toEqual([
      expect.stringContaining("deadLetterDestination uses Event Grid's identity"),
      expect.stringContaining("does not use the topic's user-assigned identity"),
      expect.stringContaining("is not param deadLetterIdentityId"),
    ]);
  });

  it("near miss: a topic without the identity, or the identity not passed down, fails", () => {
    const noIdentity = mutate(files, "infra/app/system-topic.bicep", "type: 'UserAssigned'", "type: 'None'");
    expect(checkDeadLetterIdentity(noIdentity)).toEqual([
      "infra/app/system-topic.bicep: the topic has no user-assigned identity",
    ]);
    const notPassed = mutate(files, "infra/main.bicep", "      identityId: identity.outputs.id\n", "");
    expect(checkDeadLetterIdentity(notPassed)).toEqual([
      "infra/main.bicep: module app/watch-subscription.bicep does not pass identityId: identity.outputs.id",
    ]);
  });
});

describe("Event Grid names for every azd environment name", () => {
  it("event subscription and topic names use only a-z, A-Z, 0-9 and '-', and predown deletes the same name", () => {
    expect(checkEventGridNames(files)).toEqual([]);
    expect(evaluateName(files, "infra/events.bicep", "eventSubscriptionName", "team_a.prod(2)")).toBe(
      "pullguard-team-a-prod-2-",
    );
  });

  it("near miss: the raw environment name in the event subscription name fails", () => {
    const broken = mutate(
      files,
      "infra/events.bicep",
      "var eventSubscriptionName = take('pullguard-${safeEnvironmentName}', 64)",
      "var eventSubscriptionName = take('pullguard-${environmentName}', 64)",
    );
    const problems = checkEventGridNames(broken);
    expect(problems).toContain(
      'infra/events.bicep: environment "team_a.prod" gives event subscription name "pullguard-team_a.prod"',
    );
    expect(problems).toContain(
      'infra/hooks/predown.sh: environment "team_a.prod" deletes "pullguard-team-a-prod", events.bicep created "pullguard-team_a.prod"',
    );
  });

  it("near miss: one character left unreplaced, or predown not sanitising, fails", () => {
    const paren = mutate(files, "infra/events.bicep", ", '(', '-')", ", '(', '(')");
    expect(checkEventGridNames(paren)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('environment "pr(42)" gives event subscription name "pullguard-pr(42-"'),
      ]),
    );
    const hook = mutate(files, "infra/hooks/predown.sh", " | tr '_.()' '----'", "");
    expect(checkEventGridNames(hook)).toEqual(
      expect.arrayContaining([expect.stringContaining('environment "team_a.prod" deletes "pullguard-team_a.prod"')]),
    );
  });
});

describe("Flex Consumption instance floor", () => {
  it("maximumInstanceCount accepts 1 to 1000", () => {
    expect(checkInstanceFloor(files)).toEqual([]);
  });

  it("near miss: the preview floor of 40 fails", () => {
    const broken = mutate(files, "infra/app/function-app.bicep", "@minValue(1)\n", "@minValue(40)\n");
    expect(checkInstanceFloor(broken)).toEqual([
      "infra/app/function-app.bicep: maximumInstanceCount is @minValue(40), must be @minValue(1)",
    ]);
  });
});

describe("nested deployment names per environment", () => {
  it("every subscription-scope module deployment name carries the environment", () => {
    expect(checkDeploymentNames(files)).toEqual([]);
  });

  it("near miss: the watch deployment named by subscription only fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "name: take('pullguard-watch-${uniqueString(subscriptionId, environmentName)}-${environmentName}', 64)",
      "name: take('pullguard-watch-${subscriptionId}', 64)",
    );
    expect(checkDeploymentNames(broken)).toEqual([
      "infra/main.bicep: module watch deploys at subscription scope as take('pullguard-watch-${subscriptionId}', 64), without the environment",
    ]);
  });
});

describe("the RBAC Administrator condition is the documented 'constrain roles' form", () => {
  it("equals the template of delegate-role-assignments-examples, filled with AcrPull and Repository Reader", () => {
    expect(checkConditionForm(files)).toEqual([]);
    expect(constrainRolesCondition(["r1"], ["User", "Group"])).toBe(
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {r1} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {r1} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'}))",
    );
  });

  it("near miss: the old all-zero-GUID delete clause fails", () => {
    const broken = mutate(
      files,
      SUB_ROLES,
      /var deleteClause = '.*'\n/,
      "var deleteClause = '(!(ActionMatches{\\'Microsoft.Authorization/roleAssignments/delete\\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {00000000-0000-0000-0000-000000000000})'\n",
    );
    expect(checkConditionForm(broken)).toEqual([expect.stringContaining('not the documented "constrain roles')]);
  });
});

describe("azd up ends with pullguard doctor", () => {
  it("postdeploy runs doctor on the deployed function app after events.bicep, and reports without failing azd", () => {
    expect(checkPostdeployDoctor(files)).toEqual([]);
  });

  it("near miss: doctor left out, or its exit code failing the deploy, fails", () => {
    const gone = mutate(files, "infra/hooks/postdeploy.sh", /\nnode "\$here[^\n]*\n/, "\n");
    expect(checkPostdeployDoctor(gone)).toEqual([
      "infra/hooks/postdeploy.sh does not run pullguard doctor on PULLGUARD_FUNCTION_APP_ID",
      expect.stringContaining("lets pullguard doctor's exit code fail the deploy"),
    ]);
    const strict = mutate(files, "infra/hooks/postdeploy.sh", /\nexit 0\n$/, '\nexit "$status"\n');
    expect(checkPostdeployDoctor(strict)).toEqual([
      "infra/hooks/postdeploy.sh lets pullguard doctor's exit code fail the deploy",
    ]);
  });
});
