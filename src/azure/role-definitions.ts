/**
 * Role definitions by ID, each read once per run (a sweep shares one cache across apps): the checks evaluate the
 * definitions' permissions rather than a list of role names. The built-in roles of the pull path come from the
 * shipped snapshot (src/core/built-in-role-definitions.ts) without a request; other GUIDs are read.
 */
import { builtInRoleDefinition } from "../core/built-in-role-definitions.js";
import type { Read, RoleDefinitionFacts } from "../core/facts.js";
import { subscriptionOf } from "../core/resource-id.js";
import { roleGuidOf } from "../core/role-assignment-name.js";
import type { AzureClients } from "./clients.js";
import { readerOn, readOrFailure } from "./errors.js";
import { roleDefinitionFactsFrom, roleDefinitionReadId } from "./role-facts.js";
import type { SharedReads } from "./shared-reads.js";

export interface RoleDefinitionCache {
  /**
   * The definition named by a role assignment's `roleDefinitionId` (full ID or bare GUID). `clientSubscriptionId`
   * picks the SDK client when the ID names no subscription.
   */
  read(roleDefinitionId: string, clientSubscriptionId: string): Promise<Read<RoleDefinitionFacts>>;
}

/** `shared`: the run's shared reads, when definitions may be shared beyond this cache (an event's fresh reads). */
export function createRoleDefinitionCache(clients: AzureClients, shared?: SharedReads): RoleDefinitionCache {
  const byGuid = new Map<string, Promise<Read<RoleDefinitionFacts>>>();
  return {
    read(roleDefinitionId, clientSubscriptionId) {
      const guid = roleGuidOf(roleDefinitionId);
      const builtIn = builtInRoleDefinition(roleDefinitionId);
      if (builtIn) return Promise.resolve({ ...builtIn, readable: true as const, found: true as const });
      let definition = byGuid.get(guid);
      if (!definition) {
        const id = roleDefinitionReadId(roleDefinitionId);
        const client = clients.authorization(subscriptionOf(id) ?? clientSubscriptionId);
        const read = () =>
          readOrFailure(id, readerOn(`the scope of role definition ${guid}`), async () => ({
            // The SDK's URL template is "/{roleId}": an ID with its leading slash would make the path start with "//".
            ...roleDefinitionFactsFrom(await client.roleDefinitions.getById(id.replace(/^\/+/, "")), id),
            readable: true as const,
            found: true as const,
          }));
        definition = shared ? shared.once(`role-definition:${guid}`, read) : read();
        byGuid.set(guid, definition);
      }
      return definition;
    },
  };
}
