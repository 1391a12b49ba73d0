/**
 * Findings: the public contract of a diagnosis (spec/pull-path.md, spec/cli.md).
 * The codes are part of the CLI JSON, HTTP JSON, notifications and telemetry: never rename one.
 */

export const PULL_PATH_CODES = [
  "registry-not-configured",
  "registry-uses-admin-credentials",
  "identity-not-attached",
  "system-identity-disabled",
  "environment-identity-missing",
  "identity-not-found",
  "registry-not-found",
  "registry-cross-tenant",
  "pull-role-missing",
  "abac-mode-legacy-role-only",
  "abac-condition-excludes-repository",
  "role-assignment-propagating",
  "role-assigned-via-group",
  "arm-audience-tokens-disabled",
  "registry-public-access-disabled",
  "registry-firewall-blocks-environment",
  "image-not-found",
  "image-quarantined",
  "image-platform-unsupported",
  "egress-blocked",
  "egress-not-proven",
  "private-dns-not-proven",
  "registry-not-acr",
] as const;

/** Codes of cli.md that exist besides those of pull-path.md (both warnings). */
export const TOOL_CODES = ["check-incomplete", "permission-not-proven"] as const;

export type PullPathCode = (typeof PULL_PATH_CODES)[number];
export type FindingCode = PullPathCode | (typeof TOOL_CODES)[number];

export type Severity = "error" | "warning" | "info";
export type Verdict = "healthy" | "degraded" | "broken";

export interface Evidence {
  /** The resource whose field is quoted. */
  resource: string;
  /** Field path as in the ARM JSON, e.g. properties.policies.azureADAuthenticationAsArmPolicy.status. */
  path: string;
  value: unknown;
}

export interface FindingFix {
  summary: string;
  /** The equivalent Azure CLI command a person can run. */
  az: string;
  /** Whether the default policy applies it without a person. */
  auto: boolean;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** Container name; null for a registry entry that no current image uses. */
  container: string | null;
  image: string | null;
  registry: { server: string; id: string | null } | null;
  identity: { ref: string; principalId: string | null } | null;
  message: string;
  evidence: Evidence[];
  fix?: FindingFix;
}
