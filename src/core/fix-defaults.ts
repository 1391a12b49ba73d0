/**
 * The "auto" column of pull-path.md's finding table: which fixes the default policy applies without a person,
 * which exist but must be switched on (opt-in), and which codes have no automatic fix at all.
 * Every auto fix can be switched off and every opt-in fix switched on by configuration (PULLGUARD_DISABLED_FIXES,
 * PULLGUARD_OPT_IN_FIXES).
 */
import type { PullPathCode } from "./finding.js";

export const FINDING_CODES_WITH_AUTO_FIXES = [
  "registry-not-configured",
  "identity-not-attached",
  "system-identity-disabled",
  "pull-role-missing",
  "abac-mode-legacy-role-only",
  "role-assignment-propagating",
] as const satisfies readonly PullPathCode[];

export const FINDING_CODES_WITH_OPT_IN_FIXES = [
  "registry-uses-admin-credentials",
  "abac-condition-excludes-repository",
  "arm-audience-tokens-disabled",
  "registry-firewall-blocks-environment",
] as const satisfies readonly PullPathCode[];

export type FixAvailability = "auto" | "opt-in" | "none";

export function fixAvailability(code: string): FixAvailability {
  if ((FINDING_CODES_WITH_AUTO_FIXES as readonly string[]).includes(code)) return "auto";
  if ((FINDING_CODES_WITH_OPT_IN_FIXES as readonly string[]).includes(code)) return "opt-in";
  return "none";
}
