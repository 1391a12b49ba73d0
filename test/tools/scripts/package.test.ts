// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the -e script is JavaScript for a child process, whose ${...} runs there
/**
 * `npm run package` writes the exact folder azd deploys: the bundle, host.json, a package.json listing only the
 * bundle's externals, and their production node_modules. The bundle loads from that folder alone, in a fresh Node
 * process, and no dev dependency is in it. Needs `npm run build` (the bundle), like test/foundation/bundle.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_EXTERNALS } from "../../../tools/scripts/bundle.js";
import {
  HOST_PROVIDED,
  type Lockfile,
  type PackageResult,
  packageFunctionApp,
  productionClosure,
  resolveInLock,
} from "../../../tools/scripts/package.js";
import { keepFile, unreachableFolders } from "../../../tools/scripts/package-prune.js";

const ROOT = join(import.meta.dirname, "../../..");
const run = promisify(execFile);

/** Every installed package in a node_modules tree, as "name@version" with its path. */
function installed(dir: string): Array<{ name: string; path: string }> {
  const found: Array<{ name: string; path: string }> = [];
  const walk = (modules: string) => {
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const dirs = entry.name.startsWith("@")
        ? readdirSync(join(modules, entry.name)).map((n) => join(modules, entry.name, n))
        : [join(modules, entry.name)];
      for (const d of dirs) {
        const manifest = JSON.parse(readFileSync(join(d, "package.json"), "utf8")) as { name: string };
        found.push({ name: manifest.name, path: d });
        if (readdirSync(d).includes("node_modules")) walk(join(d, "node_modules"));
      }
    }
  };
  walk(join(dir, "node_modules"));
  return found;
}

describe("the lock resolution (pure)", () => {
  const lock: Lockfile = {
    packages: {
      "": {},
      "node_modules/a": {
        version: "1.0.0",
        dependencies: { b: "^2", c: "^1" },
        optionalDependencies: { fsevents: "*" },
      },
      "node_modules/a/node_modules/b": { version: "2.0.0" },
      "node_modules/b": { version: "1.0.0", dependencies: { c: "^1" } },
      "node_modules/c": {
        version: "1.0.0",
        peerDependencies: { d: "*", e: "*" },
        peerDependenciesMeta: { e: { optional: true } },
      },
      "node_modules/d": { version: "1.0.0" },
      "node_modules/vitest": { version: "4.0.0", dev: true },
      "node_modules/x": { version: "1.0.0", dependencies: { vitest: "*" } },
    },
  };

  it("resolves like Node: nested first, then up; installed optional and non-optional peers come along", () => {
    expect(resolveInLock(lock, "node_modules/a", "b")).toBe("node_modules/a/node_modules/b");
    expect(resolveInLock(lock, "node_modules/a/node_modules/b", "c")).toBe("node_modules/c");
    expect(productionClosure(lock, ["a"])).toEqual([
      "node_modules/a",
      "node_modules/a/node_modules/b",
      "node_modules/c",
      "node_modules/d",
    ]);
  });

  it("refuses a dev dependency and a root that is not installed", () => {
    expect(() => productionClosure(lock, ["x"])).toThrow(
      /node_modules\/vitest \(needed by node_modules\/x\) is a dev dependency/,
    );
    expect(() => productionClosure(lock, ["nope"])).toThrow(/nope is not in package-lock.json/);
  });

  it("prunes only what Node cannot reach", () => {
    const tshy = {
      exports: {
        ".": { browser: "./dist/browser/index.js", import: "./dist/esm/index.js", require: "./dist/commonjs/index.js" },
      },
    };
    expect(unreachableFolders(tshy)).toEqual(["dist/browser", "dist/react-native", "dist/workerd", "dist/web"]);
    expect(unreachableFolders({ exports: { ".": { node: "./dist/browser/x.js" } } })).not.toContain("dist/browser");
    expect(unreachableFolders({ main: "build/src/index.js" })).toEqual(["build/esm", "build/esnext"]);
    expect(unreachableFolders({ main: "build/esm/index.js" })).toEqual(["build/esnext"]);
    expect(keepFile("dist/esm/index.js", ["dist/browser"])).toBe(true);
    expect(keepFile("dist/browser/index.js", ["dist/browser"])).toBe(false);
    expect(keepFile("dist/esm/index.js.map", [])).toBe(false);
    expect(keepFile("dist/esm/index.d.ts", [])).toBe(false);
    expect(keepFile("LICENSE", [])).toBe(true);
    expect(keepFile("README.md", [])).toBe(false);
  });
});

