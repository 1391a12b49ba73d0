/**
 * What of an installed package Node never reads on the server, so the deploy package can leave it out:
 *   - source maps (*.map) and type declarations (*.d.ts, *.d.mts, *.d.cts): tools read them, the runtime does not;
 *   - README / CHANGELOG Markdown (licence files stay);
 *   - build variants only other resolvers pick: with "exports", a top-level variant folder (dist/browser,
 *     dist/react-native, ...) that no Node condition (node, import, require, default, module-sync) reaches; without
 *     "exports", build/esm and build/esnext, which only bundlers read (package.json "module" / "esnext"), when "main"
 *     does not point into them.
 * Node resolves a package through "exports" when present and "main" otherwise (nodejs.org/api/packages.html,
 * "Package entry points"); a deep import past "exports" is an error, and none of the packages PullGuard keeps deep-
 * imports another package's bundler build (test/tools/scripts/package.test.ts loads each one from the package).
 */
import { posix } from "node:path";

const NODE_CONDITIONS = new Set(["node", "import", "require", "default", "module-sync"]);
const VARIANTS_WITH_EXPORTS = ["dist/browser", "dist/react-native", "dist/workerd", "dist/web"];
const BUNDLER_BUILDS = ["build/esm", "build/esnext"];

interface Manifest {
  main?: string;
  exports?: unknown;
}

/** Every file path Node can resolve through an "exports" map (conditions it does not use are skipped). */
export function nodeExportTargets(exports: unknown): string[] {
  if (typeof exports === "string") return [exports];
  if (Array.isArray(exports)) return exports.flatMap(nodeExportTargets);
  if (exports === null || typeof exports !== "object") return [];
  return Object.entries(exports as Record<string, unknown>).flatMap(([key, value]) =>
    key.startsWith(".") || NODE_CONDITIONS.has(key) ? nodeExportTargets(value) : [],
  );
}

const clean = (p: string) => posix.normalize(p).replace(/^\.\//, "");

/** The folders (relative to the package) Node never loads from, given its package.json. */
export function unreachableFolders(manifest: Manifest): string[] {
  if (manifest.exports !== undefined) {
    const targets = nodeExportTargets(manifest.exports).map(clean);
    return VARIANTS_WITH_EXPORTS.filter((v) => !targets.some((t) => t === v || t.startsWith(`${v}/`)));
  }
  const main = clean(manifest.main ?? "index.js");
  return BUNDLER_BUILDS.filter((v) => !main.startsWith(`${v}/`));
}

/** Whether a file (path relative to its package, posix separators) is needed at run time. */
export function keepFile(relativePath: string, unreachable: readonly string[]): boolean {
  if (unreachable.some((v) => relativePath === v || relativePath.startsWith(`${v}/`))) return false;
  const name = posix.basename(relativePath);
  if (/\.map$/.test(name) || /\.d\.[cm]?ts$/.test(name)) return false;
  if (/^(readme|changelog|history)(\.\w+)?$/i.test(name) && /\.md$|^[^.]+$/i.test(name)) return false;
  return true;
}
