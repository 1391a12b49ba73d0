/** The lease per workload against Azurite (a real Table service): conditional writes, takeover, release by ETag. */
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTableWorkloadLease, leaseHolderId } from "../../src/azure/workload-lease.js";
import { type RunningAzurite, startAzurite } from "../../tools/dev/azurite.js";

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const APP =
  "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg/providers/Microsoft.App/containerApps/web";
const table = (name: string) =>
  TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
const MINUTE = 60_000;

function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

async function rows(name: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const row of table(name).listEntities()) out.push(row);
  return out;
}

describe("lease per workload (Table Storage)", () => {
  it("one of many concurrent takers wins; the others are told who holds it; release frees it", async () => {
    const c = clock("2026-11-22T12:00:00Z");
    const takers = ["a", "b", "c", "d", "e"].map((holder) =>
      createTableWorkloadLease(table("leaseconcurrent"), { now: c.now, holder, durationMs: 15 * MINUTE }),
    );
    const takes = await Promise.all(takers.map((l) => l.take(APP)));
    const won = takes.filter((t) => t.taken);
    expect(won).toHaveLength(1);
    const [row] = await rows("leaseconcurrent");
    expect(row).toMatchObject({ partitionKey: "app", takenAt: "2026-11-22T12:00:00.000Z" });
    for (const t of takes.filter((x) => !x.taken)) {
      expect(t).toEqual({
        taken: false,
        held: { holder: row?.holder, takenAt: "2026-11-22T12:00:00.000Z", expiresAt: "2026-11-22T12:15:00.000Z" },
      });
    }
    if (!won[0]?.taken) throw new Error("no taker won");
    await won[0].release();
    expect(await rows("leaseconcurrent")).toEqual([]);
    expect((await takers[1]?.take(APP))?.taken).toBe(true);
  });

  it("a crashed holder's lease is taken over once expired, and the old holder's late release leaves the new row", async () => {
    const c = clock("2026-11-22T12:00:00Z");
    const crashed = createTableWorkloadLease(table("leasetakeover"), {
      now: c.now,
      holder: "crashed",
      durationMs: MINUTE,
    });
    const next = createTableWorkloadLease(table("leasetakeover"), { now: c.now, holder: "next", durationMs: MINUTE });
    const first = await crashed.take(APP);
    expect(first.taken).toBe(true);
    c.advance(MINUTE - 1);
    expect(await next.take(APP)).toMatchObject({ taken: false, held: { holder: "crashed" } });
    c.advance(1);
    const second = await next.take(APP);
    expect(second.taken).toBe(true);
    if (first.taken) await first.release(); // ETag no longer matches: Delete Entity answers 412, the row stays
    expect((await rows("leasetakeover")).map((r) => r.holder)).toEqual(["next"]);
    if (second.taken) await second.release();
    expect(await rows("leasetakeover")).toEqual([]);
  });

  it("names a run by host, process and a random part", () => {
    expect(leaseHolderId()).toMatch(new RegExp(`^[^:]+:${process.pid}:[0-9a-f]{8}$`));
    expect(leaseHolderId()).not.toBe(leaseHolderId());
  });
});
