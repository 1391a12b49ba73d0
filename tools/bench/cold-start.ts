/**
 * Cold start of the function app: bundle it (scripts/bundle.ts), weigh the bundle and the packages left external,
 * then time `import()` of the entry module in fresh Node processes, bundled and unbundled, interleaved so both see the
 * same machine load. Each child reports the time from just before the import to just after it; the parent also
 * times the whole process (spawn to exit: Node's own start-up included).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { bundleFunctionApp } from "../scripts/bundle.js";

const run = promisify(execFile);

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** The installed size of a package and everything it depends on (as npm laid them out in node_modules). */
export function closureBytes(root: string, name: string): { bytes: number; packages: number; installed: boolean } {
  const seen = new Set<string>();
  const dirs: string[] = [];
  const visit = (pkg: string, from: string) => {
    // Nested first (npm puts a conflicting version under the dependent), then the top level.
    const candidates = [join(from, "node_modules", pkg), join(root, "node_modules", pkg)];
    const dir = candidates.find((d) => existsSync(join(d, "package.json")));
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    dirs.push(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dep, dir);
  };
  visit(name, root);
  // A nested node_modules is counted with its parent directory; count each top-level directory once.
  const top = dirs.filter((d) => !dirs.some((other) => other !== d && d.startsWith(`${other}/`)));
  return { bytes: top.reduce((sum, d) => sum + dirBytes(d), 0), packages: seen.size, installed: dirs.length > 0 };
}

async function importTime(file: string): Promise<{ importMs: number; processMs: number }> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); const ms = performance.now() - t; process.stdout.write("\\n@@import-ms " + ms + "\\n");`;
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, NODE_OPTIONS: "" },
    maxBuffer: 10 * 1024 * 1024,
  });
  const processMs = performance.now() - started;
  const match = /@@import-ms ([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`no import time from ${file}: ${stdout.slice(0, 300)}`);
  return { importMs: Number(match[1]), processMs };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export interface ColdStart {
  bundleBytes: number;
  bundleFile: string;
  externals: Array<{ name: string; bytes: number; packages: number; note: string }>;
  runs: number;
  bundled: { importMs: number[]; medianImportMs: number; medianProcessMs: number };
  unbundled: { importMs: number[]; medianImportMs: number; medianProcessMs: number; files: number; bytes: number };
}

/** Files and bytes of dist/src, emulator excluded: what the unbundled entry can load from the build. */
function buildSize(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".js")) {
        files++;
        bytes += statSync(path).size;
      }
    }
  };
  walk(join(root, "dist", "src"));
  return { files, bytes };
}

export async function measureColdStart(root: string, runs = 7): Promise<ColdStart> {
  const bundle = await bundleFunctionApp({ root });
  const externals = bundle.externals.map(({ name, why }) => {
    const size = closureBytes(root, name);
    return {
      name,
      bytes: size.bytes,
      packages: size.packages,
      note: size.installed ? `${why}; ${size.packages} package(s) installed in node_modules` : why,
    };
  });
  // One warm-up each (file system cache), not counted.
  await importTime(bundle.file);
  await importTime(bundle.unbundledEntry);
  const bundled: Array<{ importMs: number; processMs: number }> = [];
  const unbundled: Array<{ importMs: number; processMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    bundled.push(await importTime(bundle.file));
    unbundled.push(await importTime(bundle.unbundledEntry));
  }
  const round = (v: number) => Math.round(v);
  return {
    bundleBytes: bundle.bytes,
    bundleFile: bundle.file,
    externals,
    runs,
    bundled: {
      importMs: bundled.map((r) => round(r.importMs)),
      medianImportMs: round(median(bundled.map((r) => r.importMs))),
      medianProcessMs: round(median(bundled.map((r) => r.processMs))),
    },
    unbundled: {
      importMs: unbundled.map((r) => round(r.importMs)),
      medianImportMs: round(median(unbundled.map((r) => r.importMs))),
      medianProcessMs: round(median(unbundled.map((r) => r.processMs))),
      ...buildSize(root),
    },
  };
}
