/**
 * add-registry-entry: add `{server, identity}` to the app's registries (registry-not-configured). An entry for the
 * server that appeared meanwhile is never overwritten.
 */
import type { StepBase } from "../plan-step.js";
import { entryModule, identityLabel, prepareEntries } from "./registry-entries.js";
import type { StepModule } from "./step-module.js";

export interface AddRegistryEntryStep extends StepBase {
  kind: "add-registry-entry";
  server: string;
  /** "system" or a UAMI resource ID. */
  identity: string;
}

export const addRegistryEntry: StepModule<AddRegistryEntryStep> = {
  kind: "add-registry-entry",
  ...entryModule<AddRegistryEntryStep>(),
  describe: (s) => `add registry ${s.server} with identity ${identityLabel(s.identity)}`,
  prepare: (step, current) =>
    prepareEntries(step, current, (entries, _index, entry) => {
      if (entry) {
        throw new Error(
          `an entry for ${step.server} appeared meanwhile (identity ${String(entry.identity ?? "none")}); PullGuard does not overwrite it`,
        );
      }
      return [...entries, { server: step.server, identity: step.identity }];
    }),
};
