/**
 * The explicit list of checks, one per finding code, in the order their findings are listed for a path: what is
 * configured, who pulls, where the registry is, whether the identity may pull, whether the registry lets the token
 * and the traffic in, whether the image is there, and what could not be checked.
 */
import { abacConditionExcludesRepository } from "./abac-condition-excludes-repository.js";
import { abacModeLegacyRoleOnly } from "./abac-mode-legacy-role-only.js";
import { armAudienceTokensDisabled } from "./arm-audience-tokens-disabled.js";
import type { Check } from "./check.js";
import { checkIncomplete } from "./check-incomplete.js";
import { egressBlocked } from "./egress-blocked.js";
import { egressNotProven } from "./egress-not-proven.js";
import { environmentIdentityMissing } from "./environment-identity-missing.js";
import { identityNotAttached } from "./identity-not-attached.js";
import { identityNotFound } from "./identity-not-found.js";
import { imageNotFound } from "./image-not-found.js";
import { imagePlatformUnsupported } from "./image-platform-unsupported.js";
import { imageQuarantined } from "./image-quarantined.js";
import { permissionNotProven } from "./permission-not-proven.js";
import { privateDnsNotProven } from "./private-dns-not-proven.js";
import { pullRoleMissing } from "./pull-role-missing.js";
import { registryCrossTenant } from "./registry-cross-tenant.js";
import { registryFirewallBlocksEnvironment } from "./registry-firewall-blocks-environment.js";
import { registryNotAcr } from "./registry-not-acr.js";
import { registryNotConfigured } from "./registry-not-configured.js";
import { registryNotFound } from "./registry-not-found.js";
import { registryPublicAccessDisabled } from "./registry-public-access-disabled.js";
import { registryUsesAdminCredentials } from "./registry-uses-admin-credentials.js";
import { roleAssignedViaGroup } from "./role-assigned-via-group.js";
import { roleAssignmentPropagating } from "./role-assignment-propagating.js";
import { systemIdentityDisabled } from "./system-identity-disabled.js";

export type { Check } from "./check.js";

export const CHECKS: readonly Check[] = [
  registryNotAcr,
  registryNotConfigured,
  registryUsesAdminCredentials,
  identityNotFound,
  identityNotAttached,
  systemIdentityDisabled,
  environmentIdentityMissing,
  registryNotFound,
  registryCrossTenant,
  pullRoleMissing,
  abacModeLegacyRoleOnly,
  abacConditionExcludesRepository,
  permissionNotProven,
  roleAssignmentPropagating,
  roleAssignedViaGroup,
  armAudienceTokensDisabled,
  registryPublicAccessDisabled,
  registryFirewallBlocksEnvironment,
  imageNotFound,
  imageQuarantined,
  imagePlatformUnsupported,
  egressBlocked,
  egressNotProven,
  privateDnsNotProven,
  checkIncomplete,
];
