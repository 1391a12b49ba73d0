/**
 * The parts of an ARM resource ID that the readers need to call the SDKs: subscription, resource group and the
 * name-bearing segments. IDs that come back from ARM are taken as they are (no GUID checks, casing kept).
 *
 *   parseArmId("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/a")
 *   → { subscriptionId: "s1", resourceGroup: "rg", provider: "Microsoft.Network",
 *       segments: [["virtualNetworks", "vnet"], ["subnets", "a"]] }
 */

export interface ArmIdParts {
  subscriptionId: string;
  resourceGroup: string | null;
  provider: string | null;
  /** [type, name] pairs after the provider, outermost first. */
  segments: Array<[string, string]>;
  /** The last name in the ID. */
  name: string;
}

export function parseArmId(id: string): ArmIdParts | null {
  const parts = id.split("/").filter((p) => p.length > 0);
  if (parts[0]?.toLowerCase() !== "subscriptions" || !parts[1]) return null;
  const subscriptionId = parts[1];
  let resourceGroup: string | null = null;
  let rest = parts.slice(2);
  if (rest[0]?.toLowerCase() === "resourcegroups" && rest[1]) {
    resourceGroup = rest[1];
    rest = rest.slice(2);
  }
  let provider: string | null = null;
  if (rest[0]?.toLowerCase() === "providers" && rest[1]) {
    provider = rest[1];
    rest = rest.slice(2);
  }
  const segments: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rest.length; i += 2) segments.push([rest[i] ?? "", rest[i + 1] ?? ""]);
  const name = segments.at(-1)?.[1] ?? resourceGroup ?? subscriptionId;
  return { subscriptionId, resourceGroup, provider, segments, name };
}

/** The parent of a child resource ID (`.../virtualNetworks/v/subnets/s` → `.../virtualNetworks/v`). */
export function parentId(id: string): string {
  return id.replace(/\/+$/, "").split("/").slice(0, -2).join("/");
}

/** A resource group and name, for SDK calls: null unless the ID is `/subscriptions/s/resourceGroups/rg/providers/P/T/name`. */
export function groupAndName(id: string): { subscriptionId: string; resourceGroup: string; name: string } | null {
  const parts = parseArmId(id);
  if (!parts?.resourceGroup || parts.segments.length !== 1) return null;
  return { subscriptionId: parts.subscriptionId, resourceGroup: parts.resourceGroup, name: parts.name };
}
