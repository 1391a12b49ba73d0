/**
 * Bundles the function app (every trigger file of dist/src/functions) into one ESM file with esbuild, for a faster
 * cold start: one file to read and parse instead of hundreds of modules resolved one by one.
 *
 * Stays external (not bundled; see BUNDLE_EXTERNALS):
 *   - @azure/functions-core: provided by the Functions host's Node worker at run time;
 *   - applicationinsights: its OpenTelemetry instrumentation patches modules as they are required (require-in-the-
 *     middle), which a bundle defeats; it is loaded lazily, only when a connection string is set, from node_modules;
 *   - the network, private DNS and resources SDKs: loaded on first use (src/azure/clients.ts), only for a registry
 *     behind a private endpoint or a firewall; parsing them at every start would double the cold start.
 *
 *   npm run build && npm run bundle        → dist/bundle/functions.mjs (+ .meta.json)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const BUNDLE_EXTERNALS: ReadonlyArray<{ name: string; why: string }> = [
  { name: "@azure/functions-core", why: "provided by the Functions host at run time" },
  { name: "applicationinsights", why: "loaded only when a connection string is set (instrumentation breaks bundled)" },
  { name: "@azure/arm-network", why: "loaded on first use: registries behind a private endpoint or firewall" },
  { name: "@azure/arm-privatedns", why: "loaded on first use: registries behind a private endpoint" },
  { name: "@azure/arm-resources", why: "loaded on first use (not on the diagnosis path)" },
];

export interface BundleResult {
  /** The bundled entry. */
  file: string;
  /** The generated entry that imports every trigger file of the unbundled build. */
  unbundledEntry: string;
  bytes: number;
  externals: Array<{ name: string; why: string }>;
  warnings: number;
}

/** The repository root (dist/tools/scripts/bundle.js → ../../..). */
export function repositoryRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

/** The trigger files of the build: every dist/src/functions/*.js that registers a function with `app.`. */
export function triggerFiles(root = repositoryRoot()): string[] {
  const dir = join(root, "dist", "src", "functions");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".js"))
    .map((f) => join(dir, f))
    .filter((f) => /\bapp\.(http|timer|eventGrid|storageQueue|generic)\(/.test(readFileSync(f, "utf8")));
}

/** "./x.js" or "../src/functions/x.js": a specifier both Node and esbuild resolve from `fromDir`. */
function relativeSpecifier(fromDir: string, file: string): string {
  const path = relative(fromDir, file).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

export async function bundleFunctionApp(options: { root?: string; outDir?: string } = {}): Promise<BundleResult> {
  const root = options.root ?? repositoryRoot();
  const outDir = options.outDir ?? join(root, "dist", "bundle");
  await mkdir(outDir, { recursive: true });
  const imports = triggerFiles(root)
    .map((f) => `import ${JSON.stringify(relativeSpecifier(outDir, f))};`)
    .join("\n");
  // The unbundled twin: the same trigger files, imported from the tsc build as the host would load them.
  const unbundledEntry = join(outDir, "unbundled-entry.mjs");
  await writeFile(unbundledEntry, `${imports}\n`);
  const file = join(outDir, "functions.mjs");
  const result = await build({
    entryPoints: [unbundledEntry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: file,
    minify: true,
    legalComments: "none",
    external: BUNDLE_EXTERNALS.map((e) => e.name),
    metafile: true,
    logLevel: "silent",
    // CommonJS packages inside an ESM bundle still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __pgRequire } from 'node:module'; const require = __pgRequire(import.meta.url);",
    },
  });
  await writeFile(join(outDir, "functions.meta.json"), JSON.stringify(result.metafile));
  return {
    file,
    unbundledEntry,
    bytes: statSync(file).size,
    externals: [...BUNDLE_EXTERNALS],
    warnings: result.warnings.length,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await bundleFunctionApp();
  process.stdout.write(
    `bundled ${result.file}: ${(result.bytes / 1024 / 1024).toFixed(2)} MB; external: ${result.externals.map((e) => e.name).join(", ")}\n`,
  );
}
