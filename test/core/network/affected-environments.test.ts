/** Which environments a network change concerns (events.md v2), from the event's subject alone plus cheap lists. */
import { describe, expect, it } from "vitest";
import { environmentsAffected, networkChangeOf } from "../../../src/core/network/affected-environments.js";
import { readArmEvent } from "../../../src/core/signals/arm-event.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const NET = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network`;
const SPOKE = `${NET}/virtualNetworks/vnet-spoke`;
const ENV_A = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-a/providers/Microsoft.App/managedEnvironments/env-a`,
  infrastructureSubnetId: `${SPOKE}/subnets/snet-aca`,
};
const ENV_B = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-b/providers/Microsoft.App/managedEnvironments/env-b`,
  infrastructureSubnetId: `${NET}/virtualNetworks/vnet-other/subnets/snet-aca`,
};
const ENV_C = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-c/providers/Microsoft.App/managedEnvironments/env-c`,
  infrastructureSubnetId: null,
};
const ENVS = [ENV_A, ENV_B, ENV_C];

describe("networkChangeOf", () => {
  it.each([
    [
      `${NET}/networkSecurityGroups/nsg-aca/securityRules/deny-all-out`,
      { kind: "subnet-policy", id: `${NET}/networkSecurityGroups/nsg-aca` },
    ],
    [`${NET}/routeTables/rt-aca/routes/default`, { kind: "subnet-policy", id: `${NET}/routeTables/rt-aca` }],
    [`${SPOKE}`, { kind: "virtual-network", id: SPOKE }],
    [
      `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io/A/fabrikamacr`,
      {
        kind: "registry-dns",
        id: `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`,
      },
    ],
  ])("%s", (subject, change) => {
    expect(networkChangeOf(subject)).toEqual(change);
  });

  it("near misses: another private zone, a public IP → no change PullGuard follows", () => {
    expect(
      networkChangeOf(
        `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net/A/x`,
      ),
    ).toBeNull();
    expect(networkChangeOf(`${NET}/publicIPAddresses/pip-fw`)).toBeNull();
  });
});

describe("environmentsAffected", () => {
  it("an NSG: the environments on the subnets it is associated with", () => {
    const change = { kind: "subnet-policy", id: `${NET}/networkSecurityGroups/nsg-aca` } as const;
    expect(environmentsAffected(change, ENVS, [`${SPOKE}/subnets/SNET-ACA`])).toEqual([ENV_A.id]);
    expect(environmentsAffected(change, ENVS, [`${SPOKE}/subnets/snet-pe`])).toEqual([]);
  });

  it("an NSG whose subnets are unknown (deleted): every VNet-integrated environment", () => {
    const change = { kind: "subnet-policy", id: `${NET}/networkSecurityGroups/gone` } as const;
    expect(environmentsAffected(change, ENVS, null)).toEqual([ENV_A.id, ENV_B.id]);
  });

  it("a virtual network: the environments whose subnet is in it; a privatelink zone: every VNet-integrated one", () => {
    expect(environmentsAffected({ kind: "virtual-network", id: SPOKE }, ENVS, null)).toEqual([ENV_A.id]);
    expect(environmentsAffected({ kind: "virtual-network", id: `${SPOKE}-2` }, ENVS, null)).toEqual([]);
    expect(environmentsAffected({ kind: "registry-dns", id: "z" }, ENVS, null)).toEqual([ENV_A.id, ENV_B.id]);
  });
});

describe("readArmEvent for network operations", () => {
  const event = (operationName: string, subject: string) => ({
    id: "0d6f5a1e-7b2c-4e9a-8f31-5c4d2b1a0e97",
    subject,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: "2026-11-22T10:15:22.1234567Z",
    data: { operationName, status: "Succeeded", resourceUri: subject, subscriptionId: SUB },
  });

  it("a security rule write → a network target naming the rule", () => {
    const subject = `${NET}/networkSecurityGroups/nsg-aca/securityRules/deny-all-out`;
    expect(readArmEvent(event("Microsoft.Network/networkSecurityGroups/securityRules/write", subject))).toMatchObject({
      outcome: "look",
      target: { kind: "network", resourceId: subject },
    });
  });

  it("near miss: a zone that is not privatelink.azurecr.io is ignored", () => {
    const subject = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/contoso.internal/A/x`;
    expect(readArmEvent(event("Microsoft.Network/privateDnsZones/A/write", subject)).outcome).toBe("ignore");
  });
});
