/**
 * Every world with an `expect` block (test/fixtures/worlds, and its shared/ (written by people who never saw the
 * emulator), v2/ and jobs/ folders) is diagnosed end to end: emulator over HTTPS → real SDK clients → readPullFacts →
 * diagnose. The verdict, the workload's kind (v2: a job's world says `kind: "job"`), the codes that must and must not
 * appear, and at most 2 sequential waves of ARM requests are asserted (built-in role definitions come from the
 * shipped snapshot).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAzureAccess } from "../../src/app/azure-access.js";
import { diagnose } from "../../src/core/diagnose.js";
import { startEmulator } from "../../tools/emulator/index.js";

interface Expect {
  app: string;
  /** v2: "job" for a job's world; absent for a container app's. */
  kind?: "app" | "job";
  verdict: string;
  must: string[];
  mustNot: string[];
}

const DIRS = [
  join(import.meta.dirname, "../fixtures/worlds"),
  join(import.meta.dirname, "../fixtures/worlds/shared"),
  join(import.meta.dirname, "../fixtures/worlds/v2"),
  join(import.meta.dirname, "../fixtures/worlds/jobs"),
];
const worlds = DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f, world: JSON.parse(readFileSync(join(dir, f), "utf8")) as { expect?: Expect } })),
).filter((w) => w.world.expect);

/** Whether the world gives the environment's subnet an NSG or route table, or has DNS resolvers (v2 reads). */
function readsSubnetOrResolvers(world: object): boolean {
  const types = ((world as { resources?: Array<{ type?: string }> }).resources ?? []).map((r) => r.type ?? "");
  return types.some((t) =>
    /^Microsoft\.Network\/(networkSecurityGroups|routeTables|dnsResolvers|dnsForwardingRulesets|virtualNetworks)$/i.test(
      t,
    ),
  );
}

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
});

describe("diagnosis of every world with expectations", () => {
  it("has worlds to diagnose, one per pull-path code and its repaired twin", () => {
    expect(worlds.length).toBeGreaterThanOrEqual(58);
  });

  for (const { name, world } of worlds) {
    it(`${name}: ${world.expect?.verdict} with ${world.expect?.must.join(", ") || "no required code"}`, async () => {
      const expected = world.expect as Expect;
      const emulator = await startEmulator(world);
      stops.push(() => emulator.stop());
      const access = createAzureAccess(
        { endpoint: emulator.endpoint, credential: emulator.credential, httpClient: emulator.httpClient },
        () => emulator.clock.now(),
      );
      emulator.log.clear();
      const { facts, stats } = await access.readFacts(expected.app);
      const { verdict, findings } = diagnose(facts);
      const codes = findings.map((f) => f.code);
      expect({ verdict, codes }).toMatchObject({ verdict: expected.verdict });
      expect(facts.app.kind).toBe(expected.kind ?? "app");
      for (const code of expected.must) expect(codes).toContain(code);
      for (const code of expected.mustNot) expect(codes).not.toContain(code);
      expect(codes).not.toContain("check-incomplete");
      // v2: the subnet's NSG and route table wait for the virtual network (later waves), DNS resolvers and rulesets for
      // the zones too; network-worlds.test.ts holds each network world to its exact cost.
      expect(stats.waves).toBeLessThanOrEqual(readsSubnetOrResolvers(world) ? 5 : 2);
      expect(stats.armRequests).toBe(emulator.log.count((e) => e.plane === "arm"));
      for (const f of findings) {
        expect(f.evidence.length, `${f.code} has evidence`).toBeGreaterThan(0);
        expect(f.message).not.toMatch(/undefined|\[object Object\]/);
      }
    });
  }
});
