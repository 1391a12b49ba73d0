/**
 * `npm run package` (after `npm run build`): writes dist/package/, the exact folder azd deploys to the function app
 * (azure.yaml `dist: dist/package`), and nothing else in it:
 *   functions.mjs   the esbuild bundle (dist/bundle/functions.mjs)
 *   host.json
 *   package.json    main: functions.mjs; dependencies: only what the bundle keeps external (bundle.ts's
 *                   BUNDLE_EXTERNALS), less what the Functions host provides
 *   node_modules/   those packages and their production dependencies, copied from the installed node_modules as
 *                   package-lock.json resolves them (Node's lookup: nested first, then up the tree), without what
 *                   Node never reads on the server (package-prune.ts). No network, no dev dependency: a package the
 *                   lock marks "dev" stops the script.
 *
 *   npm run build && npm run package    → dist/package/ (prints its size)
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_EXTERNALS, repositoryRoot } from "./bundle.js";
import { keepFile, unreachableFolders } from "./package-prune.js";

/** Externals the Functions host's Node worker provides at run time: never packaged. */
export const HOST_PROVIDED = ["@azure/functions-core"];

export interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lockfile {
  lockfileVersion?: number;
  packages: Record<string, LockEntry>;
}

/** Where Node finds `name` from the package at lock path `from` ("" is the root): nested first, then up the tree. */
export function resolveInLock(lock: Lockfile, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return null;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut < 0 ? "" : base.slice(0, cut);
  }
}

/**
 * The lock paths of `roots` and everything they need at run time (dependencies, installed optional dependencies,
 * non-optional peers), sorted. Throws when a root is not installed or a needed package is a dev-only one.
 */
export function productionClosure(lock: Lockfile, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (path: string, via: string) => {
    if (seen.has(path)) return;
    const entry = lock.packages[path];
    if (!entry) throw new Error(`package-lock.json has no ${path} (needed by ${via})`);
    if (entry.dev)
      throw new Error(
        `${path} (needed by ${via}) is a dev dependency in package-lock.json: run npm install to fix the lock`,
      );
    seen.add(path);
    const optionalPeer = (n: string) => entry.peerDependenciesMeta?.[n]?.optional === true;
    const needed: Array<[string, boolean]> = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [n, optionalPeer(n)]),
    ];
    for (const [name, optional] of needed) {
      const found = resolveInLock(lock, path, name);
      if (found === null) {
        if (optional) continue;
        throw new Error(`package-lock.json resolves no ${name} for ${path}`);
      }
      visit(found, path);
    }
  };
  for (const root of roots) {
    const path = resolveInLock(lock, "", root);
    if (path === null) throw new Error(`${root} is not in package-lock.json: it must be a dependency in package.json`);
    visit(path, "package.json");
  }
  return [...seen].sort();
}

/** The packages the deploy package lists: the bundle's externals less the host's. */
export function packagedExternals(): string[] {
  return BUNDLE_EXTERNALS.map((e) => e.name).filter((n) => !HOST_PROVIDED.includes(n));
}

export interface PackageResult {
  dir: string;
  bytes: number;
  files: number;
  dependencies: Record<string, string>;
  /** Lock paths copied into node_modules. */
  packages: string[];
}

function folderSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(full);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += statSync(full).size;
      files++;
    }
  }
  return { bytes, files };
}

export function packageFunctionApp(options: { root?: string; outDir?: string } = {}): PackageResult {
  const root = options.root ?? repositoryRoot();
  const dir = options.outDir ?? join(root, "dist", "package");
  const bundle = join(root, "dist", "bundle", "functions.mjs");
  if (!existsSync(bundle)) throw new Error(`no ${bundle}: run npm run build first (it writes the bundle)`);
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lockfile;
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
    engines?: Record<string, string>;
  };
  const externals = packagedExternals();
  const packages = productionClosure(lock, externals);

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(bundle, join(dir, "functions.mjs"));
  cpSync(join(root, "host.json"), join(dir, "host.json"));
  const dependencies = Object.fromEntries(
    externals.map((name) => [name, lock.packages[`node_modules/${name}`]?.version ?? ""]),
  );
  const packageJson = {
    name: manifest.name,
    version: manifest.version,
    private: true,
    type: "module",
    main: "functions.mjs",
    ...(manifest.engines ? { engines: manifest.engines } : {}),
    dependencies,
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  for (const path of packages) {
    const from = join(root, ...path.split("/"));
    if (!existsSync(from)) throw new Error(`${path} is in package-lock.json but not installed: run npm ci`);
    // The package's own run-time files (package-prune.ts); its nested node_modules are copied as their own lock
    // paths (or not needed).
    const unreachable = unreachableFolders(JSON.parse(readFileSync(join(from, "package.json"), "utf8")));
    cpSync(from, join(dir, ...path.split("/")), {
      recursive: true,
      dereference: true,
      filter: (source) => {
        const inner = relative(from, source).split(sep);
        if (inner.includes("node_modules")) return false;
        return source === from || statSync(source).isDirectory() || keepFile(inner.join("/"), unreachable);
      },
    });
  }
  return { dir, ...folderSize(dir), dependencies, packages };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = packageFunctionApp();
  process.stdout.write(
    `packaged ${result.dir}: ${(result.bytes / 1024 / 1024).toFixed(1)} MB in ${result.files} files; ` +
      `dependencies: ${Object.keys(result.dependencies).join(", ")} (${result.packages.length} packages)\n`,
  );
}
