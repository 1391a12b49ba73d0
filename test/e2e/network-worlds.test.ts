/**
 * The v2 network worlds (test/fixtures/worlds/network-*.json) end to end: emulator over HTTPS → the real
 * @azure/arm-network, @azure/arm-privatedns and @azure/arm-resources clients → readPullFacts → diagnose, and the
 * emulator's own decision of the pull (the revision it evaluated at load). Asserts what each costs in ARM requests
 * and waves, and that a public-path diagnosis reads no network resource at all.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAzureAccess } from "../../src/app/azure-access.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { diagnose } from "../../src/core/diagnose.js";
import { startEmulator } from "../../tools/emulator/index.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { captureIo } from "./fix-helpers.js";

const DIR = join(import.meta.dirname, "../fixtures/worlds");
const load = (name: string) =>
  JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as { expect: { app: string } };

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
});

async function diagnoseWorld(name: string) {
  return diagnoseLoaded(load(name));
}

async function diagnoseLoaded(world: { expect: { app: string } }) {
  const emulator = await startEmulator(world);
  stops.push(() => emulator.stop());
  const access = createAzureAccess(
    { endpoint: emulator.endpoint, credential: emulator.credential, httpClient: emulator.httpClient },
    () => emulator.clock.now(),
  );
  emulator.log.clear();
  const { facts, stats } = await access.readFacts(world.expect.app);
  const { verdict, findings } = diagnose(facts);
  const revision = facts.revision;
  return { verdict, findings, stats, revision, emulator };
}

const failed = (revision: Awaited<ReturnType<typeof diagnoseWorld>>["revision"]): string | null =>
  revision?.readable && revision.found ? revision.provisioningError : "revision not read";

describe("network worlds (v2), diagnosed through the CLI's reader and pulled by the emulator", () => {
  it.each([
    // world, verdict, codes, ARM requests, waves, the emulator's pull fails
    ["network-hub-resolver-dns-server", "healthy", [], 16, 5, false],
    ["network-hub-forwarding-ruleset", "healthy", [], 18, 5, false],
    ["network-hub-without-resolver", "broken", ["registry-public-access-disabled"], 15, 4, true],
    ["network-hub-ruleset-rule-disabled", "broken", ["registry-public-access-disabled"], 18, 5, true],
    ["network-custom-dns", "degraded", ["private-dns-not-proven"], 15, 4, false],
    ["network-nsg-denies", "broken", ["egress-blocked"], 14, 4, true],
    ["network-nsg-allows-first", "healthy", [], 14, 4, false],
    ["network-route-to-appliance", "degraded", ["egress-not-proven"], 15, 4, false],
    ["network-route-to-internet", "healthy", [], 15, 4, false],
  ] as const)("%s: %s %j in %i requests and %i waves (pull fails: %s)", async (name, verdict, codes, requests, waves, fails) => {
    const result = await diagnoseWorld(name);
    expect({ verdict: result.verdict, codes: result.findings.map((f) => f.code) }).toEqual({ verdict, codes });
    expect({ requests: result.stats.armRequests, waves: result.stats.waves }).toEqual({ requests, waves });
    expect(failed(result.revision) !== null).toBe(fails);
  });

  it("the NSG world's pull times out at the private endpoint, and the finding names the rule and the one to add", async () => {
    const { findings, revision } = await diagnoseWorld("network-nsg-denies");
    expect(failed(revision)).toContain("dial tcp 10.20.4.5:443: i/o timeout");
    const [finding] = findings;
    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({
        path: "properties.securityRules[name=deny-all-out]",
        value: { name: "deny-all-out", priority: 4000, access: "Deny", destination: "*" },
      }),
    );
    expect(finding?.fix?.az).toContain("--priority 3990");
    expect(finding?.fix?.az).toContain("--destination-address-prefixes 10.20.4.5/32");
  });

  it("the ruleset world reads the resolver and the ruleset's links and rules through the generic resources client", async () => {
    const { emulator } = await diagnoseWorld("network-hub-forwarding-ruleset");
    const paths = emulator.log
      .entries()
      .filter((e) => e.plane === "arm")
      .map((e) => (e.path.split("?")[0] ?? "").toLowerCase());
    const lists = emulator.log
      .entries()
      .map((e) => decodeURIComponent(e.path).replaceAll("+", " "))
      .filter((p) => /\/resources\?.*resourceType eq 'Microsoft\.Network\/dns/i.test(p));
    expect(lists).toHaveLength(2);
    expect(paths.some((p) => p.endsWith("/dnsresolvers/dnspr-hub/inboundendpoints"))).toBe(true);
    expect(paths.some((p) => p.endsWith("/dnsforwardingrulesets/rs-hub/forwardingrules"))).toBe(true);
    expect(paths.some((p) => p.endsWith("/dnsforwardingrulesets/rs-hub/virtualnetworklinks"))).toBe(true);
  });

  it("a route whose appliance drops the registry (blocksRegistries) fails the pull; PullGuard still cannot prove it", async () => {
    const world = load("network-route-to-appliance") as unknown as { resources: Array<Record<string, unknown>> };
    const table = world.resources.find((r) => String(r.type) === "Microsoft.Network/routeTables") as {
      properties: { routes: Array<{ properties: Record<string, unknown> }> };
    };
    (table.properties.routes[0] as { properties: Record<string, unknown> }).properties.blocksRegistries = true;
    const result = await diagnoseLoaded(world as never);
    expect(failed(result.revision)).toContain("context deadline exceeded");
    expect(result.findings.map((f) => f.code)).toEqual(["egress-not-proven"]);
  });
});

describe("pullguard check --world on the network worlds", () => {
  it.each([
    ["network-hub-forwarding-ruleset", EXIT.ok, "healthy", []],
    ["network-custom-dns", EXIT.ok, "degraded", ["private-dns-not-proven"]],
    ["network-nsg-denies", EXIT.broken, "broken", ["egress-blocked"]],
    ["network-route-to-appliance", EXIT.ok, "degraded", ["egress-not-proven"]],
  ] as const)("%s: exit %i, %s %j", async (name, exit, verdict, codes) => {
    const io = captureIo();
    const world = load(name);
    const code = await runCli(
      ["check", "--world", join(DIR, `${name}.json`), world.expect.app, "--json"],
      cliDeps(io, {}),
    );
    expect(code, io.err()).toBe(exit);
    const doc = JSON.parse(io.out()) as { verdict: string; findings: Array<{ code: string }>; plan: unknown[] };
    expect({ verdict: doc.verdict, codes: doc.findings.map((f) => f.code) }).toEqual({ verdict, codes });
    // Report-only codes: nothing in the plan changes a network.
    expect(JSON.stringify(doc.plan)).not.toMatch(/Microsoft\.Network/i);
  });
});

describe("a public-path diagnosis costs what it did before v2", () => {
  it.each([
    // world, ARM requests and waves as docs/performance.md measures them (issue 14: at most 2 waves) without network reads
    ["identity-not-attached", 9, 2],
    ["registry-firewall-blocks-environment", 9, 2],
    ["pull-role-missing", 6, 2],
  ] as const)("%s: %i requests, %i waves, no NSG, route table, virtual network or DNS resolver read", async (name, requests, waves) => {
    const { stats, emulator } = await diagnoseWorld(name);
    expect({ requests: stats.armRequests, waves: stats.waves }).toEqual({ requests, waves });
    const network = emulator.log
      .entries()
      .filter((e) =>
        /networksecuritygroups|routetables|virtualnetworks|dnsresolvers|dnsforwardingrulesets/i.test(e.path),
      );
    expect(network).toEqual([]);
  });
});
