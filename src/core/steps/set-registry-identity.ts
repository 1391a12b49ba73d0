/**
 * set-registry-identity: switch an existing registry entry from admin credentials to a managed identity
 * (registry-uses-admin-credentials). `username` and `passwordSecretRef` leave the entry; the password secret itself
 * stays in `configuration.secrets`, which is never sent.
 */
import type { StepBase } from "../plan-step.js";
import { entryModule, identityLabel, prepareEntries } from "./registry-entries.js";
import type { StepModule } from "./step-module.js";

export interface SetRegistryIdentityStep extends StepBase {
  kind: "set-registry-identity";
  server: string;
  /** "system" or a UAMI resource ID. */
  identity: string;
}

export const setRegistryIdentity: StepModule<SetRegistryIdentityStep> = {
  kind: "set-registry-identity",
  ...entryModule<SetRegistryIdentityStep>(),
  describe: (s) => `use identity ${identityLabel(s.identity)} for registry ${s.server}`,
  prepare: (step, current) =>
    prepareEntries(step, current, (entries, index, entry) => {
      if (!entry) throw new Error(`the registry entry for ${step.server} no longer exists`);
      const { username: _u, passwordSecretRef: _p, ...rest } = entry;
      return entries.map((e, i) => (i === index ? { ...rest, identity: step.identity } : e));
    }),
};
