/**
 * The finding-code table of spec/pull-path.md ("## Finding codes"), parsed from the spec itself so that the
 * tests follow the contract, not a copy of it.
 *
 * Example row: | `image-quarantined` | warning | `policies.quarantinePolicy.status` is `enabled` | report: ... | no |
 * → { code: "image-quarantined", severity: "warning", auto: "no", ... }.
 *
 * Version markers (contract v2): a code cell may carry `**(vN)**` after the code (a code new in that version), and a
 * severity cell may open with `vN:` (a severity rule changed in that version). Both are read into `since` /
 * `severitySince` and taken off; anything else in a code cell is an error, so a malformed row still fails.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const PULL_PATH_SPEC = join(import.meta.dirname, "../../../spec/pull-path.md");
export const CLI_SPEC = join(import.meta.dirname, "../../../spec/cli.md");

export interface SpecRow {
  code: string;
  /** The contract version that added the code (`**(v2)**` after it), or null. */
  since: number | null;
  /** The contract version that changed the severity rule (`v2: ...` in the severity cell), or null. */
  severitySince: number | null;
  /** The severity column as written, e.g. "warning, error when `adminUserEnabled` is false". */
  severity: string;
  evidence: string;
  fix: string;
  /** The auto column as written: "yes", "yes (restart)", "opt-in (...)", "no". */
  auto: string;
}

/** Splits a Markdown table row at its cell borders (pipes inside backticks are kept). */
function cells(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let code = false;
  const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (const c of body) {
    if (c === "`") code = !code;
    if (c === "|" && !code) {
      out.push(current.trim());
      current = "";
    } else current += c;
  }
  out.push(current.trim());
  return out;
}

/** The rows of the table under `## Finding codes`, in the spec's order. */
export function findingTable(markdown = readFileSync(PULL_PATH_SPEC, "utf8")): SpecRow[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^##\s+Finding codes\s*$/.test(l));
  if (start < 0) throw new Error("pull-path.md has no '## Finding codes' section");
  const rows: SpecRow[] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (/^##\s/.test(line)) break;
    if (!line.trim().startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const [code = "", severity = "", evidence = "", fix = "", auto = ""] = cells(line);
    if (code === "code" || /^-+$/.test(code.replace(/[:\s]/g, ""))) continue;
    const codeCell = /^`([^`]+)`(?:\s+\*\*\(v(\d+)\)\*\*)?$/.exec(code);
    if (!codeCell?.[1]) throw new Error(`pull-path.md: a code cell must be \`code\` or \`code\` **(vN)**: ${code}`);
    const severityCell = /^v(\d+):\s*(.*)$/s.exec(severity);
    rows.push({
      code: codeCell[1],
      since: codeCell[2] ? Number(codeCell[2]) : null,
      severity: severityCell ? (severityCell[2] ?? "") : severity,
      severitySince: severityCell ? Number(severityCell[1]) : null,
      evidence,
      fix,
      auto,
    });
  }
  return rows;
}

/** The fix availability the auto column states: "auto" (yes), "opt-in", or "none" (no). */
export function specAvailability(row: SpecRow): "auto" | "opt-in" | "none" {
  const a = row.auto.trim().toLowerCase();
  if (a.startsWith("yes")) return "auto";
  if (a.startsWith("opt-in")) return "opt-in";
  if (a.startsWith("no")) return "none";
  throw new Error(`unknown auto column for ${row.code}: ${row.auto}`);
}

/** The severities a row's severity column names ("warning, error when ..." → ["warning", "error"]). */
export function specSeverities(row: SpecRow): string[] {
  return [...row.severity.matchAll(/\b(error|warning|info)\b/g)].map((m) => m[1] as string);
}

/** What `fix.auto` must be for a code: true only when the spec's auto column says yes (tool codes: never). */
export function specAuto(code: string): boolean {
  const row = findingTable().find((r) => r.code === code);
  return row ? specAvailability(row) === "auto" : false;
}