describe("npm run package", { timeout: 900_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "pullguard-package-")); // outside the repository: no node_modules above it
  let result: PackageResult;

  beforeAll(() => {
    result = packageFunctionApp({ root: ROOT, outDir: join(out, "package") });
  }, 900_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("holds the bundle, host.json, package.json and node_modules, nothing else", () => {
    expect(readdirSync(result.dir).sort()).toEqual(["functions.mjs", "host.json", "node_modules", "package.json"]);
    expect(readFileSync(join(result.dir, "functions.mjs"))).toEqual(
      readFileSync(join(ROOT, "dist/bundle/functions.mjs")),
    );
    expect(readFileSync(join(result.dir, "host.json"), "utf8")).toBe(readFileSync(join(ROOT, "host.json"), "utf8"));
  });

  it("package.json depends on exactly the bundle's externals the host does not provide, at the locked versions", () => {
    const manifest = JSON.parse(readFileSync(join(result.dir, "package.json"), "utf8"));
    expect(manifest.main).toBe("functions.mjs");
    expect(manifest.type).toBe("module");
    const expected = BUNDLE_EXTERNALS.map((e) => e.name).filter((n) => !HOST_PROVIDED.includes(n));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(expected.sort());
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    for (const name of expected) expect(manifest.dependencies[name]).toBe(root.dependencies[name]);
  });

  it("has no dev dependency, and every installed package is one the lock resolves for production", () => {
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as Lockfile;
    const packages = installed(result.dir);
    expect(packages.length).toBe(result.packages.length);
    for (const p of packages) {
      // A root devDependency may be here only as some production package's own dependency (protobufjs depends on
      // @types/node), and then it is typings only: nothing of the dev tooling can run from the package.
      if (Object.keys(root.devDependencies).includes(p.name)) {
        const files = readdirSync(p.path, { recursive: true }).map(String);
        expect(
          files.filter((f) => /\.[cm]?js$/.test(f)),
          p.name,
        ).toEqual([]);
      }
      const lockPath = p.path
        .slice(result.dir.length + 1)
        .split("\\")
        .join("/");
      expect(lock.packages[lockPath]?.dev, lockPath).toBeUndefined();
    }
    expect(packages.map((p) => p.name)).not.toContain("vitest");
    expect(packages.map((p) => p.name)).not.toContain("esbuild");
  });

  it("loads in a fresh Node process with only its own node_modules: every trigger registers, every external loads", async () => {
    const script = [
      `await import(${JSON.stringify(join(result.dir, "functions.mjs"))});`,
      `const { createRequire } = await import("node:module");`,
      `const load = createRequire(${JSON.stringify(join(result.dir, "functions.mjs"))});`,
      `for (const name of ["@azure/arm-network", "@azure/arm-privatedns", "@azure/arm-resources", "applicationinsights"]) {`,
      "  const m = load(name); console.error(`loaded ${name} from ${load.resolve(name)} (${Object.keys(m).length} exports)`); }",
      // Constructing a client loads the OpenTelemetry graph behind it (sdk-node, exporters).
      'const client = new (load("applicationinsights").TelemetryClient)("InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9");',
      "console.error(`applicationinsights TelemetryClient: ${typeof client.trackEvent}`);",
    ].join("\n");
    const { stderr } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: result.dir,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect([...stderr.matchAll(/register function "([^"]+)"/g)].map((m) => m[1])).toEqual(
      expect.arrayContaining(["onResourceEvent", "onPullFailureAlert", "sweep", "verifyFix", "checkApp"]),
    );
    for (const name of ["@azure/arm-network", "@azure/arm-privatedns", "@azure/arm-resources", "applicationinsights"]) {
      expect(stderr).toContain(`loaded ${name} from ${join(result.dir, "node_modules", name)}`);
    }
    expect(stderr).toContain("applicationinsights TelemetryClient: function");
  }, 120_000);

  it("is under 50 MB", () => {
    expect(result.bytes).toBeLessThan(50 * 1024 * 1024);
  });
});
