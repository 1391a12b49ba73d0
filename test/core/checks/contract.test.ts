/**
 * The finding codes are a public contract (pull-path.md, cli.md). This file holds the code to the spec's text:
 * the "## Finding codes" table lists exactly PULL_PATH_CODES, CHECKS has one check per code (pull-path codes and the
 * two tool codes of cli.md), and each code's canonical case (scenarios.ts) produces the severity and `fix.auto` the
 * table's columns state, with fix-defaults.ts agreeing with the auto column.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../../../src/core/checks/index.js";
import { diagnose } from "../../../src/core/diagnose.js";
import { type Finding, type FindingCode, PULL_PATH_CODES, TOOL_CODES } from "../../../src/core/finding.js";
import {
  FINDING_CODES_WITH_AUTO_FIXES,
  FINDING_CODES_WITH_OPT_IN_FIXES,
  fixAvailability,
} from "../../../src/core/fix-defaults.js";
import { pullPaths } from "../../../src/core/pull-paths.js";
import { CASES } from "./scenarios.js";
import { CLI_SPEC, findingTable, specAvailability, specSeverities } from "./spec.js";
import { SUB, SUB2 } from "./world.js";

const table = findingTable();
const ALL_CODES: FindingCode[] = [...PULL_PATH_CODES, ...TOOL_CODES];

describe("pull-path.md's finding table is PULL_PATH_CODES", () => {
  it("the table parses into rows with five columns", () => {
    expect(table.length).toBeGreaterThanOrEqual(19);
    for (const row of table) {
      expect(row.code).toMatch(/^[a-z]+(-[a-z]+)+$/);
      expect(row.severity).not.toBe("");
      expect(row.auto).not.toBe("");
    }
  });

  it("reads the version markers (`**(v2)**` after a code, `v2:` before a severity) and rejects other code cells", () => {
    const head = "## Finding codes\n| code | severity | evidence | fix | auto |\n|---|---|---|---|---|\n";
    const [added, changed] = findingTable(
      `${head}| \`new-code\` **(v2)** | error | e | f | no |\n| \`old-code\` | v2: error when x; warning when y | e | f | no |\n`,
    );
    expect(added).toMatchObject({ code: "new-code", since: 2, severity: "error", severitySince: null });
    expect(changed).toMatchObject({ code: "old-code", since: null, severity: "error when x; warning when y" });
    expect(changed?.severitySince).toBe(2);
    expect(() => findingTable(`${head}| \`bad-code\` (v2) | error | e | f | no |\n`)).toThrow(/code cell/);
    expect(table.filter((r) => r.since === 2).map((r) => r.code)).toContain("image-platform-unsupported");
  });

  it("lists exactly the codes of PULL_PATH_CODES, in the same order", () => {
    expect(table.map((r) => r.code)).toEqual([...PULL_PATH_CODES]);
  });

  it("cli.md names the tool codes, which are not pull-path codes", () => {
    const cli = readFileSync(CLI_SPEC, "utf8");
    for (const code of TOOL_CODES) {
      expect(cli).toContain(`\`${code}\``);
      expect(PULL_PATH_CODES as readonly string[]).not.toContain(code);
    }
    expect(new Set(ALL_CODES).size).toBe(ALL_CODES.length);
  });
});

describe("CHECKS: one check per code", () => {
  it("has exactly one check for every code of PULL_PATH_CODES + TOOL_CODES and none for anything else", () => {
    const checkCodes = CHECKS.map((c) => c.code);
    expect(new Set(checkCodes).size).toBe(checkCodes.length);
    expect([...checkCodes].sort()).toEqual([...ALL_CODES].sort());
  });

  it.each(ALL_CODES)("the check for %s reports its own code and no other, on every case", (code) => {
    const check = CHECKS.find((c) => c.code === code);
    expect(check).toBeDefined();
    let own = 0;
    for (const make of Object.values(CASES)) {
      const facts = make();
      for (const path of pullPaths(facts)) {
        for (const finding of check?.run(path, facts) ?? []) {
          expect(finding.code).toBe(code);
          own += 1;
        }
      }
    }
    expect(own).toBeGreaterThan(0);
  });
});

describe("the auto column", () => {
  it.each(table.map((r) => [r.code, r] as const))("%s: fix-defaults.ts agrees with the spec", (code, row) => {
    expect(fixAvailability(code)).toBe(specAvailability(row));
  });

  it("fix-defaults lists only pull-path codes, none twice", () => {
    const both = [...FINDING_CODES_WITH_AUTO_FIXES, ...FINDING_CODES_WITH_OPT_IN_FIXES];
    expect(new Set(both).size).toBe(both.length);
    for (const code of both) expect(PULL_PATH_CODES as readonly string[]).toContain(code);
  });

  it.each(TOOL_CODES)("%s has no automatic fix", (code) => {
    expect(fixAvailability(code)).toBe("none");
  });
});

describe("each code's canonical case produces what the table says", () => {
  it("there is a canonical case for every code", () => {
    expect(Object.keys(CASES).sort()).toEqual([...ALL_CODES].sort());
  });

  it.each(ALL_CODES)("%s: the case produces exactly that finding", (code) => {
    const { findings } = diagnose(CASES[code]());
    expect(findings.map((f) => f.code)).toEqual([code]);
  });

  it.each(
    table.map((r) => [r.code as FindingCode, r] as const),
  )("%s: severity is one the severity column names, and the first one for the plain case", (code, row) => {
    const [finding] = diagnose(CASES[code]()).findings;
    const allowed = specSeverities(row);
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed).toContain(finding?.severity);
    // The canonical case is the plain one, whose severity the column names first (the admin user enabled, no
    // anonymous pull, a group grant 2 hours old); the switches are tested per code.
    expect(finding?.severity).toBe(allowed[0]);
  });

  it.each(
    table.map((r) => [r.code as FindingCode, r] as const),
  )("%s: fix.auto follows the auto column (a fix, when there is one, is automatic only when the column says yes)", (code, row) => {
    const [finding] = diagnose(CASES[code]()).findings;
    const availability = specAvailability(row);
    // Codes with an automatic or opt-in fix must offer one; a code without may still offer a manual one.
    const offered = finding?.fix === undefined ? "no fix" : finding.fix.auto ? "auto" : "not auto";
    const allowed =
      availability === "auto" ? ["auto"] : availability === "none" ? ["no fix", "not auto"] : ["not auto"];
    expect(allowed, `fix offered: ${offered}; auto column: ${availability}`).toContain(offered);
  });

  it.each(TOOL_CODES)("%s is a warning (cli.md: both warnings) whose fix is never automatic", (code) => {
    const [finding] = diagnose(CASES[code]()).findings;
    expect(finding?.severity).toBe("warning");
    expect(finding?.fix?.auto ?? false).toBe(false);
  });
});

describe("docs/findings.md documents every code, with an example true to the code", () => {
  const doc = readFileSync(join(import.meta.dirname, "../../../docs/findings.md"), "utf8");
  /** The JSON example under the code's `## \`code\`` heading, with the placeholders put back. */
  function example(code: string): Finding {
    const section = doc.split(/^## /m).find((s) => s.startsWith(`\`${code}\``));
    const json = section ? /```json\n([\s\S]*?)\n```/.exec(section)?.[1] : undefined;
    if (!json) throw new Error(`docs/findings.md has no example for ${code}`);
    return JSON.parse(json.replaceAll("<sub>", SUB).replaceAll("<sub2>", SUB2)) as Finding;
  }

  it.each(ALL_CODES)("%s: a section whose example is the finding of the code's canonical case", (code) => {
    const [actual] = diagnose(CASES[code]()).findings;
    const documented = example(code);
    // Messages and az lines may be reworded; who, where, the evidence and whether the fix is automatic may not.
    const shape = (f: Finding | undefined) => ({
      code: f?.code,
      severity: f?.severity,
      container: f?.container,
      image: f?.image,
      registry: f?.registry,
      identity: f?.identity,
      evidence: f?.evidence,
      fix: f?.fix ? { auto: f.fix.auto } : undefined,
    });
    expect(shape(documented)).toEqual(shape(actual));
  });

  it("has a section for every code of the spec's table, and links to that table instead of restating it", () => {
    const sections = doc.split(/^## /m).map((s) => /^`([a-z-]+)`/.exec(s)?.[1]);
    expect(table.map((r) => r.code).filter((code) => !sections.includes(code))).toEqual([]);
    expect(doc).toContain("](../spec/pull-path.md#finding-codes)");
    expect(doc).toContain("](../spec/cli.md#check---json-one-app)");
  });
});
