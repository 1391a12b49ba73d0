import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The project's real biome.json, in a scratch tree (git settings off: the scratch tree is no checkout).
const scratch = mkdtempSync(join(tmpdir(), "pullguard-lint-"));
const config = JSON.parse(readFileSync("biome.json", "utf8")) as Record<string, unknown>;
delete config.vcs;
delete config.$schema;
writeFileSync(join(scratch, "biome.json"), JSON.stringify(config));
const biome = resolve("node_modules/.bin/biome");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Lints one file placed at the given path of the scratch tree; returns Biome's verdict and diagnostics. */
function lint(filePath: string, source: string): { ok: boolean; output: string } {
  const file = join(scratch, filePath);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  try {
    const run = spawnSync(biome, ["lint", filePath], { cwd: scratch, encoding: "utf8" });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(file);
  }
}

describe("import boundaries (biome.json)", () => {
  it("keeps src/core free of Azure SDKs", () => {
    const result = lint(
      "src/core/probe.ts",
      'import { RestError } from "@azure/core-rest-pipeline";\n\nexport const probe = RestError;\n',
    );
    expect(result.ok).toBe(false);
    expect(result.output).toContain("src/core is pure: Azure SDKs belong in src/azure.");
  });

  it("keeps src/core free of node:fs", () => {
    const result = lint(
      "src/core/probe.ts",
      'import { readFileSync } from "node:fs";\n\nexport const probe = readFileSync;\n',
    );
    expect(result.ok).toBe(false);
    expect(result.output).toContain("src/core is pure: no I/O");
  });

  it("lets src/core hash with node:crypto", () => {
    const result = lint(
      "src/core/probe.ts",
      'import { createHash } from "node:crypto";\n\nexport const probe = createHash;\n',
    );
    expect(result.output).not.toContain("noRestrictedImports");
  });

  it("keeps @azure/functions inside src/functions", () => {
    const source = 'import { app } from "@azure/functions";\n\nexport const probe = app;\n';
    expect(lint("src/app/probe.ts", source).output).toContain("Only src/functions imports @azure/functions.");
    expect(lint("src/functions/probe.ts", source).output).not.toContain("noRestrictedImports");
  });

  it("keeps the emulator and src apart in both directions", () => {
    expect(
      lint("src/azure/probe.ts", 'import { x } from "../../tools/emulator/index.js";\n\nexport const probe = x;\n')
        .output,
    ).toContain("src must not import tools/");
    expect(
      lint("tools/emulator/probe.ts", 'import { x } from "../../src/core/facts.js";\n\nexport const probe = x;\n')
        .output,
    ).toContain("must not import src/");
  });
});
