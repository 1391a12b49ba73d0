/** Coalescing the looks a burst of events asks for (src/app/fresh-looks.ts). */
import { describe, expect, it } from "vitest";
import { createFreshLooks } from "../../src/app/fresh-looks.js";

function clock(start = Date.parse("2026-11-30T12:00:00Z")) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms), at: (ms: number) => new Date(start + ms) };
}

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe("fresh looks", () => {
  it("answers an event with a look that started after its change, without looking again", async () => {
    const c = clock();
    const looks = createFreshLooks({ now: c.now, skewMs: 1_000 });
    let runs = 0;
    const look = async () => ++runs;
    c.advance(10_000);
    const first = await looks.after("app:a", c.at(0), look);
    c.advance(5_000);
    const second = await looks.after("app:a", c.at(2_000), look);
    expect(first).toEqual({ value: 1, joined: false });
    expect(second).toEqual({ value: 1, joined: true });
    expect(runs).toBe(1);
  });

  it("queues one more look for events newer than the look in flight; they all share it", async () => {
    const c = clock();
    const looks = createFreshLooks({ now: c.now, skewMs: 1_000 });
    const g = gate();
    let runs = 0;
    const look = async () => {
      runs++;
      if (runs === 1) await g.opened;
      return runs;
    };
    c.advance(10_000);
    const first = looks.after("app:a", c.at(9_500), look); // starts now: too close to its own event to answer later ones
    const later = [1, 2, 3].map(() => looks.after("app:a", c.at(9_800), look));
    g.open();
    expect(await first).toEqual({ value: 1, joined: false });
    expect(await Promise.all(later)).toEqual([
      { value: 2, joined: false },
      { value: 2, joined: true },
      { value: 2, joined: true },
    ]);
    expect(runs).toBe(2);
  });

  it("does not trust an event time from another clock (missing, too old, in the future)", async () => {
    const c = clock();
    const looks = createFreshLooks({ now: c.now, skewMs: 1_000, maxAgeMs: 60_000 });
    let runs = 0;
    const look = async () => ++runs;
    c.advance(600_000);
    await looks.after("app:a", c.at(0), look);
    c.advance(1_000);
    for (const since of [null, c.at(-86_400_000), c.at(10_000_000)]) await looks.after("app:a", since, look);
    expect(runs).toBe(4);
  });

  it("never answers a later event with a look that failed", async () => {
    const c = clock();
    const looks = createFreshLooks({ now: c.now, skewMs: 0 });
    let runs = 0;
    c.advance(10_000);
    await expect(
      looks.after("app:a", c.at(0), async () => {
        runs++;
        throw new Error("503");
      }),
    ).rejects.toThrow("503");
    c.advance(1_000);
    expect(await looks.after("app:a", c.at(0), async () => ++runs)).toEqual({ value: 2, joined: false });
  });

  it("keeps keys apart", async () => {
    const c = clock();
    const looks = createFreshLooks({ now: c.now });
    c.advance(10_000);
    const a = await looks.after("app:a", c.at(0), async () => "a");
    const b = await looks.after("app:b", c.at(0), async () => "b");
    expect([a.value, b.value]).toEqual(["a", "b"]);
  });
});
