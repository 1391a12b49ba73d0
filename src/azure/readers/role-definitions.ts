/**
 * The role definitions the assignments reader needs: a built-in role of the pull path comes from the shipped snapshot
 * (src/core/built-in-role-definitions.ts) at once, without a request or a wave; any other (a custom role) is read
 * through the run's cache (role-definitions.ts), each GUID once.
 */
import { builtInRoleDefinition } from "../../core/built-in-role-definitions.js";
import { isFound, type RoleDefinitionFacts } from "../../core/facts.js";
import { roleGuidOf } from "../../core/role-assignment-name.js";
import { onceEach, type ReadTask } from "../read-results.js";
import type { ReadContext } from "./reader.js";

export interface RoleDefinitionsReading {
  /** Reads to start for these role definition IDs (none for the snapshot's roles, which are taken at once). */
  plan(roleDefinitionIds: readonly string[]): ReadTask[];
  /** Takes the snapshot's definitions of these IDs, if any (never a request). */
  takeBuiltIns(roleDefinitionIds: readonly string[]): void;
  /** Definitions known so far, by lower-cased GUID. */
  known(): Record<string, RoleDefinitionFacts>;
}

export function createRoleDefinitionsReading(context: ReadContext): RoleDefinitionsReading {
  const definitions = new Map<string, RoleDefinitionFacts>();
  const once = onceEach();

  function takeBuiltIn(roleDefinitionId: string): boolean {
    const builtIn = builtInRoleDefinition(roleDefinitionId);
    if (builtIn && !definitions.has(builtIn.guid)) definitions.set(builtIn.guid, builtIn);
    return builtIn !== undefined;
  }

  return {
    plan(roleDefinitionIds) {
      const tasks: ReadTask[] = [];
      for (const id of roleDefinitionIds) {
        if (takeBuiltIn(id)) continue;
        const guid = roleGuidOf(id);
        tasks.push(
          ...once(`role:${guid}`, async () => {
            const definition = await context.roleDefinitions.read(id, context.app.subscriptionId);
            if (isFound(definition)) {
              const { readable: _readable, found: _found, ...facts } = definition;
              definitions.set(guid, facts);
            }
          }),
        );
      }
      return tasks;
    },
    takeBuiltIns(roleDefinitionIds) {
      for (const id of roleDefinitionIds) takeBuiltIn(id);
    },
    known: () => Object.fromEntries(definitions),
  };
}
