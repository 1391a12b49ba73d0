#!/usr/bin/env node
// The `pullguard` command. The TypeScript is compiled by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/tools/entry/pullguard.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "pullguard: the CLI is not built yet. Run `npm ci` (or `npm run build`) in the repository root.\n",
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
