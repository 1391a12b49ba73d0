/**
 * The identities reader: every user-assigned identity the app names (attached, or named by a registry entry), read in
 * wave 2. Its principal is what the assignments reader looks up next; a UAMI named but not attached is known only
 * from this read.
 */
import type { Read, UserAssignedIdentityFacts } from "../../core/facts.js";
import { userAssignedIdentityFactsFrom } from "../app-facts.js";
import { groupAndName } from "../arm-id.js";
import { readerOn, readOrFailure } from "../errors.js";
import { found, onceEach } from "../read-results.js";
import type { ReadContext, Reader } from "./reader.js";

export interface IdentitiesReader extends Reader {
  /** Whether the identity (lower-cased ID) was read. */
  has(id: string): boolean;
  /** Every read so far, keyed by lower-cased ID. */
  facts(): Map<string, Read<UserAssignedIdentityFacts>>;
}

export function createIdentitiesReader(context: ReadContext): IdentitiesReader {
  const { app, clients } = context;
  const identities = new Map<string, Read<UserAssignedIdentityFacts>>();
  const referenced = [
    ...new Map(
      [...app.identity.userAssigned.map((u) => u.id), ...app.registries.map((r) => r.identity ?? "")]
        .filter((ref) => ref.startsWith("/"))
        .map((id) => [id.toLowerCase(), id] as const),
    ).values(),
  ];
  const once = onceEach();

  async function read(id: string): Promise<Read<UserAssignedIdentityFacts>> {
    const at = groupAndName(id);
    if (!at) return { readable: true, found: false, resource: id };
    return context.share(`identity:${id}`, () =>
      readOrFailure(id, readerOn(`identity ${id}`), async () =>
        found(
          userAssignedIdentityFactsFrom(
            await clients.managedIdentities(at.subscriptionId).userAssignedIdentities.get(at.resourceGroup, at.name),
          ),
        ),
      ),
    );
  }

  return {
    name: "identities",
    plan: () =>
      referenced.flatMap((id) =>
        once(`identity:${id.toLowerCase()}`, async () => {
          identities.set(id.toLowerCase(), await read(id));
        }),
      ),
    has: (id) => identities.has(id.toLowerCase()),
    facts: () => identities,
  };
}
