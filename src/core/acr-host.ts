/**
 * The one rule for Azure Container Registry host names, in the product and its dev backend. ACR serves every
 * registry under `azurecr.io` (public cloud), `azurecr.cn` (Azure China) and `azurecr.us` (Azure US Government),
 * with these endpoint forms (learn.microsoft.com/azure/container-registry/container-registry-endpoint-reference,
 * "Endpoint types"):
 *
 *   myregistry.azurecr.io                    global endpoint: the login server
 *   myregistry.<region>.geo.azurecr.io       regional endpoint: a login server for one geo-replica
 *   myregistry.<region>.data.azurecr.io      dedicated data endpoint: layer downloads only
 *
 * That page documents the public cloud only; the same forms under `azurecr.cn` and `azurecr.us` are an assumption
 * (the sovereign clouds use the same login server form, `<name>.azurecr.cn` / `<name>.azurecr.us`).
 *
 *   isAcrLoginServer("contosoprod.eastus.geo.azurecr.io") → true;  globalLoginServer(it) → "contosoprod.azurecr.io"
 *   isAcrLoginServer("contosoprod.eastus.data.azurecr.io") → false; isAcrHost(it) → true
 */

/** Public, China and US Government clouds. */
const ACR_DOMAIN = /\.azurecr\.(io|cn|us)$/i;
const GLOBAL_LOGIN_SERVER = /^[a-z0-9-]+\.azurecr\.(io|cn|us)$/i;
const REGIONAL_LOGIN_SERVER = /^([a-z0-9-]+)\.[a-z0-9]+\.geo\.(azurecr\.(?:io|cn|us))$/i;

/** The DNS suffixes of ACR in every cloud, for a registry whose login server is not known (it was deleted). */
export const ACR_DOMAINS = ["azurecr.io", "azurecr.cn", "azurecr.us"] as const;

/** Any host ACR serves: a login server (global or regional) or a data endpoint. */
export function isAcrHost(host: string): boolean {
  return ACR_DOMAIN.test(host.trim());
}

/** A host an image can name to pull from ACR: a registry's global or regional (geo-replica) endpoint. */
export function isAcrLoginServer(host: string): boolean {
  const h = host.trim();
  return GLOBAL_LOGIN_SERVER.test(h) || REGIONAL_LOGIN_SERVER.test(h);
}

/** The registry's global login server for any of its login servers (lower case): a regional endpoint maps to it. */
export function globalLoginServer(host: string): string {
  const h = host.trim().toLowerCase();
  const regional = REGIONAL_LOGIN_SERVER.exec(h);
  return regional ? `${regional[1]}.${regional[2]}` : h;
}

const PRIVATE_ZONE = /^privatelink\.azurecr\.(io|cn|us)$/i;

/** The private DNS zone of ACR's private endpoints in a cloud (`privatelink.azurecr.io`, `.cn`, `.us`). */
export function isAcrPrivateZone(zoneName: string): boolean {
  return PRIVATE_ZONE.test(zoneName.trim());
}
