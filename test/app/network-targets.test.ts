/**
 * A network write through the real @azure/arm-network client against the emulator raises the ARM event; PullGuard
 * reads it, maps "NSG → environments → apps" with one environment list, one NSG GET and the app list (no app read),
 * and the diagnosis of the app it finds now names the new rule.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAzureAccess } from "../../src/app/azure-access.js";
import { appsForNetworkChange } from "../../src/app/network-targets.js";
import { networkChangeReads } from "../../src/azure/network-change-reads.js";
import { diagnose } from "../../src/core/diagnose.js";
import { readArmEvent } from "../../src/core/signals/arm-event.js";
import { startEmulator } from "../../tools/emulator/index.js";

const WORLD = join(import.meta.dirname, "../fixtures/worlds/network-nsg-allows-first.json");
const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
});

async function setUp() {
  const emulator = await startEmulator(JSON.parse(readFileSync(WORLD, "utf8")));
  stops.push(() => emulator.stop());
  const access = createAzureAccess(
    { endpoint: emulator.endpoint, credential: emulator.credential, httpClient: emulator.httpClient },
    () => emulator.clock.now(),
  );
  return { emulator, access, reads: networkChangeReads(access.clients) };
}

describe("a network write re-checks the apps of the environments it concerns", () => {
  it("a deny rule added above the allow: the event maps to checkout-web, whose diagnosis is now egress-blocked", async () => {
    const { emulator, access, reads } = await setUp();
    expect(diagnose((await access.readFacts(APP)).facts).verdict).toBe("healthy");
    await access.clients
      .network(SUB)
      .securityRules.beginCreateOrUpdateAndWait("rg-network", "nsg-aca", "deny-all-first", {
        protocol: "*",
        sourcePortRange: "*",
        destinationPortRange: "*",
        sourceAddressPrefix: "*",
        destinationAddressPrefix: "*",
        access: "Deny",
        priority: 200,
        direction: "Outbound",
      });
    await emulator.events.settle();
    const event = emulator.events.published().find((e) => /securityRules\/write$/i.test(String(e.data.operationName)));
    const signal = readArmEvent(event);
    expect(signal).toMatchObject({ outcome: "look", target: { kind: "network" } });
    const target = signal.outcome === "look" && signal.target.kind === "network" ? signal.target.resourceId : "";

    emulator.log.clear();
    const apps = await appsForNetworkChange(target, [SUB], (s) => access.listApps(s), reads);
    expect(apps).toEqual([APP]);
    const paths = emulator.log.entries().map((e) => e.path.split("?")[0] ?? "");
    expect(paths.filter((p) => /containerApps\/[^/]+$/i.test(p))).toEqual([]);
    // The list of apps, v2 the list of jobs (their workloads move with the environment too), the environments, the NSG.
    expect(paths.filter((p) => /\/providers\/Microsoft\.App\/(containerApps|jobs)$/i.test(p))).toHaveLength(2);
    expect(paths).toHaveLength(4);

    const after = diagnose((await access.readFacts(APP)).facts);
    expect(after.findings.map((f) => f.code)).toEqual(["egress-blocked"]);
    expect(after.findings[0]?.evidence[1]?.value).toMatchObject({ name: "deny-all-first", priority: 200 });
  });

  it("near miss: a write to the hub's virtual network concerns no environment", async () => {
    const { access, reads } = await setUp();
    const hub = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
    expect(await appsForNetworkChange(hub, [SUB], (s) => access.listApps(s), reads)).toEqual([]);
  });

  it("without network reads wired, a network event re-checks nothing", async () => {
    const { access } = await setUp();
    const nsg = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-aca`;
    expect(await appsForNetworkChange(nsg, [SUB], (s) => access.listApps(s), undefined)).toEqual([]);
  });
});
