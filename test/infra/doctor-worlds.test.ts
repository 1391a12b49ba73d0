/**
 * The doctor worlds (test/fixtures/worlds/doctor/*.json) are generated from infra/ (the deployment as Bicep builds
 * it, the watched operations, the alert query, the RBAC condition): a change to any of those leaves them stale, and
 * `pullguard doctor --world` then reports drift that is only the fixtures'. This says so by name.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIR, doctorWorlds, worldFileText } from "../fixtures/worlds/doctor/generate.js";

const REGENERATE =
  "regenerate them: npx esbuild test/fixtures/worlds/doctor/generate.ts --bundle --platform=node --format=esm " +
  "--outfile=test/fixtures/gen.mjs --packages=external && node test/fixtures/gen.mjs && rm test/fixtures/gen.mjs";

describe("the doctor worlds are what infra/ generates", () => {
  const worlds = doctorWorlds();

  it("one file per generated world, no other", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));
    expect(files.sort(), REGENERATE).toEqual(worlds.map(([name]) => `${name}.json`).sort());
  });

  it.each(worlds.map(([name, world]) => [name, world] as const))("%s.json is fresh", (name, world) => {
    const onDisk = readFileSync(join(DIR, `${name}.json`), "utf8");
    expect(onDisk === worldFileText(world), `${name}.json differs from what infra/ generates; ${REGENERATE}`).toBe(
      true,
    );
  });
});
