/**
 * What the Functions host loads: package.json `main` is the esbuild bundle `npm ci` builds (prepare → build), and
 * importing it in a fresh Node process registers every trigger that src/functions defines, under the same names the
 * infra's Event Grid subscription and alert action group call. `.funcignore` keeps the bundle in the package.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const run = promisify(execFile);

/** Function names as src/functions registers them: app.http("checkApp", ...), app.eventGrid("onResourceEvent", ...). */
function sourceFunctionNames(): string[] {
  const dir = join(ROOT, "src/functions");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) =>
      [...readFileSync(join(dir, f), "utf8").matchAll(/\bapp\.\w+\(\s*"([^"]+)"/g)].map((m) => m[1] ?? ""),
    )
    .sort();
}

describe("the deployed entry", () => {
  const main = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { main: string }).main;

  it("package.json main is the bundle the build writes", () => {
    expect(main).toBe("dist/bundle/functions.mjs");
    expect(existsSync(join(ROOT, main)), "run npm run build (npm ci does it through prepare)").toBe(true);
  });

  it("registers every function of src/functions when the host imports it", async () => {
    const expected = sourceFunctionNames();
    expect(expected).toEqual(
      expect.arrayContaining(["onResourceEvent", "onPullFailureAlert", "sweep", "verifyFix", "checkApp"]),
    );
    // Outside the host, @azure/functions runs in test mode and names each registration it skips: that is the list.
    const { stderr } = await run(
      process.execPath,
      ["--input-type=module", "-e", `await import(${JSON.stringify(join(ROOT, main))});`],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    const registered = [...stderr.matchAll(/register function "([^"]+)"/g)].map((m) => m[1] ?? "").sort();
    expect(registered).toEqual(expected);
  });

  it(".funcignore keeps the bundle and node_modules in the package and leaves the sources out", () => {
    const patterns = readFileSync(join(ROOT, ".funcignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const p of patterns) {
      expect(p.startsWith("/"), `${p} is anchored at the root`).toBe(true);
      expect(main.startsWith(p.slice(1)), `${p} would drop ${main}`).toBe(false);
      expect(p).not.toMatch(/^\/node_modules/);
    }
    expect(patterns).toEqual(expect.arrayContaining(["/src", "/test", "/tools", "/dist/src"]));
  });
});
