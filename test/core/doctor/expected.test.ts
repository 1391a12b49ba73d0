/**
 * The doctor's expectations are infra/'s: the condition, the event subscription's name and the role switches are
 * compared with the templates themselves (evaluated as Bicep builds them), so doctor and infra/ cannot drift apart.
 */
import { describe, expect, it } from "vitest";
import {
  eventSubscriptionName,
  expectedRbacCondition,
  expectedRoles,
  normalizeCondition,
} from "../../../src/core/doctor/expected.js";
import { ROLES } from "../../../src/core/roles.js";
import { loadDeployment, rbacAdministratorCondition } from "../../infra/checks.js";
import { AZD_ENVIRONMENT_NAMES, evaluateName } from "../../infra/checks-deploy.js";

const files = loadDeployment();

describe("what the doctor expects is what infra/ deploys", () => {
  it("the RBAC Administrator condition is the one roles-subscription.bicep writes", () => {
    const { condition } = rbacAdministratorCondition(files);
    expect(condition).not.toBeNull();
    expect(normalizeCondition(expectedRbacCondition())).toBe(normalizeCondition(condition ?? ""));
  });

  it("the event subscription name is the one events.bicep gives, for every azd environment name", () => {
    for (const env of AZD_ENVIRONMENT_NAMES) {
      expect(eventSubscriptionName(env)).toBe(evaluateName(files, "infra/events.bicep", "eventSubscriptionName", env));
    }
  });

  it("the roles follow main.bicep's switches: mode, disabled identity-not-attached, opt-in registry fixes", () => {
    const names = (s: Record<string, string>) => expectedRoles(s).map((r) => r.guid);
    expect(names({ PULLGUARD_MODE: "report" })).toEqual([ROLES.reader]);
    expect(names({ PULLGUARD_MODE: "fix" })).toEqual([
      ROLES.reader,
      ROLES.containerAppsContributor,
      ROLES.rbacAdministrator,
      ROLES.managedIdentityOperator,
    ]);
    expect(names({ PULLGUARD_MODE: "fix", PULLGUARD_DISABLED_FIXES: "identity-not-attached" })).not.toContain(
      ROLES.managedIdentityOperator,
    );
    expect(names({ PULLGUARD_MODE: "fix", PULLGUARD_OPT_IN_FIXES: " registry-firewall-blocks-environment" })).toContain(
      ROLES.registryConfigurationAdministrator,
    );
    expect(names({ PULLGUARD_MODE: "fix", PULLGUARD_OPT_IN_FIXES: "registry-public-access-disabled" })).not.toContain(
      ROLES.registryConfigurationAdministrator,
    );
  });
});
